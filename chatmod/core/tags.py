"""Provides the chat's own markers: ``Q3:`` question openers, ``A3`` answer tags, ``RT @x:``."""

from __future__ import annotations

import re

__all__ = ["answer_tag", "manual_repost", "question_opener", "without_answer_tag"]

# Hosts often lead with the hashtag ("#edchat Q1: ..."); allow it before the marker.
_LEADING_TAGS = r"(?:[#＃][^\s#＃]+\s+)*"

# "Q1:", "Q1.", "Q1 -", "Q1)", "Question 1:"; the separator is what makes it an opener, so
# "Q2 is next" is not one. "Q1 What is ...?" without a separator still opens when it asks.
_OPENER = re.compile(
    rf"^{_LEADING_TAGS}(?:q|question)\s?(\d{{1,3}})(?:\s*(?::|\.(?!\d)|\)|[-–—])|(?=\s+\S[^\n]*\?))",
    re.IGNORECASE,
)
_ANSWER_START = re.compile(
    rf"^{_LEADING_TAGS}a\s?(\d{{1,3}})[a-z]?(?=[\s:.)\-–—,(!]|$)", re.IGNORECASE
)
# "... I use Pester A3 #chat": the tag as the last word before trailing hashtags.
_ANSWER_END = re.compile(
    r"(?:^|\s)\(?a(\d{1,3})[a-z]?\)?[\s.!]*(?:[#＃][^\s#＃]+[\s.!]*)*$", re.IGNORECASE
)
_ANSWER_PREFIX = re.compile(
    rf"^{_LEADING_TAGS}a\s?\d{{1,3}}[a-z]?(?:[\s:.)\-–—,(!+&]|$)[\s:.)\-–—,(!+&]*", re.IGNORECASE
)
_MANUAL_REPOST = re.compile(r"^\s*(?:RT|MT)\s?[:]?\s?[@＠]([A-Za-z0-9_.\-@]+?)[:\s]\s*(.*)$", re.DOTALL)


def question_opener(body: str) -> int | None:
    """The question number a host-team text opens (``Q3: ...`` gives 3), else None.

    ``body`` is the text after any leading @-block.
    """
    if "q" not in body[:40].lower():
        return None
    m = _OPENER.match(body)
    return int(m.group(1)) if m else None


def answer_tag(body: str) -> int | None:
    """The question number a text is tagged as answering (``A3``, ``a3)``, ``A3 (late)``)."""
    m = _ANSWER_START.match(body)
    if m is not None:
        return int(m.group(1))
    if len(body) < 400:
        return _trailing_tag(body)
    return None


_TAG_WORD = re.compile(r"\(?a(\d{1,3})[a-z]?\)?[.!]*", re.IGNORECASE)


def _trailing_tag(body: str) -> int | None:
    # Word by word from the end: a search for _ANSWER_END tries every position of the text.
    words = body.rsplit(None, 12)
    index = len(words) - 1
    while index >= 0 and ((words[index][:1] in "#＃" and len(words[index]) > 1) or not words[index].strip(".!")):
        index -= 1
    if index <= 0 and len(words) == 13:
        m = _ANSWER_END.search(body)  # a long run of hashtags: let the pattern decide
        return int(m.group(1)) if m else None
    if index < 0:
        return None
    m = _TAG_WORD.fullmatch(words[index])
    return int(m.group(1)) if m else None


def without_answer_tag(body: str) -> str:
    """The text after a leading answer tag: ``"A5 cont: one has..."`` gives ``"cont: one has..."``."""
    m = _ANSWER_PREFIX.match(body)
    return body[m.end():] if m else body


def manual_repost(text: str) -> tuple[str, str] | None:
    """``(original_author, original_text)`` for a text-only retweet (``RT @host: Q1: ...``)."""
    if text.lstrip()[:2].upper() not in ("RT", "MT"):
        return None
    m = _MANUAL_REPOST.match(text)
    if m is None:
        return None
    return m.group(1).rstrip(":"), m.group(2)
