"""The ``judgement_<set>`` figures: the engine against labelled chats, scored by the tests' scorer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from tests.scoring import REAL_SETS, RENDERED, VARIANTS, Score, score_formats, score_real


def judgement_lines() -> Iterator[str]:
    """One line per labelled set: the synthetic fixtures and their held-apart variants (every
    format together; the tests hold each format to its floor), then each set of real labels (said
    to be skipped when its archive is absent)."""
    for name, root in (("fixtures", RENDERED), ("variants", VARIANTS)):
        merged: Counter[str] = Counter()
        for score in score_formats(root).values():
            merged.update(score.counts)
        yield Score(counts=merged).line(name)
    for name in sorted(REAL_SETS):
        real = score_real(name)
        first = REAL_SETS[name].first_score
        if real is None:
            yield f"judgement_{name}: skipped ({REAL_SETS[name].archive} absent)"
        else:
            yield real.line(name) + (f"; first score: {first}" if first else "; development set")
