"""Runs the benchmarks and prints one ``name: value`` line per figure (ratios, same-run baselines)."""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.judgement import judgement_lines
from bench.store import executemany_seconds, ingest_peak_rss_mb, ingest_seconds
from bench.synthetic import write_mastodon, write_native, write_twarc1
from chatmod.core.handles import HostTeam
from chatmod.formats import read_source
from chatmod.pipeline import batch_gc
from chatmod.records import analysis_lines
from chatmod.sources.ordering import Run, chronological

TEAM = HostTeam(["mshost"], ["cosam"])

# The live chat of issue 11's figure: a long chat's worth, small enough to stay a minute's run.
LIVE_INGEST_MESSAGES = 50_000


def _parse_only(path: Path) -> int:
    _, items = read_source(str(path))
    count = 0
    for _ in items:
        count += 1
    return count


def _analyze(path: Path) -> int:
    """Everything `chatmod analyze` does but the write to stdout."""
    with batch_gc():
        _, items = read_source(str(path))
        messages = chronological(items, Run())
        return sum(len(line) for line in analysis_lines(messages, TEAM))


def _best_pair(runs: int, baseline: Callable[[], object], measured: Callable[[], object]) -> tuple[float, float]:
    """Best time of each over ``runs`` rounds, the two taking turns in every round.

    This machine is shared and its speed drifts over minutes: all baseline runs first and all
    measured runs after would put a slow spell on one side of the ratio only.
    """
    best = [float("inf"), float("inf")]
    for _ in range(runs):
        for side, work in enumerate((baseline, measured)):
            gc.collect()
            start = time.perf_counter()
            work()
            best[side] = min(best[side], time.perf_counter() - start)
    return best[0], best[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--messages", type=int, default=200_000, help="archive size (default 200000)")
    parser.add_argument("--runs", type=int, default=3, help="repetitions; the best run counts")
    parser.add_argument("--rss-messages", type=int, default=1_000_000,
                        help="archive size for the peak-memory figure (default 1000000; 0 skips it)")
    parser.add_argument("--only", choices=("judgement", "analyze", "store", "tui", "live"), help="run one group of figures")
    parser.add_argument("--tui-scale", type=float, default=1.0, metavar="FACTOR",
                        help="scale the console's burst (10 s) and sustained (30 s) runs, e.g. 0.2 for a "
                        "quick reading (default 1: the full figures)")
    args = parser.parse_args(argv)
    if args.tui_scale <= 0:
        parser.error("--tui-scale must be positive")
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "judgement"):
            for line in judgement_lines():
                print(line, flush=True)
        if args.only in (None, "analyze"):
            _analyze_figures(Path(tmp), args)
        if args.only in (None, "store"):
            _store_figures(Path(tmp), args)
        if args.only in (None, "tui"):
            _tui_figures(Path(tmp), args)
        if args.only in (None, "live"):
            _live_figures(Path(tmp), args)
    return 0


def _store_figures(tmp: Path, args: argparse.Namespace) -> None:
    source = write_native(tmp / "store.jsonl", args.messages)
    baseline, ingest = _best_pair(
        args.runs, lambda: executemany_seconds(source, tmp / "raw.db"), lambda: ingest_seconds(source, tmp / "ingest.db")
    )
    print(f"ingest_vs_executemany: {baseline / ingest:.2f}", flush=True)
    print(f"  ({args.messages} messages: executemany {baseline:.2f}s, ingest {ingest:.2f}s, "
          f"{args.messages / ingest:,.0f} msg/s)", file=sys.stderr, flush=True)
    if args.rss_messages:
        big = write_native(tmp / "big.jsonl", args.rss_messages)
        print(f"ingest_1m_peak_rss_mb: {ingest_peak_rss_mb(big, tmp / 'big.db'):.0f}", flush=True)
        print(f"  ({args.rss_messages} messages)", file=sys.stderr, flush=True)


def _tui_figures(tmp: Path, args: argparse.Namespace) -> None:
    # Imported here: Textual's objects would otherwise sit in this process's heap, and in every
    # garbage collection, while the analyze and store groups are timed.
    from bench.tui import BURST, STARTUP_RUNS, SUSTAINED, live_run, replay_peak_rss_mb, startup

    burst = live_run(BURST.rate, BURST.seconds * args.tui_scale)
    print(f"tui_burst_p99_ms: {burst.p99_ms:.0f}", flush=True)
    print(f"  ({burst.detail()})", file=sys.stderr, flush=True)
    sustained = live_run(SUSTAINED.rate, SUSTAINED.seconds * args.tui_scale)
    print(f"tui_cpu_50mps_pct: {sustained.cpu_percent:.0f}", flush=True)
    print(f"  ({sustained.detail()})", file=sys.stderr, flush=True)
    if args.rss_messages:
        replay = replay_peak_rss_mb(write_native(tmp / "replay.jsonl", args.rss_messages))
        print(f"tui_replay_1m_peak_rss_mb: {replay.peak_rss_mb:.0f}", flush=True)
        print(f"  ({args.rss_messages} messages, {replay.received} replayed in {replay.seconds:.1f}s, "
              f"{replay.received / replay.seconds:,.0f} msg/s)", file=sys.stderr, flush=True)
    runs = startup(STARTUP_RUNS, tmp / "pycache")
    print(f"startup_vs_bare_textual: {runs.ratio:.2f}", flush=True)
    print(f"  ({runs.detail()})", file=sys.stderr, flush=True)


def _live_figures(tmp: Path, args: argparse.Namespace) -> None:
    from bench.live import firehose, jetstream_filter_eps, reconnect_gap
    from bench.live_ingest import file_ingest_seconds, live_ingest_seconds

    frames = firehose(200_000)
    eps, kept = jetstream_filter_eps(frames, args.runs)
    print(f"jetstream_filter_eps: {eps:,.0f}", flush=True)
    print(f"  ({len(frames):,} firehose frames, {kept:,} kept for #EdChat; target >= 20,000)", file=sys.stderr, flush=True)
    count = min(args.messages, LIVE_INGEST_MESSAGES)
    statuses = write_mastodon(tmp / "mastodon.jsonl", count)
    stored: list[int] = []
    from_file, from_wire = _best_pair(
        args.runs, lambda: file_ingest_seconds(statuses, tmp / "file.db"),
        lambda: stored.append(live_ingest_seconds(statuses, tmp / "live.db", count)[1]),
    )
    print(f"live_ingest_vs_file: {from_file / from_wire:.2f}", flush=True)
    print(f"  ({count} statuses: file {from_file:.2f}s, local Mastodon server {from_wire:.2f}s, "
          f"{min(stored)} stored; target >= 0.5)", file=sys.stderr, flush=True)
    from bench.live_join import (
        LATE_JOIN_MESSAGES,
        file_analyze_seconds,
        join_server,
        late_join_seconds,
        write_session,
    )

    session, began = write_session(tmp / "session.jsonl")
    with join_server(session) as port:
        from_file, joining = _best_pair(args.runs, lambda: file_analyze_seconds(session),
                                        lambda: late_join_seconds(port, began, LATE_JOIN_MESSAGES))
    print(f"live_late_join_vs_file: {joining / from_file:.2f}", flush=True)
    print(f"  (a 60-minute session of {LATE_JOIN_MESSAGES} statuses: analyze FILE {from_file:.2f}s, joined an hour "
          f"in through the local server's timeline pages {joining:.2f}s; target <= 3)", file=sys.stderr, flush=True)
    if args.rss_messages:
        from bench.live import jetstream_peak_rss_mb

        peaks = {share: jetstream_peak_rss_mb(args.rss_messages, share) for share in (0.01, 0.3)}
        print(f"jetstream_1m_peak_rss_mb: {max(peak for peak, _ in peaks.values()):.0f}", flush=True)
        print("  (" + ", ".join(f"{share:.0%} identity events: {peak:.0f} MB, {kept:,} kept"
                                for share, (peak, kept) in peaks.items())
              + f" of {args.rss_messages:,} frames; target < 100, flat)", file=sys.stderr, flush=True)
    recovery = reconnect_gap(100)
    print(f"live_reconnect_gap_ms: {recovery.gap_ms:.0f}", flush=True)
    print(f"  (a reset without a close frame to the first message after it, default backoff; "
          f"{recovery.refilled} of 100 missed statuses refilled from the timeline)", file=sys.stderr, flush=True)


def _analyze_figures(tmp: Path, args: argparse.Namespace) -> None:
    for name, writer in (("", write_native), ("_twarc1", write_twarc1)):
        path = writer(tmp / f"chat{name}.jsonl", args.messages)
        parse, analyze = _best_pair(args.runs, lambda p=path: _parse_only(p), lambda p=path: _analyze(p))
        print(f"analyze_vs_parse{name}: {analyze / parse:.2f}", flush=True)
        print(f"  ({args.messages} messages: parse {parse:.2f}s, analyze {analyze:.2f}s, "
              f"{args.messages / analyze:,.0f} msg/s)", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
