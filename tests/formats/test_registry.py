"""The format registry: detection, read_source (files, stdin, encodings), InputError."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
import test_jetstream_reader as jetstream
import test_mastodon_reader as mastodon
import test_native_reader as native
import test_rcsv_reader as rcsv
import test_sheet_reader as sheet
import test_tags_reader as tags
import test_twarc1_reader as twarc1
import test_twarc2_reader as twarc2
from reader_helpers import lines, messages, rejections

from chatmod.core.models import Message
from chatmod.formats import (
    FORMAT_NAMES,
    FORMATS,
    InputError,
    detect,
    dump_message,
    get_format,
    read_source,
)

SAMPLES = {
    "chatmod": dump_message(native.QUESTION) + "\n",
    "twarc1": lines(twarc1.QUESTION, twarc1.ANSWER),
    "twarc2": lines(twarc2.PAGE),
    "tags": tags.to_csv([tags.REPLY]),
    "sheet": sheet.to_csv(sheet.ROWS),
    "mastodon": lines(mastodon.QUESTION),
    "jetstream": lines(jetstream.LIKE, jetstream.REPLY),
    "rcsv": rcsv.twitter_r(rcsv.QUESTION, rcsv.REPLY),
}
EXTRA_SAMPLES = [
    ("twarc2", lines(twarc2.flattened(twarc2.ANSWER))),
    ("sheet", sheet.to_csv(sheet.ROWS, title=False)),
    ("mastodon", lines(mastodon.frame("update", json.dumps(mastodon.QUESTION)))),
    ("mastodon", json.dumps(mastodon.QUESTION, indent=2)),
    ("jetstream", json.dumps(jetstream.REPLY, indent=2)),
    ("chatmod", "\ufeff" + dump_message(native.QUESTION)),
]


def test_registry() -> None:
    assert FORMAT_NAMES == ("chatmod", "jetstream", "mastodon", "twarc2", "twarc1", "tags",
                            "sheet", "rcsv")
    assert [spec.name for spec in FORMATS] == list(FORMAT_NAMES)
    assert all(spec.description and spec.read and spec.sniff for spec in FORMATS)
    assert get_format("tags").name == "tags"
    with pytest.raises(InputError, match="unknown input format 'csv'; use one of: chatmod"):
        get_format("csv")


@pytest.mark.parametrize(("name", "sample"), [*SAMPLES.items(), *EXTRA_SAMPLES])
def test_detect(name: str, sample: str) -> None:
    spec = detect(sample)
    assert spec is not None and spec.name == name
    others = [s.name for s in FORMATS if s.name != name and s.sniff(sample)]
    assert others == [] or FORMAT_NAMES.index(name) < min(map(FORMAT_NAMES.index, others))


@pytest.mark.parametrize("sample", ["", "hello world\n", "a,b,c\n1,2,3\n", "[1, 2]\n", "{}\n",
                                    '{"kind": "heartbeat", "payload": ""}\n'])
def test_detect_nothing(sample: str) -> None:
    assert detect(sample) is None


@pytest.mark.parametrize("name", list(SAMPLES))
def test_read_source_detects_and_reads(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"chat.{name}"
    path.write_text(SAMPLES[name], encoding="utf-8", newline="")
    spec, items = read_source(str(path))
    found = list(items)
    assert spec.name == name and found and rejections(found) == []
    assert all(item.where.source == str(path) for item in found if not isinstance(item, Message))


def test_explicit_format_wins(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(SAMPLES["twarc1"], encoding="utf-8")
    spec, items = read_source(str(path), "mastodon")
    found = list(items)
    assert spec.name == "mastodon" and messages(found) == []
    assert [(r.where.line, r.reason) for r in rejections(found)] == [(1, "missing account"),
                                                                       (2, "missing account")]


def test_bom_crlf_and_bad_bytes_mid_file(tmp_path: Path) -> None:
    body = SAMPLES["twarc1"].replace("\n", "\r\n").encode()
    good = twarc1.ANSWER | {"full_text": "café ÿ #edchat", "id_str": "1103017856309366999"}
    broken = json.dumps(good, ensure_ascii=False).encode().replace("ÿ".encode(), b"\xff\xfe")
    path = tmp_path / "chat.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + body + b"x" * 70_000 + b"\r\n" + broken + b"\r\n")
    spec, items = read_source(str(path))
    found = list(items)
    assert spec.name == "twarc1"
    assert [m.id for m in messages(found)][-1] == "1103017856309366999"
    assert messages(found)[-1].text == "café \ufffd\ufffd #edchat"
    assert [r.where.line for r in rejections(found)] == [3]


def test_first_line_longer_than_the_sample(tmp_path: Path) -> None:
    page = {**twarc2.PAGE, "padding": "x" * 200_000}
    path = tmp_path / "big.jsonl"
    path.write_text(lines(page, page), encoding="utf-8")
    spec, items = read_source(str(path))
    assert spec.name == "twarc2" and len(messages(items)) == 8


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = ("\ufeff" + SAMPLES["sheet"]).encode()
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BufferedReader(io.BytesIO(data))))
    spec, items = read_source("-")
    found = list(items)
    assert spec.name == "sheet" and len(messages(found)) == 2


def test_stdin_rejections_name_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (SAMPLES["jetstream"] + "{oops\n").encode()
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BufferedReader(io.BytesIO(data))))
    _, items = read_source("-")
    [bad] = rejections(items)
    assert str(bad.where) == "<stdin>:3"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "{p} is empty: there is nothing to read"),
        (b"just some notes\n", "cannot tell the format of {p} (no format matches its start)"),
        (b"\xff\xfe{\x00}\x00", "{p} is UTF-16 text; save it as UTF-8"),
        (b"id_str,from_user\n\xe9t\x81\n", "{p} is not UTF-8 text (bad byte at offset 17)"),  # nor Windows-1252
        (b"id_str,from_user\n\xe9t\x00\n", "{p} is not UTF-8 text (bad byte at offset 17)"),  # nor text
    ],
)
def test_input_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_source(str(path))
    assert str(caught.value).startswith(message.format(p=path))
    assert "\n" not in str(caught.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file; check the path"):
        read_source(str(tmp_path / "nope.jsonl"))
    with pytest.raises(InputError, match="is a directory"):
        read_source(str(tmp_path))


def test_empty_file_with_explicit_format(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    spec, items = read_source(str(path), "jetstream")
    assert spec.name == "jetstream" and list(items) == []


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pstweetchat.csv", "sheet"),
        ("jetstream_golden_v1.jsonl", "jetstream"),
        ("jetstream_post_reply.json", "jetstream"),
        ("jetstream_post_tag_facets_emoji.json", "jetstream"),
        ("mastodon_status_edit_with_hashtags.json", "mastodon"),
        ("mastodon_status_reply_with_mention.json", "mastodon"),
        ("mastodon_ws_update_frame.json", "mastodon"),
    ],
)
def test_corpus_detection(corpus: Callable[[str], Path], name: str, expected: str) -> None:
    spec, items = read_source(str(corpus(name)))
    found = list(items)
    assert spec.name == expected and messages(found) and rejections(found) == []


@pytest.mark.parametrize(
    ("fmt", "keeps_links"),
    [("chatmod", True), ("twarc1", True), ("twarc2", True), ("mastodon", True), ("jetstream", True),
     ("tags", False), ("sheet", False)],
)
def test_each_reader_says_whether_its_records_keep_reply_links(fmt: str, keeps_links: bool) -> None:
    """Read from the data: a record with the reply field (even empty) says it is no reply. A TAGS
    row has the column but it is often left blank, so there a session's links decide."""
    from chatmod.core.models import Message
    from chatmod.formats import read_source

    rendered = Path(__file__).parents[2] / "fixtures" / "rendered" / fmt
    (path,) = rendered.glob("rule4_inference.*")
    _, items = read_source(str(path))
    messages = [item for item in items if isinstance(item, Message) and not item.is_repost]
    assert messages and {m.reply_known for m in messages} == {keeps_links}


def test_a_hand_written_chatmod_line_keeps_links_when_it_has_the_reply_field(tmp_path: Path) -> None:
    from chatmod.core.models import Message
    from chatmod.formats import read_source

    base = {"network": "twitter", "author": "bob", "created_at": "2026-03-17T17:00:00Z", "text": "@mshost hi"}
    path = tmp_path / "chat.jsonl"
    path.write_text(json.dumps({**base, "id": "1", "reply_to_id": None}) + "\n" + json.dumps({**base, "id": "2"}) + "\n",
                    encoding="utf-8")
    _, items = read_source(str(path))
    assert [item.reply_known for item in items if isinstance(item, Message)] == [True, False]
