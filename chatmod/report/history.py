"""Provides the history report: one chat, session after session, and where it is heading.

The host's question is "is this becoming a community or just a broadcast?", so each session
shows who came (new and returning), how the host team kept up (answered within 5 minutes,
dropped, median response) and how much of the conversation ran between participants. The trend
compares the last N sessions with the N before them.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from chatmod.core.handles import HostTeam
from chatmod.core.ledger import Ledger
from chatmod.core.models import Message
from chatmod.report.model import build_report
from chatmod.report.render_csv import guard
from chatmod.report.render_html import esc, stylesheet
from chatmod.report.render_md import human_duration, plain

__all__ = ["History", "HistoryRow", "StoredSession", "build_history", "render_history"]


@dataclass(slots=True)
class HistoryRow:
    session: int
    start: datetime
    off_schedule: bool
    messages: int
    participants: int
    new: int
    returning: int
    balls: int
    answered_5min: int
    dropped: int
    response_median_s: float | None
    between_participants: float
    """Share of exchanges that ran between participants rather than through the host team."""


@dataclass(slots=True)
class Trend:
    label: str
    before: float
    now: float
    better_when_up: bool

    @property
    def direction(self) -> str:
        if abs(self.now - self.before) <= 0.05 * max(abs(self.before), 1e-9):
            return "steady"
        up = self.now > self.before
        return "better" if up == self.better_when_up else "worse"


@dataclass(slots=True)
class History:
    chat: str
    rows: list[HistoryRow]
    window: int
    trends: list[Trend]


@dataclass(slots=True)
class StoredSession:
    """A stored session as the history reads it: its messages, and its ledger as stored."""

    id: int
    off_schedule: bool
    messages: Sequence[Message]
    ledger: Ledger | None = None
    """Moderators' marks included; None judges the messages again."""


def build_history(chat: str, sessions: Iterable[StoredSession], team: HostTeam, window: int = 4) -> History:
    """``sessions`` oldest first; each counted by its stored ledger when it has one."""
    rows: list[HistoryRow] = []
    seen: set[str] = set()
    for session in sessions:
        session_id, off_schedule, messages = session.id, session.off_schedule, session.messages
        if not messages:
            continue
        report = build_report(messages, team, source=chat, ledger=session.ledger)
        parts = report.sessions
        people = {m.author.casefold() for m in messages if not team.matches(m.author, m.author_id)}
        between = sum(p.community.between_participants for p in parts)
        through = sum(p.community.through_host for p in parts)
        medians = [p.response_median_s for p in parts if p.response_median_s is not None]
        rows.append(HistoryRow(
            session=session_id,
            start=parts[0].start,
            off_schedule=off_schedule,
            messages=sum(p.messages for p in parts),
            participants=len(people),
            new=len(people - seen),
            returning=len(people & seen),
            balls=sum(p.balls for p in parts),
            answered_5min=sum(p.answered_within_5min for p in parts),
            dropped=sum(1 + len(b.more) for p in parts for b in p.dropped),  # bursts count each ball
            response_median_s=statistics.median(medians) if medians else None,
            between_participants=between / (between + through) if between + through else 0.0,
        ))
        seen |= people
    return History(chat, rows, window, _trends(rows, window))


def _trends(rows: list[HistoryRow], window: int) -> list[Trend]:
    if len(rows) < 2 * window:
        return []
    before, now = rows[-2 * window : -window], rows[-window:]

    def mean(items: list[HistoryRow], value: str) -> float:
        return statistics.fmean(float(getattr(r, value)) for r in items)

    def share(items: list[HistoryRow]) -> float:
        total = sum(r.participants for r in items)
        return sum(r.returning for r in items) / total if total else 0.0

    def dropped(items: list[HistoryRow]) -> float:
        total = sum(r.balls for r in items)
        return sum(r.dropped for r in items) / total if total else 0.0

    return [
        Trend("participants per session", mean(before, "participants"), mean(now, "participants"), True),
        Trend("returning participants", share(before), share(now), True),
        Trend("conversation between participants", mean(before, "between_participants"),
              mean(now, "between_participants"), True),
        Trend("balls dropped", dropped(before), dropped(now), False),
    ]


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _cells(row: HistoryRow) -> list[str]:
    return [
        row.start.strftime("%Y-%m-%d") + (" *" if row.off_schedule else ""), str(row.messages), str(row.participants),
        str(row.new), str(row.returning), str(row.balls), str(row.answered_5min), str(row.dropped),
        human_duration(row.response_median_s) if row.response_median_s is not None else "-",
        _pct(row.between_participants),
    ]


_HEADERS = ["Session", "Messages", "Participants", "New", "Returning", "Balls", "Answered ≤ 5 min",
            "Dropped", "Median response", "Between participants"]


def _trend_line(trend: Trend) -> str:
    show = _pct if trend.label != "participants per session" else (lambda v: f"{v:.1f}")
    return f"{trend.label}: {show(trend.before)} → {show(trend.now)} ({trend.direction})"


def _verdict(history: History) -> str:
    if not history.rows:
        return "No sessions yet."
    recent = history.rows[-history.window :]
    share = statistics.fmean(r.between_participants for r in recent)
    returning = sum(r.returning for r in recent) / max(1, sum(r.participants for r in recent))
    if share >= 0.4 and returning >= 0.4:
        return "A community: most of the talk runs between participants, and people come back."
    if share >= 0.25 or returning >= 0.4:
        return "Becoming a community: people return and talk to each other, with the host still at the centre."
    return "Mostly a broadcast: the conversation runs through the host team."


def render_history(history: History, fmt: str) -> str:
    if fmt == "json":
        data = {"chat": history.chat, "verdict": _verdict(history), "window": history.window,
                "sessions": [{**asdict(r), "start": r.start.isoformat()} for r in history.rows],
                "trends": [{**asdict(t), "direction": t.direction} for t in history.trends]}
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(_HEADERS)
        for row in history.rows:
            writer.writerow([guard(cell) for cell in _cells(row)])
        return out.getvalue()
    trends = [_trend_line(t) for t in history.trends] or [
        f"(a trend needs {2 * history.window} sessions; there are {len(history.rows)})"]
    if fmt == "html":
        head = "".join(f"<th>{esc(h)}</th>" for h in _HEADERS)
        body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in _cells(r)) + "</tr>" for r in history.rows)
        items = "".join(f"<li>{esc(t)}</li>" for t in trends)
        return (f"<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{esc(history.chat)} history</title>"
                f"<style>{stylesheet()}</style><body><h1>{esc(history.chat)}: session history</h1><p>{esc(_verdict(history))}</p>"
                f"<h2>Last {history.window} sessions against the {history.window} before</h2><ul>{items}</ul>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                "<p>* found off schedule (a moved session)</p></body></html>\n")
    lines = [f"# {plain(history.chat)}: session history", "", _verdict(history), "",
             f"## Last {history.window} sessions against the {history.window} before", ""]
    lines += [f"- {t}" for t in trends]
    lines += ["", "## Sessions", "", "| " + " | ".join(_HEADERS) + " |",
              "|" + "|".join("---" if i == 0 else "---:" for i in range(len(_HEADERS))) + "|"]
    lines += ["| " + " | ".join(_cells(r)) + " |" for r in history.rows]
    if any(r.off_schedule for r in history.rows):
        lines += ["", "\\* found off schedule (a moved session)"]
    return "\n".join(lines) + "\n"
