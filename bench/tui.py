"""Provides the console's benchmarks: live latency and CPU, replay memory, startup against bare Textual."""

from __future__ import annotations

import asyncio
import bisect
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import RenderableType
from textual._compositor import CompositorUpdate
from textual.screen import Screen

from bench.store import PEAK_RSS_MB
from bench.synthetic import synthetic_messages
from chatmod.core.handles import HostTeam
from chatmod.core.models import Message
from chatmod.core.runtime import ChatRuntime
from chatmod.sources.queue import QueueSource
from chatmod.tui.app import ChatmodApp, ConsoleOptions
from chatmod.tui.session import ChatSession
from chatmod.tui.state import ConsoleState

__all__ = [
    "BURST",
    "STARTUP_RUNS",
    "SUSTAINED",
    "LiveRun",
    "Load",
    "Replay",
    "Startup",
    "live_run",
    "percentile",
    "replay_peak_rss_mb",
    "startup",
]


@dataclass(frozen=True, slots=True)
class Load:
    """A live chat's pace: messages a second, for so many seconds."""

    rate: float
    seconds: float


TEAM = HostTeam(["mshost"], ["cosam"])
SIZE = (120, 40)
BURST = Load(500, 10)
"""A burst: about 6x a big Twitch hype spike (performance.md, load profile L2)."""
SUSTAINED = Load(50, 30)
"""Sustained: about all of Bluesky's posts in its busiest hour (L2)."""
STARTUP_RUNS = 7
"""Runs of each app for the startup figure; the median counts."""
STEP = 0.01
"""Seconds between the producer's hand-overs: a socket reader would be woken about this often."""
SETTLE = 5.0
"""Seconds allowed after the last hand-over for the last message to reach the screen."""


class FrameLog:
    """Every frame the app paints, encoded as a terminal would get it, and what it shows.

    The headless driver skips encoding (``App._display`` returns early when headless), so the
    wrapper does it: a frame's cost then includes what a real terminal would be sent.
    """

    def __init__(self, app: ChatmodApp) -> None:
        self.times: list[float] = []
        """When each frame was painted (perf_counter)."""
        self.covers: list[int] = []
        """How many received messages each frame shows (the count at the last repaint before it)."""
        self._covered = 0
        self._app = app
        self._display = app._display
        self._paint = app.paint
        # Instance attributes shadow the methods: the screen calls app._display(...) and the
        # app's frame timer calls self.paint(), so both go through the wrappers.
        app._display = self._painted  # type: ignore[method-assign]
        app.paint = self._repainted  # type: ignore[method-assign]

    def _repainted(self, force: bool = False) -> None:
        self._paint(force)
        # receive() only judges; the widgets take the new messages here, one frame later.
        self._covered = self._app.session.state.received

    def _painted(self, screen: Screen[object], renderable: RenderableType | None) -> None:
        self._display(screen, renderable)
        app = self._app
        if renderable is None or app._batch_count:
            return  # the same frames _display itself skips
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(app.console)
        else:
            app.console._render_buffer(app.console.render(renderable))
        self.times.append(time.perf_counter())
        self.covers.append(self._covered)

    def shown_by(self, count: int) -> int | None:
        """Index of the first frame showing the first ``count`` received messages."""
        index = bisect.bisect_left(self.covers, count)
        return index if index < len(self.covers) else None


@dataclass(frozen=True, slots=True)
class LiveRun:
    """One live run: messages handed to ``app.receive`` at a rate, and what it cost."""

    rate: float
    sent: int
    seconds: float
    cpu_percent: float
    """Process CPU over the run, as a percentage of one core."""
    frames: int
    unpainted: int
    """Messages no frame showed within :data:`SETTLE` seconds of the last hand-over."""
    shown_ms: list[float]
    """Per message: the first frame showing it, minus its hand-over to ``receive``."""
    next_frame_ms: list[float]
    """Per message: the first frame of any kind after its hand-over (may not show it yet)."""
    due_ms: list[float]
    """Per message: the first frame showing it, minus when it was due at the rate (counts
    the producer's step and any stall of the event loop, as a socket's arrival would)."""

    @property
    def p99_ms(self) -> float:
        """The figure: p99 of hand-over to the first frame showing the message."""
        return percentile(self.shown_ms, 99)

    def detail(self) -> str:
        shown = " / ".join(f"{percentile(self.shown_ms, q):.0f}" for q in (50, 99, 100))
        return (
            f"{self.sent} messages at {self.rate:g}/s over {self.seconds:.1f}s, {self.frames} frames, "
            f"CPU {self.cpu_percent:.0f}%, {self.unpainted} never shown; hand-over to the frame showing it "
            f"p50 / p99 / max {shown} ms; p99 to the next frame of any kind "
            f"{percentile(self.next_frame_ms, 99):.0f} ms, from when due {percentile(self.due_ms, 99):.0f} ms"
        )


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100); NaN when there are no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def live_messages(count: int) -> list[Message]:
    """``count`` synthetic messages of one session (six questions spread over them)."""
    return [Message.model_validate(record) for record in synthetic_messages(count, per_session=count)]


def live_run(rate: float, seconds: float) -> LiveRun:
    """The console fed ``rate`` messages a second for ``seconds``, headless at 120x40."""
    messages = live_messages(max(1, round(rate * seconds)))
    return asyncio.run(_live(messages, rate))


async def _live(messages: list[Message], rate: float) -> LiveRun:
    # A live source and no timer: messages come only through receive(), as a live source's do.
    session = ChatSession(QueueSource(), lambda: ChatRuntime(TEAM), lambda: ConsoleState(TEAM))
    app = ChatmodApp(session, ConsoleOptions(title="bench", moderator="bench"), tick=None)
    frames = FrameLog(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # mounted and the first frame painted, before the clocks start
        cpu, wall = time.process_time(), time.perf_counter()
        due, handed = await _produce(app, messages, rate)
        seconds = time.perf_counter() - wall
        cpu_percent = (time.process_time() - cpu) / seconds * 100
        settle = time.perf_counter() + SETTLE
        while frames.shown_by(len(messages)) is None and time.perf_counter() < settle:
            await asyncio.sleep(STEP)
    shown, next_frame, late = [], [], []
    for k, (due_at, handed_at) in enumerate(zip(due, handed, strict=True)):
        index = frames.shown_by(k + 1)
        if index is not None:
            shown.append((frames.times[index] - handed_at) * 1000)
            late.append((frames.times[index] - due_at) * 1000)
        after = bisect.bisect_right(frames.times, handed_at)
        if after < len(frames.times):
            next_frame.append((frames.times[after] - handed_at) * 1000)
    return LiveRun(
        rate=rate, sent=len(messages), seconds=seconds, cpu_percent=cpu_percent,
        frames=sum(1 for at in frames.times if wall <= at <= wall + seconds),
        unpainted=len(messages) - len(shown), shown_ms=shown, next_frame_ms=next_frame, due_ms=late,
    )


async def _produce(app: ChatmodApp, messages: list[Message], rate: float) -> tuple[list[float], list[float]]:
    """Hands the messages over at ``rate`` every :data:`STEP`; returns when each was due and handed."""
    due: list[float] = []
    handed: list[float] = []
    # Chat time runs with the wall, so the engine sees a live chat (non-decreasing, UTC).
    base = datetime.now(UTC)
    start = time.perf_counter()
    sent = 0
    while sent < len(messages):
        elapsed = time.perf_counter() - start
        upto = min(len(messages), int(elapsed * rate) + 1)
        if upto > sent:
            at = base + timedelta(seconds=elapsed)
            batch = [message.model_copy(update={"created_at": at}) for message in messages[sent:upto]]
            now = time.perf_counter()
            app.receive(batch)
            due.extend(start + i / rate for i in range(sent, upto))
            handed.extend([now] * len(batch))
            sent = upto
        await asyncio.sleep(STEP)
    return due, handed


_REPLAY_CHILD = PEAK_RSS_MB + """
import asyncio, sys, time
from chatmod.core.handles import HostTeam
from chatmod.formats import read_source
from chatmod.core.runtime import ChatRuntime
from chatmod.sources.replay import ReplaySource
from chatmod.tui.app import ChatmodApp, ConsoleOptions
from chatmod.tui.session import ChatSession
from chatmod.tui.state import ConsoleState

async def replay(path):
    team = HostTeam(["mshost"], ["cosam"])
    source = ReplaySource(lambda: read_source(path)[1], speed=None)
    session = ChatSession(source, lambda: ChatRuntime(team), lambda: ConsoleState(team))
    app = ChatmodApp(session, ConsoleOptions(title="bench", moderator="bench"))
    async with app.run_test(size=(120, 40)):
        while not session.finished:
            await asyncio.sleep(0.05)
    return session.state.received

start = time.perf_counter()
received = asyncio.run(replay(sys.argv[1]))
print(received, time.perf_counter() - start, peak_rss_mb())
"""


@dataclass(frozen=True, slots=True)
class Replay:
    """A replay of an archive at full speed through the app, in a child process."""

    received: int
    seconds: float
    peak_rss_mb: float


def replay_peak_rss_mb(source: Path, timeout: float = 3600) -> Replay:
    """Peak resident memory of a process replaying ``source`` through the console as fast as it can."""
    command = [sys.executable, "-c", _REPLAY_CHILD, str(source)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout)
    received, seconds, peak = done.stdout.split()[-3:]
    return Replay(int(received), float(seconds), float(peak))


# Both children run the same code around their app: wrap _display, encode the first frame (the
# headless driver would not), print when it was painted, and exit. Everything they import counts:
# that is process start. time.monotonic() is the system's clock, so the parent can compare it.
_FIRST_FRAME = """
import time
from textual._compositor import CompositorUpdate
from textual.app import App

def exit_at_first_frame(app, loaded=lambda app: True):
    display = app._display
    painted_at = []
    def painted(screen, renderable):
        display(screen, renderable)
        if renderable is not None and not app._batch_count:
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)
            if not painted_at:
                painted_at.append(time.monotonic())
            if loaded(app) and len(painted_at) == 1:
                painted_at.append(time.monotonic())
                app.exit()
    app._display = painted
    App.run(app, headless=True, size=(120, 40))  # App.run: the console child replaces ChatmodApp.run
    print(painted_at[0], painted_at[-1])
"""

_BARE_CHILD = _FIRST_FRAME + """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("bench")

exit_at_first_frame(Bare())
"""

# The console as `chatmod demo` starts it: the real command line, with the terminal checks
# answered yes and the app run headless. Its first frame shows the layout and "Loading…"; the
# chat is read in a worker thread behind it, and the second figure is the first frame with it.
_CONSOLE_CHILD = _FIRST_FRAME + """
import sys
import chatmod.tui.app as tui
from chatmod.cli import main

sys.stdin.isatty = sys.stdout.isatty = lambda: True
tui.ChatmodApp.run = lambda app: exit_at_first_frame(app, lambda app: app.loaded and app.session.state.received > 0)
main(["demo"])
"""


@dataclass(frozen=True, slots=True)
class Startup:
    """Process start to first painted frame, in seconds, one entry per run."""

    console: list[float]
    bare: list[float]
    console_loaded: list[float]
    """Process start to the first frame showing the demo chat (read behind the first frame)."""
    console_exit: list[float]
    """Process start to the process's exit (after the app closed and the interpreter finalized)."""
    bare_exit: list[float]

    @property
    def console_median(self) -> float:
        return statistics.median(self.console)

    @property
    def bare_median(self) -> float:
        return statistics.median(self.bare)

    @property
    def ratio(self) -> float:
        return self.console_median / self.bare_median

    def detail(self) -> str:
        def ms(values: list[float]) -> str:
            return f"{statistics.median(values) * 1000:.0f} ms ({min(values) * 1000:.0f}-{max(values) * 1000:.0f})"

        return (
            f"process start to first frame, median of {len(self.console)}: console on the demo chat "
            f"{ms(self.console)}, bare Textual app {ms(self.bare)}; console to the first frame showing "
            f"the chat {ms(self.console_loaded)}; to the process's exit "
            f"{ms(self.console_exit)} and {ms(self.bare_exit)}"
        )


def _first_frame(code: str, env: dict[str, str]) -> tuple[float, float, float]:
    """(spawn to first painted frame, spawn to the first frame with content, spawn to exit) of a
    child running ``code``, in seconds."""
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                          timeout=60, env=env)
    exited = time.monotonic()
    painted = (done.stdout.strip().splitlines()[-1:] or [""])[0].split()
    if len(painted) != 2:
        raise RuntimeError(f"the child exited without painting a frame: {done.stderr.strip()[-500:]}")
    return float(painted[0]) - start, float(painted[1]) - start, exited - start


def startup(runs: int, cache: Path) -> Startup:
    """The console on the demo chat against a bare Textual app, ``runs`` of each, interleaved.

    Bytecode is cached under ``cache``: an installed app starts from compiled modules, but
    PYTHONDONTWRITEBYTECODE (or a read-only or editable install) would have every run of the
    console compile chatmod from source while Textual's wheel came precompiled.
    """
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    # One unrecorded run each first: it fills the cache the others read.
    _first_frame(_BARE_CHILD, env)
    _first_frame(_CONSOLE_CHILD, env)
    console: list[tuple[float, float, float]] = []
    bare: list[tuple[float, float, float]] = []
    for _ in range(runs):
        bare.append(_first_frame(_BARE_CHILD, env))
        console.append(_first_frame(_CONSOLE_CHILD, env))
    return Startup(
        console=[c[0] for c in console], bare=[b[0] for b in bare], console_loaded=[c[1] for c in console],
        console_exit=[c[2] for c in console], bare_exit=[b[2] for b in bare],
    )
