"""Provides the DIDs of a host team given by Bluesky handle, for reading a Bluesky archive.

A Jetstream capture names people by DID only (unless it caught their ``identity`` events), so
``--host host.bsky.social`` matches nobody and every host answer looks like a participant's.
The DID is found, in this order: in the archive itself (a post that mentions the host records
the DID beside the handle written), in the database's cache of names a live run or an earlier
read learnt, and by asking the AppView. What is found by asking is kept in the cache. A handle
none of them can name is reported with why, for the command to stop on: judging without the
host would be judging a different chat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chatmod.core.text import fold_handle

__all__ = ["LOOKUP_SECONDS", "TeamDIDs", "find_team_dids"]

LOOKUP_SECONDS = 10.0
"""How long the AppView may take over the whole team before the command gives up on it."""


@dataclass(slots=True)
class TeamDIDs:
    """What was found: handle (as given) → DID, and handle → why it could not be found."""

    found: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    learnt: list[tuple[str, str]] = field(default_factory=list)
    """``(did, handle)`` pairs the AppView gave (not known before), for the cache."""


async def find_team_dids(
    handles: Sequence[str],
    *,
    mentioned: Mapping[str, str],
    db: Path | None,
    appview: str | None,
) -> TeamDIDs:
    """The DIDs of ``handles``. ``mentioned``: folded handle → DID as the archive's facets name
    them; ``db``: a database whose names cache is read, and written with what the AppView gave;
    ``appview``: the AppView's base URL, None to ask nobody."""
    result = TeamDIDs()
    cached = await _cached(db) if db is not None else {}
    asking = []
    for handle in handles:
        did = mentioned.get(fold_handle(handle)) or cached.get(fold_handle(handle))
        if did is not None:
            result.found[handle] = did
        else:
            asking.append(handle)
    if not asking:
        return result
    if appview is None:
        for handle in asking:
            result.missing[handle] = "the AppView is off (--appview off), and the archive and the database do not name it"
        return result
    await _ask(appview, asking, result)
    if result.learnt and db is not None:
        await _remember(db, result.learnt)
    return result


async def _ask(base: str, handles: list[str], result: TeamDIDs) -> None:
    from chatmod.sources.appview import AppView, AppViewError

    async with AppView(base) as appview:
        for handle in handles:
            try:
                did = await asyncio.wait_for(appview.resolve_handle(handle), LOOKUP_SECONDS)
            except TimeoutError:
                result.missing[handle] = f"{base} did not answer in {LOOKUP_SECONDS:g} s"
                continue
            except AppViewError as error:
                result.missing[handle] = f"{base}: {error}"
                continue
            if did is None:
                result.missing[handle] = f"{base} knows no account with that handle"
            else:
                result.found[handle] = did
                result.learnt.append((did, handle))


async def _cached(db: Path) -> dict[str, str]:
    from chatmod.store import Store, StoreError

    if not db.exists():
        return {}
    try:
        async with await Store.open(db) as store:
            return {fold_handle(handle): did for did, handle in await store.identities()}
    except StoreError:
        return {}  # a database that cannot be read is said by the command that needs it


async def _remember(db: Path, learnt: list[tuple[str, str]]) -> None:
    from datetime import UTC, datetime

    from chatmod.store import Store, StoreError

    if not db.exists():
        return  # reading an archive creates no database
    now = datetime.now(UTC).isoformat()
    try:
        async with await Store.open(db) as store:
            await store.write(identities=[(did, handle, now) for did, handle in learnt])
    except StoreError:
        return  # the cache is a convenience: a read-only database still reads the archive
