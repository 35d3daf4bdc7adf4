"""Provides the JSON report: the same content as the recap, as data.

Every object is written out field by field (not ``dataclasses.asdict``) so the document's shape
is a stable, reviewable contract: keys in a fixed order, timestamps as ISO 8601 UTC with ``Z``,
durations in seconds, ball statuses as their string values.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from chatmod.report.model import (
    AnswerItem,
    BallItem,
    Participant,
    QuestionRecap,
    Report,
    SessionReport,
)

__all__ = ["render_json", "report_dict"]


def iso(at: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``: ``2024-03-05T17:04:00Z``."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ball_dict(ball: BallItem) -> dict[str, Any]:
    return {
        "id": ball.id,
        "author": ball.author,
        "display_name": ball.display_name,
        "at": iso(ball.at),
        "text": ball.text,
        "url": ball.url,
        "question": ball.question,
        "thread": ball.thread,
        "status": ball.status.value,
        "waited_s": ball.waited_s,
        "answered_by": ball.answered_by,
        "answered_how": ball.answered_how,
        "answer_id": ball.answer_id,
        "answer_text": ball.answer_text,
        "answer_url": ball.answer_url,
        "claimed_by": ball.claimed_by,
        "more": list(ball.more),
        "untagged": ball.untagged,
    }


def answer_dict(answer: AnswerItem) -> dict[str, Any]:
    return {
        "id": answer.id,
        "author": answer.author,
        "at": iso(answer.at),
        "text": answer.text,
        "url": answer.url,
        "late": answer.late,
        "repost": answer.repost,
    }


def question_dict(q: QuestionRecap) -> dict[str, Any]:
    return {
        "number": q.number,
        "opened_at": iso(q.opened_at),
        "author": q.author,
        "text": q.text,
        "url": q.url,
        "host_replies": q.host_replies,
        "reposts": q.reposts,
        "participants": list(q.participants),
        "duration_s": q.duration_s,
        "late_answers": q.late_answers,
        "balls": q.balls,
        "dropped": q.dropped,
        "answers": [answer_dict(a) for a in q.answers],
    }


def participant_dict(p: Participant) -> dict[str, Any]:
    return {
        "author": p.author,
        "display_name": p.display_name,
        "messages": p.messages,
        "answers": p.answers,
        "balls": p.balls,
        "questions": p.questions,
    }


def session_dict(s: SessionReport) -> dict[str, Any]:
    return {
        "number": s.number,
        "start": iso(s.start),
        "end": iso(s.end),
        "messages": s.messages,
        "reposts": s.reposts,
        "participants": s.participants,
        "balls": s.balls,
        "ball_questions": s.ball_questions,
        "response_median_s": s.response_median_s,
        "response_worst_s": s.response_worst_s,
        "answered_within_5min": s.answered_within_5min,
        "before_first_question": s.before_first_question,
        "community": {
            "between_participants": s.community.between_participants,
            "through_host": s.community.through_host,
            "share": s.community.share,
        },
        "open": [ball_dict(b) for b in s.still_open],
        "dropped": [ball_dict(b) for b in s.dropped],
        "answered": [ball_dict(b) for b in s.answered],
        "dismissed": [ball_dict(b) for b in s.dismissed],
        "questions": [question_dict(q) for q in s.questions],
        "top_participants": [participant_dict(p) for p in s.top_participants],
    }


def report_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data."""
    return {
        "source": report.source,
        "tag": report.tag,
        "hosts": list(report.hosts),
        "cohosts": list(report.cohosts),
        "rejected": report.rejected,
        "outside": report.outside,
        "totals": {
            "messages": report.messages,
            "balls": report.balls,
            "answered": report.answered,
            "dropped": report.dropped,
        },
        "sessions": [session_dict(s) for s in report.sessions],
        "carried_over": [ball_dict(b) for b in report.carried_over],
    }


def render_json(report: Report) -> str:
    """The report as a JSON document (UTF-8 text, two-space indent, a final newline)."""
    return json.dumps(report_dict(report), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
