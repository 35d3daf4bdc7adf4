"""Untrusted text is plain text by the time it is a Message."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatmod.core.models import Message
from chatmod.core.text import MAX_TEXT_CHARS, clean_text, fold, fold_handle

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

HOSTILE = {
    "clear screen": ("a\x1b[2Jb", "ab"),
    "cursor report": ("a\x1b[6nb", "ab"),
    "osc 52 clipboard": ("a\x1b]52;c;ZWNobyBoaQ==\x07b", "ab"),
    "osc 8 hyperlink": ("\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click"),
    "osc 0 title": ("\x1b]0;pwned\x07hi", "hi"),
    "unterminated osc": ("hi\x1b]0;rest of frame", "hi"),
    "dcs": ("a\x1bPq#0;2;0;0;0\x1b\\b", "ab"),
    "apc": ("a\x1b_payload\x1b\\b", "ab"),
    "8-bit csi": ("a\x9b31mb", "ab"),
    "8-bit osc": ("a\x9d0;t\x9cb", "ab"),
    "bell and backspace": ("a\x07\x08b", "ab"),
    "crlf": ("one\r\ntwo\rthree", "one\ntwo\nthree"),
    "nul and del": ("a\x00b\x7fc", "abc"),
    "tabs and newlines stay": ("a\tb\nc", "a\tb\nc"),
    "markup is just text": ("[bold]x[/] [@click=app.quit]z[/]", "[bold]x[/] [@click=app.quit]z[/]"),
}


@pytest.mark.parametrize("raw, expected", HOSTILE.values(), ids=HOSTILE.keys())
def test_clean_text_removes_escapes_and_controls(raw: str, expected: str) -> None:
    assert clean_text(raw) == (expected, False)


def test_huge_text_is_truncated_and_flagged() -> None:
    message = Message(
        network="twitter", id="1", author="a", created_at=datetime.now(UTC), text="x" * 1_000_000
    )
    assert len(message.text) == MAX_TEXT_CHARS and message.truncated


@given(st.text(alphabet=st.characters(codec=None, categories=["Cc", "Cf", "Cs", "L", "P", "Zs"])))
def test_clean_text_never_leaves_controls(raw: str) -> None:
    text, _ = clean_text(raw)
    assert CONTROL.search(text) is None


def test_message_cleans_text_names_and_tags() -> None:
    message = Message(
        network="twitter", id="1", author="@bob\x1b[31m", display_name="Bob\x07", created_at=datetime(2026, 1, 1, tzinfo=UTC),
        text="hi\x1b[2J", hashtags=("#chat\x00",),
    )
    assert (message.author, message.display_name, message.text, message.hashtags) == ("bob", "Bob", "hi", ("chat",))


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        Message(network="twitter", id="1", author="a", created_at=datetime(2026, 1, 1), text="x")


@pytest.mark.parametrize(
    "disguised",
    ["Ｍｓｈｏｓｔ", "ms\u200bhost", "\u202emshost", "MSHOST", "ms\u2060host", "@mshost"],
)
def test_look_alike_handles_fold_to_the_same_account(disguised: str) -> None:
    assert fold_handle(disguised) == "mshost"


def test_fold_keeps_distinct_names_distinct() -> None:
    assert fold("mshost") != fold("mshost_")


def test_unpaired_surrogates_become_replacement_characters() -> None:
    assert clean_text("a\ud800b\udfffc") == ("a\ufffdb\ufffdc", False)
