"""Plain-text hygiene: what untrusted text may contain once it is inside chatmod.

Every reader passes message text, names and hashtags through :func:`clean_text` at ingest, so
nothing downstream (engine, store, TUI, exports) ever sees a terminal escape sequence or a
control character. :func:`fold` is the comparison form used to match handles and tags: it makes
look-alike spellings (full-width letters, invisible joiners, bidi overrides) compare equal.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_TEXT_CHARS", "clean_text", "fold", "fold_handle", "short_did"]

MAX_TEXT_CHARS = 20_000
"""Ingest cap on one message's text. Real posts are at most a few thousand characters; anything
longer is hostile or broken, and is kept truncated (the message is flagged) rather than letting
one record take over memory and screen."""

# Whole escape sequences go, not just the ESC byte: a stray "[2J" left behind would be noise,
# and an OSC payload (a clipboard write, a hyperlink target) is never meant for a reader.
_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?            # CSI ... final byte (a truncated one too)
    | \x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # OSC / DCS / SOS / PM / APC ... terminator
    | \x9b[0-?]*[ -/]*[@-~]?            # 8-bit CSI
    | [\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?  # 8-bit string introducers
    | \x1b[ -/]*[0-~]?                   # any other escape (ESC c, ESC 7, ESC ( B ...)
    """,
    re.VERBOSE,
)
# C0 controls except TAB and LF, DEL, and the C1 block.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A surrogate code point in a str is always unpaired (a "\ud800" escape in JSON): it cannot be
# written as UTF-8, so one such character would make every later write of the text fail.
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_NEEDS_WORK = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str, limit: int = MAX_TEXT_CHARS) -> tuple[str, bool]:
    """Return ``text`` as safe plain text, and whether it had to be truncated.

    Line breaks survive (CR LF and lone CR become LF); tabs survive; every other control
    character, and every terminal escape sequence with its payload, is removed; an unpaired
    surrogate becomes U+FFFD.
    """
    if _NEEDS_WORK.search(text) is not None:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = _ESCAPES.sub("", text)
        text = _CONTROLS.sub("", text)
        text = _SURROGATES.sub("\ufffd", text)
    if len(text) > limit:
        return text[:limit], True
    return text, False


def _is_invisible(ch: str) -> bool:
    # Category Cf holds the bidi controls (U+202A-202E, U+2066-2069, U+200E/F), zero-width
    # space/joiners and the BOM: none of them may change which account a handle names.
    return unicodedata.category(ch) == "Cf"


_HAS_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def fold(text: str) -> str:
    """Comparison form of a handle or tag: NFKC, invisible characters removed, case-folded."""
    if _HAS_NON_ASCII.search(text) is None:
        return text.lower()
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not _is_invisible(ch)).casefold()


def fold_handle(handle: str) -> str:
    """Comparison form of a handle: :func:`fold` without any leading ``@``."""
    return fold(handle).lstrip("@")


def short_did(did: str) -> str:
    """A DID as people can read it in a column, until its handle is known: its method and the
    start of its id (``did:plc:ewvi7n…``)."""
    method, _, ident = did.removeprefix("did:").partition(":")
    return f"did:{method}:{ident[:6]}…" if len(ident) > 8 else did
