"""Helpers for driving the console with Pilot: a small chat, a wall clock the test moves."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC
from pathlib import Path
from typing import Any

from chatmod.core.handles import HostTeam
from chatmod.core.runtime import ChatRuntime
from chatmod.sources.base import Source
from chatmod.sources.replay import ReplaySource
from chatmod.tui.app import ChatmodApp, ConsoleOptions
from chatmod.tui.session import ChatSession
from chatmod.tui.state import ConsoleState
from tests.conftest import chat

TEAM = HostTeam(["mshost"], ["cosam"])

ROWS: list[tuple[Any, ...]] = [
    ("q1", "0:00", "mshost", "Q1: what is your favourite tool? #edchat"),
    ("rt1", "0:20", "eve", "RT @mshost: Q1: what is your favourite tool? #edchat",
     {"repost_of": "q1", "repost_of_author": "mshost"}),
    ("c1", "0:30", "alice", "@mshost love this chat! #edchat"),
    ("b1", "1:00", "bob", "@mshost A1 how do you grade kahoot quizzes? #edchat"),
    ("a1", "1:10", "carol", "A1 flipgrid for reading #edchat"),
    ("r1", "2:00", "dave", "@carol how do you use flipgrid? #edchat", {"reply_to_id": "a1", "reply_to_author": "carol"}),
    ("q2", "10:00", "mshost", "Q2: and your least favourite? #edchat"),
    ("a2", "10:30", "carol", "A2 fax machines #edchat"),
    ("d1", "11:00", "dave", "@mshost A2 what about printers? #edchat"),
    ("h1", "12:00", "mshost", "@dave printers are fine! #edchat", {"reply_to_id": "d1", "reply_to_author": "dave"}),
    ("z9", "20:00", "carol", "bye all #edchat"),
]


class Wall:
    """The wall clock the console reads; tests set it."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def chat_session(source: Source, team: HostTeam = TEAM) -> ChatSession:
    """The console's chat over ``source``, judged by ``team``."""
    return ChatSession(source, lambda: ChatRuntime(team), lambda: ConsoleState(team))


def replay_session(
    rows: Iterable[Sequence[Any]] = ROWS, *, speed: float | None = 60.0, wall: Wall | None = None,
    team: HostTeam = TEAM,
) -> ChatSession:
    """A replay of ``rows`` whose wall clock is ``wall`` (a new one at 0 when not given)."""
    messages = chat(rows)
    return chat_session(ReplaySource(lambda: list(messages), speed=speed, wall=wall or Wall()), team)


def make_app(
    rows: Iterable[Sequence[Any]] = ROWS,
    *,
    speed: float | None = 60.0,
    wall: Wall | None = None,
    export_dir: Path | None = None,
    session: ChatSession | None = None,
    **options: Any,
) -> ChatmodApp:
    wall = wall or Wall()
    return ChatmodApp(
        session or replay_session(rows, speed=speed, wall=wall),
        ConsoleOptions(
            title="#edchat · test", moderator="sam", tag="edchat", zone=UTC,
            export_dir=export_dir or Path.cwd(), **options,
        ),
        wall=wall,
        tick=None,
    )


def stream_text(app: ChatmodApp) -> list[str]:
    """The stream's lines as the screen shows them."""
    from chatmod.tui.widgets.stream import StreamView

    stream = app.query_one("#stream", StreamView)
    return [stream.render_line(y).text for y in range(stream.scrollable_content_region.height)]
