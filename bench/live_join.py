"""``live_late_join_vs_file``: joining a Mastodon chat an hour in, against reading the same statuses
from a file, in the same run.

The server (its own process, as in :mod:`bench.live_ingest`) holds a 60-minute session of 1,000
statuses in its hashtag timeline; the client is ``chatmod analyze mastodon+ws://… --since``: it
subscribes, pages the timeline back to the session's start 40 statuses a request, and judges
them, as a host who opens chatmod late does. The baseline is ``chatmod analyze FILE`` of the same
statuses. Both write their output to nowhere.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.live_ingest import server_process
from bench.synthetic import mastodon_status, synthetic_messages
from chatmod.cli import main

__all__ = ["LATE_JOIN_MESSAGES", "file_analyze_seconds", "join_server", "late_join_seconds", "write_session"]

LATE_JOIN_MESSAGES = 1000
TAG = "chat"

_SERVER = """
import asyncio, json, sys
from tests.live.mastodon_server import FakeMastodon

async def main(path):
    async with FakeMastodon() as server:
        server.accounts["good-token"] = {"id": "id-mshost", "username": "mshost", "acct": "mshost"}
        server.timeline = [json.loads(line) for line in open(path, encoding="utf-8")]
        print(server.port, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main(sys.argv[1]))
"""


def write_session(path: Path, count: int = LATE_JOIN_MESSAGES) -> tuple[Path, datetime]:
    """``count`` statuses of one chat, spread over the hour that ends now; and when it began."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=60)
    step = timedelta(minutes=60) / count
    with path.open("w", encoding="utf-8") as out:
        for n, record in enumerate(synthetic_messages(count, per_session=count)):
            status = mastodon_status(record)
            status["created_at"] = (start + n * step).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            status["tags"] = [{"name": TAG, "url": f"https://example.social/tags/{TAG}"}]
            out.write(json.dumps(status) + "\n")
    return path, start


def file_analyze_seconds(statuses: Path) -> float:
    """``chatmod analyze FILE``."""
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["analyze", str(statuses), "--host", "mshost"]) == 0
    return time.perf_counter() - started


def join_server(statuses: Path) -> contextlib.AbstractContextManager[int]:
    """A local Mastodon server holding ``statuses`` in its timeline, in its own process; its port.
    It serves every round of a run: a real server is warm when a host joins."""
    return server_process(_SERVER, statuses)


def late_join_seconds(port: int, start: datetime, count: int) -> float:
    """``chatmod analyze mastodon+ws://… --since START`` until the session so far is read and judged."""
    argv = ["analyze", f"mastodon+ws://127.0.0.1:{port}/{TAG}", "--host", "mshost", "--token", "good-token",
            "--since", f"{start:%Y-%m-%dT%H:%M:%S}", "--max-messages", str(count), "--duration", "120"]
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(argv) == 0
    seconds = time.perf_counter() - started
    read = len(out.getvalue().splitlines())
    if read != count:
        raise RuntimeError(f"the late join read {read} of {count} statuses")
    return seconds
