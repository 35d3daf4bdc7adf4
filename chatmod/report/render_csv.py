"""Provides the CSV report: one row per ball, safe to open in a spreadsheet.

Dropped balls come first, then answered, then dismissed. A burst (one point made in several
messages) shows as its first message, then one row per later message with ``burst_of`` set to
the first one's id. Every cell that a spreadsheet would run as a formula (it starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'`` (CWE-1236); quoting alone
does not stop Excel, LibreOffice or Sheets.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from chatmod.report.model import BallItem, Report
from chatmod.report.render_json import iso
from chatmod.report.render_md import plain, safe_url

__all__ = ["COLUMNS", "guard", "render_csv"]

COLUMNS = (
    "session", "status", "question", "thread", "author", "display_name", "created_at",
    "waited_s", "answered_by", "response_s", "text", "url", "answer_url", "id", "burst_of",
    "untagged",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard(value: object) -> str:
    """One cell's text: clean of control characters, and never read as a formula."""
    text = "" if value is None else plain(str(value))
    # Leading blank space is skipped too: a cell of "\n=cmd" (a CR, once cleaned) or " =cmd"
    # is one edit away from a formula, and costs nothing to guard.
    if text.startswith(_FORMULA_START) or text.lstrip().startswith(_FORMULA_START):
        return "'" + text
    return text


def _seconds(value: float | None) -> str:
    return "" if value is None else str(round(value))


def _rows(session: int, ball: BallItem) -> Iterator[list[object]]:
    answered = ball.answered_by is not None
    yield [
        session, ball.status.value, "yes" if ball.question else "no", ball.thread, ball.author,
        ball.display_name, iso(ball.at), _seconds(ball.waited_s), ball.answered_by,
        _seconds(ball.waited_s) if answered else "", ball.text, safe_url(ball.url), safe_url(ball.answer_url),
        ball.id, "", "yes" if ball.untagged else "",
    ]
    # The model keeps only the later messages' texts: their own id, time and link are unknown.
    for text in ball.more:
        yield [
            session, ball.status.value, "", ball.thread, ball.author, ball.display_name, "", "",
            ball.answered_by, "", text, "", safe_url(ball.answer_url), "", ball.id, "",
        ]


def render_csv(report: Report) -> str:
    """The balls of every session as CSV text (header row first, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for ball in report.carried_over:
        for row in _rows(0, ball):  # session 0: carried over from an earlier session
            writer.writerow([guard(cell) for cell in row])
    for s in report.sessions:
        for ball in (*s.dropped, *s.answered, *s.dismissed):
            for row in _rows(s.number, ball):
                writer.writerow([guard(cell) for cell in row])
    return out.getvalue()
