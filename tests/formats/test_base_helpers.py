"""Shared reader helpers: JSON records (lines and pretty-printed), CSV rows, sniff samples."""

from __future__ import annotations

import io
import json

import pytest

from chatmod.core.models import Rejected
from chatmod.formats import base
from chatmod.formats.base import csv_rows, first_record, json_records, reject


def records(text: str) -> list[object]:
    return list(json_records(io.StringIO(text, newline=""), "s"))


def test_json_lines_and_pretty_printed_documents() -> None:
    doc = json.dumps({"a": [1, {"b": 2}]}, indent=2)
    text = "\ufeff" + '{"n": 1}\r\n\n' + doc + "\n" + json.dumps([1, 2], indent=1) + "\n{bad\n"
    found = records(text)
    assert found[:3] == [(1, {"n": 1}), (3, {"a": [1, {"b": 2}]}), (11, [1, 2])]
    [bad] = found[3:]
    assert isinstance(bad, Rejected) and bad.where.line == 15
    assert bad.reason.startswith("not valid JSON")


def test_broken_document_is_one_rejection_at_its_first_line() -> None:
    found = records('{\n  "a": 1,\n}\n{"ok": true}\n')
    assert isinstance(found[0], Rejected) and found[0].where.line == 1
    assert found[1] == (4, {"ok": True})


def test_a_lone_brace_line_does_not_swallow_the_records_after_it() -> None:
    found = records('{"a": 1}\n{\n{"b": 2}\n{"c": 3}\n')
    assert found[0] == (1, {"a": 1})
    assert isinstance(found[1], Rejected) and found[1].where.line == 2
    assert found[2:] == [(3, {"b": 2}), (4, {"c": 3})]


def test_overlong_line_is_skipped_without_keeping_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "MAX_RECORD_CHARS", 100)
    found = records('{"a": "' + "x" * 1000 + '"}\n{"b": 1}\n')
    assert isinstance(found[0], Rejected) and found[0].reason == "line too long"
    assert len(found[0].raw) <= base.RAW_EXCERPT
    assert found[1] == (2, {"b": 1})


def test_csv_rows_report_the_line_a_record_starts_on() -> None:
    text = '\ufeffa,b\r\n"multi\r\nline",x\r\n,\r\n\r\nlast,1\r\n"' + "y" * 200_000 + '"\r\nz,2\r\n'
    found = list(csv_rows(io.StringIO(text, newline=""), "s"))
    assert found[:3] == [(1, ["a", "b"]), (2, ["multi\r\nline", "x"]), (6, ["last", "1"])]
    assert isinstance(found[3], Rejected) and found[3].where.line == 7
    assert found[4] == (8, ["z", "2"])


def test_first_record() -> None:
    assert first_record('\n\n{"a": 1}\n{"b"') == {"a": 1}
    assert first_record(json.dumps({"a": {"b": 1}}, indent=2)) == {"a": {"b": 1}}
    assert first_record(json.dumps([{"a": 1}, {"b": 2}])) == {"a": 1}
    assert first_record('{\n "cut": ') is None
    assert first_record("not json") is None and first_record("") is None


def test_reject_survives_unprintable_raw() -> None:
    nested: list[object] = []
    for _ in range(100_000):
        nested = [nested]
    assert reject(nested, "r", "s", 1).raw == "<list>"
    assert len(reject("x" * 10_000, "r", "s", 1).raw) == base.RAW_EXCERPT
