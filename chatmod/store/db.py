"""Provides :class:`Store`: chatmod's SQLite file, through aiosqlite.

One writer connection; WAL, so readers never block the writer. Every write is one batch in one
``BEGIN IMMEDIATE`` transaction: it is all there after a crash, or not at all. ``synchronous=
NORMAL`` keeps every committed batch through a killed process (WAL is always consistent); only an
OS crash or power cut may roll back the last few, which a re-run of the ingest restores.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import sys
from array import array
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self, overload

import aiosqlite

from chatmod.core.handles import HostTeam, person_key
from chatmod.core.ledger import Ledger, LedgerError
from chatmod.core.models import Network
from chatmod.store.rows import EVENT_COLUMNS, MESSAGE_COLUMNS, event_from_row
from chatmod.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["MessageTimes", "SessionRow", "Store", "StoreError"]

_UPSERT_MESSAGE = f"""
INSERT INTO messages ({", ".join(MESSAGE_COLUMNS)}) VALUES ({", ".join("?" * len(MESSAGE_COLUMNS))})
ON CONFLICT (network, id) DO UPDATE SET
    text = excluded.text,
    edited = max(messages.edited, excluded.edited),
    deleted = max(messages.deleted, excluded.deleted),
    truncated = excluded.truncated,
    display_name = coalesce(excluded.display_name, messages.display_name),
    raw = coalesce(excluded.raw, messages.raw)
WHERE messages.text IS NOT excluded.text
   OR excluded.deleted > messages.deleted
   OR excluded.edited > messages.edited
"""
# ON CONFLICT DO NOTHING ignores only the uniqueness conflict; INSERT OR IGNORE would also
# swallow a row that breaks NOT NULL or CHECK, and bad rows must fail loudly instead.
_INSERT_EVENT = f"""
INSERT INTO ledger_events (chat, {", ".join(EVENT_COLUMNS)}) VALUES (?, {", ".join("?" * len(EVENT_COLUMNS))})
ON CONFLICT (chat, network, ball_id, kind, at, by, message_id, judgement) DO NOTHING
"""
# After a rejudge of its session, an event carries that run's number, so it is not taken for a
# superseded event of an older run that happens to say the same.
_INSERT_EVENT_JUDGED = f"""
INSERT INTO ledger_events (chat, {", ".join(EVENT_COLUMNS)}, judgement)
SELECT ?1, {", ".join(f"?{n + 2}" for n in range(len(EVENT_COLUMNS)))}, coalesce((
    SELECT max(j.id) FROM judgements j JOIN chat_messages m ON m.chat = j.chat AND m.network = ?2 AND m.id = ?3
    WHERE j.chat = ?1 AND m.created_at BETWEEN j.start AND j.end), 0) WHERE true
ON CONFLICT (chat, network, ball_id, kind, at, by, message_id, judgement) DO NOTHING
"""
_LINK_MESSAGE = """
INSERT INTO chat_messages (chat, network, id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING
"""
_NETWORK, _ID, _CREATED = (MESSAGE_COLUMNS.index(name) for name in ("network", "id", "created_at"))
# The events of a chat's balls posted in a span (a session), in the order they happened.
_SPAN_EVENTS = """
SELECT e.seq, e.{} FROM ledger e
JOIN chat_messages m ON m.chat = e.chat AND m.network = e.network AND m.id = e.ball_id
WHERE e.chat = ? AND m.created_at BETWEEN ? AND ? ORDER BY e.seq
""".format(", e.".join(EVENT_COLUMNS))
_MARK_DELETED = "UPDATE messages SET deleted = 1 WHERE network = ? AND id = ? AND deleted = 0"
_SET_IDENTITY = """
INSERT INTO identities (did, handle, updated_at) VALUES (?, ?, ?)
ON CONFLICT (did) DO UPDATE SET handle = excluded.handle, updated_at = excluded.updated_at
"""

_NAME_AUTHOR = "UPDATE messages SET author = ? WHERE author LIKE 'did:%' AND author_id = ?"

_SET_CURSOR = """
INSERT INTO cursors (source, cursor, updated_at) VALUES (?, ?, ?)
ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at
"""


class StoreError(Exception):
    """The database cannot be used; the message names the file and says why."""


class NotOurs(StoreError):
    """The file is not a database chatmod may use: another program's, or a newer chatmod's.
    (Exit status 2: the user pointed at the wrong file, nothing failed.)"""


def _explain(path: Path, error: sqlite3.Error) -> StoreError:
    text = str(error).lower()
    if "readonly" in text or "read-only" in text:
        reason = "the file or its directory is read-only"
    elif "unable to open" in text:
        reason = "cannot open it (does the directory exist, and may chatmod write there?)"
    elif "locked" in text or "busy" in text:
        reason = "another process holds it locked; try again when it is done"
    elif "full" in text:
        reason = "the disk is full; nothing of the interrupted batch was written"
    elif "not a database" in text:
        return NotOurs(f"{path}: not a database (an SQLite file is needed); give --db a new file or a chatmod database")
    elif "malformed" in text:
        reason = "the database is damaged"
    else:
        reason = str(error)
    return StoreError(f"{path}: {reason}")


class Store:
    """The chatmod database at ``path``. Use ``async with await Store.open(path) as store``."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        # One connection, one transaction at a time: writers that share the store (the live
        # writer, moderator actions) must not interleave their statements.
        self._writing = asyncio.Lock()
        self.upgraded: tuple[int, Path] | None = None
        """(the schema version it had, where a copy of it as it was is kept) when opening it
        upgraded the file."""

    @classmethod
    async def open(
        cls, path: Path | str, busy_timeout_ms: int = 5000, notice: Callable[[str], object] | None = None
    ) -> Store:
        """Open (creating it if needed) and bring the schema up to date. Raises StoreError.

        ``busy_timeout_ms``: how long to wait for another process's lock before giving up.
        ``notice``: told, in a sentence, where the file as it was is kept when it was upgraded
        (default: standard error).
        """
        path = Path(path)
        if not path.parent.is_dir():
            # Checked here because a failed aiosqlite connect leaves its worker thread to finish
            # after the event loop may be gone.
            raise StoreError(f"{path}: cannot open it (the directory {path.parent} does not exist)")
        try:
            connection = await aiosqlite.connect(str(path), isolation_level=None)
        except sqlite3.Error as error:
            raise _explain(path, error) from None
        store = cls(connection, path)
        try:
            await store._configure(busy_timeout_ms)
            await store._migrate()
        except BaseException:
            await connection.close()
            raise
        if store.upgraded is not None:
            version, backup = store.upgraded
            said = (f"chatmod: upgraded {path} from schema {version} to {SCHEMA_VERSION}; "
                    f"the file as it was is kept at {backup}")
            if notice is None:
                print(said, file=sys.stderr, flush=True)
            else:
                notice(said)
        return store

    async def _configure(self, busy_timeout_ms: int) -> None:
        try:
            await self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            mode = await self._scalar("PRAGMA journal_mode = WAL")
            await self._db.execute("PRAGMA synchronous = NORMAL")
            await self._db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as error:
            raise _explain(self.path, error) from None
        if str(mode).lower() != "wal":
            raise StoreError(f"{self.path}: cannot use write-ahead logging here (journal mode {mode})")

    async def _migrate(self) -> None:
        try:
            version = int(await self._scalar("PRAGMA user_version"))
        except sqlite3.Error as error:
            raise _explain(self.path, error) from None
        if version == 0:
            # A new file has no tables. One that has some belongs to another program: chatmod's
            # tables written into it would mix with its data.
            try:
                async with self._db.execute(
                    "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
                    " ORDER BY name LIMIT 4"
                ) as cursor:
                    foreign = [str(row[0]) for row in await cursor.fetchall()]
            except sqlite3.Error as error:
                raise _explain(self.path, error) from None
            if foreign:
                raise NotOurs(
                    f"{self.path}: not a chatmod database (it holds {', '.join(foreign[:3])}"
                    f"{', …' if len(foreign) > 3 else ''}); give --db a new file or a chatmod database"
                )
        if version > SCHEMA_VERSION:
            raise NotOurs(
                f"{self.path}: written by a newer chatmod (schema version {version}; this chatmod "
                f"knows up to {SCHEMA_VERSION}). Upgrade chatmod to open it."
            )
        if 0 < version < SCHEMA_VERSION:
            await self._keep_aside(version)
        for target in range(version + 1, SCHEMA_VERSION + 1):
            script = f"BEGIN IMMEDIATE;\n{MIGRATIONS[target - 1]}\nPRAGMA user_version = {target};\nCOMMIT;"
            try:
                await self._db.executescript(script)
            except sqlite3.Error as error:
                await self._rollback()
                raise _explain(self.path, error) from None

    async def _keep_aside(self, version: int) -> None:
        """Copy the database as it is before upgrading it: an upgrade rewrites tables, and a user
        who must go back to an older chatmod needs the file that one wrote."""
        backup = self.path.with_name(f"{self.path.name}.v{version}.bak")
        number = 1
        while backup.exists():
            number += 1
            backup = self.path.with_name(f"{self.path.name}.v{version}.{number}.bak")
        try:
            await self._db.execute("VACUUM INTO ?", (str(backup),))
        except sqlite3.Error as error:
            raise _explain(self.path, error) from None
        self.upgraded = (version, backup)

    async def _scalar(self, sql: str, parameters: Sequence[object] = ()) -> Any:
        async with self._db.execute(sql, parameters) as cursor:
            row = await cursor.fetchone()
        return None if row is None else row[0]

    async def _rollback(self) -> None:
        try:
            await self._db.execute("ROLLBACK")
        except (sqlite3.Error, ValueError):
            pass  # no transaction was open, or the connection is closed already (it rolled back)

    async def close(self) -> None:
        await self._db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()

    # -- writing --------------------------------------------------------------------------

    async def write(
        self,
        messages: Sequence[tuple[object, ...]] = (),
        events: Sequence[tuple[object, ...]] = (),
        deletions: Sequence[tuple[str, str]] = (),
        cursor: tuple[str, str, str] | None = None,
        identities: Sequence[tuple[str, str, str]] = (),
        *,
        chat: str | None = None,
    ) -> tuple[int, int]:
        """Write one batch (message rows, ledger event rows, ``(network, id)`` deletions, a live
        source's ``(source, cursor, now)``, and ``(did, handle, now)`` names learnt, which also
        name the stored messages that had only the DID) in one transaction. Idempotent: a batch
        written twice changes nothing the second time.

        The messages and events belong to ``chat`` (a chat's name, an ad hoc chat's key; see
        :func:`chatmod.chats.chat_key`); events need one. Messages written without one are
        stored and belong to no chat until a chat's write names them.

        Returns how many messages were new or changed, and how many events were new.
        """
        changed = added = 0
        async with self._writing:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                if messages:
                    async with self._db.executemany(_UPSERT_MESSAGE, messages) as upserted:
                        changed += max(upserted.rowcount, 0)
                    if chat is not None:
                        await self._db.executemany(
                            _LINK_MESSAGE, [(chat, row[_NETWORK], row[_ID], row[_CREATED]) for row in messages])
                if deletions:
                    async with self._db.executemany(_MARK_DELETED, deletions) as marked:
                        changed += max(marked.rowcount, 0)
                if events:
                    if chat is None:
                        raise ValueError("ledger events belong to a chat: give chat=")
                    rejudged = await self._scalar("SELECT EXISTS (SELECT 1 FROM judgements WHERE chat = ?)", (chat,))
                    statement = _INSERT_EVENT_JUDGED if rejudged else _INSERT_EVENT
                    async with self._db.executemany(statement, [(chat, *row) for row in events]) as inserted:
                        added = max(inserted.rowcount, 0)
                if cursor is not None:
                    await self._db.execute(_SET_CURSOR, cursor)
                if identities:
                    await self._db.executemany(_SET_IDENTITY, identities)
                    await self._db.executemany(_NAME_AUTHOR, [(handle, did) for did, handle, _ in identities])
                await self._db.execute("COMMIT")
            except sqlite3.Error as error:
                await self._rollback()
                raise _explain(self.path, error) from error
        return changed, added

    # -- reading --------------------------------------------------------------------------

    async def cursor(self, source: str) -> str | None:
        """Where the live ``source`` stood when last written, or None."""
        value = await self._scalar("SELECT cursor FROM cursors WHERE source = ?", (source,))
        return None if value is None else str(value)

    async def recent_ids(self, network: str, limit: int) -> list[str]:
        """The ids of the newest ``limit`` messages of ``network``, oldest first."""
        async with self._db.execute(
            "SELECT id FROM messages WHERE network = ? ORDER BY created_at DESC LIMIT ?", (network, limit)
        ) as rows:
            return [str(ident) for ident, in await rows.fetchall()][::-1]

    async def identities(self) -> list[tuple[str, str]]:
        """Every ``(did, handle)`` a live Bluesky chat learnt."""
        async with self._db.execute("SELECT did, handle FROM identities") as rows:
            return [(str(did), str(handle)) for did, handle in await rows.fetchall()]

    async def count(self, table: str) -> int:
        if table not in ("messages", "message_revisions", "ledger_events"):
            raise ValueError(f"no table {table}")
        return int(await self._scalar(f"SELECT count(*) FROM {table}"))

    async def integrity(self) -> str:
        return str(await self._scalar("PRAGMA integrity_check"))

    async def message_rows(
        self, chat: str, start: str | None = None, end: str | None = None, chunk: int = 2000
    ) -> AsyncIterator[list[tuple[object, ...]]]:
        """``chat``'s message rows with ``start <= created_at <= end`` (ISO text), oldest first,
        in chunks.

        ``raw`` comes back empty: the source record (kilobytes for a tweet) is for export, and
        reading it back would double what judging a stored archive reads.
        """
        columns = ", ".join("NULL" if column == "raw" else f"m.{column}" for column in MESSAGE_COLUMNS)
        sql = (f"SELECT {columns} FROM chat_messages c JOIN messages m ON m.network = c.network AND m.id = c.id"
               " WHERE c.chat = ? AND c.created_at >= ? AND c.created_at <= ? ORDER BY c.created_at, c.id")
        async with self._db.execute(sql, (chat, start or "", end or "\uffff")) as cursor:
            while rows := await cursor.fetchmany(chunk):
                yield [tuple(row) for row in rows]

    async def message_times(self, chat: str, start: str, end: str) -> MessageTimes:
        """``created_at`` of the messages :meth:`message_rows` yields for the same span, in order."""
        sql = ("SELECT created_at FROM chat_messages WHERE chat = ? AND created_at >= ? AND created_at <= ?"
               " ORDER BY created_at, id")
        times = MessageTimes()
        async with self._db.execute(sql, (chat, start, end)) as cursor:
            while rows := await cursor.fetchmany(10_000):
                times.extend(row[0] for row in rows)
        return times

    async def write_sessions(
        self, chat: str, start: str, end: str, sessions: Sequence[SessionRow], team: HostTeam | None = None
    ) -> list[int]:
        """Replace the sessions of ``chat`` that lie within [start, end] by ``sessions``, judged
        by ``team`` (kept with them; None keeps what was stored).

        Returns the session ids, in the order given. One transaction.
        """
        ids: list[int] = []
        async with self._writing:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                keys = [row.key for row in sessions]
                await self._db.execute(
                    f"DELETE FROM sessions WHERE chat = ? AND start >= ? AND end <= ? AND key NOT IN ({', '.join('?' * len(keys))})",
                    (chat, start, end, *keys),
                )
                team_json = (
                    json.dumps({"hosts": list(team.hosts), "cohosts": list(team.cohosts)}
                               | ({"ids": sorted(team.ids)} if team.ids else {})) if team is not None else None
                )
                for row in sessions:
                    async with self._db.execute(
                        "INSERT INTO sessions (chat, key, start, end, planned_start, off_schedule, moved_from, team)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, coalesce(?, '{}')) ON CONFLICT (chat, key) DO UPDATE SET"
                        " start = excluded.start, end = excluded.end, planned_start = excluded.planned_start,"
                        " off_schedule = excluded.off_schedule, moved_from = excluded.moved_from,"
                        " team = coalesce(?, sessions.team) RETURNING id",
                        (chat, row.key, row.start, row.end, row.planned_start, int(row.off_schedule), row.moved_from,
                         team_json, team_json),
                    ) as cursor:
                        ids.append(int((await cursor.fetchone())[0]))  # type: ignore[index]
                await self._db.execute("COMMIT")
            except sqlite3.Error as error:
                await self._rollback()
                raise _explain(self.path, error) from error
        return ids

    async def carried_over(
        self, chat: str, before: str, sessions: int | None = None
    ) -> tuple[list[tuple[tuple[object, ...], dict[str, object]]], int]:
        """Balls of ``chat``'s sessions that started before ``before`` that are on the follow-up
        list: dropped (or reopened by a moderator) and not answered or dismissed since; with
        ``sessions``, only those of the last that many sessions. Returns (message row, the ball's
        details) oldest first, and how many older balls were left out (aged out)."""
        columns = ", ".join(f"m.{c}" for c in MESSAGE_COLUMNS)
        sql = f"""
        SELECT {columns}, (SELECT o.detail FROM ledger o WHERE o.chat = e.chat AND o.network = e.network
                           AND o.ball_id = e.ball_id AND o.kind = 'opened' ORDER BY o.seq DESC LIMIT 1),
               s.start >= coalesce((SELECT min(r.start) FROM (SELECT start FROM sessions WHERE chat = s.chat
                                    AND start < ? ORDER BY start DESC LIMIT ?) r), '')
        FROM ledger e
        JOIN messages m ON m.network = e.network AND m.id = e.ball_id
        JOIN sessions s ON s.chat = e.chat AND m.created_at BETWEEN s.start AND s.end
        WHERE e.chat = ? AND e.kind IN ('dropped', 'reopened') AND s.start < ?
          AND e.seq = (SELECT max(x.seq) FROM ledger x WHERE x.chat = e.chat AND x.network = e.network
                       AND x.ball_id = e.ball_id AND x.kind IN ('dropped', 'answered', 'dismissed', 'reopened'))
        ORDER BY m.created_at
        """
        async with self._db.execute(sql, (before, -1 if sessions is None else sessions, chat, before)) as cursor:
            rows = list(await cursor.fetchall())
        recent = [(tuple(row[:-2]), json.loads(row[-2] or "{}")) for row in rows if row[-1]]
        return recent, len(rows) - len(recent)

    async def follow_ups(self, chat: str | None = None) -> list[tuple[str, int, tuple[object, ...], dict[str, object]]]:
        """Every ball on the follow-up list (dropped, or reopened, and not answered or dismissed
        since), of ``chat`` or of every session: (chat, session id, message row, the ball's
        details), oldest first."""
        columns = ", ".join(f"m.{c}" for c in MESSAGE_COLUMNS)
        sql = f"""
        SELECT s.chat, s.id, {columns}, (SELECT o.detail FROM ledger o WHERE o.chat = e.chat AND o.network = e.network
                           AND o.ball_id = e.ball_id AND o.kind = 'opened' ORDER BY o.seq DESC LIMIT 1)
        FROM ledger e
        JOIN messages m ON m.network = e.network AND m.id = e.ball_id
        JOIN sessions s ON s.chat = e.chat AND m.created_at BETWEEN s.start AND s.end
        WHERE (? IS NULL OR e.chat = ?) AND e.kind IN ('dropped', 'reopened')
          AND e.seq = (SELECT max(x.seq) FROM ledger x WHERE x.chat = e.chat AND x.network = e.network
                       AND x.ball_id = e.ball_id AND x.kind IN ('dropped', 'answered', 'dismissed', 'reopened'))
        ORDER BY m.created_at
        """
        async with self._db.execute(sql, (chat, chat)) as cursor:
            rows = await cursor.fetchall()
        return [(str(row[0]), int(row[1]), tuple(row[2:-1]), json.loads(row[-1] or "{}")) for row in rows]

    async def ball_ids(self, prefix: str, limit: int = 5) -> list[str]:
        """The ids of balls that start with ``prefix`` (as git takes a short commit id)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        async with self._db.execute(
            "SELECT DISTINCT ball_id FROM ledger WHERE kind = 'opened' AND ball_id LIKE ? ESCAPE '\\'"
            " ORDER BY ball_id LIMIT ?",
            (escaped + "%", limit),
        ) as cursor:
            return [str(row[0]) for row in await cursor.fetchall()]

    async def outside_sessions(self) -> int:
        """Messages in no stored session (reminders, follow-ups between chats)."""
        return int(await self._scalar(
            "SELECT count(*) FROM messages m WHERE NOT EXISTS (SELECT 1 FROM chat_messages c JOIN sessions s"
            " ON s.chat = c.chat AND c.created_at BETWEEN s.start AND s.end WHERE c.network = m.network AND c.id = m.id)"
        ))

    async def chat_names(self, *, unnamed: bool = False) -> list[str]:
        """The chats that have sessions; with ``unnamed``, '' too when sessions were stored
        without a chat."""
        where = "" if unnamed else " WHERE chat <> ''"
        async with self._db.execute(f"SELECT DISTINCT chat FROM sessions{where} ORDER BY chat") as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def participants(self, chat: str, start: str, end: str, team: HostTeam) -> int:
        """The people who wrote in ``chat`` between ``start`` and ``end``, the host team not
        counted (as reports count them: by who they are, not how their handle was spelled)."""
        async with self._db.execute(
            "SELECT DISTINCT m.network, m.author, m.author_id FROM chat_messages c"
            " JOIN messages m ON m.network = c.network AND m.id = c.id"
            " WHERE c.chat = ? AND c.created_at BETWEEN ? AND ?", (chat, start, end)
        ) as cursor:
            rows = await cursor.fetchall()
        return len({
            person_key(Network(network), author, author_id)
            for network, author, author_id in rows if not team.matches(author, author_id)
        })

    async def ball_home(self, ball_id: str, chat: str | None = None) -> tuple[str, str] | None:
        """(chat, network) of the ball with this id, in ``chat`` if given (None: no such ball)."""
        async with self._db.execute(
            "SELECT chat, network FROM ledger WHERE ball_id = ? AND kind = 'opened'"
            " AND (? IS NULL OR chat = ?) ORDER BY seq LIMIT 1", (ball_id, chat, chat)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    async def ball_ledger(self, ball_id: str, chat: str | None = None) -> tuple[str, str, Ledger] | None:
        """(chat, network, a ledger of that one ball as its stored events leave it), or None if
        no ball has this id (in ``chat``, if given). Events that no longer apply are skipped."""
        home = await self.ball_home(ball_id, chat)
        if home is None:
            return None
        chat, network = home
        return chat, network, await self._ledger(
            f"SELECT seq, {', '.join(EVENT_COLUMNS)} FROM ledger WHERE chat = ? AND network = ?"
            " AND ball_id = ? ORDER BY seq",
            (chat, network, ball_id),
        )

    async def session_ledger(self, chat: str, start: str, end: str) -> Ledger:
        """The stored ledger of ``chat``'s balls posted from ``start`` to ``end`` (ISO 8601 UTC),
        every moderator's mark included: what the session's reports count, without judging again."""
        return await self._ledger(_SPAN_EVENTS, (chat, start, end))

    async def session_event_rows(self, chat: str, start: str, end: str) -> list[tuple[object, ...]]:
        """The stored ledger events (in :data:`EVENT_COLUMNS` order) of ``chat``'s balls posted
        from ``start`` to ``end``, in the order they happened."""
        async with self._db.execute(_SPAN_EVENTS, (chat, start, end)) as cursor:
            return [tuple(row[1:]) for row in await cursor.fetchall()]

    async def append_judgement(self, chat: str, start: str, end: str, events: Sequence[tuple[object, ...]]) -> int:
        """Append a new judgement of ``chat``'s balls posted from ``start`` to ``end``: ``events``
        (a new run of the engine, with the moderators' marks where it applied them), in their
        order. It supersedes every event about those balls written before it; nothing is deleted
        or rewritten. One transaction; returns the judgement's number (0: ``events`` are what
        stands already, and nothing was written). Every moderator event that
        stands must be among ``events``: a mark is history, and a new judgement never loses one
        (ValueError otherwise, and nothing is written).
        """
        origin = EVENT_COLUMNS.index("origin")
        async with self._writing:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                async with self._db.execute(_SPAN_EVENTS, (chat, start, end)) as cursor:
                    found = [tuple(row) for row in await cursor.fetchall()]
                marks = Counter(row[1:] for row in found if row[1 + origin] == "moderator")
                marks.subtract(tuple(row) for row in events if row[origin] == "moderator")
                if any(count > 0 for count in marks.values()):
                    raise ValueError(f"a new judgement of {chat or 'a chat'} from {start} would lose moderators' marks")
                if [row[1:] for row in found] == [tuple(row) for row in events]:
                    await self._db.execute("COMMIT")
                    return 0  # the same judgement again: nothing to append
                async with self._db.execute(
                    "INSERT INTO judgements (chat, start, end, from_seq, at) VALUES (?, ?, ?,"
                    " (SELECT coalesce(max(seq), 0) + 1 FROM ledger_events), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                    (chat, start, end),
                ) as cursor:
                    number = int(cursor.lastrowid or 0)
                await self._db.executemany(
                    f"INSERT INTO ledger_events (chat, {', '.join(EVENT_COLUMNS)}, judgement)"
                    f" VALUES (?, {', '.join('?' * len(EVENT_COLUMNS))}, ?)"
                    " ON CONFLICT (chat, network, ball_id, kind, at, by, message_id, judgement) DO NOTHING",
                    [(chat, *row, number) for row in events])
                await self._db.execute("COMMIT")
            except sqlite3.Error as error:
                await self._rollback()
                raise _explain(self.path, error) from error
            except ValueError:
                await self._rollback()
                raise
        return number

    async def _ledger(self, sql: str, parameters: Sequence[object]) -> Ledger:
        """The ledger the rows of ``sql`` (seq, then :data:`EVENT_COLUMNS`) leave, in their order."""
        ledger = Ledger()
        async with self._db.execute(sql, parameters) as cursor:
            for row in await cursor.fetchall():
                event = event_from_row(row[1:])  # after seq
                if event is not None:
                    with contextlib.suppress(LedgerError):  # a re-run wrote it twice
                        ledger.apply(event)
        return ledger

    async def unsettled_sessions(self) -> list[dict[str, object]]:
        """The sessions (as :meth:`session`) that hold a ball still open and never dropped (no
        event closed it, or a moderator reopened it before its session ended): stored while their
        chat was still going. A ball reopened after it was dropped is on the follow-up list,
        and its session is over."""
        async with self._db.execute("""
            SELECT s.* FROM sessions s WHERE EXISTS (
                SELECT 1 FROM ledger o JOIN chat_messages c
                  ON c.chat = o.chat AND c.network = o.network AND c.id = o.ball_id
                WHERE o.chat = s.chat AND o.kind = 'opened' AND c.created_at BETWEEN s.start AND s.end
                  AND NOT EXISTS (SELECT 1 FROM ledger x WHERE x.chat = o.chat AND x.network = o.network
                                  AND x.ball_id = o.ball_id AND x.kind = 'dropped')
                  AND coalesce((SELECT x.kind FROM ledger x WHERE x.chat = o.chat AND x.network = o.network
                                AND x.ball_id = o.ball_id AND x.kind IN ('answered', 'dismissed', 'reopened')
                                ORDER BY x.seq DESC LIMIT 1), 'reopened') = 'reopened')
            ORDER BY s.start""") as cursor:
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]

    async def latest_session(self, chat: str) -> dict[str, object] | None:
        """``chat``'s stored session that started last (as :meth:`session`), or None."""
        async with self._db.execute("SELECT id FROM sessions WHERE chat = ? ORDER BY start DESC LIMIT 1", (chat,)) as cursor:
            row = await cursor.fetchone()
        return None if row is None else await self.session(int(row[0]))

    async def session(self, session_id: int) -> dict[str, object] | None:
        """One stored session (id, chat, key, start, end, planned_start, off_schedule, moved_from)."""
        async with self._db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)) as cursor:
            names = [column[0] for column in cursor.description]
            row = await cursor.fetchone()
        return None if row is None else dict(zip(names, row, strict=True))

    async def session_summaries(self, chat: str | None = None) -> list[dict[str, object]]:
        """Every session (of ``chat``), oldest first, with its counts, and whether it was judged
        when stored (``judged``: its host team was known, so its ledger was written)."""
        sql = """
        SELECT s.id, s.chat, s.start, s.end, s.planned_start, s.off_schedule, s.moved_from, s.team,
               (SELECT count(*) FROM chat_messages c WHERE c.chat = s.chat
                 AND c.created_at BETWEEN s.start AND s.end) AS messages,
               (SELECT count(DISTINCT m.author) FROM chat_messages c JOIN messages m ON m.network = c.network
                 AND m.id = c.id WHERE c.chat = s.chat AND c.created_at BETWEEN s.start AND s.end) AS participants,
               (SELECT count(*) FROM ledger e JOIN chat_messages b ON b.chat = e.chat
                 AND b.network = e.network AND b.id = e.ball_id
                 WHERE e.chat = s.chat AND b.created_at BETWEEN s.start AND s.end AND e.kind = 'opened') AS balls,
               (SELECT count(*) FROM ledger e JOIN chat_messages b ON b.chat = e.chat
                 AND b.network = e.network AND b.id = e.ball_id
                 WHERE e.chat = s.chat AND b.created_at BETWEEN s.start AND s.end AND e.kind = 'dropped'
                   AND NOT EXISTS (SELECT 1 FROM ledger later WHERE later.chat = e.chat
                                   AND later.network = e.network AND later.ball_id = e.ball_id
                                   AND later.seq > e.seq AND later.kind IN ('answered', 'dismissed'))) AS dropped
        FROM sessions s WHERE ? IS NULL OR s.chat = ? ORDER BY s.start
        """
        async with self._db.execute(sql, (chat, chat)) as cursor:
            names = [column[0] for column in cursor.description]
            rows = await cursor.fetchall()
        summaries = [dict(zip(names, row, strict=True)) for row in rows]
        for summary in summaries:
            summary["off_schedule"] = bool(summary["off_schedule"])
            team = stored_team(str(summary.pop("team") or "{}"))
            summary["judged"] = team is not None
            if team is not None:
                summary["participants"] = await self.participants(
                    str(summary["chat"]), str(summary["start"]), str(summary["end"]), team)
        return summaries


def stored_team(text: str) -> HostTeam | None:
    """The host team a session was judged by, as ``sessions.team`` keeps it (None: not kept)."""
    try:
        team = json.loads(text)
    except ValueError:
        return None
    hosts = team.get("hosts") if isinstance(team, dict) else None
    if not hosts or not isinstance(hosts, list):
        return None
    cohosts = team.get("cohosts") or []
    ids = team.get("ids") or []
    return HostTeam([str(h) for h in hosts], [str(c) for c in cohosts if isinstance(c, str)],
                    [str(i) for i in ids if isinstance(i, str)] if isinstance(ids, list) else [])


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


class MessageTimes(Sequence[datetime]):
    """Message times as whole milliseconds in a compact array: 8 bytes a message, where a list
    of datetimes costs ten times that and grows with the archive."""

    def __init__(self) -> None:
        self._ms = array("q")

    def extend(self, stamps: Iterable[str]) -> None:
        self._ms.extend((datetime.fromisoformat(s) - _EPOCH) // _MS for s in stamps)

    def __len__(self) -> int:
        return len(self._ms)

    @overload
    def __getitem__(self, index: int) -> datetime: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[datetime]: ...
    def __getitem__(self, index: int | slice) -> datetime | Sequence[datetime]:
        if isinstance(index, slice):
            return [_EPOCH + ms * _MS for ms in self._ms[index]]
        return _EPOCH + self._ms[index] * _MS

    def stamp(self, index: int) -> str:
        """The ``created_at`` text of message ``index``, exactly as stored."""
        return (_EPOCH + self._ms[index] * _MS).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A session as stored: times are ISO 8601 UTC text."""

    key: str
    start: str
    end: str
    planned_start: str | None
    off_schedule: bool
    moved_from: str | None
