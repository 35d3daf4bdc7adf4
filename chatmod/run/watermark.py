"""Provides :class:`Watermark`: how far a live chat has surely been read, in the chat's own time.

A live chat's sessions end when its time passes their bound, and a moderator's mark is stamped
with the chat's time. Neither may come from this machine's clock: a server that replays, or one
whose clock is off, would end every session at once (or never). While the link is up and no gap
is open, the watermark is the newest message time seen, advanced by the time elapsed since it was
seen, so a quiet chat still ends on time. While the link is down or a gap is unfilled, it stays at
the last moment known complete: a dead link ends no session; the wait resumes when the link does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from chatmod.sources.base import Link

__all__ = ["Watermark"]

_HEALTHY = frozenset({Link.LIVE, Link.GAP_FILLED, Link.CAUGHT_UP})
_DOWN = frozenset({Link.CONNECTING, Link.RECONNECTING, Link.GAP, Link.FAILED})


class Watermark:
    """Fed every message time (:meth:`saw`) and every change of the link (:meth:`link`).

    ``monotonic``: the elapsed-time clock (seconds; tests give their own).
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._base: datetime | None = None
        self._since = 0.0
        self._up = True  # a source that says nothing of its link is taken to be up
        self._newest: datetime | None = None
        self._newest_since = 0.0

    def saw(self, at: datetime) -> None:
        """A message posted at ``at`` came."""
        current = self.value()
        if current is None or at > current:
            self._base, self._since = at, self._monotonic()
        if self._newest is None or at > self._newest:
            self._newest, self._newest_since = at, self._monotonic()

    def arrivals(self) -> datetime | None:
        """How far the messages that come have got: the newest time seen, advanced by the time
        since, whatever the link. What puts arrivals back in order goes by this: a gap's
        messages come later as late arrivals, and the ones that did come must not wait for it."""
        if self._newest is None:
            return None
        return self._newest + timedelta(seconds=self._monotonic() - self._newest_since)

    def link(self, state: Link) -> None:
        """The source's link is now ``state``."""
        if state in _DOWN and self._up:
            self._base, self._up = self.value(), False
        elif state in _HEALTHY and not self._up:
            self._since, self._up = self._monotonic(), True

    def value(self) -> datetime | None:
        """The chat's time as far as it is known complete; None before the first message."""
        if self._base is None or not self._up:
            return self._base
        return self._base + timedelta(seconds=self._monotonic() - self._since)
