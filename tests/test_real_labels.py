"""The engine against real chats labelled by hand (fixtures/real, GUIDELINES.md), when the
archives they label are beside the repository; skipped cleanly when they are not."""

from __future__ import annotations

import pytest

from tests.scoring import REAL, REAL_SETS, read_labels, score_real

pytestmark = pytest.mark.corpus


@pytest.mark.parametrize("name", sorted(REAL_SETS))
def test_engine_agrees_with_the_readers_on_real_chats(name: str) -> None:
    result = score_real(name)
    if result is None:
        pytest.skip(f"the archive {REAL_SETS[name][1]} is not in ../shared/corpus")
    report = result.line(name) + "\n" + "\n".join(result.misses)
    to_host, question, dropped, threads = REAL_SETS[name].floors
    assert result.f1("to_host") >= to_host, report
    assert result.f1("dropped") >= dropped, report
    assert result.f1("question") >= question, report
    assert result.thread_accuracy >= threads, report
    # A question the readers saw dropped must never be reported answered: that hides it.
    assert result.counts["question_answered_but_dropped"] == 0, report


@pytest.mark.parametrize("name", sorted(REAL_SETS))
def test_the_settled_labels_are_whole_and_consistent(name: str) -> None:
    """Every message of both passes is settled, and a label never contradicts itself."""
    settled = read_labels(REAL / REAL_SETS[name][0])
    for reader in ("pass-a", "pass-b"):
        passed = read_labels(REAL / REAL_SETS[name][0].replace(".tsv", f".{reader}.tsv"))
        assert passed.keys() == settled.keys()
    for key, label in settled.items():
        assert label.to_host or (not label.question and label.answered is None), key
        assert not label.to_host or label.answered is not None, key
