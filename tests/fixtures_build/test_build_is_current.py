"""The committed fixture renders match their hand-written scenarios, and every label set is sound.

``fixtures/build.py`` turns ``fixtures/scenarios/*.yaml`` into every input format plus a labels
file. The rendered files are committed so that reader and engine tests need no build step; this
test rebuilds them into a temporary directory and fails on any drift (edit a scenario, forget to
rebuild). It also checks the labels' internal consistency, per format family.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
RENDERED = FIXTURES / "rendered"
DEMO = ROOT / "chatmod" / "demo" / "demo_chat.jsonl"
FORMATS = ("chatmod", "twarc1", "twarc2", "tags", "sheet", "mastodon", "jetstream")
LABEL_KEYS = ("thread", "to_host", "question", "answered", "answered_by", "reply_to")
LABEL_FILES = sorted((RENDERED / "labels").glob("*.json"))


def _tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def fresh_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fixtures")
    result = subprocess.run(
        [sys.executable, str(FIXTURES / "build.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, f"build.py failed:\n{result.stderr}"
    return out


def test_rendered_files_are_current(fresh_build: Path) -> None:
    built = _tree(fresh_build)
    demo_copy = built.pop("demo/demo_chat.jsonl")
    committed = _tree(RENDERED)
    missing = sorted(set(built) - set(committed))
    stale = sorted(set(committed) - set(built))
    assert not missing, f"not committed (run fixtures/build.py): {missing}"
    assert not stale, f"committed but no longer built (delete them): {stale}"
    drifted = sorted(name for name in built if built[name] != committed[name])
    assert not drifted, f"differ from a fresh build (run fixtures/build.py): {drifted}"
    assert DEMO.read_bytes() == demo_copy, "chatmod/demo/demo_chat.jsonl is stale"
    assert demo_copy == built["chatmod/demo.jsonl"]


def test_every_scenario_is_rendered_in_every_format() -> None:
    scenarios = sorted(p.stem for p in (FIXTURES / "scenarios").glob("*.yaml"))
    assert scenarios and [p.stem for p in LABEL_FILES] == scenarios
    for name in scenarios:
        for fmt in FORMATS:
            ext = "csv" if fmt in ("tags", "sheet") else "jsonl"
            assert (RENDERED / fmt / f"{name}.{ext}").is_file(), (fmt, name)


def _label_sets(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The labels as each format sees them: by_format overrides applied, absent messages dropped."""
    sets = {}
    for fmt in FORMATS:
        view = []
        for msg in doc["messages"]:
            if fmt not in msg["id"]:
                continue
            view.append({**msg, **msg.get("by_format", {}).get(fmt, {})})
        sets[fmt] = view
    return sets


@pytest.mark.parametrize("path", LABEL_FILES, ids=lambda p: p.stem)
def test_labels_are_consistent(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    team = set(doc["hosts"]["twitter"]) | set(doc["cohosts"]["twitter"])
    keys = [m["key"] for m in doc["messages"]]
    assert len(keys) == len(set(keys)), "duplicate keys"
    for msg in doc["messages"]:
        assert set(msg.get("by_format", {})) <= set(FORMATS)
        for override in msg.get("by_format", {}).values():
            assert set(override) <= set(LABEL_KEYS)
        for fmt, value in msg["id"].items():
            assert fmt in FORMATS and value, (msg["key"], fmt)
        expected_formats = set(FORMATS) - ({"sheet"} if msg["repost_of"] else set())
        assert set(msg["id"]) == expected_formats, msg["key"]

    for fmt, view in _label_sets(doc).items():
        order = {m["key"]: i for i, m in enumerate(view)}
        by_key = {m["key"]: m for m in view}
        ids = [m["id"][fmt] for m in view]
        assert len(ids) == len(set(ids)), f"{fmt}: duplicate ids"
        for i, msg in enumerate(view):
            where = f"{path.stem}/{fmt}/{msg['key']}"
            thread = msg["thread"]
            assert thread is None or (isinstance(thread, int) and not isinstance(thread, bool))
            assert isinstance(msg["to_host"], bool) and isinstance(msg["question"], bool), where
            # answered is null exactly when to_host is false
            assert (msg["answered"] is None) == (msg["to_host"] is False), where
            # answered_by is set exactly when answered is true ...
            assert (msg["answered_by"] is not None) == (msg["answered"] is True), where
            # ... and names a later host-team message
            if msg["answered_by"] is not None:
                answer = by_key.get(msg["answered_by"])
                assert answer is not None, f"{where}: answered_by not in this format"
                assert order[answer["key"]] > i, f"{where}: answered_by is not later"
                assert answer["author"] in team, f"{where}: answered_by is not host team"
                assert answer["repost_of"] is None, f"{where}: a repost is not an answer"
            # question implies to_host
            assert not msg["question"] or msg["to_host"], where
            # host-team messages and reposts are never addressed
            if msg["author"] in team or msg["repost_of"]:
                assert msg["to_host"] is False, where
            # reply_to names an earlier message
            if msg["reply_to"] is not None:
                assert msg["reply_to"] in order, f"{where}: reply_to not in this format"
                assert order[msg["reply_to"]] < i, f"{where}: reply_to is not earlier"
