"""Provides the database schema and its forward-only migrations.

The version lives in ``PRAGMA user_version``. Each migration runs in one ``BEGIN IMMEDIATE``
transaction together with the bump of the version, so a kill mid-migration leaves the previous
version intact. A database written by a newer chatmod is refused rather than guessed at.

Tables are meant to be read by people too (sqlite3, Datasette): plain names, ISO-8601 UTC times,
JSON for the few list-valued columns.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

_V1 = """
CREATE TABLE messages (
    network          TEXT NOT NULL CHECK (network IN ('twitter', 'mastodon', 'bluesky')),
    id               TEXT NOT NULL CHECK (id <> ''),
    author           TEXT NOT NULL CHECK (author <> ''),
    author_id        TEXT,
    display_name     TEXT,
    created_at       TEXT NOT NULL,             -- ISO 8601, UTC, e.g. 2020-02-07T18:33:51.447Z
    text             TEXT NOT NULL,
    reply_to_id      TEXT,
    reply_to_author  TEXT,
    repost_of        TEXT,
    repost_of_author TEXT,
    quote_of         TEXT,
    url              TEXT,
    lang             TEXT,
    mentions         TEXT NOT NULL DEFAULT '[]', -- JSON: [{"handle": ..., "id": ...}]
    hashtags         TEXT NOT NULL DEFAULT '[]', -- JSON: ["edchat", ...]
    edited           INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1)),
    deleted          INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    truncated        INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1)),
    raw              TEXT,                       -- the source record, as read
    PRIMARY KEY (network, id)
) WITHOUT ROWID;

CREATE INDEX messages_by_time ON messages (created_at);

-- What an edit or a delete replaced: a later copy of a message never erases the earlier text.
CREATE TABLE message_revisions (
    network      TEXT NOT NULL,
    id           TEXT NOT NULL,
    change       TEXT NOT NULL CHECK (change IN ('edited', 'deleted')),
    recorded_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    old_text     TEXT NOT NULL,
    new_text     TEXT NOT NULL,
    FOREIGN KEY (network, id) REFERENCES messages (network, id)
);

CREATE TRIGGER messages_keep_revisions
AFTER UPDATE OF text, deleted ON messages
WHEN old.text IS NOT new.text OR old.deleted <> new.deleted
BEGIN
    INSERT INTO message_revisions (network, id, change, old_text, new_text)
    VALUES (old.network, old.id,
            CASE WHEN new.deleted > old.deleted THEN 'deleted' ELSE 'edited' END,
            old.text, new.text);
END;

-- The ledger of balls, append only: what the engine judged and what moderators did.
CREATE TABLE ledger_events (
    seq         INTEGER PRIMARY KEY,              -- the order events happened in
    network     TEXT NOT NULL,
    ball_id     TEXT NOT NULL,                    -- the addressed message's id
    kind        TEXT NOT NULL CHECK (kind IN ('opened', 'answered', 'dropped', 'claimed',
                                              'unclaimed', 'dismissed', 'reopened', 'snoozed')),
    at          TEXT NOT NULL,                    -- ISO 8601, UTC
    by          TEXT NOT NULL DEFAULT '',         -- who: the ball's author, a host, a moderator
    message_id  TEXT NOT NULL DEFAULT '',         -- the message that answered it, if any
    origin      TEXT NOT NULL CHECK (origin IN ('engine', 'moderator')),
    detail      TEXT NOT NULL DEFAULT '{}',       -- JSON: question, thread, burst_of, until
    UNIQUE (network, ball_id, kind, at, by, message_id)
);

-- The UNIQUE index above, which starts with (network, ball_id), also serves lookups by ball.
"""

_V2 = """
-- Sessions: one occurrence of a chat, found by its schedule or by activity.
CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    chat          TEXT NOT NULL DEFAULT '',       -- the chat's name; '' when ingested without one
    key           TEXT NOT NULL,                  -- what makes it the same session on a re-ingest
    start         TEXT NOT NULL,                  -- its first message (ISO 8601, UTC)
    end           TEXT NOT NULL,                  -- its last message
    planned_start TEXT,                           -- the scheduled start; NULL when found by activity
    off_schedule  INTEGER NOT NULL DEFAULT 0 CHECK (off_schedule IN (0, 1)),
    moved_from    TEXT,                           -- the cancelled scheduled start it replaced
    UNIQUE (chat, key)
);

-- A session's messages are those with start <= created_at <= end (sessions never overlap), so
-- finding them is a range on messages_by_time, and storing a session rewrites no message rows.
CREATE INDEX sessions_by_time ON sessions (start);
"""

_V3 = """
-- The host team that judged a session, so a stored session is read again with the same team
-- (JSON: {"hosts": [...], "cohosts": [...]}; '{}' for sessions stored before it was kept).
ALTER TABLE sessions ADD COLUMN team TEXT NOT NULL DEFAULT '{}';
"""

_V4 = """
-- Where a live source stands: what a restarted live ingest resumes from. Written in the same
-- transaction as the messages it covers, so after a crash it never points past what is stored.
CREATE TABLE cursors (
    source     TEXT PRIMARY KEY,                  -- the live source, e.g. mastodon://host:443/edchat
    cursor     TEXT NOT NULL,                     -- a Mastodon status id, a Jetstream time_us
    updated_at TEXT NOT NULL                      -- when it was written (ISO 8601, UTC)
);
"""

_V5 = """
-- A message that lacks the chat's hashtag and was caught another way (it mentions the host
-- team or replies to the chat): the console and reports mark it.
ALTER TABLE messages ADD COLUMN untagged INTEGER NOT NULL DEFAULT 0 CHECK (untagged IN (0, 1));
"""

_V6 = """
-- Bluesky people by DID: the handles a live chat looked up or was told, kept so the next run
-- knows them at once. A message stored before its author was named has the DID as its author
-- until then; the partial index finds those (and only those) when the name comes.
CREATE TABLE identities (
    did        TEXT PRIMARY KEY,
    handle     TEXT NOT NULL,
    updated_at TEXT NOT NULL                      -- ISO 8601, UTC
) WITHOUT ROWID;

CREATE INDEX messages_unnamed ON messages (author_id) WHERE author LIKE 'did:%';
"""

_V7 = """
-- Whether the source records reply links for the message (its record has the reply field): a
-- message without reply_to_id then replies to nothing, and the engine infers no link for it.
ALTER TABLE messages ADD COLUMN reply_known INTEGER NOT NULL DEFAULT 0 CHECK (reply_known IN (0, 1));
"""

_V8 = """
-- Chats apart: a message belongs to the chats it was read for (one archive may feed two chats
-- at the same hour; a message may belong to both), and every ledger event to one chat. A
-- session's messages are its chat's messages in its span. created_at is copied from messages
-- (it never changes) so a chat's span is one range on chat_messages_by_time.
CREATE TABLE chat_messages (
    chat       TEXT NOT NULL,                     -- a chat's name, or an ad hoc chat's '#tag @host'
    network    TEXT NOT NULL,
    id         TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (chat, network, id),
    FOREIGN KEY (network, id) REFERENCES messages (network, id)
) WITHOUT ROWID;

CREATE INDEX chat_messages_by_time ON chat_messages (chat, created_at);
CREATE INDEX chat_messages_by_message ON chat_messages (network, id);

-- Each stored session's messages go to its chat.
INSERT OR IGNORE INTO chat_messages (chat, network, id, created_at)
SELECT s.chat, m.network, m.id, m.created_at FROM sessions s
JOIN messages m ON m.created_at BETWEEN s.start AND s.end;

-- The ledger, rebuilt once: events carry their chat, and kinds are checked by chatmod rather
-- than by the table, so new kinds (notes, the host's posts) need no rebuild. 'judgement'
-- numbers the engine runs over a chat: a rejudge appends a new one, which supersedes the last.
CREATE TABLE ledger_events_v8 (
    seq         INTEGER PRIMARY KEY,              -- the order events happened in
    chat        TEXT NOT NULL DEFAULT '',
    network     TEXT NOT NULL,
    ball_id     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind <> ''),
    at          TEXT NOT NULL,
    by          TEXT NOT NULL DEFAULT '',
    message_id  TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL CHECK (origin IN ('engine', 'moderator')),
    detail      TEXT NOT NULL DEFAULT '{}',
    judgement   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (chat, network, ball_id, kind, at, by, message_id, judgement)
);

-- An event goes to the chat whose session holds its ball (to each, where sessions of two chats
-- held it: they were mixed before), in the order it happened; a ball in no session keeps ''.
INSERT INTO ledger_events_v8 (chat, network, ball_id, kind, at, by, message_id, origin, detail)
SELECT coalesce(c.chat, ''), e.network, e.ball_id, e.kind, e.at, e.by, e.message_id, e.origin, e.detail
FROM ledger_events e LEFT JOIN chat_messages c ON c.network = e.network AND c.id = e.ball_id
ORDER BY e.seq, c.chat;

DROP TABLE ledger_events;
ALTER TABLE ledger_events_v8 RENAME TO ledger_events;
CREATE INDEX ledger_events_by_ball ON ledger_events (network, ball_id);
"""

# A rejudge appends a new run of a session's events rather than rewriting the log: each run is a
# row of 'judgements', and its events carry its id in ledger_events.judgement. Every event about
# the run's balls written before it (seq below from_seq) is superseded; what is written after it
# (a mark, the end of the session) stands. The view 'ledger' is the log as it stands: what every
# reader reads.
_V9 = """
CREATE TABLE judgements (
    id        INTEGER PRIMARY KEY,
    chat      TEXT NOT NULL,
    start     TEXT NOT NULL,             -- the balls it judged again: posted from start to end
    end       TEXT NOT NULL,
    from_seq  INTEGER NOT NULL,          -- its first event; earlier ones about those balls are superseded
    at        TEXT NOT NULL              -- when it ran, ISO 8601 UTC
);
CREATE INDEX judgements_by_chat ON judgements (chat);

CREATE VIEW ledger AS
SELECT e.* FROM ledger_events e
WHERE NOT EXISTS (
    SELECT 1 FROM judgements j JOIN chat_messages m ON m.chat = j.chat AND m.network = e.network AND m.id = e.ball_id
    WHERE j.chat = e.chat AND j.from_seq > e.seq AND m.created_at BETWEEN j.start AND j.end
);
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8, _V9)
"""``MIGRATIONS[n]`` takes a database from version n to n + 1. Append only; never edit one."""

SCHEMA_VERSION = len(MIGRATIONS)
