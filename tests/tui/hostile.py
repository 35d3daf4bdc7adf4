"""A corpus of hostile strings (reliability.md items 21-23) and a chat that carries them everywhere."""

from __future__ import annotations

from typing import Any

from chatmod.core.models import Mention, Message
from tests.conftest import at

MARKUP = [
    "[bold]x", "[/]", "[/", "[0]", "[a[0]]", "[link=https://x]y[/link]", "[@click=app.quit]z[/]", "\\[",
    "[$accent]", "[b", ":warning:",
]
ESCAPES = [
    "\x1b[2J", "\x1b[6n", "\x1b]52;c;cm0gLXJmIH4=\x07", "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "\x1b]0;pwned\x07", "\x1bP+q\x1b\\", "\x1b_apc\x1b\\", "\x9b31m", "\x07", "\r", "\x1b]unterminated",
]
INVISIBLE = ["\u202e", "\u2066", "\u2069", "\u200b", "\u200d", "\u200e"]

# Sequences that must never reach the terminal from message content.
FORBIDDEN_OUTPUT = ["\x1b[2J", "\x1b[6n", "\x1b]52", "\x1b]8;;https://evil", "\x1b]0;pwned", "\x1bP", "\x1b_", "\x9b", "\x07"]


def _raw(ident: str, clock: str, author: str, text: str, **extra: Any) -> Message:
    # model_construct skips the model's own cleaning: the console must be safe on its own.
    fields = {"network": "twitter", "id": ident, "author": author, "created_at": at(clock), "text": text, "mentions": (Mention(handle="mshost"),),
                  "hashtags": (), "reply_to_id": None, "reply_to_author": None, "repost_of": None, "repost_of_author": None,
                  "quote_of": None, "url": None, "lang": None, "edited": False, "deleted": False, "truncated": False, "raw": None,
                  "author_id": None, "display_name": None, "reply_source": None}
    fields.update(extra)
    return Message.model_construct(**fields)


def hostile_chat() -> list[Message]:
    """A host question, then one ball per hostile string (in the text, the name, the hashtags)."""
    messages = [_raw("q1", "0:00", "mshost", "Q1: anything goes today #edchat")]
    for n, bad in enumerate([*MARKUP, *ESCAPES, *INVISIBLE]):
        messages.append(_raw(
            f"h{n}", f"0:{n + 10:02d}", f"user{n}", f"@mshost A1 {bad} is this ok? #edchat",
            display_name=f"{bad}name", hashtags=(f"{bad}tag",),
        ))
    messages.append(_raw("sp", "0:59", "m\u202esrivera", "@mshost [@click=app.quit]click me[/] ok?"))
    return messages
