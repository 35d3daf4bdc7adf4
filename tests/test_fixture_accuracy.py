"""The engine against hand-labelled chats, in every format: precision and recall >= 0.95.

Labels live in fixtures/scenarios/*.yaml (what a careful host judged, message by message);
fixtures/build.py renders each chat in every archive format with a labels file mapping ids.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from chatmod.core.handles import HostTeam
from chatmod.core.ledger import Status
from chatmod.formats import read_source
from chatmod.pipeline import judge
from chatmod.sources.ordering import Run, chronological
from tests.conftest import FIXTURES

RENDERED = FIXTURES / "rendered"
LABELS = sorted((RENDERED / "labels").glob("*.json")) if (RENDERED / "labels").exists() else []
FORMATS = {"chatmod": "twitter", "twarc1": "twitter", "twarc2": "twitter", "tags": "twitter",
           "sheet": "twitter", "mastodon": "mastodon", "jetstream": "bluesky"}
FLOOR = 0.95


def _source(fmt: str, scenario: str) -> Path | None:
    matches = sorted((RENDERED / fmt).glob(f"{scenario}.*"))
    return matches[0] if matches else None


def _judge(labels: dict[str, Any], fmt: str) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    network = FORMATS[fmt]
    path = _source(fmt, labels["scenario"])
    assert path is not None, f"no {fmt} rendering of {labels['scenario']}"
    team = HostTeam(labels["hosts"][network], labels["cohosts"][network])
    run = Run()
    _, items = read_source(str(path))
    judged, ledger = judge(chronological(items, run), team)
    assert run.rejected_count == 0, [str(r) for r in run.rejected]
    got: dict[str, dict[str, Any]] = {}
    for j in judged:
        ball = ledger.get(j.analysis.id) if j.analysis.to_host else None
        got[j.analysis.id] = {
            "thread": j.analysis.thread,
            "to_host": j.analysis.to_host,
            "question": j.analysis.question,
            "answered": None if ball is None else ball.status is Status.ANSWERED,
            "answered_by": None if ball is None else ball.answered_message,
            "reply_to": j.analysis.reply_to_id,
        }
    expected = [{**m, **m.get("by_format", {}).get(fmt, {})} for m in labels["messages"] if fmt in m["id"]]
    return expected, got


def _scores(labels: dict[str, Any], fmt: str) -> tuple[Counter[str], list[str]]:
    expected, got = _judge(labels, fmt)
    to_key = {m["id"][fmt]: m["key"] for m in labels["messages"] if fmt in m["id"]}
    c: Counter[str] = Counter()
    misses: list[str] = []
    for want in expected:
        have = got.get(want["id"][fmt])
        assert have is not None, f"{want['key']} missing from {fmt}"
        for field in ("to_host", "question"):
            c[f"{field}_tp"] += want[field] and have[field]
            c[f"{field}_fp"] += (not want[field]) and have[field]
            c[f"{field}_fn"] += want[field] and not have[field]
        dropped_want, dropped_have = want["answered"] is False, have["answered"] is False
        c["dropped_tp"] += dropped_want and dropped_have
        c["dropped_fp"] += dropped_have and not dropped_want
        c["dropped_fn"] += dropped_want and not dropped_have
        c["thread_ok"] += want["thread"] == have["thread"]
        c["total"] += 1
        diffs = [f"{k}: want {want[k]!r} got {have[k]!r}" for k in ("thread", "to_host", "question", "answered") if want[k] != have[k]]
        if want["answered"] and have["answered"] and to_key.get(have["answered_by"]) != want["answered_by"]:
            diffs.append(f"answered_by: want {want['answered_by']} got {to_key.get(have['answered_by'])}")
        if diffs:
            misses.append(f"{labels['scenario']}/{fmt} {want['key']}: " + "; ".join(diffs))
    return c, misses


def _ratio(tp: int, other: int) -> float:
    return tp / (tp + other) if tp + other else 1.0


def _cases() -> list[Any]:
    if not LABELS:
        return [pytest.param(None, None, marks=pytest.mark.skip(reason="fixtures not rendered"))]
    return [pytest.param(path, fmt, id=f"{path.stem}-{fmt}") for path in LABELS for fmt in FORMATS if _source(fmt, path.stem)]


@pytest.mark.parametrize("labels_path, fmt", _cases())
def test_engine_matches_the_careful_host(labels_path: Path, fmt: str) -> None:
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    c, misses = _scores(labels, fmt)
    figures = {
        f"{field} {kind}": _ratio(c[f"{field}_tp"], c[f"{field}_{'fp' if kind == 'precision' else 'fn'}"])
        for field in ("to_host", "question", "dropped")
        for kind in ("precision", "recall")
    }
    figures["thread accuracy"] = c["thread_ok"] / c["total"]
    low = {name: round(value, 3) for name, value in figures.items() if value < FLOOR}
    assert not low, f"below {FLOOR}: {low}\n" + "\n".join(misses)
