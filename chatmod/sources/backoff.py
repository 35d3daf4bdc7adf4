"""Provides the wait before reconnecting: exponential, capped, with full jitter.

Full jitter (a random wait between zero and the exponential bound) spreads the reconnects of many
clients that lost the same server at the same moment, so they do not all come back at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable

__all__ = ["Backoff"]


class Backoff:
    """Waits of ``uniform(0, min(cap, base * 2**attempt))`` seconds, never below ``floor``."""

    def __init__(self, base: float = 1.0, cap: float = 60.0, floor: float = 0.1,
                 rand: Callable[[], float] = random.random) -> None:
        self.base, self.cap, self.floor = base, cap, floor
        self._rand = rand
        self.attempt = 0

    def next(self) -> float:
        """The wait before the next try."""
        bound = min(self.cap, self.base * 2.0 ** min(self.attempt, 30))
        self.attempt += 1
        return max(self.floor, bound * float(self._rand()))

    def reset(self) -> None:
        """A connection held: start again from short waits."""
        self.attempt = 0
