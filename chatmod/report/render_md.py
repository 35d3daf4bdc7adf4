"""Provides the Markdown recap, and the wording every human-readable report shares.

The Markdown is what a host pastes as the chat's recap, so every piece of participant text is
escaped: it can never become a link, an image, a heading, a list, a table cell break or raw HTML.
The only links are the messages' own ``http(s)`` permalinks. The plain-wording helpers here
(durations, clock times, the summary sentence, the community sentence) are shared with the HTML
renderer so both say the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo
from urllib.parse import quote, urlsplit

from chatmod.core.text import clean_text
from chatmod.report.model import BallItem, Community, QuestionRecap, Report, SessionReport
from chatmod.words import plural

__all__ = [
    "SHOWN_ZONE",
    "ball_counts",
    "clock",
    "community_sentence",
    "day",
    "dropped_wait",
    "excerpt",
    "handle",
    "human_duration",
    "is_quiet",
    "md",
    "md_link",
    "md_who",
    "meta_line",
    "mmss",
    "one_line",
    "plain",
    "question_figures",
    "quiet_note",
    "render_md",
    "report_summary",
    "report_title",
    "response_sentence",
    "safe_url",
    "session_summary",
    "shown_sessions",
    "stamp",
    "zone_label",
]

# -- shared wording ----------------------------------------------------------------------------

_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def plain(text: str | None) -> str:
    """Untrusted text made safe to show: no escape sequences, no control characters but
    newline and tab. (Message text is already clean; names and urls are cleaned here too.)"""
    if not text:
        return ""
    return clean_text(text, len(text))[0]


def one_line(text: str | None) -> str:
    """``plain`` text on one line: every run of whitespace (line breaks too) becomes a space."""
    return " ".join(plain(text).split())


def excerpt(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a word boundary when one is near."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 3 // 4:
        cut = cut[:space]
    return cut.rstrip() + "…"


def safe_url(url: str | None) -> str | None:
    """``url`` as a link target when it is an absolute ``http(s)`` URL, else None.

    Characters that could end a Markdown link or an HTML attribute, whitespace and anything
    outside ASCII are percent-encoded; existing escapes are kept.
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return quote(url, safe="/:?#@!$&*+,;=%~")


def human_duration(seconds: float | None) -> str:
    """``45s``, ``1m 20s``, ``12m``, ``1h 02m``."""
    if seconds is None:
        return "–"
    total = max(0, round(seconds))
    if total < 60:
        return f"{total}s"
    if total < 3600:
        minutes, secs = divmod(total, 60)
        return f"{minutes}m {secs:02d}s" if secs else f"{minutes}m"
    hours, rest = divmod(total, 3600)
    minutes = round(rest / 60)
    if minutes == 60:
        hours, minutes = hours + 1, 0
    return f"{hours}h {minutes:02d}m" if minutes else f"{hours}h"


def mmss(seconds: float) -> str:
    """A question's length as ``m:ss`` (``62:05`` past the hour)."""
    minutes, secs = divmod(max(0, round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


SHOWN_ZONE: ContextVar[tzinfo] = ContextVar("shown_zone", default=UTC)
"""The zone a report's times are written in, for the one rendering under way (``render``)."""


def _utc(at: datetime) -> datetime:
    return at.astimezone(SHOWN_ZONE.get())


def zone_label(at: datetime | None = None) -> str:
    """The shown zone's name at ``at``: ``UTC``, ``EST``, ``CEST``; without ``at``, its key
    (``America/New_York``), which holds all year."""
    zone = SHOWN_ZONE.get()
    if zone is UTC:
        return "UTC"
    if at is None:
        return str(getattr(zone, "key", zone))
    name = at.astimezone(zone).strftime("%Z")
    return name if name and not name.startswith(("+", "-")) else str(getattr(zone, "key", name))


def stamp(at: datetime) -> str:
    """``HH:MM EST``: a time with its zone."""
    return f"{clock(at)} {zone_label(at)}"


def clock(at: datetime) -> str:
    """``HH:MM`` in the shown zone (UTC unless the report was asked for another)."""
    return f"{_utc(at):%H:%M}"


def day(at: datetime) -> str:
    """``Tuesday 5 March 2024`` (in the shown zone)."""
    at = _utc(at)
    return f"{at:%A} {at.day} {at:%B} {at.year}"


def _short_day(at: datetime) -> str:
    at = _utc(at)
    return f"{at.day} {at:%B} {at.year}"


def handle(author: str) -> str:
    """``@author`` (Mastodon handles keep their instance: ``@bob@example.social``)."""
    return "@" + one_line(author)


def report_title(report: Report, sessions: list[SessionReport] | None = None) -> str:
    """``#tag recap — Tuesday 5 March 2024`` (``Chat recap`` when the chat has no hashtag: a file's
    name says nothing to the people a recap is posted for); of ``sessions`` when it tells only
    some of the report's."""
    name = "#" + one_line(report.tag).lstrip("#＃") if report.tag else "Chat"
    sessions = report.sessions if sessions is None else sessions
    if not sessions:
        return f"{name} recap"
    if len(sessions) == 1:
        return f"{name} recap — {day(sessions[0].start)}"
    first, last = _short_day(sessions[0].start), _short_day(sessions[-1].start)
    return f"{name} recap — {plural(len(sessions), 'session')}, {first} to {last}"


def ball_counts(items: Iterable[BallItem]) -> int:
    """Balls in a list of items: a burst counts every one of its messages."""
    return sum(1 + len(item.more) for item in items)


def _balls_clause(
    balls: int, answered: int, dropped: int, dismissed: int, dropped_questions: int,
    median: float | None, still_open: int = 0,
) -> str:
    if balls == 0:
        return "no balls for the host team"
    parts = []
    answered_part = f"{answered} answered"
    if answered and median is not None:
        answered_part += f" (median {human_duration(median)})"
    parts.append(answered_part)
    if dropped:
        dropped_part = f"{dropped} dropped"
        if dropped_questions:
            kind = "a question" if dropped_questions == 1 else "questions"
            dropped_part += f", {dropped_questions} of them {kind}"
        parts.append(dropped_part)
    else:
        parts.append("none dropped")
    if dismissed:
        parts.append(f"{dismissed} dismissed")
    if still_open:
        parts.append(f"{still_open} still open")
    head = f"{plural(balls, 'ball')} for the host team"
    return f"{head}: {', '.join(parts)}"


def _dropped_questions(session: SessionReport) -> int:
    return sum(1 for b in session.dropped if b.question)


def session_summary(session: SessionReport) -> str:
    """The plain-words paragraph about one session."""
    text = (
        f"{plural(session.messages, 'message')} from "
        f"{plural(session.participants, 'participant')} between {clock(session.start)} and "
        f"{stamp(session.end)}; "
        + _balls_clause(
            session.balls,
            ball_counts(session.answered),
            ball_counts(session.dropped),
            ball_counts(session.dismissed),
            _dropped_questions(session),
            session.response_median_s,
            ball_counts(session.still_open),
        )
        + "."
    )
    if session.questions:
        text += f" {plural(len(session.questions), 'question')} from the host team"
        if session.reposts:
            text += f"; {plural(session.reposts, 'repost')} not counted as answers"
        text += "."
    return text


def report_summary(report: Report) -> str:
    """The plain-words paragraph over every session (or the only one)."""
    if not report.sessions:
        text = "No messages to report."
    elif len(report.sessions) == 1:
        text = session_summary(report.sessions[0])
    else:
        medians = [s.response_median_s for s in report.sessions if s.response_median_s is not None]
        text = (
            f"{plural(len(report.sessions), 'session')}, {plural(report.messages, 'message')}; "
            + _balls_clause(
                report.balls,
                report.answered,
                report.dropped,
                sum(ball_counts(s.dismissed) for s in report.sessions),
                sum(_dropped_questions(s) for s in report.sessions),
                None,
                sum(ball_counts(s.still_open) for s in report.sessions),
            )
            + "."
        )
        if medians:
            text += (
                " The host team's median response time ranged from "
                f"{human_duration(min(medians))} to {human_duration(max(medians))} per session."
                if len(medians) > 1 and min(medians) != max(medians)
                else f" The host team's median response time was {human_duration(medians[0])}."
            )
    if report.outside:
        text += (f" {plural(report.outside, 'message')} fell outside the chat's sessions"
                 " (reminders, chatter between them) and {} not judged.".format(
                     "was" if report.outside == 1 else "were"))
    if report.rejected:
        text += f" {plural(report.rejected, 'record')} could not be read and were left out."
    return text


def is_quiet(session: SessionReport) -> bool:
    """A session with no question and no ball: stray posts between chats."""
    return not session.questions and session.balls == 0


def shown_sessions(report: Report) -> tuple[list[SessionReport], list[SessionReport]]:
    """The sessions worth a section each, and the quiet ones folded into one line (all shown
    when every session is quiet)."""
    shown = [s for s in report.sessions if not is_quiet(s)]
    if not shown:
        return list(report.sessions), []
    return shown, [s for s in report.sessions if is_quiet(s)]


def quiet_note(quiet: list[SessionReport]) -> str:
    messages = sum(s.messages for s in quiet)
    return (
        f"Not shown: {plural(len(quiet), 'quiet session')} with no questions and no balls for "
        f"the host team ({plural(messages, 'message')} in all)."
    )


def community_sentence(community: Community) -> str:
    """``"N% of the conversation ran between participants (a of b exchanges): ..."``."""
    total = community.between_participants + community.through_host
    if total == 0:
        return (
            "No exchanges were found: nobody replied to anyone, and nobody spoke to the host team."
        )
    share = community.share
    if share >= 0.40:
        meaning = "a community talking to itself"
    elif share >= 0.15:
        meaning = "some cross-talk"
    else:
        meaning = "mostly a broadcast through the host team"
    return (
        f"{round(share * 100)}% of the conversation ran between participants "
        f"({community.between_participants} of {total} exchanges): {meaning}."
    )


def response_sentence(session: SessionReport) -> str:
    if session.response_median_s is None:
        if session.balls:
            return "The host team answered no ball, so there is no response time to report."
        return "Nobody addressed the host team, so there is no response time to report."
    answered = ball_counts(session.answered)
    return (
        f"Median {human_duration(session.response_median_s)}, worst "
        f"{human_duration(session.response_worst_s)}; answered within 5 minutes: "
        f"{session.answered_within_5min} of {answered}."
    )


# -- Markdown escaping ---------------------------------------------------------------------------

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the ones
# that can start markup inline: code, emphasis, links and images, raw HTML and entities,
# strikethrough, table cells, GitHub math.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~&$])")
# Bare URLs, www. names and e-mail addresses would be auto-linked by GFM renderers; an escape
# inside each breaks the pattern while rendering the same characters.
_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9])(?::(?=//)|@(?=\w))|(?<!\w)www\.", re.IGNORECASE)
_LINE_START = re.compile(r"^(?:([#+=-])|(\d{1,9})([.)]))")


def md(text: str | None, limit: int | None = None, *, line_start: bool = True) -> str:
    """Untrusted text as literal Markdown on one line.

    With ``line_start`` (the default) it is safe at the start of a line too: a leading ``#``,
    ``-``, ``+``, ``=`` or ``1.`` is escaped so it cannot open a heading or a list.
    """
    text = _BIDI_CONTROLS.sub("", one_line(text))
    if limit is not None:
        text = excerpt(text, limit)
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], text)
    if not line_start:
        return text
    return _LINE_START.sub(
        lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), text
    )


def md_link(label: str, url: str | None) -> str | None:
    target = safe_url(url)
    return f"[{label}]({target})" if target else None


def md_who(author: str, display_name: str | None = None) -> str:
    who = f"**{md(handle(author))}**"
    name = one_line(display_name)
    if name and name.casefold() != one_line(author).casefold():
        who += f" ({md(name, 80)})"
    return who


# -- the document ------------------------------------------------------------------------------

QUOTE_LIMIT = 1000
"""Characters of a dropped ball's text quoted in full; the permalink has the rest."""
EXCERPT_LIMIT = 140
ANSWER_LIMIT = 500


UNTAGGED = "untagged"
"""The mark of a ball that lacks the chat's hashtag (caught by its mention of the host team)."""


def meta_line(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


def _thread(thread: int | None) -> str | None:
    return f"Q{thread}" if thread is not None else None


def dropped_wait(waited_s: float) -> str | None:
    """How long a dropped ball waited, in words; None for one posted as the chat ended (it did
    not wait: nobody had the time to answer it)."""
    if waited_s < 60:
        return None
    return f"waited {human_duration(waited_s)} (until the chat ended)"


def open_wait(waited_s: float) -> str:
    """How long a ball still open has waited, in words."""
    return f"waiting {human_duration(waited_s)}" if waited_s >= 60 else "just asked"


def _dropped_item(ball: BallItem, waited: str | None = None) -> list[str]:
    waited = waited or dropped_wait(ball.waited_s) or "posted as the chat ended"
    claimed = f"claimed by {md(handle(ball.claimed_by))}" if ball.claimed_by else None
    head = meta_line(
        md_who(ball.author, ball.display_name),
        stamp(ball.at),
        _thread(ball.thread),
        UNTAGGED if ball.untagged else None,
        waited,
        claimed,
        md_link("link", ball.url),
    )
    lines = [f"- {head}", "", f"  > {md(ball.text, QUOTE_LIMIT)}"]
    for more in ball.more:
        lines += ["", f"  - ↳ {md(more, QUOTE_LIMIT)}"]
    lines.append("")
    return lines


def _answered_item(ball: BallItem) -> str:
    by = f"answered by {md(handle(ball.answered_by))}" if ball.answered_by else "answered"
    by += f" in {human_duration(ball.waited_s)}"
    text = md(ball.text, EXCERPT_LIMIT)
    if ball.more:
        text += f" (+{plural(len(ball.more), 'follow-up')})"
    line = "- " + meta_line(
        md_who(ball.author, ball.display_name),
        stamp(ball.at),
        _thread(ball.thread),
        UNTAGGED if ball.untagged else None,
        f"“{text}”",
        by,
        md_link("link", ball.url),
        md_link("answer", ball.answer_url),
    )
    if ball.answer_text:
        # The reply beside the ball: a host checks at a glance that it answers what was asked.
        line += f"\n  ↳ {md(handle(ball.answered_by or ''))}: “{md(ball.answer_text, EXCERPT_LIMIT)}”"
    return line


def _dismissed_item(ball: BallItem) -> str:
    return "- " + meta_line(
        md_who(ball.author, ball.display_name),
        stamp(ball.at),
        _thread(ball.thread),
        f"“{md(ball.text, EXCERPT_LIMIT)}”",
        md_link("link", ball.url),
    )


def question_figures(q: QuestionRecap) -> str:
    parts = [
        plural(len(q.answers), "answer"),
        plural(len(q.participants), "participant"),
        f"{mmss(q.duration_s)} long",
        f"{q.late_answers} late",
    ]
    if q.balls:
        parts.append(f"{q.dropped} of {plural(q.balls, 'ball')} dropped")
    else:
        parts.append("0 dropped")
    return " · ".join(parts)


def _question(q: QuestionRecap, level: str) -> list[str]:
    title = f"{level} Q{q.number} · {stamp(q.opened_at)}"
    lines = [title, "", f"> {md(q.text, QUOTE_LIMIT)}", ""]
    link = md_link("link", q.url)
    figures = question_figures(q)
    lines += [f"*{figures}*" + (f" · {link}" if link else ""), ""]
    for a in q.answers:
        item = f"- **{md(handle(a.author))}**: {md(a.text, ANSWER_LIMIT)}"
        if a.late:
            item += " *(late)*"
        lines.append(item)
    if q.answers:
        lines.append("")
    return lines


def _cell(text: str) -> str:
    return md(text, 80)


def _session(session: SessionReport, level: int) -> list[str]:
    h2, h3 = "#" * level, "#" * (level + 1)
    out: list[str] = []

    if session.still_open:
        out += [f"{h2} Still open ({ball_counts(session.still_open)})", "",
                "Nobody has closed these yet: the chat was still going, or a moderator reopened them.", ""]
        for ball in session.still_open:
            out += _dropped_item(ball, open_wait(ball.waited_s))

    out += [f"{h2} Dropped balls — follow up", ""]
    if not session.dropped:
        out += ["Nothing dropped: the host team answered every ball." if session.balls
                else "Nothing dropped: nobody addressed the host team.", ""]
    else:
        questions = [b for b in session.dropped if b.question]
        comments = [b for b in session.dropped if not b.question]
        if questions:
            out += [f"{h3} Questions ({len(questions)})", ""]
            for ball in questions:
                out += _dropped_item(ball)
        if comments:
            out += [f"{h3} Comments ({len(comments)})", ""]
            for ball in comments:
                out += _dropped_item(ball)

    out += [f"{h2} Answered ({ball_counts(session.answered)})" if session.answered else f"{h2} Answered", ""]
    if session.answered:
        out += [_answered_item(b) for b in session.answered] + [""]
    else:
        out += ["No ball was answered.", ""]

    if session.dismissed:
        out += [f"{h2} Dismissed", ""]
        out += [_dismissed_item(b) for b in session.dismissed] + [""]

    out += [f"{h2} Recap by question", ""]
    if session.before_first_question and session.questions:
        out += [
            (f"{plural(session.before_first_question, 'message')} came before "
            f"Q{session.questions[0].number} (welcomes and introductions)."),
            "",
        ]
    if not session.questions:
        out += ["The host team posted no numbered questions (Q1, Q2, ...) in this session.", ""]
    for q in session.questions:
        out += _question(q, h3)

    out += [f"{h2} Host response time", "", response_sentence(session), ""]

    out += [f"{h2} Top participants", ""]
    if session.top_participants:
        out += [
            "| Participant | Messages | Answers | Balls | Questions |",
            "|---|---:|---:|---:|---:|",
        ]
        for p in session.top_participants:
            who = _cell(handle(p.author))
            name = one_line(p.display_name)
            if name and name.casefold() != one_line(p.author).casefold():
                who += f" ({_cell(name)})"
            out.append(f"| {who} | {p.messages} | {p.answers} | {p.balls} | {p.questions} |")
        out.append("")
    else:
        out += ["Only the host team posted.", ""]

    out += [f"{h2} Community", "", community_sentence(session.community), ""]
    return out


def _overview(sessions: list[SessionReport]) -> list[str]:
    lines = [
        (f"| Session | Date | {zone_label(sessions[0].start if sessions else None)} | Messages | Participants | Balls | Answered | Dropped "
        "| Median response |"),
        "|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in sessions:
        lines.append(
            f"| {s.number} | {_short_day(s.start)} | {clock(s.start)}–{clock(s.end)} | "
            f"{s.messages} | {s.participants} | {s.balls} | {ball_counts(s.answered)} | "
            f"{ball_counts(s.dropped)} | {human_duration(s.response_median_s)} |"
        )
    return [*lines, ""]


CARRIED_COMMENTS_SHOWN = 10
"""Carried-over comments listed in full; questions always are. `chatmod followups` has the rest."""


def carried_shown(report: Report) -> tuple[list[BallItem], int]:
    """The carried-over balls a recap lists (every question, the first comments), and how many more."""
    questions = [b for b in report.carried_over if b.question]
    comments = [b for b in report.carried_over if not b.question]
    shown = questions + comments[:CARRIED_COMMENTS_SHOWN]
    return shown, len(report.carried_over) - len(shown)


def carried_more_note(more: int) -> str:
    return f"… and {plural(more, 'more comment')}: `chatmod followups` lists them all."


def _carried_over(report: Report) -> list[str]:
    if not report.carried_over:
        return []
    shown, more = carried_shown(report)
    out = [f"## Carried over from earlier sessions ({len(report.carried_over)})", "",
           "Dropped before and still open: answer them, or mark them answered or dismissed.", ""]
    for ball in shown:
        kind = "question" if ball.question else "comment"
        head = meta_line(md_who(ball.author, ball.display_name), f"{day(ball.at)} {stamp(ball.at)}", kind,
                     md_link("link", ball.url), f"id {ball.id}")
        out += [f"- {head}", "", f"  > {md(ball.text, QUOTE_LIMIT)}", ""]
    if more:
        out += [carried_more_note(more), ""]
    return out


def render_md(report: Report) -> str:
    """The report as a Markdown document."""
    out = [f"# {md(report_title(report), line_start=False)}", "", md(report_summary(report)), ""]
    out += _carried_over(report)
    if len(report.sessions) == 1:
        out += _session(report.sessions[0], 2)
    elif report.sessions:
        shown, quiet = shown_sessions(report)
        out += _overview(shown)
        if quiet:
            out += [quiet_note(quiet), ""]
        for s in shown:
            out += [f"## Session {s.number} — {day(s.start)}", "", md(session_summary(s)), ""]
            out += _session(s, 3)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
