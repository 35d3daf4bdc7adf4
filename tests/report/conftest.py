"""Small hand-written chats, run through the real pipeline into reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chatmod.core.handles import HostTeam
from chatmod.core.models import Message
from chatmod.report import Report, build_report

TEAM = HostTeam(["mshost"], ["cohost"])
TUESDAY = datetime(2024, 3, 5, 17, 0, tzinfo=UTC)


class Chat:
    """Messages in chronological order; ``say(seconds, author, text)`` adds one."""

    def __init__(self, start: datetime = TUESDAY) -> None:
        self.start = start
        self.messages: list[Message] = []

    def say(self, seconds: float, author: str, text: str, **fields: object) -> str:
        ident = str(1000 + len(self.messages))
        fields.setdefault("url", f"https://twitter.com/{author}/status/{ident}")
        self.messages.append(
            Message(
                network="twitter",
                id=ident,
                author=author,
                created_at=self.start + timedelta(seconds=seconds),
                text=text,
                **fields,
            )
        )
        return ident

    def report(self, tag: str | None = "chat") -> Report:
        return build_report(self.messages, TEAM, source="test", tag=tag)


def small_chat(chat: Chat | None = None) -> Chat:
    """Two questions, one ball answered in a minute, a dropped question, a dropped thanks."""
    chat = chat or Chat()
    chat.say(0, "mshost", "Welcome to #chat! Introduce yourselves")
    chat.say(30, "bob", "Hi, I'm Bob, I teach maths #chat", display_name="Bob Builder")
    chat.say(60, "mshost", "Q1: How do you grade homework? #chat")
    chat.say(90, "bob", "A1 I use points #chat", display_name="Bob Builder")
    chat.say(100, "carol", "A1 Mostly written feedback #chat", display_name="Carol")
    chat.say(120, "bob", "@mshost how do you grade? #chat", display_name="Bob Builder")
    chat.say(180, "mshost", "@bob I use rubrics")  # answers bob in 1m
    chat.say(200, "dave", "@carol love that #chat")  # between participants
    chat.say(240, "carol", "@mshost what about late work? #chat", display_name="Carol")
    chat.say(300, "mshost", "Q2: Which tools do you use? #chat")
    chat.say(320, "carol", "A2 Spreadsheets #chat", display_name="Carol")
    chat.say(330, "dave", "A1 late one: peer review #chat")  # late: Q2 is open
    chat.say(400, "eve", "thanks @mshost great chat #chat")  # a comment, dropped
    chat.say(900, "bob", "A2 paper and pen #chat", display_name="Bob Builder")
    return chat


@pytest.fixture
def small() -> Report:
    return small_chat().report()


HOSTILE = {
    "csi": "\x1b[2J clear screen",
    "osc52": "\x1b]52;c;ZWNobyBwd25lZA==\x07 clipboard",
    "c1": "\x9b31m eight-bit CSI",
    "rich": "[bold]x[/] and [@click=app.quit]z[/]",
    "script": "<script>alert(1)</script>",
    "formula": '=HYPERLINK("http://x")',
    "bold": "**bold** and _em_ and `code`",
    "image": "![img](http://x/y.png)",
    "jslink": "[link](javascript:alert(1))",
    "rlo": "abc\u202edcba txt.exe",
    "heading": "# heading\n- list\n1. ordered\n> quote\n<div>raw</div>",
    "table": "a | b | c",
    "entity": "&lt;b&gt; &amp; &#x2028;",
    "autolink": "see https://evil.example/x and www.evil.example and me@evil.example",
}
LONG = "long " * 1000  # 5,000 characters


def hostile_chat() -> Chat:
    chat = Chat()
    chat.say(0, "mshost", "Q1: Say anything <b>at all</b> #chat")
    seconds = 10
    for name, text in HOSTILE.items():
        author = f"x{name}"
        chat.say(seconds, author, f"A1 {text}")
        name_html = f"<i>{name}</i> [n](javascript:x)"
        chat.say(seconds + 1, author, f"@mshost {text}", display_name=name_html)
        seconds += 200  # far apart: separate balls, not bursts
    chat.say(seconds, "=cmd|' /C calc'!A0", "=1+1 @mshost what now?")
    chat.say(seconds + 200, "xlong", "@mshost " + LONG)
    chat.say(
        seconds + 400, "xurl", "@mshost what is this link?", url="javascript:alert(document.cookie)"
    )
    chat.say(
        seconds + 600, "xquote", "@mshost why?", url='https://x.example/a"onmouseover="alert(1)'
    )
    return chat


@pytest.fixture
def hostile() -> Report:
    return hostile_chat().report()


def multi_chat() -> Chat:
    """The small chat, then a second session a week later."""
    chat = small_chat()
    week = 7 * 24 * 3600
    chat.say(week + 0, "mshost", "Q1: What did you try this week? #chat")
    chat.say(week + 30, "bob", "A1 rubrics! #chat")
    chat.say(week + 40, "frank", "@mshost can you share the slides? #chat")
    chat.say(week + 100, "cohost", "@frank here they are")
    chat.say(week + 200, "frank", "A1 nothing yet #chat")
    return chat


@pytest.fixture
def multi() -> Report:
    return multi_chat().report()
