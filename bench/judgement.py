"""The ``judgement_<set>`` figures: the engine against labelled chats, scored by the tests' scorer."""

from __future__ import annotations

from collections.abc import Iterator

from tests.scoring import (
    FORMATS,
    REAL_SETS,
    Score,
    fixture_labels,
    rendered,
    score_fixture,
    score_real,
)


def judgement_lines() -> Iterator[str]:
    """One line per labelled set: the synthetic fixtures in every format, then each set of real
    labels whose archive is present (a note on stderr's behalf when it is not)."""
    fixtures = Score()
    for path in fixture_labels():
        for fmt in FORMATS:
            if rendered(fmt, path.stem):
                score_fixture(path, fmt, into=fixtures)
    yield fixtures.line("fixtures")
    for name in sorted(REAL_SETS):
        real = score_real(name)
        yield real.line(name) if real is not None else f"judgement_{name}: skipped ({REAL_SETS[name][1]} absent)"
