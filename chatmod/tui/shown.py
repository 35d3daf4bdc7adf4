"""Provides the one way untrusted text reaches the screen: as literal, single-line, marked text.

Message text, names and hashtags are cleaned at ingest (``chatmod.core.text.clean_text``), but the
console does not rely on that alone: whatever reaches a widget passes :func:`shown` again, and is
handed to Textual as ``rich.text.Text`` or a ``Segment``, never as a markup string.

Bidirectional controls and zero-width characters (category Cf) could reorder or hide part of a
line (Trojan Source, CVE-2021-42574) or make ``@m\u200bsrivera`` look like the host's handle. Each
becomes a visible marker instead, so what a moderator reads is what was sent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping

from chatmod.core.text import clean_text, short_did

__all__ = ["MARK", "shown", "who"]

MARK = "\u2423"
"""OPEN BOX, shown in place of each invisible formatting character."""

_WHITESPACE = re.compile(r"\s+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ZWJ = "\u200d"


def shown(text: str, limit: int = 500) -> str:
    """``text`` on one line, at most ``limit`` characters, every invisible character marked."""
    text, _ = clean_text(text, limit * 4)
    text = _WHITESPACE.sub(" ", text).strip()
    if _NON_ASCII.search(text) is not None:
        text = "".join(_marked(text))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def who(author: str, names: Mapping[str, str], limit: int = 40) -> str:
    """An author as the console shows them: a Bluesky DID by its handle once a lookup named it,
    shortened until then."""
    if author.startswith("did:"):
        author = names.get(author) or short_did(author)
    return shown(author, limit)


def _marked(text: str) -> Iterator[str]:
    previous = ""
    for ch in text:
        if ch > "\x7f" and unicodedata.category(ch) == "Cf":
            # A joiner inside an emoji sequence (👩‍💻) is how the emoji is spelled; elsewhere it,
            # like every other format character, is shown.
            if ch == _ZWJ and previous and unicodedata.category(previous) in ("So", "Sk", "Mn"):
                yield ch
            else:
                yield MARK
        else:
            yield ch
        previous = ch
