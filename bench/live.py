"""The live sources' figures: how fast Jetstream's firehose is filtered, how fast a reset recovers."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from chatmod.sources.backoff import Backoff
from chatmod.sources.base import ConnectionState, Link
from chatmod.sources.jetstream import JetstreamSource
from chatmod.sources.live_url import JetstreamURL, MastodonURL
from chatmod.sources.mastodon import MastodonSource
from tests.live.jetstream_server import delete, identity, post
from tests.live.mastodon_server import FakeMastodon, status

_WORDS = ("the", "class", "today", "great", "idea", "students", "coffee", "why", "news", "photo", "love", "#art",
          "#photography", "🎉", "été", "@friend.bsky.social", "https://example.com/x")


def firehose(count: int, seed: int = 7) -> list[str]:
    """``count`` Jetstream frames as the network sends them: mostly other people's posts, about
    one in a hundred the chat's, some deletions and identity events."""
    return list(firehose_frames(count, seed))


def firehose_frames(count: int, seed: int = 7, identities: float = 0.01) -> Iterator[str]:
    """The frames of :func:`firehose` one at a time, ``identities`` of them identity events (of
    people nothing to do with the chat, each a new DID)."""
    rng = random.Random(seed)
    start = 1_780_000_000_000_000
    for n in range(count):
        did = f"did:plc:{rng.getrandbits(64):016x}"
        stamp = start + n * 1000
        roll = rng.random()
        if roll < 0.01:
            event = post(did, f"c{n}", f"A{n % 6} {' '.join(rng.choices(_WORDS, k=12))} #EdChat", stamp)
        elif roll < 0.06:
            event = delete(did, f"r{n}", stamp)
        elif roll < 0.06 + identities:
            event = identity(did, f"user{n}.bsky.social", stamp)
        else:
            event = post(did, f"r{n}", " ".join(rng.choices(_WORDS, k=rng.randint(4, 30))), stamp)
        yield json.dumps(event, ensure_ascii=False, separators=(",", ":"))


_FILTER_CHILD = """
import sys
from bench.live import firehose_frames
from chatmod.sources.jetstream import JetstreamSource
from chatmod.sources.live_url import JetstreamURL

source = JetstreamSource(JetstreamURL("localhost", None, "EdChat"), team_dids={"did:plc:host"})
kept = sum(len(source.take_frame(frame)) for frame in firehose_frames(int(sys.argv[1]), identities=float(sys.argv[2])))
print(kept)
print(peak_rss_mb())
"""


def jetstream_peak_rss_mb(count: int, identities: float) -> tuple[float, int]:
    """Peak resident memory of a process whose Jetstream source filters ``count`` frames (made as
    they go, not held), ``identities`` of them other people's identity events; and how many it kept."""
    from bench.store import PEAK_RSS_MB

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", PEAK_RSS_MB + _FILTER_CHILD, str(count), str(identities)],
                          cwd=root, check=True, capture_output=True, text=True)
    kept, peak = done.stdout.split()[-2:]
    return float(peak), int(kept)


def jetstream_filter_eps(frames: list[str], runs: int) -> tuple[float, int]:
    """Frames per second the source filters for one hashtag and a host DID (best of ``runs``), and
    how many it kept."""
    best, kept = float("inf"), 0
    for _ in range(runs):
        source = JetstreamSource(JetstreamURL("localhost", None, "EdChat"), team_dids={"did:plc:host"})
        started = time.perf_counter()
        kept = sum(len(source.take_frame(frame)) for frame in frames)
        best = min(best, time.perf_counter() - started)
    return len(frames) / best, kept


@dataclass
class Recovery:
    gap_ms: float
    refilled: int


async def _reconnect(missed: int) -> Recovery:
    async with FakeMastodon() as server:
        url = MastodonURL("127.0.0.1", server.port, "EdChat", secure=False)
        source = MastodonSource(url, "good-token", backoff=Backoff())
        await source.start()
        await server.subscribed.wait()
        await server.update(status("1", "before the reset"), "EdChat")
        while source.cursor != "1":
            await source.wait()
            source.poll()
        for n in range(2, missed + 2):
            server.post(status(str(n), f"posted while away {n}"))
        server.subscribed.clear()
        reset_at = time.perf_counter()
        server.reset()
        first: float | None = None
        refilled = 0
        while True:
            await source.wait()
            for item in source.poll():
                if first is None and not isinstance(item, ConnectionState):
                    first = time.perf_counter()
                if isinstance(item, ConnectionState) and item.link is Link.GAP_FILLED:
                    refilled = int(item.detail.split()[0])
            if refilled:
                break
        await source.close()
        assert first is not None
        return Recovery((first - reset_at) * 1000, refilled)


def reconnect_gap(missed: int = 100) -> Recovery:
    """From a reset without a close frame to the first message after it, with the default
    backoff, while ``missed`` statuses were posted; and how many the gap fill brought."""
    return asyncio.run(_reconnect(missed))
