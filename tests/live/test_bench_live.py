"""The live benchmarks measure what they say: the filter keeps exactly the chat, the reset recovers all."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from bench.live import (
    firehose,
    firehose_frames,
    jetstream_filter_eps,
    jetstream_peak_rss_mb,
    reconnect_gap,
)
from bench.live_ingest import file_ingest_seconds, live_ingest_seconds
from bench.live_join import file_analyze_seconds, join_server, late_join_seconds, write_session
from bench.synthetic import write_mastodon


def test_the_firehose_filter_keeps_exactly_the_chats_posts() -> None:
    frames = firehose(3000)
    chat_posts = sum('"tag":"EdChat"' in frame for frame in frames)
    eps, kept = jetstream_filter_eps(frames, runs=1)
    assert 10 < chat_posts == kept and eps > 0


def test_the_reconnect_figure_counts_every_missed_status_refilled() -> None:
    recovery = reconnect_gap(missed=45)  # more than one page of the timeline
    assert recovery.refilled == 45 and recovery.gap_ms > 0


def test_the_live_ingest_figure_stores_the_same_chat_as_the_file(tmp_path: Path) -> None:
    statuses = write_mastodon(tmp_path / "statuses.jsonl", 2000)
    file_ingest_seconds(statuses, tmp_path / "file.db")
    seconds, stored = live_ingest_seconds(statuses, tmp_path / "live.db", 2000)
    assert stored == 2000 and seconds > 0
    ledger = _ledger(tmp_path / "file.db")
    assert len(ledger) > 100 and _ledger(tmp_path / "live.db") == ledger


def _ledger(db: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT ball_id, kind, at, by, message_id FROM ledger_events ORDER BY ball_id, kind, at").fetchall()


def test_the_late_join_figure_reads_the_whole_session_through_the_timeline_pages(tmp_path: Path) -> None:
    session, began = write_session(tmp_path / "session.jsonl", 120)  # three pages
    assert file_analyze_seconds(session) > 0
    with join_server(session) as port:
        assert late_join_seconds(port, began, 120) > 0  # it raises unless all 120 were read


def test_the_jetstream_memory_figure_filters_every_frame_in_a_child() -> None:
    peak, kept = jetstream_peak_rss_mb(3000, identities=0.3)
    assert kept == sum('"tag":"EdChat"' in frame for frame in firehose_frames(3000, identities=0.3)) > 10
    assert 10 < peak < 1000
