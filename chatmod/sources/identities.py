"""Provides the names of a live Bluesky chat's people, found beside the stream, never in its way.

A post arrives with its author's DID; the handle comes from an earlier ``identity`` event, the
database's cache, or a lookup. :class:`Identities` collects the DIDs nobody has named yet and asks
the AppView for them in the background, 25 to a request, a fifth of a second after the first one
was seen (a burst of new people costs a request or two, not one each). The chat never waits for
an answer: a message is judged at once, by DID (the engine threads Bluesky people by DID), and a
name shows as soon as it is known. When the AppView fails or limits, the lookups wait and retry;
a DID with no profile (deleted, taken down) is not asked for again.

The host team is different: their DIDs are needed before the first post (to know their answers
and the mentions of them), so their handles are resolved when the chat starts, briefly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime

from chatmod.core.models import Message, Network
from chatmod.core.text import fold
from chatmod.formats.base import Item
from chatmod.formats.jetstream import Handles
from chatmod.sources.appview import PROFILES_PER_REQUEST, AppView, AppViewError, RateLimited
from chatmod.sources.backoff import Backoff
from chatmod.sources.queue import _utc_now

__all__ = ["Identities", "named"]

BATCH_WAIT = 0.2
"""Seconds from the first unnamed DID to its request: the others of a burst join it."""
_UNKNOWN_LIMIT = 100_000


def named(item: Item, names: Mapping[str, str]) -> Item:
    """``item`` with the handles learnt since it came in place of the DIDs it was given."""
    if not isinstance(item, Message) or item.network is not Network.BLUESKY:
        return item
    update: dict[str, str] = {}
    name = names.get(item.author_id) if item.author_id is not None and item.author.startswith("did:") else None
    if name is not None:
        update["author"] = name
    if item.reply_to_author is not None and item.reply_to_author in names:
        update["reply_to_author"] = names[item.reply_to_author]
    return item.model_copy(update=update) if update else item


class Identities:
    """The DID ↔ handle map of a live chat (``handles``), filled by lookups on the AppView.

    Args:
        appview: where to look; None looks nothing up (identity events and the cache only).
        sleep, clock: for tests.
    """

    def __init__(
        self,
        handles: Handles,
        appview: AppView | None,
        *,
        batch_wait: float = BATCH_WAIT,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.handles = handles
        self.appview = appview
        self._batch_wait = batch_wait
        self._backoff = backoff or Backoff(base=1.0, cap=60.0)
        self._sleep = sleep
        self._clock = clock
        self._pending: dict[str, None] = {}
        self._unknown: set[str] = set()
        """DIDs the AppView has no profile for."""
        self._wake = asyncio.Event()
        self.looked_up = 0
        """DIDs the AppView named."""
        self.failure: str | None = None
        """Why the last lookup failed, until one succeeds."""

    def ask(self, did: str | None) -> None:
        """Name ``did`` when it can be (at once if known; later, in the background, if not)."""
        if (did is None or self.appview is None or did in self.handles.by_did or did in self._pending
                or did in self._unknown or not did.startswith("did:")):
            return
        self._pending[did] = None
        self._wake.set()

    @property
    def waiting(self) -> int:
        """DIDs still to be named."""
        return len(self._pending)

    async def team(self, names: Iterable[str]) -> tuple[set[str], list[str]]:
        """The host team's DIDs (those given as DIDs, those given as handles resolved), and the
        handles that could not be resolved, each with why."""
        dids: set[str] = set()
        unresolved: list[str] = []
        for name in names:
            name = name.strip().removeprefix("@")
            if name.startswith("did:"):
                dids.add(name)
                self.ask(name)
                continue
            known = self.handles.by_handle.get(fold(name))
            if known is not None:
                dids.add(known)
                continue
            if self.appview is None or "." not in name:
                continue  # not a Bluesky handle (a Mastodon or Twitter host on the same team)
            try:
                did = await self.appview.resolve_handle(name)
            except AppViewError as error:
                unresolved.append(f"@{name} ({error})")
                continue
            if did is None:
                unresolved.append(f"@{name} (no such handle)")
            else:
                self.handles.learn(did, name)
                dids.add(did)
        return dids, unresolved

    async def run(self) -> None:
        """Look up what :meth:`ask` collected, for as long as the chat runs (cancel to stop)."""
        while True:
            await self._wake.wait()
            await self._sleep(self._batch_wait)
            self._wake.clear()
            while self._pending:
                batch = [did for _, did in zip(range(PROFILES_PER_REQUEST), self._pending, strict=False)]
                assert self.appview is not None
                try:
                    found = await self.appview.handles(batch)
                except RateLimited as error:
                    self.failure = str(error)
                    await self._sleep(max(1.0, (error.until - self._clock()).total_seconds()))
                    continue
                except AppViewError as error:
                    self.failure = str(error)
                    await self._sleep(self._backoff.next())
                    continue
                self.failure = None
                self._backoff.reset()
                for did in batch:
                    del self._pending[did]
                    handle = found.get(did)
                    if handle is not None:
                        self.handles.learn(did, handle)
                        self.looked_up += 1
                    elif len(self._unknown) < _UNKNOWN_LIMIT:
                        self._unknown.add(did)
