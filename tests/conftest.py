"""Shared test helpers: locating ../shared, and writing small chats by hand."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chatmod.core.events import Analyzed, Event
from chatmod.core.handles import HostTeam
from chatmod.core.ledger import Ledger
from chatmod.core.models import Message
from chatmod.core.runtime import ChatRuntime, run_all

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
FIXTURES = ROOT / "fixtures"
START = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)


def corpus_file(name: str) -> Path:
    """A file of ../shared/corpus, or a clean skip when the corpus is not beside the repo."""
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


def at(clock: str) -> datetime:
    """``"12:30"`` (minutes:seconds) or ``"1:02:30"`` after START."""
    parts = [int(p) for p in clock.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    h, m, s = parts
    return START + timedelta(hours=h, minutes=m, seconds=s)


def chat(rows: Iterable[Sequence[Any]]) -> list[Message]:
    """Messages from ``(id, clock, author, text[, {extra fields}])`` rows."""
    messages = []
    for row in rows:
        ident, clock, author, text = row[:4]
        extra = row[4] if len(row) > 4 else {}
        messages.append(
            Message(network="twitter", id=ident, author=author, created_at=at(clock), text=text, **extra)
        )
    return messages


class Judgement:
    """The engine's events over a chat, indexed for assertions."""

    def __init__(self, messages: list[Message], hosts: Sequence[str], cohosts: Sequence[str] = ()):
        self.runtime = ChatRuntime(HostTeam(hosts, cohosts))
        self.events: list[Event] = run_all(self.runtime, messages)
        self.analyzed = {e.id: e for e in self.events if isinstance(e, Analyzed)}
        self.ledger = Ledger().apply_all(self.events)
        """Every session's balls, rebuilt from the events alone."""

    def __getitem__(self, ident: str) -> Analyzed:
        return self.analyzed[ident]

    def answered_by(self, ident: str) -> str | None:
        ball = self.ledger.get(ident)
        assert ball is not None, f"{ident} is not a ball"
        return ball.answered_message

    def status(self, ident: str) -> str | None:
        ball = self.ledger.get(ident)
        return None if ball is None else ball.status.value


def judge(rows: Iterable[Sequence[Any]], hosts: Sequence[str] = ("mshost",), cohosts: Sequence[str] = ("cosam",)) -> Judgement:
    return Judgement(chat(rows), hosts, cohosts)


@pytest.fixture(autouse=True)
def _no_token_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CHATMOD_TOKEN set where the tests run must not change what they see."""
    monkeypatch.delenv("CHATMOD_TOKEN", raising=False)
