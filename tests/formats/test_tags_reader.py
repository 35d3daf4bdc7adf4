"""TAGS CSV: columns by name, mangled ids recovered from status_url, rejections, fuzz."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from reader_helpers import assert_clean, messages, read, rejections

from chatmod.core.models import Mention
from chatmod.formats.tags import SPEC

HEADER = ["id_str", "from_user", "text", "created_at", "time", "geo_coordinates", "user_lang", "in_reply_to_user_id_str", "in_reply_to_screen_name", "from_user_id_str", "in_reply_to_status_id_str", "source", "profile_image_url", "user_followers_count", "user_friends_count", "user_location", "status_url", "entities_str"]


def row(**cells: str) -> dict[str, str]:
    return {name: cells.get(name, "") for name in HEADER}


def to_csv(rows: list[dict[str, str]], header: list[str] = HEADER) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


ENTITIES = json.dumps({
    "hashtags": [{"text": "edchat", "indices": [40, 47]}],
    "user_mentions": [{"screen_name": "edchathost", "id_str": "1111", "indices": [0, 11]}],
    "urls": [],
})
REPLY = row(
    id_str="1264260000000000123", from_user="ana_teaches",
    text="@edchathost A3: peer review &amp; rubrics #edchat",
    created_at="Sat May 23 18:01:55 +0000 2020", time="23/05/2020 19:01:55",
    in_reply_to_user_id_str="1111", in_reply_to_screen_name="edchathost",
    from_user_id_str="2222", in_reply_to_status_id_str="1264259000000000000",
    status_url="https://twitter.com/ana_teaches/statuses/1264260000000000123",
    entities_str=ENTITIES,
)
MANGLED = row(
    id_str="1.26426E+18", from_user="PaulMichels17",
    text="RT @ZSJusticeL: Big turnout tonight for #edchat",
    created_at="Sat May 23 18:01:55 +0000 2020", from_user_id_str="4.4E+09",
    in_reply_to_status_id_str="1.26425E+18", in_reply_to_screen_name="ZSJusticeL",
    status_url="http://twitter.com/PaulMichels17/status/1264260000000000456",
)


def test_reply_with_entities() -> None:
    [m] = read(SPEC, to_csv([REPLY]))
    assert m.id == "1264260000000000123" and m.author == "ana_teaches" and m.author_id == "2222"
    assert m.created_at == datetime(2020, 5, 23, 18, 1, 55, tzinfo=UTC)
    assert m.text == "@edchathost A3: peer review & rubrics #edchat"
    assert m.reply_to_id == "1264259000000000000" and m.reply_to_author == "edchathost"
    assert m.mentions == (Mention(handle="edchathost", id="1111"),)
    assert m.hashtags == ("edchat",)
    assert m.url == "https://twitter.com/ana_teaches/status/1264260000000000123"
    assert m.raw == REPLY


def test_mangled_ids_are_recovered_or_dropped() -> None:
    [m] = read(SPEC, to_csv([MANGLED]))
    assert m.id == "1264260000000000456"  # from status_url (/status/ form)
    assert m.author_id is None
    assert m.reply_to_id is None and m.reply_to_author == "ZSJusticeL"
    assert m.repost_of is None and m.repost_of_author == "ZSJusticeL"
    # No entities_str: taken from the text.
    assert m.hashtags == ("edchat",) and m.mentions == (Mention(handle="ZSJusticeL"),)


def test_variant_with_extra_columns_and_garbled_entities() -> None:
    header = [*HEADER, "user_verified", "entities_hash"]
    extra = {**REPLY, "entities_str": '{"hashtags": [', "user_verified": "false",
             "entities_hash": ""}
    [m] = read(SPEC, to_csv([extra], header))
    assert m.hashtags == ("edchat",) and m.mentions[0].handle == "edchathost"


def test_bad_rows_are_rejected_with_line_and_reason() -> None:
    multiline = {**REPLY, "text": "line one\nline two #edchat"}
    text = to_csv([
        multiline,
        {**REPLY, "id_str": "1.26426E+18", "status_url": "https://example.com/nothing"},
        {**REPLY, "created_at": "23/05/2020"},
        {**REPLY, "from_user": ""},
        {**REPLY, "id_str": "", "status_url": ""},
        REPLY,
    ])
    items = read(SPEC, text)
    # The multi-line record takes lines 2-3, so the bad rows start on line 4.
    assert [(r.where.line, r.reason) for r in rejections(items)] == [
        (4, "id_str '1.26426E+18' is mangled and status_url has no tweet id"),
        (5, "created_at '23/05/2020' is not a date"),
        (6, "missing from_user"),
        (7, "missing id_str"),
    ]
    assert messages(items)[0].text == "line one\nline two #edchat"
    assert len(messages(items)) == 2


def test_header_without_needed_columns_is_one_rejection() -> None:
    items = read(SPEC, "id_str,text\n1,hello\n")
    [bad] = items
    assert bad.where.line == 1 and "no from_user, created_at column" in bad.reason


def test_sniff() -> None:
    assert SPEC.sniff(to_csv([REPLY]))
    assert SPEC.sniff("\ufeff" + to_csv([REPLY]))
    assert not SPEC.sniff("Date,Screen Name,Full Name,Tweet Text,Tweet ID\n")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.text(max_size=30), max_size=20), max_size=5), st.text())
def test_fuzz_never_raises(rows: list[list[str]], tail: str) -> None:
    out = io.StringIO(newline="")
    csv.writer(out).writerows([HEADER, *rows])
    assert_clean(read(SPEC, out.getvalue() + tail))
    assert_clean(read(SPEC, tail))
