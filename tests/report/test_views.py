"""The public recap (``report --recap``) and the host's follow-up list (``report --followups``)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from conftest import Chat, hostile_chat, multi_chat, small_chat

from chatmod.core.ledger import Ball, Status
from chatmod.core.smalltalk import small_talk
from chatmod.report import VIEW_FORMATS, render
from chatmod.report.model import BallItem, Report
from chatmod.report.views import CARRIED_SHOWN, recap_text

# -- small talk --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "thanks @host!", "@host Thanks Jeff! #chat", "Hi all, Mike from Ohio checking in #chat",
    "Great chat, see you next week 👋", "@host Good afternoon #chat", "Agreed!", "@host Cheers for hosting as always!",
    "Have a great weekend everyone", "Hey everyone!",
])
def test_greetings_thanks_and_goodbyes_are_small_talk(text):
    assert small_talk(text)


@pytest.mark.parametrize("text", [
    "thanks for the tip on pester, trying it tomorrow", "@host how do you grade homework?",
    "@host I have learned so much I need to rest my brain",
    "@host @other", "https://example.com/slides", "", "Is that available on your GitHub repository?",
])
def test_a_word_of_substance_makes_it_worth_a_look(text):
    assert not small_talk(text)


# -- the recap ---------------------------------------------------------------------------------


def test_the_recap_never_lists_a_dropped_ball():
    chat = small_chat()
    out = render(chat.report(), "md", "recap")
    # Carol's "what about late work?" and Eve's thanks were dropped: the recap is public.
    assert "late work" not in out and "Dropped" not in out and "great chat" not in out
    assert "follow up" not in out.lower()


def test_the_recap_tells_each_question_with_highlights_and_who_took_part():
    chat = small_chat()
    out = render(chat.report(), "md", "recap")
    assert out.startswith("# #chat recap — Tuesday 5 March 2024\n")
    assert "## The questions" in out and "### Q1 · 17:01 UTC" in out and "### Q2 · 17:05 UTC" in out
    assert "> Q1: How do you grade homework?\n" in out
    q1 = out.split("### Q1")[1].split("### Q2")[0]
    assert "- **@carol**: A1 Mostly written feedback" in q1  # the chat's own tag is dropped
    assert "#chat" not in q1.split("\n\n", 2)[2].replace("\\#chat", "")
    assert "## Questions the host team answered" in out
    answered = out.split("## Questions the host team answered")[1].split("## Who took part")[0]
    assert "“how do you grade?”" in answered and "↳ **@mshost**: “I use rubrics”" in answered
    assert "Thank you to all 4: @bob, @carol, @dave, @eve." in out


def test_highlights_prefer_answers_that_drew_replies_then_fuller_ones():
    chat = Chat()
    chat.say(0, "mshost", "Q1: What do you read? #chat")
    short = chat.say(10, "ann", "A1 novels #chat")
    chat.say(20, "ben", "A1 mostly long technical books about compilers and databases #chat")
    chat.say(30, "cal", "A1 blogs, newsletters and the odd paper #chat")
    chat.say(40, "dee", "A1 comics #chat")
    chat.say(50, "eve", "A1 thanks! #chat")
    chat.say(60, "fay", "@ann which ones? #chat", reply_to_id=short, reply_to_author="ann")
    chat.say(70, "gus", "@ann same here #chat", reply_to_id=short, reply_to_author="ann")
    question = chat.report().sessions[0].questions[0]
    assert [a.author for a in question.highlights] == ["ann", "ben", "cal"]
    out = render(chat.report(), "md", "recap")
    assert "- … and 4 more answers" in out  # the replies to ann are in the thread too


def test_a_chat_without_numbered_questions_is_told_by_its_conversations():
    chat = Chat()
    first = chat.say(0, "mshost", "What are you all working on this month? #chat")
    a = chat.say(30, "ann", "@mshost a new module for backups #chat", reply_to_id=first, reply_to_author="mshost")
    chat.say(60, "mshost", "@ann nice, on the gallery yet? #chat", reply_to_id=a, reply_to_author="ann")
    chat.say(90, "ben", "@ann I would use that #chat", reply_to_id=a, reply_to_author="ann")
    chat.say(120, "cal", "unrelated musing #chat")
    out = render(chat.report(), "md", "recap")
    assert "## Conversations" in out and "The host team posted no numbered questions" not in out
    assert "### @mshost · 17:00 UTC" in out and "*4 messages from 3 people*" in out
    assert "- **@mshost**: nice, on the gallery yet?" in out
    assert "unrelated musing" not in out  # a lone post is not a conversation


def test_recap_text_drops_the_reply_handles_and_the_chats_tag_only():
    assert recap_text("@a @b@x.social so true #Chat", "chat") == "so true"
    assert recap_text("@a #chat", "chat") == "@a #chat"  # nothing left: unchanged
    assert recap_text("love #chat and #other", "chat") == "love #chat and #other"


def test_a_recap_of_several_chats_tells_each_and_skips_stray_posts():
    chat = multi_chat()
    chat.say(3 * 24 * 3600, "zed", "@mshost anyone around? #chat")  # a stray between chats
    out = render(chat.report(), "md", "recap")
    assert out.startswith("# #chat recap — 2 sessions, 5 March 2024 to 12 March 2024")
    assert out.count("\n## ") == 2 and "anyone around" not in out


# -- the follow-up list ------------------------------------------------------------------------


def test_the_follow_up_list_puts_questions_first_and_folds_small_talk():
    out = render(small_chat().report(), "md", "followups")
    assert out.startswith("# #chat follow-ups — Tuesday 5 March 2024\n")
    assert "1 ball needs an answer, 1 question among them. 1 greeting or thank-you not listed" in out
    assert "## Questions (1)" in out and "what about late work?" in out
    assert "thanks @mshost great chat" not in out  # folded into the count
    assert "Also dropped: 1 greeting or thank-you (@eve); nothing to answer." in out
    assert "· id 1008" in out  # to mark it: chatmod followups --answered 1008
    assert "Answered" not in out and "Recap" not in out


def test_a_follow_up_list_with_nothing_open_says_so():
    chat = Chat()
    chat.say(0, "mshost", "Q1: Go #chat")
    chat.say(10, "bob", "@mshost why?")
    chat.say(20, "mshost", "@bob because")
    assert "Nothing needs an answer" in render(chat.report(), "md", "followups")


def _dropped(n: int, question: bool, text: str = "") -> BallItem:
    at = datetime(2026, 1, 2, 18, tzinfo=UTC)
    ball = Ball(str(n), f"p{n}", question, None, 1, at, status=Status.DROPPED)
    return BallItem(ball, display_name=None, text=text or f"what about topic {n}", url=None, waited_s=0.0)


def test_carried_over_balls_are_capped_questions_first_and_the_aged_ones_counted():
    carried = [_dropped(n, n % 5 == 0) for n in range(30)] + [_dropped(99, False, "thanks @h!")]
    report = Report("x", "edchat", ("h",), (), [], 0, carried, aged_out=7)
    out = render(report, "md", "followups")
    assert f"## Carried over from earlier sessions ({30})" in out
    listed = re.findall(r"· (question|comment) ·", out)
    assert listed[:6] == ["question"] * 6 and len(listed) == CARRIED_SHOWN
    assert f"… and {30 - CARRIED_SHOWN} more: `chatmod followups` lists them all." in out
    assert "7 older balls from before the last 4 sessions aged out (chatmod followups lists them)" in out
    assert "thanks @h" not in out


def test_an_archive_of_many_sessions_lists_only_the_chats_last_sessions():
    chat = Chat()
    week = 7 * 24 * 3600
    for n in range(6):
        chat.say(n * week, "mshost", f"Q1: week {n}? #chat")
        chat.say(n * week + 60, f"p{n}", f"@mshost what about week {n} homework? #chat")
    report = chat.report()
    report.follow_up_sessions = 2
    out = render(report, "md", "followups")
    assert "week 5 homework" in out and "week 4 homework" in out and "week 3 homework" not in out
    assert "4 older balls from before the last 2 sessions aged out (the full report lists them)." in out
    assert out.startswith("# #chat follow-ups — 2 sessions, 2 April 2024 to 9 April 2024")


# -- both views, both formats ------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [v or "" for k, v in attrs if k == "href"]


@pytest.mark.parametrize("view", ["recap", "followups"])
@pytest.mark.parametrize("fmt", VIEW_FORMATS)
def test_hostile_text_stays_text_in_both_views(view, fmt):
    out = render(hostile_chat().report(), fmt, view)
    assert "\x1b" not in out and "\x9b" not in out
    if fmt == "html":
        parser = _Tags()
        parser.feed(out)
        assert "script" not in parser.tags and "img" not in parser.tags and "i" not in parser.tags
        assert all(h.startswith(("https://twitter.com/", "https://x.example/")) for h in parser.links)
        assert "<script" not in out
        if view == "followups":
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
        assert "Made by chatmod from <bdi>test</bdi>" in out
    else:
        markdown_it = pytest.importorskip("markdown_it")
        page = markdown_it.MarkdownIt("gfm-like").enable("linkify").render(out)
        hrefs = re.findall(r'<a href="([^"]*)"', page)
        assert all(h.startswith(("https://twitter.com/", "https://x.example/")) for h in hrefs)
        for tag in ("<img", "<script", "<div", "<i>", "<code"):
            assert tag not in page, tag


@pytest.mark.parametrize("view", ["recap", "followups"])
def test_json_and_csv_hold_every_ball_already(view):
    with pytest.raises(ValueError, match=f"the {view} view is written as md or html, not json"):
        render(small_chat().report(), "json", view)


def test_a_ball_caught_without_the_hashtag_is_marked_untagged_in_every_format():
    chat = Chat()
    chat.say(0, "mshost", "Q1: How do you grade homework? #chat")
    question = chat.say(30, "carol", "@mshost do you grade on weekends?", untagged=True)
    chat.say(60, "bob", "@mshost what rubric do you use? #chat")
    report = chat.report()
    for view in ("full", "followups"):
        md = render(report, "md", view)
        marked = [line for line in md.splitlines() if "untagged" in line]
        assert len(marked) == 1 and "@carol" in marked[0], view
        html = render(report, "html", view)
        assert html.count('class="untagged"') == 1, view
    balls = [b for s in json.loads(render(report, "json"))["sessions"] for b in s["dropped"]]
    assert {b["id"]: b["untagged"] for b in balls} == {question: True, "1002": False}
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert {r["id"]: r["untagged"] for r in rows} == {question: "yes", "1002": ""}
