"""Store benchmarks: ingest against raw executemany, and peak memory of a 1M-message ingest."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from chatmod.core.handles import HostTeam
from chatmod.core.models import Message
from chatmod.formats import read_source
from chatmod.ingest import ingest
from chatmod.pipeline import batch_gc
from chatmod.store import Store
from chatmod.store.rows import MESSAGE_COLUMNS, message_row

TEAM = HostTeam(["mshost"], ["cosam"])


def _fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)

    async def create() -> None:
        async with await Store.open(path):
            pass

    asyncio.run(create())
    return path


def executemany_seconds(source: Path, db: Path) -> float:
    """Raw sqlite3.executemany of the archive's rows (built beforehand) into the same schema."""
    _, items = read_source(str(source))
    rows = [message_row(item) for item in items if isinstance(item, Message)]
    _fresh(db)
    sql = f"INSERT INTO messages ({', '.join(MESSAGE_COLUMNS)}) VALUES ({', '.join('?' * len(MESSAGE_COLUMNS))})"
    start = time.perf_counter()
    with sqlite3.connect(db) as connection:
        connection.executemany(sql, rows)
    return time.perf_counter() - start


def ingest_seconds(source: Path, db: Path) -> float:
    """chatmod ingest: the real reader, the store's batches, the engine and the ledger."""
    _fresh(db)
    start = time.perf_counter()
    with batch_gc():
        asyncio.run(ingest(str(source), db, TEAM))
    return time.perf_counter() - start


# A child reports its own high-water mark. getrusage(RUSAGE_CHILDREN) would not do: the
# peak is kept across exec, so it counts the pages the child shared with this benchmark
# process (which holds the baseline's rows) at fork time.
PEAK_RSS_MB = """
def peak_rss_mb():
    import sys
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
"""
"""Source of ``peak_rss_mb()`` for a benchmark's child process: its own peak resident MB."""

_CHILD = PEAK_RSS_MB + """
import sys
from chatmod.cli import main
status = main(sys.argv[1:])
print(peak_rss_mb())
sys.exit(status)
"""


def ingest_peak_rss_mb(source: Path, db: Path) -> float:
    """Peak resident memory of a `chatmod ingest` process over ``source``."""
    _fresh(db)
    command = [sys.executable, "-c", _CHILD, "ingest", str(source), "--db", str(db), "--host", "mshost"]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])
