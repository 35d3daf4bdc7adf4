"""Mention, reply and hashtag extraction from plain post text, following twitter-text.

Used where a record carries no entities (spreadsheet archives, hand-written transcripts). The
rules are twitter-text's (conformance suite ``extract.yml``, sections mentions, replies and
hashtags); the Unicode property classes come from the ``regex`` module.
"""

from __future__ import annotations

from typing import NamedTuple

import regex

__all__ = ["Entity", "extract_hashtags", "extract_mentions", "extract_reply", "find_urls"]


class Entity(NamedTuple):
    """A handle or tag (without its sigil) and its ``[start, end)`` code-point span."""

    value: str
    start: int
    end: int


_SPACES = r"\x09-\x0D\x20\x85\xA0\u1680\u180E\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
_LATIN_ACCENTS = (
    r"\xC0-\xD6\xD8-\xF6\xF8-\xFF\u0100-\u024F\u0253\u0254\u0256\u0257\u0259\u025B\u0263"
    r"\u0268\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF"
)

_MENTION = regex.compile(
    r"(?:^|(?<=[^a-zA-Z0-9_!#$%&*@＠])|(?<=(?:^|[^a-zA-Z0-9_+~.\-])(?:rt|RT|rT|Rt):?))"
    r"[@＠]([a-zA-Z0-9_]{1,20})(/[a-zA-Z][a-zA-Z0-9_\-]{0,24})?"
)
_MENTION_END = regex.compile(rf"[@＠{_LATIN_ACCENTS}]|://")
_REPLY = regex.compile(rf"^[{_SPACES}]*[@＠]([a-zA-Z0-9_]{{1,20}})")

_HASHTAG_SPECIAL = (
    r"_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c\u30a0\u30fb\u3003\u0f0b"
    r"\u0f0c\u00b7"
)
_HASHTAG_ALNUM = rf"[\p{{L}}\p{{M}}\p{{Nd}}{_HASHTAG_SPECIAL}]"
_HASHTAG = regex.compile(
    rf"(?:^|(?<=[\uFE0E\uFE0F])|(?<=(?!{_HASHTAG_ALNUM}|&)\X))"
    rf"[#＃](?![\uFE0F\u20E3])({_HASHTAG_ALNUM}*[\p{{L}}\p{{M}}]{_HASHTAG_ALNUM}*)"
)
_HASHTAG_END = regex.compile(r"[#＃]|://")

# Enough of a URL to keep "example.com/#anchor" from yielding a hashtag; twitter-text's full
# URL grammar would be overkill for that one purpose.
_URL = regex.compile(
    r"(?:https?://|www\.)[^\s<>\"]+"
    r"|(?<![\w@.#/])[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9\-]+)*"
    r"\.(?:com|org|net|edu|gov|io|co|me|ly|social|dev|app|info|tv|us|uk|de)\b(?:/[^\s<>\"]*)?",
    regex.IGNORECASE,
)


def find_urls(text: str) -> list[tuple[int, int]]:
    """Spans of things that look like links (used to mask hashtags and handles inside them)."""
    return [m.span() for m in _URL.finditer(text)]


def extract_mentions(text: str) -> list[Entity]:
    """Every ``@handle`` twitter-text would link, in order (list references excluded)."""
    found: list[Entity] = []
    if "@" not in text and "＠" not in text:
        return found
    for m in _MENTION.finditer(text):
        if m.group(2) is not None or _MENTION_END.match(text, m.end(1)):
            continue
        found.append(Entity(m.group(1), m.start(1) - 1, m.end(1)))
    return found


def extract_reply(text: str) -> str | None:
    """The screen name a post replies to: its first handle, only when the text starts with it."""
    m = _REPLY.match(text)
    if m is None or _MENTION_END.match(text, m.end(1)):
        return None
    return str(m.group(1))


def extract_hashtags(text: str) -> list[Entity]:
    """Every ``#tag`` twitter-text would link, in order, excluding tags inside URLs."""
    found: list[Entity] = []
    if "#" not in text and "＃" not in text:
        return found
    urls: list[tuple[int, int]] | None = None
    for m in _HASHTAG.finditer(text):
        if _HASHTAG_END.match(text, m.end(1)):
            continue
        start = m.start(1) - 1
        if urls is None:
            urls = find_urls(text)
        if any(a <= start < b for a, b in urls):
            continue
        found.append(Entity(m.group(1), start, m.end(1)))
    return found
