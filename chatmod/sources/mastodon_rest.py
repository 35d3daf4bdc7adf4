"""Provides Mastodon's REST timelines, read forward from an id: how a reconnect fills its gap.

The streaming API has no replay: what was posted while the link was down is only in the REST
timelines. They answer newest first, at most 40 a page; ``since_id`` would give the *newest* 40
and leave a hole in the middle of a long gap, so :meth:`MastodonREST.after` pages forward with
``min_id`` (the oldest 40 after it), following the ``Link: rel="prev"`` header, until a page comes
back empty. It stays inside the instance's allowance (``X-RateLimit-Remaining`` and
``X-RateLimit-Reset``; a 429 waits for the reset), and gives up with :class:`GapError` saying why
when it cannot go on (a refused token, a wait too long, a server that keeps failing).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from dateutil.parser import isoparse

from chatmod.sources.backoff import Backoff
from chatmod.sources.http_json import JSONClient
from chatmod.sources.live_url import MastodonURL
from chatmod.sources.queue import _utc_now

__all__ = ["PAGE", "GapError", "MastodonREST", "id_key"]

PAGE = 40
"""The most a Mastodon timeline gives per request."""
_MAX_BODY = 8 << 20
"""Bytes of one page chatmod reads: 40 statuses are well under a megabyte."""
_TRIES = 4


class GapError(Exception):
    """The timeline could not be read further; the message says why, for people."""


def id_key(ident: str) -> tuple[int, str]:
    """Mastodon's ids are integers sent as strings: order them as numbers, whatever their length."""
    return len(ident), ident


class MastodonREST(JSONClient):
    """The REST API of ``url``'s instance, read with ``token``.

    Args:
        max_wait: the longest it waits for a rate limit to reset before giving up.
    """

    def __init__(
        self,
        url: MastodonURL,
        token: str,
        *,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        backoff: Backoff | None = None,
        max_wait: float = 900.0,
        timeout: float = 15.0,
    ) -> None:
        self.url = url
        self._clock = clock
        self._sleep = sleep
        self._backoff = backoff or Backoff(base=0.5, cap=10.0)
        self._max_wait = max_wait
        super().__init__(timeout=timeout, headers={"Authorization": f"Bearer {token}"})
        self._reset_at: datetime | None = None
        """When the allowance comes back, once the server said it is spent."""

    def tag_path(self) -> str:
        return f"/api/v1/timelines/tag/{quote(self.url.tag, safe='')}"

    def mentions_path(self) -> str:
        return "/api/v1/notifications"

    async def account(self) -> dict[str, Any]:
        """The account the token belongs to (``verify_credentials``)."""
        body, _ = await self._request("/api/v1/accounts/verify_credentials", {}, "account")
        try:
            account = json.loads(body)
        except (ValueError, RecursionError):
            account = None
        if not isinstance(account, dict) or not isinstance(account.get("acct"), str):
            raise GapError("the server's account answer is not an account")
        return account

    async def newest(self, path: str, params: dict[str, str | list[str]] | None = None) -> str | None:
        """The id of the newest entry of ``path`` (where a stream starts counting), or None."""
        page, _ = await self._get(path, {**(params or {}), "limit": "1"})
        return max((entry["id"] for entry in page), key=id_key, default=None)

    async def after(
        self, path: str, min_id: str, params: dict[str, str | list[str]] | None = None
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Every entry of ``path`` newer than ``min_id``, a page at a time, oldest first."""
        cursor = min_id
        while True:
            page, following = await self._get(path, {**(params or {}), "min_id": cursor, "limit": str(PAGE)})
            if not page:
                return
            page.sort(key=lambda entry: id_key(entry["id"]))
            newest = page[-1]["id"]
            following = following if following is not None and id_key(following) >= id_key(newest) else newest
            yield page
            if id_key(following) <= id_key(cursor):
                return  # a server that does not move forward would keep us here for ever
            cursor = following

    async def before(
        self, path: str, params: dict[str, str | list[str]] | None = None
    ) -> AsyncGenerator[list[dict[str, Any]]]:
        """The entries of ``path`` from the newest back, a page at a time, newest first; the
        caller stops when it has gone back far enough."""
        max_id: str | None = None
        while True:
            query = {**(params or {}), "limit": str(PAGE)}
            if max_id is not None:
                query["max_id"] = max_id
            page, _ = await self._get(path, query)
            if not page:
                return
            page.sort(key=lambda entry: id_key(entry["id"]), reverse=True)
            yield page
            oldest = page[-1]["id"]
            if max_id is not None and id_key(oldest) >= id_key(max_id):
                return  # a server that does not move back would keep us here for ever
            max_id = oldest

    async def _get(
        self, path: str, params: dict[str, str | list[str]]
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page and the ``min_id`` its ``Link: rel="prev"`` header names."""
        body, prev = await self._request(path, params, "timeline")
        return _page(body), prev

    async def _request(
        self, path: str, params: dict[str, str | list[str]], what: str
    ) -> tuple[bytes, str | None]:
        """The body of a 200 answer, and the ``min_id`` its ``Link: rel="prev"`` header names."""
        self._backoff.reset()
        reason = "rate limited"
        for attempt in range(_TRIES):
            await self._wait_for_allowance()
            self.requests += 1
            try:
                async with self._client.stream("GET", self.url.api(path), params=params) as response:
                    self._note_allowance(response)
                    if response.status_code == 429:
                        continue  # _note_allowance set when to try again
                    if response.status_code in (401, 403):
                        raise GapError(f"the server refused the token for its {what} ({response.status_code}); "
                                       "check --token or CHATMOD_TOKEN (scope read:statuses)")
                    if response.status_code >= 500:
                        reason = f"HTTP {response.status_code}"
                    elif response.status_code != 200:
                        raise GapError(f"the {what} answered HTTP {response.status_code}")
                    else:
                        return await _body(response), _prev_min_id(response)
            except httpx.HTTPError as error:  # transport errors, bad encodings, broken chunks
                reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            if attempt + 1 < _TRIES:
                await self._sleep(self._backoff.next())
        raise GapError(f"the {what} kept failing ({reason})")

    def _note_allowance(self, response: httpx.Response) -> None:
        remaining = response.headers.get("X-RateLimit-Remaining")
        reset = response.headers.get("X-RateLimit-Reset")
        spent = response.status_code == 429 or (remaining is not None and remaining.strip() in ("0", "-1"))
        if not spent:
            self._reset_at = None
            return
        try:
            self._reset_at = isoparse(reset) if reset else None
            if self._reset_at is not None and self._reset_at.tzinfo is None:
                self._reset_at = self._reset_at.replace(tzinfo=UTC)
        except ValueError:
            self._reset_at = None
        if self._reset_at is None:
            retry = response.headers.get("Retry-After", "")
            seconds = float(retry) if retry.replace(".", "", 1).isdigit() else 60.0
            self._reset_at = self._clock() + timedelta(seconds=seconds)

    async def _wait_for_allowance(self) -> None:
        if self._reset_at is None:
            return
        wait = (self._reset_at - self._clock()).total_seconds()
        if wait > self._max_wait:
            raise GapError(f"rate limited until {self._reset_at:%H:%M:%S} UTC, longer than chatmod waits")
        if wait > 0:
            await self._sleep(wait)
        self._reset_at = None


async def _body(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > _MAX_BODY:
            raise GapError(f"an answer over {_MAX_BODY:,} bytes; refused")
        chunks.append(chunk)
    return b"".join(chunks)


def _page(body: bytes) -> list[dict[str, Any]]:
    try:
        page = json.loads(body)
    except (ValueError, RecursionError):
        raise GapError("the timeline answered something that is not JSON") from None
    if not isinstance(page, list):
        raise GapError("the timeline answered something that is not a list")
    return [entry for entry in page if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]]


def _prev_min_id(response: httpx.Response) -> str | None:
    link = response.links.get("prev")
    if not link or "url" not in link:
        return None
    ids = parse_qs(urlsplit(link["url"]).query).get("min_id")
    return ids[0] if ids else None
