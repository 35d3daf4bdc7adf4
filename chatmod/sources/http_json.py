"""Provides what chatmod's REST clients share: one HTTP connection pool that asks for JSON,
names chatmod as the user agent, follows no redirect (a token must not travel to another host)
and is closed with the source that opened it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

import httpx

__all__ = ["JSONClient"]


class JSONClient:
    """The base of a REST client: ``_client`` to send with, ``requests`` counted by the subclass."""

    def __init__(self, *, timeout: float, headers: Mapping[str, str] | None = None) -> None:
        self._client = httpx.AsyncClient(
            headers={"User-Agent": "chatmod", "Accept": "application/json", **(headers or {})},
            timeout=timeout,
            follow_redirects=False,
        )
        self.requests = 0

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
