"""Provides the ``chatmod analyze`` output: one JSON object per message (DESIGN.md's contract).

:func:`analysis_record` is the object as a dict; :func:`analysis_line` writes the same object
as one JSON line without building the dict first, because ``json.dumps`` of a 24-key dict cost
as much as judging the message. A test holds the two to byte-for-byte agreement.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring

from chatmod.core.handles import HostTeam
from chatmod.core.ledger import Ball, Ledger, Status
from chatmod.core.models import Message
from chatmod.core.schedule import Occurrence
from chatmod.pipeline import Judged, judge_sessions

__all__ = ["analysis_line", "analysis_lines", "analysis_record"]


def _time(judged: Judged) -> str:
    return judged.analysis.created_at.isoformat().replace("+00:00", "Z")


def _ball(judged: Judged, ledger: Ledger) -> Ball | None:
    return ledger.get(judged.analysis.id) if judged.analysis.to_host else None


def analysis_record(judged: Judged, ledger: Ledger) -> dict[str, object]:
    """The ``chatmod analyze`` object for one judged message (the CLI contract)."""
    a = judged.analysis
    ball = _ball(judged, ledger)
    return {
        "id": a.id,
        "author": a.author,
        "created_at": _time(judged),
        "thread": a.thread,
        "to_host": a.to_host,
        "question": a.question,
        "answered": None if ball is None else ball.status is Status.ANSWERED,
        "answered_by": ball.answered_message if ball is not None else None,
        "answered_how": ball.answered_how.value if ball is not None and ball.answered_how is not None else None,
        "network": a.network.value,
        "session": a.session or None,
        "team": a.team,
        "repost": a.repost,
        "reply_to": a.reply_to_id,
        "reply_to_author": a.reply_to_author,
        "reply_source": a.reply_source.value if a.reply_source else None,
        "reason": a.reason.value if a.reason else None,
        "opens": a.opens,
        "answer_tag": a.answer_tag,
        "late": a.late,
        "burst_of": ball.burst_of if ball is not None else None,
        "status": ball.status.value if ball is not None else None,
        "deleted": judged.message.deleted,
        "untagged": judged.message.untagged,
        "text": judged.message.text,
        "url": judged.message.url,
    }


def _s(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _n(value: int | None) -> str:
    return "null" if value is None else str(value)


def _b(value: bool) -> str:
    return "true" if value else "false"


def analysis_line(judged: Judged, ledger: Ledger) -> str:
    """``json.dumps(analysis_record(judged, ledger), ensure_ascii=False)``, faster."""
    a = judged.analysis
    m = judged.message
    ball = _ball(judged, ledger)
    if ball is None:
        answered = answered_by = answered_how = burst_of = status = "null"
    else:
        answered = _b(ball.status is Status.ANSWERED)
        answered_by, burst_of = _s(ball.answered_message), _s(ball.burst_of)
        answered_how = _s(ball.answered_how.value if ball.answered_how is not None else None)
        status = encode_basestring(ball.status.value)
    return (
        f'{{"id": {encode_basestring(a.id)}, "author": {encode_basestring(a.author)}, '
        f'"created_at": {encode_basestring(_time(judged))}, "thread": {_n(a.thread)}, '
        f'"to_host": {_b(a.to_host)}, "question": {_b(a.question)}, "answered": {answered}, '
        f'"answered_by": {answered_by}, "answered_how": {answered_how}, "network": {encode_basestring(a.network.value)}, '
        f'"session": {_n(a.session or None)}, "team": {_b(a.team)}, "repost": {_b(a.repost)}, '
        f'"reply_to": {_s(a.reply_to_id)}, "reply_to_author": {_s(a.reply_to_author)}, '
        f'"reply_source": {_s(a.reply_source.value if a.reply_source else None)}, '
        f'"reason": {_s(a.reason.value if a.reason else None)}, "opens": {_n(a.opens)}, '
        f'"answer_tag": {_n(a.answer_tag)}, "late": {_b(a.late)}, "burst_of": {burst_of}, '
        f'"status": {status}, "deleted": {_b(m.deleted)}, '
        f'"untagged": {_b(m.untagged)}, "text": {encode_basestring(m.text)}, '
        f'"url": {_s(m.url)}}}'
    )


def analysis_lines(
    messages: Iterable[Message], team: HostTeam, *, schedule: Iterable[Occurrence] = ()
) -> Iterator[str]:
    """Every message's analysis line, in order, each session's as soon as its ledger is final."""
    for session, ledger in judge_sessions(messages, team, schedule=schedule):
        for judged in session:
            yield analysis_line(judged, ledger)
