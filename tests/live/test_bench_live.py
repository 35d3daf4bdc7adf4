"""The live benchmarks measure what they say: the filter keeps exactly the chat, the reset recovers all."""

from __future__ import annotations

from bench.live import firehose, jetstream_filter_eps, reconnect_gap


def test_the_firehose_filter_keeps_exactly_the_chats_posts() -> None:
    frames = firehose(3000)
    chat_posts = sum('"tag":"EdChat"' in frame for frame in frames)
    eps, kept = jetstream_filter_eps(frames, runs=1)
    assert 10 < chat_posts == kept and eps > 0


def test_the_reconnect_figure_counts_every_missed_status_refilled() -> None:
    recovery = reconnect_gap(missed=45)  # more than one page of the timeline
    assert recovery.refilled == 45 and recovery.gap_ms > 0
