"""``live_ingest_vs_file``: a chat stored from the Mastodon streaming protocol against the same
statuses stored from a file, in the same run.

The server runs in its own process (it would otherwise take turns with the client for this
process's one interpreter lock) and sends every status of the file as an ``update`` frame as
fast as the connection takes them; the client is chatmod's live ingest, from connecting to the
judged database. The baseline is ``chatmod ingest FILE`` of the same statuses.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench.store import TEAM, _fresh
from chatmod.ingest import ingest, ingest_live
from chatmod.pipeline import batch_gc
from chatmod.sources.live import open_live

__all__ = ["file_ingest_seconds", "live_ingest_seconds", "server_process"]

TAG = "chat"

# The server: every line of the file, sent as a frame once a client subscribes; it prints its
# port, then serves until its stdin closes.
_SERVER = """
import asyncio, json, sys
from tests.live.mastodon_server import FakeMastodon

async def main(path):
    frames = [json.dumps({"stream": ["hashtag", "chat"], "event": "update", "payload": line.rstrip("\\n")})
              for line in open(path, encoding="utf-8")]
    async with FakeMastodon() as server:
        print(server.port, flush=True)
        async def feed():
            while True:
                await server.subscribed.wait()
                server.subscribed.clear()
                for frame in frames:
                    await server.live.send(frame)
        task = asyncio.create_task(feed())
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        task.cancel()

asyncio.run(main(sys.argv[1]))
"""


def file_ingest_seconds(statuses: Path, db: Path) -> float:
    """``chatmod ingest FILE``: the Mastodon reader, the store's batches, the engine, the ledger."""
    _fresh(db)
    start = time.perf_counter()
    with batch_gc():
        asyncio.run(ingest(str(statuses), db, TEAM))
    return time.perf_counter() - start


@contextlib.contextmanager
def server_process(script: str, statuses: Path) -> Iterator[int]:
    """A local server ``script`` (it prints its port, then serves until its stdin closes) in its
    own process, fed ``statuses``; its port."""
    root = Path(__file__).resolve().parent.parent
    server = subprocess.Popen([sys.executable, "-c", script, str(statuses)], cwd=root, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert server.stdout is not None
        yield int(server.stdout.readline())
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=30)


def live_ingest_seconds(statuses: Path, db: Path, count: int) -> tuple[float, int]:
    """``chatmod ingest mastodon+ws://…`` of the same statuses at full speed: seconds, messages stored."""
    with server_process(_SERVER, statuses) as port:
        url = f"mastodon+ws://127.0.0.1:{port}/{TAG}"
        _fresh(db)
        start = time.perf_counter()
        result, _ = asyncio.run(ingest_live(lambda cursor: open_live(url, "good-token", cursor, TEAM.hosts),
                                            db, TEAM, max_messages=count))
        return time.perf_counter() - start, result.read
