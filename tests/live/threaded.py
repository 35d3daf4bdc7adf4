"""A fake server on its own event loop in a thread, for driving the real command line (which runs
its own ``asyncio.run``) against it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class Threaded:
    """``server`` (an async context manager) running on a loop of its own."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fake server", daemon=True)

    def call(self, make: Callable[[], Awaitable[T]], timeout: float = 30) -> T:
        """Run ``make()`` on the server's loop and wait for its result."""
        async def run() -> T:
            return await make()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)

    def soon(self, make: Callable[[], Awaitable[object]]) -> None:
        """Start ``make()`` on the server's loop without waiting for it."""
        async def run() -> None:
            await make()

        asyncio.run_coroutine_threadsafe(run(), self.loop)

    def soon_future(self, make: Callable[[], Awaitable[T]]) -> concurrent.futures.Future[T]:
        """Start ``make()`` on the server's loop; its result can be waited for later."""
        async def run() -> T:
            return await make()

        return asyncio.run_coroutine_threadsafe(run(), self.loop)

    @contextmanager
    def running(self) -> Iterator[Any]:
        self._thread.start()
        self.call(self.server.__aenter__)
        try:
            yield self.server
        finally:
            self.call(lambda: self.server.__aexit__(None, None, None))
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()
