"""Forward-only migrations: old databases upgrade, a failed step leaves the old version intact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from chatmod.store import Store, StoreError, db
from chatmod.store.schema import MIGRATIONS, SCHEMA_VERSION


def _database_at(path: Path, version: int) -> Path:
    with sqlite3.connect(path) as connection:
        for step in MIGRATIONS[:version]:
            connection.executescript(step)
        connection.execute(f"PRAGMA user_version = {version}")
        connection.execute(
            "INSERT INTO messages (network, id, author, created_at, text) "
            "VALUES ('twitter', '1', 'bob', '2026-01-01T00:00:00.000Z', 'kept across upgrades')"
        )
    return path


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
async def test_every_old_version_upgrades_and_keeps_its_data(tmp_path: Path, version: int) -> None:
    path = _database_at(tmp_path / f"v{version}.db", version)
    async with await Store.open(path) as store:
        assert await store.count("messages") == 1
        assert await store.integrity() == "ok"
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert connection.execute("SELECT text FROM messages").fetchone()[0] == "kept across upgrades"


async def test_a_failed_migration_leaves_the_old_version_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _database_at(tmp_path / "v1.db", 1)
    broken = (MIGRATIONS[0], "CREATE TABLE half_done (x); THIS IS NOT SQL;")
    monkeypatch.setattr(db, "MIGRATIONS", broken)
    monkeypatch.setattr(db, "SCHEMA_VERSION", 2)
    with pytest.raises(StoreError, match=r"v1\.db"):
        await Store.open(path)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 1
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "half_done" not in tables and "messages" in tables
