"""Provides a live chat for the commands: the source a URL names, and a run of it with bounds.

``analyze``, ``report`` and ``ingest`` read a live chat for ``--max-messages`` messages, for
``--duration`` seconds, or until interrupted; :func:`run_live` gives each batch to the command as
it arrives (``ingest`` writes it at once) and returns what happened, for the summary line.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from chatmod.core.models import Message, Rejected
from chatmod.formats.base import Deletion, Item
from chatmod.sources.base import ConnectionState, EndOfInput, Link, Source, SourceItem
from chatmod.sources.live_url import JetstreamURL, MastodonURL, parse_live_url
from chatmod.words import plural

__all__ = ["LiveRun", "open_live", "run_live"]


def open_live(source: str, token: str | None, resume_after: str | None = None,
              team: Iterable[str] = (), appview: str | None = None, since: datetime | None = None) -> Source:
    """The live source ``source`` names; :class:`LiveURLError` when it cannot be used.

    ``since``: a run that joins late reads the chat from then on first (Mastodon: the timelines
    paged back to it; Bluesky: a Jetstream cursor there, within what the server keeps). A stored
    ``resume_after`` wins: it knows exactly where the last run stopped.

    ``team``: the host team's handles. On Mastodon, when the token is one of theirs, the
    mentions that reply to the chat without the hashtag are caught too; on Bluesky, the posts
    that mention them or reply to them without the hashtag (handles are resolved to DIDs on
    ``appview``, which also names the chat's people; None looks nothing up).
    """
    url = parse_live_url(source)
    if isinstance(url, MastodonURL):
        from chatmod.sources.mastodon import MastodonSource

        return MastodonSource(url, token, resume_after=resume_after, team=team,
                              since=since if resume_after is None else None)
    assert isinstance(url, JetstreamURL)
    from chatmod.sources.appview import AppView
    from chatmod.sources.jetstream import JetstreamSource, time_us

    if resume_after is None and since is not None:
        resume_after = str(time_us(since))

    team = [handle.strip().removeprefix("@") for handle in team]
    dids = {handle for handle in team if handle.startswith("did:")}
    # A Bluesky handle is a domain name; "host" alone is some other network's.
    named = [handle for handle in team if not handle.startswith("did:") and "." in handle and "@" not in handle]
    return JetstreamSource(url, team_dids=dids, team_handles=named, resume_after=resume_after,
                           appview=AppView(appview) if appview else None)


@dataclass(slots=True)
class LiveRun:
    """What a bounded live run read, and why it stopped."""

    label: str
    items: list[Item] = field(default_factory=list)
    """Messages, deletions and rejections, in the order they came (kept unless ``keep`` is off)."""
    messages: int = 0
    """Distinct messages: one delivered twice counts once."""
    seen: set[str] = field(default_factory=set)
    rejected: int = 0
    states: list[ConnectionState] = field(default_factory=list)
    stopped: str = "the source ended"
    failure: str | None = None
    interrupted: bool = False
    seconds: float = 0.0

    @property
    def never_reached(self) -> str | None:
        """Why the server was never reached, when no connection of the run ever went live
        (refused, no such host, a TLS or token failure); None when one did."""
        if any(state.link is Link.LIVE for state in self.states):
            return None
        if self.failure is not None:
            return self.failure
        tries = [state.detail.split("; again in ")[0] for state in self.states if state.link is Link.RECONNECTING]
        return tries[-1] if tries else None

    def summary(self) -> str:
        """One line for the end of a run: what came, how the link held, why it stopped."""
        parts = [f"{self.label}: {plural(self.messages, 'message')} in {_duration(self.seconds)} ({self.stopped})"]
        reconnects = sum(state.link is Link.RECONNECTING for state in self.states)
        if reconnects:
            parts.append(plural(reconnects, "reconnect"))
        parts.extend(f"{s.link.value}: {s.detail}" for s in self.states if s.link.refilled and s.detail[:1] != "0")
        parts.extend(f"gap: {s.detail}" for s in self.states if s.link is Link.GAP)
        if self.rejected:
            parts.append(f"{plural(self.rejected, 'record')} rejected")
        if self.failure is not None:
            parts.append(f"failed: {self.failure}")
        return "; ".join(parts)


async def run_live(
    source: Source,
    label: str,
    *,
    max_messages: int | None = None,
    duration: float | None = None,
    on_items: Callable[[list[Item]], object] | None = None,
    on_state: Callable[[ConnectionState], object] | None = None,
    keep: bool = True,
) -> LiveRun:
    """Read ``source`` until ``max_messages`` messages came, ``duration`` seconds passed, the
    source ended or failed, or SIGINT/SIGTERM; always closes it."""
    run = LiveRun(label)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            handled.append(signum)
    started = time.monotonic()
    try:
        await source.start()
        reading = asyncio.ensure_future(_read(source, run, max_messages, on_items, on_state, keep))
        stopping = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({reading, stopping}, timeout=duration, return_when=asyncio.FIRST_COMPLETED)
        if reading in done:
            reading.result()
        elif stopping in done:
            run.interrupted, run.stopped = True, "interrupted"
        else:
            run.stopped = f"--duration {duration:g} s over"
        for task in (reading, stopping):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
        await source.close()
        # What was ready before the close (a last batch) is not lost.
        _take(source.poll(1 << 30), run, max_messages, on_items, on_state, keep)
        if keep and source.names:
            from chatmod.sources.identities import named

            # People named by lookups that finished after their first posts came.
            run.items = [named(item, source.names) for item in run.items]
        run.seconds = time.monotonic() - started
    return run


async def _read(
    source: Source,
    run: LiveRun,
    max_messages: int | None,
    on_items: Callable[[list[Item]], object] | None,
    on_state: Callable[[ConnectionState], object] | None,
    keep: bool,
) -> None:
    async for batch in source.stream():
        if _take(batch, run, max_messages, on_items, on_state, keep):
            return


def _take(
    batch: list[SourceItem],
    run: LiveRun,
    max_messages: int | None,
    on_items: Callable[[list[Item]], object] | None,
    on_state: Callable[[ConnectionState], object] | None,
    keep: bool,
) -> bool:
    """Count and hand on one batch; True once the run is over."""
    items: list[Item] = []
    over = False
    for item in batch:
        if isinstance(item, ConnectionState):
            run.states.append(item)
            if item.link is Link.FAILED:
                run.failure, run.stopped = item.detail, "failed"
            if on_state is not None:
                on_state(item)
        elif isinstance(item, EndOfInput):
            over = True
        elif isinstance(item, (Message, Rejected, Deletion)):
            new = isinstance(item, Message) and item.id not in run.seen
            if max_messages is not None and run.messages >= max_messages and new:
                over = True
                break
            if new:
                # A message delivered twice (the stream and a gap fill) counts once.
                assert isinstance(item, Message)
                run.seen.add(item.id)
                run.messages += 1
            elif isinstance(item, Rejected):
                run.rejected += 1
            items.append(item)
    if max_messages is not None and run.messages >= max_messages:
        run.stopped, over = f"--max-messages {max_messages} reached", True
    if items:
        if keep:
            run.items.extend(items)
        if on_items is not None:
            on_items(items)
    return over


def _duration(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}m{whole % 60:02d}s" if whole >= 60 else f"{seconds:.1f} s"
