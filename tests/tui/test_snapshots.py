"""Snapshots of the main screen (pytest-textual-snapshot): 80x24 and 160x48, hostile text on screen.

Accept a reviewed change with ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from datetime import UTC

import pytest

from chatmod.core.handles import HostTeam
from chatmod.demo import DEMO_CHAT, DEMO_COHOSTS, DEMO_HOSTS
from chatmod.formats import read_source
from chatmod.sources.replay import ReplaySource
from chatmod.tui.app import ChatmodApp, ConsoleOptions
from tests.tui.conftest import Wall, chat_session
from tests.tui.hostile import hostile_chat


def demo_with_hostile_text(minute: float) -> ChatmodApp:
    """The demo chat, with the hostile corpus posted into its first minutes, stopped at ``minute``."""
    demo = [m for m in read_source(str(DEMO_CHAT))[1] if hasattr(m, "created_at")]
    start = demo[0].created_at
    hostile = [m.model_copy(update={"created_at": start + (m.created_at - hostile_chat()[0].created_at) * 8})
               for m in hostile_chat()[1:]]
    hostile = [m.model_copy(update={"mentions": (), "text": m.text.replace("@mshost", "@msrivera")}) for m in hostile]
    messages = sorted([*demo, *hostile], key=lambda m: m.created_at)
    team = HostTeam(DEMO_HOSTS, DEMO_COHOSTS)
    wall = Wall()
    session = chat_session(ReplaySource(lambda: list(messages), speed=60.0, wall=wall), team)
    wall.t = minute
    session.tick()
    session.toggle_play()  # stopped: the waits stay where they are while the snapshot is taken
    return ChatmodApp(session, ConsoleOptions(title="#teachtechchat · demo", moderator="sam", zone=UTC),
                      wall=wall, tick=None)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_main_screen(snap_compare, size):
    assert snap_compare(demo_with_hostile_text(24.5), terminal_size=size)


def test_help_screen(snap_compare):
    assert snap_compare(demo_with_hostile_text(5), press=["question_mark"], terminal_size=(100, 40))
