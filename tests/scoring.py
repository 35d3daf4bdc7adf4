"""Scores the engine against labels a reader wrote: F1 for to_host, question and dropped, and
thread accuracy. One scorer for the tests (floors) and ``make bench`` (``judgement_<set>`` lines).

A label is what a careful host judged of one participant message: ``to_host``, ``question``,
``answered`` (True, False for dropped, None when not a ball) and ``thread``.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

from chatmod.core.handles import HostTeam
from chatmod.core.ledger import Status
from chatmod.core.models import Message
from chatmod.formats import read_source
from chatmod.pipeline import judge
from chatmod.sources.ordering import Run, chronological

__all__ = ["FORMATS", "REAL_SETS", "Label", "Score", "engine_labels", "fixture_labels", "read_labels", "rendered", "score", "score_fixture", "score_real"]

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "fixtures" / "real"
RENDERED = ROOT / "fixtures" / "rendered"
FORMATS = {"chatmod": "twitter", "twarc1": "twitter", "twarc2": "twitter", "tags": "twitter",
           "sheet": "twitter", "mastodon": "mastodon", "jetstream": "bluesky"}
"""The archive formats fixtures/build.py renders each scenario in, with the network of each."""
CORPUS = ROOT.parent / "shared" / "corpus"


@dataclass(frozen=True, slots=True)
class Label:
    to_host: bool
    question: bool
    answered: bool | None
    thread: int | None
    note: str = ""


@dataclass(slots=True)
class Score:
    """How the engine's labels compare with a reader's over one set of messages."""

    counts: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def add(self, key: str, want: Label, have: Label) -> None:
        c = self.counts
        for name, wanted, had in (("to_host", want.to_host, have.to_host),
                                  ("question", want.question, have.question),
                                  ("dropped", want.answered is False, have.answered is False)):
            c[f"{name}_tp"] += wanted and had
            c[f"{name}_fp"] += had and not wanted
            c[f"{name}_fn"] += wanted and not had
        c["thread_ok"] += want.thread == have.thread
        c["total"] += 1
        c["answered_but_dropped"] += want.answered is False and have.answered is True
        c["question_answered_but_dropped"] += want.question and want.answered is False and have.answered is True
        diffs = [f"{name}: want {getattr(want, name)!r} got {getattr(have, name)!r}"
                 for name in ("thread", "to_host", "question", "answered") if getattr(want, name) != getattr(have, name)]
        if diffs:
            self.misses.append(f"{key}: " + "; ".join(diffs) + (f"  ({want.note})" if want.note else ""))

    def precision(self, name: str) -> float:
        return _ratio(self.counts[f"{name}_tp"], self.counts[f"{name}_fp"])

    def recall(self, name: str) -> float:
        return _ratio(self.counts[f"{name}_tp"], self.counts[f"{name}_fn"])

    def f1(self, name: str) -> float:
        tp, fp, fn = (self.counts[f"{name}_{kind}"] for kind in ("tp", "fp", "fn"))
        return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0

    @property
    def thread_accuracy(self) -> float:
        return self.counts["thread_ok"] / self.counts["total"] if self.counts["total"] else 1.0

    def line(self, name: str) -> str:
        """The ``make bench`` line of this set."""
        return (f"judgement_{name}: to_host F1 {self.f1('to_host'):.3f}, question F1 {self.f1('question'):.3f}, "
                f"dropped F1 {self.f1('dropped'):.3f}, thread accuracy {self.thread_accuracy:.3f} "
                f"({self.counts['total']} messages)")


def _ratio(tp: int, other: int) -> float:
    return tp / (tp + other) if tp + other else 1.0


def score(want: Mapping[str, Label], have: Mapping[str, Label], into: Score | None = None, prefix: str = "") -> Score:
    """Add every labelled message of ``want`` to the score (a message the engine never read
    counts as judged "nothing": not addressed, no question)."""
    result = into if into is not None else Score()
    for key, label in want.items():
        result.add(prefix + key, label, have.get(key, Label(False, False, None, None, "not read")))
    return result


class RealSet(NamedTuple):
    """A set of real labels: its file in fixtures/real, the corpus archive it labels, the host
    team, and how the archive becomes messages when it is no archive chatmod reads."""

    labels: str
    archive: str
    team: HostTeam
    read: Callable[[Path], list[Message]] | None = None
    first_score: str | None = None
    """For a set labelled before any rule was changed after reading it: its first score, the
    held-out figure (make bench prints it beside today's; a later rule change makes the set a
    development set, and this figure stays what was measured)."""
    floors: tuple[float, float, float, float] = (0.97, 0.9, 0.95, 0.0)
    """to_host, question and dropped F1 and thread accuracy the engine must keep."""


def _ngsschat_2012(path: Path) -> list[Message]:
    from tests.storify import storify_sessions

    return storify_sessions(path, {date(2012, 5, 10), date(2012, 5, 24)})


REAL_SETS: dict[str, RealSet] = {
    "pstweetchat_2022": RealSet("pstweetchat-2022.tsv", "pstweetchat.csv", HostTeam(["JeffHicks"])),
    "pstweetchat_2022_heldout": RealSet(
        "pstweetchat-2022-heldout.tsv", "pstweetchat.csv", HostTeam(["JeffHicks"]),
        first_score="dropped F1 0.929 (rules tuned on it since: a development set now)"),
    "ngsschat_2012": RealSet(
        "ngsschat-2012.tsv", "ngsschat-storify.csv", HostTeam(["FredEnde"]), _ngsschat_2012,
        first_score=("to_host F1 0.975, question F1 0.600, dropped F1 0.333, thread accuracy 0.692 "
                     "(2026-12-08; held out: no rule changed after reading it)"),
        floors=(0.975, 0.6, 0.333, 0.69)),
}


def score_real(name: str) -> Score | None:
    """The engine against a set of real labels, judging the whole archive as ``chatmod analyze``
    does; None when the archive is not beside the repository."""
    labels_file, archive, team, read, *_ = REAL_SETS[name]
    source = CORPUS / archive
    if not source.exists():
        return None
    if read is not None:
        messages = read(source)
    else:
        _, items = read_source(str(source))
        messages = chronological(items, Run())
    return score(read_labels(REAL / labels_file), engine_labels(messages, team))


def rendered(fmt: str, scenario: str, root: Path = RENDERED) -> Path | None:
    """The rendering of a fixture scenario in one format, if built (``root``: RENDERED, or
    RENDERED / "variants" for the held-apart variants)."""
    matches = sorted((root / fmt).glob(f"{scenario}.*"))
    return matches[0] if matches else None


def score_fixture(labels_path: Path, fmt: str, into: Score | None = None) -> Score:
    """The engine against one rendered fixture scenario (fixtures/rendered/labels/*.json) in one
    format; a wrong ``answered_by`` is a miss too (it is not in the F1 figures)."""
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    network = FORMATS[fmt]
    path = rendered(fmt, labels["scenario"], labels_path.parent.parent)
    assert path is not None, f"no {fmt} rendering of {labels['scenario']}"
    team = HostTeam(labels["hosts"][network], labels["cohosts"][network])
    run = Run()
    _, items = read_source(str(path))
    judged, ledger = judge(chronological(items, run), team)
    assert run.rejected_count == 0, [str(r) for r in run.rejected]
    by_id = {j.analysis.id: j for j in judged}
    to_key = {m["id"][fmt]: m["key"] for m in labels["messages"] if fmt in m["id"]}
    result = into if into is not None else Score()
    for message in labels["messages"]:
        if fmt not in message["id"]:
            continue
        want = {**message, **message.get("by_format", {}).get(fmt, {})}
        ident, key = want["id"][fmt], f"{labels['scenario']}/{fmt} {want['key']}"
        j = by_id.get(ident)
        assert j is not None, f"{key} missing"
        ball = ledger.get(ident) if j.analysis.to_host else None
        have = Label(j.analysis.to_host, j.analysis.question,
                     None if ball is None else ball.status is Status.ANSWERED, j.analysis.thread)
        result.add(key, Label(want["to_host"], want["question"], want["answered"], want["thread"]), have)
        if want["answered"] and have.answered and ball is not None and to_key.get(ball.answered_message or "") != want["answered_by"]:
            result.misses.append(f"{key}: answered_by: want {want['answered_by']} got {to_key.get(ball.answered_message or '')}")
            result.counts["answered_by_wrong"] += 1
    return result


def fixture_labels(root: Path = RENDERED) -> list[Path]:
    """The label files of the rendered fixtures (``root``: RENDERED, or the variants under it)."""
    labels = root / "labels"
    return sorted(labels.glob("*.json")) if labels.exists() else []


VARIANTS = RENDERED / "variants"


def score_formats(root: Path = RENDERED) -> dict[str, Score]:
    """Every rendered scenario under ``root``, scored format by format."""
    scores: dict[str, Score] = {}
    for path in fixture_labels(root):
        for fmt in FORMATS:
            if rendered(fmt, path.stem, root):
                score_fixture(path, fmt, into=scores.setdefault(fmt, Score()))
    return scores


def engine_labels(messages: Iterable[Message], team: HostTeam) -> dict[str, Label]:
    """What the engine judges of every message (the ledger decides answered)."""
    judged, ledger = judge(messages, team)
    labels: dict[str, Label] = {}
    for j in judged:
        ball = ledger.get(j.analysis.id) if j.analysis.to_host else None
        labels[j.analysis.id] = Label(
            to_host=j.analysis.to_host,
            question=j.analysis.question,
            answered=None if ball is None else ball.status is Status.ANSWERED,
            thread=j.analysis.thread,
        )
    return labels


def read_labels(path: Path) -> dict[str, Label]:
    """A label file of fixtures/real (GUIDELINES.md): tab-separated, ``#`` lines are comments."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    labels: dict[str, Label] = {}
    for row in csv.DictReader(lines, delimiter="\t"):
        labels[row["id"]] = Label(
            to_host=row["to_host"] == "1",
            question=row["question"] == "1",
            answered=None if row["answered"] == "-" else row["answered"] == "1",
            thread=None if row["thread"] == "-" else int(row["thread"]),
            note=row.get("note") or "",
        )
    return labels
