"""Provides the live Mastodon source: a hashtag's streaming API over a WebSocket.

It connects to ``/api/v1/streaming?stream=hashtag&tag=TAG`` with the user token in an
``Authorization: Bearer`` header (never in the URL: it would end up in logs), decodes each frame
(``update``, ``status.update``, ``delete``; the payload is a JSON string, decoded twice) into the
items every reader gives, and keeps the link up: a dropped connection is retried after a
jittered, capped exponential wait; 401 and 403 stop at once with the setting to fix (retrying a
bad token only hammers the server); keepalive pings find a half-open link. Frames over
``max_frame`` bytes are rejected and counted, and the connection goes on. Every change of the link
is an item too (:class:`ConnectionState`), so the console, logs and summaries can say it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from datetime import datetime

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from chatmod.core.models import Rejected
from chatmod.formats.base import reject
from chatmod.formats.mastodon import frame_item
from chatmod.sources.backoff import Backoff
from chatmod.sources.base import ConnectionState, Link
from chatmod.sources.live_url import MastodonURL
from chatmod.sources.queue import QueueSource, _utc_now

__all__ = ["MAX_FRAME", "MastodonSource"]

MAX_FRAME = 1 << 20
"""Bytes of one frame chatmod reads; a status is a few kilobytes, so a bigger frame is refused."""
_HARD_LIMIT = 16 << 20
"""Past this the WebSocket library closes the connection itself (memory is at stake)."""


class MastodonSource(QueueSource):
    """The hashtag stream of ``url``, live. :meth:`start` connects; :meth:`close` lets go."""

    def __init__(
        self,
        url: MastodonURL,
        token: str | None,
        *,
        clock: Callable[[], datetime] = _utc_now,
        backoff: Backoff | None = None,
        max_frame: int = MAX_FRAME,
        ping_interval: float = 20.0,
        ping_timeout: float = 10.0,
        open_timeout: float = 10.0,
    ) -> None:
        super().__init__(clock)
        self.url = url
        self._token = token
        self._backoff = backoff or Backoff()
        self._max_frame = max_frame
        self._timeouts = (ping_interval, ping_timeout, open_timeout)
        self._task: asyncio.Task[None] | None = None
        self.frames = 0
        self.rejected = 0
        self.failure: str | None = None
        """Why the source stopped for good (a refused token, a missing tag), or None."""

    @property
    def label(self) -> str:
        return f"mastodon {self.url.host}/{self.url.tag}"

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"chatmod {self.label}")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.end()

    def _state(self, link: Link, detail: str = "") -> None:
        self.push([ConnectionState(link, detail)])

    def _fail(self, reason: str) -> None:
        self.failure = reason
        self._state(Link.FAILED, reason)
        self.end()

    async def _run(self) -> None:
        if not self._token:
            self._fail("no token: Mastodon's hashtag streams need a user token (--token, or CHATMOD_TOKEN)")
            return
        ping_interval, ping_timeout, open_timeout = self._timeouts
        while True:
            self._state(Link.CONNECTING, self.url.host)
            try:
                async with connect(
                    self.url.streaming(),
                    additional_headers={"Authorization": f"Bearer {self._token}"},
                    max_size=_HARD_LIMIT,
                    ping_interval=ping_interval,
                    ping_timeout=ping_timeout,
                    open_timeout=open_timeout,
                    user_agent_header="chatmod",
                ) as socket:
                    self._state(Link.LIVE, self.url.host)
                    await self._read(socket)
                    reason = "the server closed the stream"
            except InvalidStatus as error:
                status = error.response.status_code
                message = error.response.headers.get("X-Error-Message", "")
                if status in (401, 403):
                    self._fail(f"the server refused the token ({status}{': ' + message if message else ''}); "
                               "check --token or CHATMOD_TOKEN (a user token with read:statuses)")
                    return
                if status in (400, 404):
                    self._fail(f"{self.url.host} has no streaming API here ({status}); is it a Mastodon server?")
                    return
                reason = f"HTTP {status}"
            except ConnectionClosed as error:
                code = error.rcvd.code if error.rcvd is not None else 1006
                reason = f"connection lost (close code {code})"
            except (OSError, InvalidHandshake, TimeoutError) as error:
                reason = f"cannot connect: {error}" if str(error) else f"cannot connect: {type(error).__name__}"
            except _Refused as error:
                self._fail(str(error))
                return
            delay = self._backoff.next()
            self._state(Link.RECONNECTING, f"{reason}; again in {delay:.0f} s")
            await asyncio.sleep(delay)

    async def _read(self, socket: ClientConnection) -> None:
        async for frame in socket:
            self.frames += 1
            if self.frames == 1:
                self._backoff.reset()  # the link held long enough to speak: short waits again
            # Text frames are counted in characters; only a long one needs its UTF-8 size.
            size = len(frame) if isinstance(frame, bytes) or len(frame) * 4 <= self._max_frame else len(frame.encode())
            if size > self._max_frame:
                self.rejected += 1
                self.push([reject(f"<{size:,}-byte frame>", f"frame over {self._max_frame:,} bytes",
                                  self.label, self.frames)])
                continue
            try:
                obj = json.loads(frame)
            except (ValueError, RecursionError):
                self.rejected += 1
                self.push([reject(frame if isinstance(frame, str) else repr(frame[:200]), "frame is not JSON",
                                  self.label, self.frames)])
                continue
            if isinstance(obj, dict) and "error" in obj and "event" not in obj:
                # The subscription itself failed ("Missing tag name parameter"): retrying cannot help.
                raise _Refused(f"the server refused the subscription: {str(obj.get('error'))[:200]}")
            item = frame_item(obj, self.label, self.frames)
            if item is not None:
                self.rejected += isinstance(item, Rejected)
                self.push([item])


class _Refused(Exception):
    """The server said no in a way a retry cannot change."""
