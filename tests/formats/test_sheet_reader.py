"""Google-Sheet archiver CSV: by-position columns, snowflake times, the real archive, fuzz."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reader_helpers import assert_clean, messages, read, rejections

from chatmod.core.models import Mention, Message
from chatmod.formats.sheet import SPEC

TITLE = [""] + ["Twitter Query: #edchat lang:en -filter:retweets"] + [""] * 19
HEADER = ["Date", "Screen Name", "Full Name", "Tweet Text", "Tweet ID", "Link(s)", "Media", "Location", "Retweets", "Favorites", "App", "Followers", "Follows", "Listed", "Verfied", "User Since", "Location", "Bio", "Website", "Timezone", "Profile Image"]


def sheet_row(date: str, handle: str, name: str, text: str, tweet_id: str,
              links: str = "") -> list[str]:
    return [date, handle, name, text, tweet_id, links, "", "Boston, MA", "0", "2",
            "Twitter Web App", "150", "90", "3", "", "1/2/2012", "Boston", "Teacher", "", "",
            "View"]


ROWS = [
    sheet_row("1/6/2023 13:02:10", "@ana_teaches", "Ana Ruiz",
              "@edchathost A1: exit tickets &amp; quick polls\nthen a recap #EdChat",
              "1611418620000000000", "https://example.com/polls"),
    sheet_row("1/6/2023 13:00:05", "@edchathost", "Ed Chat Host",
              "Q1: How do you check understanding? #edchat", "1611418100000000000"),
]


def to_csv(rows: list[list[str]], title: bool = True) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out)  # CRLF, like the real export
    writer.writerows(([TITLE] if title else []) + [HEADER] + rows)
    return out.getvalue()


def snowflake(tweet_id: str) -> datetime:
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + 1288834974657) / 1000, UTC)


def test_rows_by_position() -> None:
    answer, question = read(SPEC, to_csv(ROWS))
    assert answer.author == "ana_teaches" and answer.display_name == "Ana Ruiz"
    assert answer.id == "1611418620000000000"
    assert answer.text == "@edchathost A1: exit tickets & quick polls\nthen a recap #EdChat"
    assert answer.created_at == snowflake(answer.id)
    assert answer.url == "https://twitter.com/ana_teaches/status/1611418620000000000"
    assert answer.mentions == (Mention(handle="edchathost"),)
    assert answer.hashtags == ("EdChat",)
    assert answer.reply_to_id is None and answer.reply_to_author is None  # the engine infers
    assert answer.raw == ROWS[0]
    assert question.hashtags == ("edchat",) and question.mentions == ()


def test_without_title_row_and_with_bom() -> None:
    assert len(read(SPEC, to_csv(ROWS, title=False))) == 2
    assert len(read(SPEC, "\ufeff" + to_csv(ROWS, title=False))) == 2
    assert SPEC.sniff(to_csv(ROWS, title=False)) and SPEC.sniff(to_csv(ROWS))


def test_bad_rows_are_rejected_with_line_and_reason() -> None:
    rows = [
        ROWS[0],  # lines 3-4 (a newline inside the text)
        sheet_row("1/6/2023 13:03:00", "@bo", "Bo", "mangled", "1.61142E+18"),
        sheet_row("1/6/2023 13:03:00", "@bo", "Bo", "pre-snowflake", "20"),
        sheet_row("1/6/2023 13:03:00", "", "Bo", "no handle", "1611418620000000001"),
        ["1/6/2023", "@bo", "Bo"],
        ROWS[1],
    ]
    items = read(SPEC, to_csv(rows))
    bad = rejections(items)
    assert [r.where.line for r in bad] == [5, 6, 7, 8]
    assert "'1.61142E+18' is not a snowflake id" in bad[0].reason
    assert "'20' is not a snowflake id" in bad[1].reason
    assert bad[2].reason == "missing Screen Name"
    assert bad[3].reason == "row has 3 columns, expected at least 5"
    assert len(messages(items)) == 2


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.text(max_size=25), max_size=8), max_size=5), st.text())
def test_fuzz_never_raises(rows: list[list[str]], tail: str) -> None:
    assert_clean(read(SPEC, to_csv(rows) + tail))
    assert_clean(read(SPEC, tail))


@pytest.mark.corpus
def test_real_archive(corpus: Callable[[str], Path]) -> None:
    path = corpus("pstweetchat.csv")
    with path.open(encoding="utf-8", newline="") as stream:
        items = list(SPEC.read(stream, path.name))
    found = messages(items)
    assert len(found) == 2473 and rejections(items) == []
    with path.open(encoding="utf-8", newline="") as stream:
        dates = {row[4]: row[0] for row in list(csv.reader(stream))[2:]}
    eastern = ZoneInfo("America/New_York")
    for message in found:
        assert message.created_at == snowflake(message.id)
        local = message.created_at.astimezone(eastern)
        shown = f"{local.month}/{local.day}/{local.year} {local.hour}:{local:%M:%S}"
        assert dates[message.id] == shown
    first = next(m for m in found if m.id == "1489674374126911494")
    assert first.created_at.replace(microsecond=0) == datetime(2022, 2, 4, 18, 57, 2,
                                                               tzinfo=UTC)
    assert dates[first.id] == "2/4/2022 13:57:02"
    assert sum(m.author == "JeffHicks" for m in found) == 1167
    assert sum(m.text.startswith("@") for m in found) == 1248
    assert all(isinstance(m, Message) and "&amp;" not in m.text for m in found)
