"""A live source's cursor is saved as it moves, even when nothing of the chat comes to write: a
quiet chat on Jetstream (the whole network streams by) resumes from where the network was."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from chatmod.run import log
from chatmod.run.log import LogWriter
from chatmod.store import Store


class Network:
    """A source whose cursor moves with every frame, none of them the chat's."""

    key = "jetstream://example.net?tag=edchat"

    def __init__(self) -> None:
        self.at = 1_000

    def resume_point(self, items: Sequence[object]) -> str | None:
        return str(self.at)

    def learned(self) -> list[tuple[str, str]]:
        return []


async def test_the_cursor_is_saved_every_few_seconds_with_nothing_else_to_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(log, "FLUSH_SECONDS", 0.05)
    monkeypatch.setattr(log, "CURSOR_SECONDS", 0.2)
    source = Network()
    async with await Store.open(tmp_path / "chat.db") as store:
        writer = LogWriter(store, "#edchat", source=source)  # type: ignore[arg-type]
        writer.start()
        await asyncio.sleep(0.3)
        assert await store.cursor(source.key) == "1000"
        source.at = 2_000
        await asyncio.sleep(0.5)
        assert await store.cursor(source.key) == "2000"
        await writer.stop()
