"""The engine against hand-labelled chats, in every format: precision and recall >= 0.95.

Labels live in fixtures/scenarios/*.yaml (what a careful host judged, message by message);
fixtures/build.py renders each chat in every archive format with a labels file mapping ids.
The scoring is tests/scoring.py's, shared with ``make bench``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.scoring import FORMATS, VARIANTS, Score, fixture_labels, rendered, score_fixture

FLOOR = 0.95


def _cases() -> list[Any]:
    labels = fixture_labels()
    if not labels:
        return [pytest.param(None, None, marks=pytest.mark.skip(reason="fixtures not rendered"))]
    return [pytest.param(path, fmt, id=f"{path.stem}-{fmt}") for path in labels for fmt in FORMATS
            if rendered(fmt, path.stem)]


@pytest.mark.parametrize("labels_path, fmt", _cases())
def test_engine_matches_the_careful_host(labels_path: Path, fmt: str) -> None:
    result = score_fixture(labels_path, fmt)
    figures = {
        f"{field} {kind}": getattr(result, kind)(field)
        for field in ("to_host", "question", "dropped")
        for kind in ("precision", "recall")
    }
    figures["thread accuracy"] = result.thread_accuracy
    low = {name: round(value, 3) for name, value in figures.items() if value < FLOOR}
    assert not low, f"below {FLOOR}: {low}\n" + "\n".join(result.misses)


VARIANT_F1 = 0.97
VARIANT_THREADS = 0.98


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_held_apart_variants_score_as_well(fmt: str) -> None:
    """The same chats with other people, days, times and wording (fixtures/build.py's variants),
    which the rules were not written against, scored format by format."""
    result = Score()
    for path in fixture_labels(VARIANTS):
        if rendered(fmt, path.stem, VARIANTS):
            score_fixture(path, fmt, into=result)
    if not result.counts["total"]:
        pytest.skip("variants not rendered")
    figures = {name: result.f1(name) for name in ("to_host", "question", "dropped")}
    low = {name: round(value, 3) for name, value in figures.items() if value < VARIANT_F1}
    assert not low and result.thread_accuracy >= VARIANT_THREADS, (
        result.line(f"variants_{fmt}") + "\n" + "\n".join(result.misses))
