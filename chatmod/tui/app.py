"""Provides the host's console: the Textual app behind ``chatmod demo`` and ``chatmod watch``.

The app only composes and routes. A :class:`~chatmod.tui.session.ChatSession` feeds a runtime from
a Source and projects its events into a :class:`~chatmod.tui.state.ConsoleState`, which the app
reads on a timer: messages never each post a UI message, and each repaint takes whatever arrived
since the last one. Keys a source cannot honour (seek, speed on a live chat) are hidden.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from chatmod.core.text import fold_handle
from chatmod.tui.screens.modals import ConversationScreen, HelpScreen, PromptScreen, judged
from chatmod.tui.seek import SeekError, parse_seek
from chatmod.tui.shown import shown
from chatmod.tui.widgets.status import StatusLine
from chatmod.tui.widgets.stream import StreamView
from chatmod.tui.widgets.tables import HEADER, Inbox, QuestionBoard, clock
from chatmod.words import plural

if TYPE_CHECKING:
    # The engine, pydantic and the store load after the first frame (see ChatmodApp's loader):
    # a console that appears at once, then fills, starts as fast as a bare Textual app.
    from chatmod.core.ledger import Ledger
    from chatmod.core.models import Message
    from chatmod.run.record import Recorder
    from chatmod.sources.base import SourceItem
    from chatmod.tui.session import ChatSession
    from chatmod.tui.state import Entry

__all__ = ["ChatmodApp", "ConsoleOptions"]

INBOX_ROWS = 300
"""Balls the inbox lists (its title counts them all); nobody scrolls further in a live chat."""

PANELS = 4
"""Repaints a second of the inbox, board and status line (the stream repaints every frame)."""

FRAME = 1 / 30
"""Seconds between repaints of the stream while messages pour in: Textual could paint 60 frames
a second, but at 30 a burst costs half the CPU and a message still shows within a frame or two."""

TICK = 1 / 20
"""Seconds between reads of the source (and at most this much added to a message's wait for the
screen); repaints are further coalesced by Textual to its frame rate."""

REPLAY_ACTIONS = frozenset({"play", "speed", "seek"})
"""What only a replay can do: hidden from the footer and the palette on a live source."""


@dataclass(slots=True)
class ConsoleOptions:
    """How the console was started."""

    title: str
    """What is being watched, as the status line names it (e.g. "#teachtechchat · demo")."""
    moderator: str
    """Who the actions are recorded as."""
    tag: str | None = None
    zone: tzinfo | None = None
    """Where times are shown (None: this machine's zone)."""
    featured: frozenset[str] = frozenset()
    muted: frozenset[str] = frozenset()
    export_dir: Path = field(default_factory=Path.cwd)
    recorder: Recorder | None = None
    """Where moderator actions are stored (``--db``)."""


class ChatmodApp(App[None]):
    """The console: inbox and question board on top, the stream below, status line and footer."""

    CSS_PATH = "app.tcss"
    TITLE = "chatmod"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("c", "act('claim')", "Claim"),
        Binding("a", "act('answered')", "Answered"),
        Binding("d", "act('dismiss')", "Dismiss"),
        Binding("o", "act('reopen')", "Reopen", show=False),
        Binding("z", "act('snooze')", "Snooze", show=False),
        Binding("u", "act('unclaim')", "Unclaim", show=False),
        Binding("enter", "conversation", "Thread", priority=False),
        Binding("space", "pause", "Pause"),
        Binding("p", "play", "Play/stop", show=False),
        Binding("plus,equals_sign", "speed(1)", "Faster", key_display="+", show=False),
        Binding("minus", "speed(-1)", "Slower", key_display="-", show=False),
        Binding("s", "seek", "Seek", show=False),
        Binding("slash", "search", "Search", key_display="/", show=False),
        *(Binding(str(n), f"only_question({n})", f"Only Q{n}", show=False) for n in range(1, 10)),
        Binding("0", "all_questions", "All questions", show=False),
        Binding("r", "toggle_reposts", "Reposts", show=False),
        Binding("v", "toggle_closed", "Closed balls", show=False),
        Binding("m", "mute", "Mute", show=False),
        Binding("f", "feature", "Feature", show=False),
        Binding("e", "export", "Export", show=False),
        Binding("tab", "focus_next", "Inbox/stream", show=False),
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    KEYS_HELP: tuple[tuple[str, str], ...] = (
        ("c", "claim the selected ball (\"I've got this one\")"),
        ("u", "give up your claim"),
        ("a", "mark it answered"),
        ("d", "dismiss it (needs no answer)"),
        ("o", "reopen an answered, dismissed or dropped ball (v shows them)"),
        ("z", "snooze it for 5 minutes"),
        ("Enter", "the conversation: what it replies to, and the replies"),
        ("Tab", "move between the inbox and the stream (End: follow the newest line again)"),
        ("Space", "pause the stream (new messages wait behind a counter) / resume"),
        ("1-9, 0", "show only Qn in the stream / all questions"),
        ("/", "search the stream (empty to clear)"),
        ("r", "hide or show reposts"),
        ("v", "show closed balls in the inbox too"),
        ("m / f", "mute / feature the selected message's author"),
        ("p", "replay: play or stop the clock"),
        ("+ / -", "replay: faster / slower (1x to 60x, then as fast as possible)"),
        ("s", "replay: seek to a time (12:30, +5m, -2m), a question (Q3), start or end"),
        ("e", "export the report (Markdown) of this session"),
        ("?", "this help"),
        ("q", "quit"),
    )

    def __init__(
        self,
        session: ChatSession | Callable[[], ChatSession],
        options: ConsoleOptions,
        *,
        wall: Callable[[], float] = time.monotonic,
        tick: float | None = TICK,
    ) -> None:
        """
        Args:
            session: the chat to show, or a loader that makes it: a loader runs in a worker
                thread once the first frame is on screen ("Loading…" until then), and an error
                it raises ends the app with :attr:`load_error` set.
            options: how the console was started.
            wall: the wall clock (monotonic seconds) that paces repaints; tests pass one they move.
            tick: seconds between reads of the source; None reads it only on advance() (tests).
        """
        super().__init__()
        self._loader = session if callable(session) else None
        self._session: ChatSession | None = None if callable(session) else session
        self.load_error: Exception | None = None
        self.options = options
        self._wall = wall
        self._tick_seconds = tick
        self.stream_paused = False
        self._paused_at = 0
        self.hide_reposts = False
        self.show_closed = False
        self.only_question: int | None = None
        self.search: str = ""
        self.muted: set[str] = {fold_handle(h) for h in options.muted}
        self.featured: set[str] = {fold_handle(h) for h in options.featured}
        self._painted_version = -1
        self._panels_painted = float("-inf")
        self._stream_painted = float("-inf")
        self._paint_pending = False
        self._painted_second: int | None = None
        self._consuming = False
        """A reader task takes the source's items as they arrive (a live source)."""
        self._failed = False
        self._failure_said = False

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="top"):
            with Vertical(id="inbox-box"):
                yield Static(Text(HEADER, style="bold"), id="inbox-header")
                yield Inbox(id="inbox")
            yield QuestionBoard(id="board")
        yield StreamView(zone=self.options.zone, id="stream")
        yield Footer(compact=True)

    @property
    def failure(self) -> str | None:
        """Why reading the chat stopped for good (a refused token, a server never reached), if it did."""
        from chatmod.sources.base import Link

        link = self._session.link if self._session is not None else None
        if link is None or link.link is not Link.FAILED:
            return None
        return link.detail or "unknown error"

    @property
    def session(self) -> ChatSession:
        assert self._session is not None, "the session is still loading"
        return self._session

    @property
    def loaded(self) -> bool:
        return self._session is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Until the chat is loaded only help and quit make sense; a live chat has no clock to move.
        if self._session is None:
            return action in ("quit", "help", "command_palette")
        return action not in REPLAY_ACTIONS or self._is_replay()

    def _is_replay(self) -> bool:
        capabilities = self.session.capabilities
        return capabilities.can_seek and capabilities.can_change_speed

    async def on_mount(self) -> None:
        # SIGTERM (kill, a service manager) and SIGHUP (the terminal closed) end the console as
        # q does: the terminal is restored and the database closed, instead of dying mid-screen.
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGHUP):
            try:
                loop.add_signal_handler(number, self.exit)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not on this platform, or not the main thread (tests)
        self.query_one("#board", QuestionBoard).border_title = Content("Questions")
        self.query_one("#inbox-box").border_title = Content("Waiting")
        self.query_one("#stream", StreamView).border_title = Content("Stream")
        self.query_one("#inbox", Inbox).focus()
        if self._loader is not None:
            self.query_one("#status", StatusLine).text = Text(" Loading…", style="bold")
            # After the first frame: the loader's imports would otherwise hold the GIL while it paints.
            self.call_after_refresh(
                self.run_worker, self._load, thread=True, exit_on_error=False, group="load", description="Loading the chat"
            )
        else:
            await self._start()

    def _load(self) -> None:
        assert self._loader is not None
        try:
            session = self._loader()
        except Exception as error:
            self.load_error = error
            self.call_from_thread(self.exit, None, 2)
            return
        self._session = session
        self.call_from_thread(self._start)  # type: ignore[arg-type]

    async def _start(self) -> None:
        self.refresh_bindings()  # the footer shows every action once there is a replay to act on
        # Everything loaded so far (Textual, the archive's first window, the engine) lives as
        # long as the app: frozen, it is left out of the cyclic GC's full collections, which
        # otherwise re-walk it all and stall a frame for 50 ms or more during a burst.
        gc.freeze()
        recorder = self.options.recorder
        if recorder is not None:
            recorder.on_error = lambda reason: self.notify(f"Not recorded: {reason}", severity="error", markup=False)
            from chatmod.store import StoreError

            try:
                await recorder.open(self.session.runtime.team, self.session.ongoing)
            except StoreError as error:
                self.options.recorder = None
                self.notify(f"Actions will not be recorded: {error}", severity="error", markup=False, timeout=10)
            else:
                self.session.attach(recorder)
        stream = self.query_one("#stream", StreamView)
        stream.featured = frozenset(self.featured)
        stream.names = self.query_one("#inbox", Inbox).names = self.session.source.names
        stream.status_of = self._ball_status
        if self._tick_seconds is not None:
            if self.session.capabilities.live:
                # Live items are shown as they arrive; the timer still lets time pass.
                self._consuming = True
                self.run_worker(self._consume(), exit_on_error=False, group="source", description="Reading the chat")
            self.set_interval(self._tick_seconds, self.advance)
            self.advance()
        else:
            self.paint(force=True)

    async def _consume(self) -> None:
        source = self.session.source
        recorder = self.options.recorder
        store = recorder.store_live(source) if recorder is not None else None
        await source.start()
        try:
            async for batch in source.stream():
                if store is not None:
                    store(batch)
                self.receive(batch)
        finally:
            await source.close()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # A worker that fails is shown, never swallowed: the chat may have stopped arriving.
        if event.state is not WorkerState.ERROR or event.worker.group == "load":
            return
        error = event.worker.error
        if event.worker.group == "source":
            self._source_failed(error)
            return
        reason = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
        self.notify(f"{event.worker.description} failed: {reason}", severity="error", markup=False, timeout=30)
        self.paint(force=True)

    def _source_failed(self, error: BaseException | None) -> None:
        """The chat stopped arriving: say why, keep what is on screen, read no more."""
        from chatmod.sources.base import ConnectionState, Link

        reason = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
        self._failed = True
        self.session.link = ConnectionState(Link.FAILED, reason)
        self.paint(force=True)

    async def on_unmount(self) -> None:
        if self.options.recorder is not None:
            if self._session is not None:
                self._session.flush()  # what came is stored: its reading is stored with it
            await self.options.recorder.close()

    # -- the clock --------------------------------------------------------------------------

    def advance(self) -> None:
        """Read what the source has ready, let time pass, and repaint what changed."""
        if self._session is None:
            return
        try:
            if self._consuming or self._failed:
                self.session.advance()  # the reader task takes the items; time still passes
            else:
                self.session.tick()
        except Exception as error:  # a reader's bug must not take the moderator's screen away
            self._source_failed(error)
            return
        self.paint()

    def receive(self, items: list[SourceItem]) -> None:
        """Items that just arrived from a live source: judged now, painted with the next frame.

        However fast they come, the screen is repainted at most once per frame.
        """
        self.session.feed(items)
        if not self._paint_pending:
            self._paint_pending = True
            # Paint now if the last frame is old enough, else when it will be: a quiet chat's
            # message shows at once, and a burst is coalesced to one repaint per FRAME.
            delay = self._stream_painted + FRAME - time.monotonic()
            if delay <= 0:
                self.call_later(self._paint_now)
            else:
                self.set_timer(delay, self._paint_now)

    def _paint_now(self) -> None:
        self._paint_pending = False
        self.paint()

    def paint(self, force: bool = False) -> None:
        """Repaint what changed: the stream at once, the rest at most :data:`PANELS` times a second.

        A message must reach the screen within a frame; the inbox, the board and the status
        line change every second anyway, and redrawing them per frame cost more than the stream.
        """
        if self._session is None:
            return
        failure = self.failure
        if failure is not None and not self._failure_said:
            # The status line has a line's room; the reason is said whole, once, until read.
            self._failure_said = True
            self.notify(f"Reading the chat stopped: {failure}. What came stays on screen; q quits.",
                        severity="error", markup=False, timeout=120)
        state = self.session.state
        wall = self._wall()
        now = self.session.now()
        second = int(now.timestamp()) if now.year < 9999 else 0
        changed = force or state.version != self._painted_version
        panels = force or (
            (changed or second != self._painted_second) and wall - self._panels_painted >= 1 / PANELS
        )
        if not changed and not panels:
            return
        with self.batch_update():
            if changed:
                self._painted_version = state.version
                self._stream_painted = time.monotonic()
                if not self.stream_paused:
                    self.query_one("#stream", StreamView).show(self._visible_entries())
            if panels:
                self._panels_painted, self._painted_second = wall, second
                self.query_one("#inbox", Inbox).show(
                    state.inbox(now, closed=self.show_closed, dropped=state.ended,
                                muted=frozenset(self.muted), limit=INBOX_ROWS)
                )
                board = self.query_one("#board", QuestionBoard)
                questions = sorted(state.questions.values(), key=lambda q: q.number)
                board.show(questions, state.current_question, {q.number: state.elapsed(q.number, now) for q in questions})
                self._paint_titles(now)
            elif changed and self.stream_paused:
                # The paused lines stay, but what became of their balls (✓, ✗) is kept current.
                self.query_one("#stream", StreamView).refresh()
                self._paint_titles(now)

    def _visible_entries(self) -> list[Entry]:
        needle = self.search.casefold()
        muted = self.muted
        return [
            entry
            for entry in self.session.state.entries
            if not (self.hide_reposts and entry.repost)
            and (self.only_question is None or entry.thread == self.only_question)
            and (not muted or fold_handle(entry.author) not in muted)
            and (not needle or needle in entry.message.text.casefold() or needle in entry.author.casefold())
        ]

    def _paint_titles(self, now: datetime) -> None:
        state = self.session.state
        inbox = self.query_one("#inbox-box")
        counts = f"{state.open_count} open · {state.answered} answered · {state.dropped} dropped" + (
            f" · {state.carried_over} carried over" if state.carried_over else ""
        )
        heading = "Waiting for an answer" if inbox.size.width >= len(counts) + 32 else "Waiting"
        if state.ended and state.dropped:
            heading = "Dropped: follow up" if inbox.size.width >= len(counts) + 29 else "Dropped"
        _retitle(inbox, f"{heading} · {counts}")
        stream = self.query_one("#stream", StreamView)
        filters = []
        if self.only_question is not None:
            filters.append(f"only Q{self.only_question}")
        if self.search:
            filters.append(f"matching “{shown(self.search, 30)}”")
        if self.hide_reposts:
            filters.append("reposts hidden")
        if self.muted:
            filters.append(f"{len(self.muted)} muted")
        _retitle(stream, "Stream" + (" · " + ", ".join(filters) if filters else ""))
        if self.stream_paused:
            waiting = max(0, state.received - self._paused_at)
            _retitle(stream, f"PAUSED · {waiting} new · Space to resume", subtitle=True)
        else:
            _retitle(stream, None, subtitle=True)
        self.query_one("#status", StatusLine).text = self._status_line(now)

    def _status_line(self, now: datetime) -> Text:
        from chatmod.sources.base import Link

        session, state = self.session, self.session.state
        line = Text(no_wrap=True, overflow="ellipsis")
        link = session.link
        if link is not None and link.link is Link.FAILED:
            line.append(" ✗ failed ", style="bold reverse red")
        elif session.finished:
            line.append(" ■ ended ", style="bold reverse")
        elif not session.capabilities.live:
            if session.playing:
                speed = "max" if session.speed is None else f"{session.speed:g}x"
                line.append(f" ▶ {speed} ", style="bold reverse green")
            else:
                line.append(" ‖ stopped ", style="bold reverse yellow")
        elif link is None or link.link is Link.LIVE or link.link.refilled:
            line.append(" ● live ", style="bold reverse green")
        else:
            line.append(f" {link.link.value} ", style="bold reverse yellow")
        if link is not None and link.detail and link.link is not Link.LIVE:
            said = f"{link.link.value}: {link.detail}" if link.link.refilled else link.detail
            failed = link.link is Link.FAILED
            line.append(f" {shown(said, 90 if failed else 40)}", style="bold red" if failed else "yellow")
        line.append(f" {shown(self.options.title, 60)}", style="bold")
        if now.year < 9999:
            local = now.astimezone(self.options.zone) if self.options.zone else now.astimezone()
            line.append(f"  {local:%H:%M:%S}")
            if state.session_start is not None:
                line.append(f" +{clock(now - state.session_start)}", style="dim")
        line.append(f"  {state.per_minute()}/min · {plural(len(state.participants), 'person', 'people')}")
        rejected = state.rejected
        if rejected:
            line.append(f" · {rejected} rejected", style="yellow")
        if self.stream_paused:
            line.append(f"  PAUSED ({max(0, state.received - self._paused_at)} new)", style="bold yellow")
        who = f"  as {shown(self.options.moderator, 30)}"
        if line.cell_len + len(who) <= self.size.width:
            line.append(who, style="dim")
        return line

    def _ball_status(self, message_id: str) -> str | None:
        ball = self.session.state.ball(message_id)
        return ball.status.value if ball is not None else None

    # -- selection --------------------------------------------------------------------------

    def _selected_entry(self) -> Entry | None:
        if isinstance(self.focused, StreamView):
            return self.focused.selected
        return None

    # With the stream focused, actions apply to its highlighted line only (never to a line the
    # moderator did not pick); otherwise to the inbox's selected ball.

    def _selected_ball_id(self) -> str | None:
        if isinstance(self.focused, StreamView):
            entry = self.focused.selected
            if entry is None or self.session.state.ball(entry.message.id) is None:
                return None
            return entry.message.id
        row = self.query_one("#inbox", Inbox).selected
        return row.ball_id if row is not None else None

    def _selected_author(self) -> str | None:
        if isinstance(self.focused, StreamView):
            entry = self.focused.selected
            return entry.author if entry is not None else None
        row = self.query_one("#inbox", Inbox).selected
        return row.author if row is not None else None

    # -- actions ----------------------------------------------------------------------------

    def action_act(self, name: str) -> None:
        from chatmod.core.ledger import LedgerError
        from chatmod.core.runtime import Action

        action = Action(name)
        ball_id = self._selected_ball_id()
        if ball_id is None:
            self.notify("Select a ball first: in the inbox, or a message addressed to the host team in the stream "
                        "(arrow keys or a click).", severity="warning", markup=False)
            return
        try:
            self.session.act(action, ball_id, self.options.moderator)
        except LedgerError as error:
            self.notify(str(error), severity="warning", markup=False)
            return
        self.paint(force=True)
        ball = self.session.state.ball(ball_id)
        verb = {"claim": "claimed", "unclaim": "unclaimed", "answered": "marked answered", "dismiss": "dismissed",
                "reopen": "reopened", "snooze": "snoozed for 5 minutes"}[name]
        said = f"{shown(ball.author if ball else ball_id, 40)}: {verb}"
        self.run_worker(self._confirm(said), group="marks", description="Saving a mark", exit_on_error=False)

    async def _confirm(self, said: str) -> None:
        """Say a mark is done once the database has it (at once without one)."""
        from chatmod.store import StoreError

        try:
            await self.session.durable()
        except StoreError:
            return  # the recorder has said why; the mark is kept and written when it can be
        self.notify(said, markup=False, timeout=3)

    def action_conversation(self) -> None:
        entry = self._selected_entry()
        message_id = entry.message.id if entry is not None else self._selected_ball_id()
        if message_id is None:
            return
        parents, message, replies = self.session.state.conversation(message_id)
        if message is None:
            self.notify("That message is no longer in memory.", severity="warning", markup=False)
            return
        state = self.session.state
        verdict = judged(entry or state.entry(message.id), state.ball(message.id), self.session.source.names)
        self.push_screen(ConversationScreen(parents, message, replies, self.session.state.team, zone=self.options.zone,
                                            names=self.session.source.names, verdict=verdict))

    def action_pause(self) -> None:
        self.stream_paused = not self.stream_paused
        if self.stream_paused:
            self._paused_at = self.session.state.received
        self.paint(force=True)

    def action_play(self) -> None:
        self.session.toggle_play()
        self.paint(force=True)

    def action_speed(self, step: int) -> None:
        speed = self.session.faster(step)
        self.notify(f"Replay speed: {'as fast as possible' if speed is None else f'{speed:g}x'}", markup=False, timeout=2)
        self.paint(force=True)

    def action_seek(self) -> None:
        def done(value: str | None) -> None:
            if not value:
                return
            now = self.session.now()
            try:
                target = parse_seek(value, now, self.session.start, self.options.zone)
            except SeekError as error:
                self.notify(str(error), severity="warning", markup=False)
                return
            if isinstance(target, int):
                if not self.session.seek_question(target):
                    self.notify(f"There is no Q{target} in this replay.", severity="warning", markup=False)
            else:
                self.session.seek(target)
            self._paused_at = min(self._paused_at, self.session.state.received)
            self.paint(force=True)

        self.push_screen(PromptScreen("Seek", "a time (12:30), +5m / -2m, a question (Q3), start, end"), done)

    def action_search(self) -> None:
        def done(value: str | None) -> None:
            if value is not None:
                self.search = value.strip()
                self.paint(force=True)

        self.push_screen(PromptScreen("Search the stream", "words or a handle; empty clears", self.search), done)

    def action_only_question(self, number: int) -> None:
        self.only_question = number
        self.paint(force=True)

    def action_all_questions(self) -> None:
        self.only_question = None
        self.paint(force=True)

    def action_toggle_reposts(self) -> None:
        self.hide_reposts = not self.hide_reposts
        self.paint(force=True)

    def action_toggle_closed(self) -> None:
        self.show_closed = not self.show_closed
        self.paint(force=True)

    def action_mute(self) -> None:
        author = self._selected_author()
        if author is None:
            return
        key = fold_handle(author)
        if key in self.muted:
            self.muted.discard(key)
            self.notify(f"{shown(author, 40)} unmuted", markup=False, timeout=2)
        else:
            self.muted.add(key)
            self.notify(f"{shown(author, 40)} muted: hidden from the stream and inbox", markup=False, timeout=3)
        self.paint(force=True)

    def action_unmute_all(self) -> None:
        self.muted.clear()
        self.paint(force=True)

    def action_feature(self) -> None:
        author = self._selected_author()
        if author is None:
            return
        key = fold_handle(author)
        self.featured.symmetric_difference_update({key})
        self.query_one("#stream", StreamView).featured = frozenset(self.featured)
        self.notify(f"{shown(author, 40)} {'featured' if key in self.featured else 'no longer featured'}", markup=False, timeout=2)
        self.paint(force=True)

    def action_help(self) -> None:
        replay = self._session is not None and self._is_replay()
        keys = [(key, text) for key, text in self.KEYS_HELP if replay or not text.startswith("replay:")]
        self.push_screen(HelpScreen(keys))

    def action_export(self) -> None:
        import copy

        # What the screen shows, as it stands now: the marks made, and open balls still open.
        state = self.session.state
        self._export(state.session_messages(), copy.deepcopy(state.ledger))

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self, messages: list[Message], ledger: Ledger) -> None:
        from chatmod.report import build_report, render

        if not messages:
            self.call_from_thread(self.notify, "Nothing to export yet.", severity="warning", markup=False)
            return
        report = build_report(messages, self.session.state.team, source=self.options.title, tag=self.options.tag,
                              ledger=ledger)
        day = messages[0].created_at.astimezone(self.options.zone).strftime("%Y-%m-%d")
        name = f"chatmod-{self.options.tag or 'chat'}-{day}.md"
        path = (self.options.export_dir / name).resolve()  # the notice says where, in full
        try:
            path.write_text(render(report, "md"), encoding="utf-8", errors="backslashreplace")
        except OSError as error:
            self.call_from_thread(self.notify, f"Could not write {path}: {error.strerror}", severity="error", markup=False)
            return
        self.call_from_thread(self.notify, f"Report written to {path}", markup=False, timeout=6)

    # -- palette ----------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if self._session is None:
            return
        replay = self._is_replay()
        commands = (
            ("Claim ball", "Claim the selected ball", lambda: self.action_act("claim")),
            ("Unclaim ball", "Give up your claim on the selected ball", lambda: self.action_act("unclaim")),
            ("Mark answered", "Mark the selected ball answered", lambda: self.action_act("answered")),
            ("Dismiss ball", "Dismiss the selected ball", lambda: self.action_act("dismiss")),
            ("Reopen ball", "Reopen the selected ball", lambda: self.action_act("reopen")),
            ("Snooze ball", "Hide the selected ball for 5 minutes", lambda: self.action_act("snooze")),
            ("Open conversation", "What the selected message replies to, and its replies", self.action_conversation),
            ("Pause or resume the stream", "New messages wait behind a counter", self.action_pause),
            *((
                ("Play or stop the replay", "Start or stop the replay clock", self.action_play),
                ("Faster replay", "Next speed up", lambda: self.action_speed(1)),
                ("Slower replay", "Next speed down", lambda: self.action_speed(-1)),
                ("Seek…", "Jump to a time or a question", self.action_seek),
            ) if replay else ()),
            ("Search the stream…", "Show only messages with these words", self.action_search),
            ("Show all questions", "Clear the question filter", self.action_all_questions),
            ("Hide or show reposts", "Toggle reposts in the stream", self.action_toggle_reposts),
            ("Show or hide closed balls", "Answered, dismissed and dropped balls in the inbox", self.action_toggle_closed),
            ("Mute author", "Hide the selected author's messages", self.action_mute),
            ("Unmute everyone", "Show every author again", self.action_unmute_all),
            ("Feature author", "Highlight the selected author's messages", self.action_feature),
            ("Export report…", "Write this session's Markdown report", self.action_export),
            ("Help", "Every key, and what the colours mean", self.action_help),
        )
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)
        for number in sorted(self.session.state.questions):
            yield SystemCommand(
                f"Jump to Q{number}", f"Show only Q{number} in the stream", partial(self.action_only_question, number)
            )


def _retitle(widget: Widget, title: str | None, *, subtitle: bool = False) -> None:
    # Setting a border title repaints the widget even when the words are the same.
    current = widget.border_subtitle if subtitle else widget.border_title
    if (str(current) if current is not None else None) == title:
        return
    value = Content(title) if title is not None else None
    if subtitle:
        widget.border_subtitle = value
    else:
        widget.border_title = value
