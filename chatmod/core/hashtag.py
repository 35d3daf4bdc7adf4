"""Provides the one test of whether a message carries a chat's hashtag.

The chat's hashtag is compared folded (case, width and look-alikes, see ``fold``). A source that
lists a message's hashtags is believed; for one that lists none (a hand-written native file,
plain text), the tag written as a word in the text counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from chatmod.core.models import Message
from chatmod.core.text import fold

__all__ = ["carries_tag"]


def carries_tag(tag: str) -> Callable[[Message], bool]:
    """A test of whether a message carries ``#tag`` (given with or without its ``#``)."""
    wanted = fold(tag.lstrip("#＃"))
    in_text = re.compile(rf"[#＃]{re.escape(wanted)}(?!\w)", re.IGNORECASE)

    def carries(message: Message) -> bool:
        if message.hashtags:
            return any(fold(t) == wanted for t in message.hashtags)
        return in_text.search(message.text) is not None

    return carries
