"""Provides the HTML report: one self-contained page, readable in any browser.

No external resources and no JavaScript (a Content-Security-Policy says so too). Every string
that came from the chat goes through ``html.escape(..., quote=True)`` and sits inside ``<bdi>``,
so a right-to-left override in a message cannot reorder the page around it; links are the
messages' own ``http(s)`` permalinks only.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from importlib.resources import files

from chatmod.report.model import BallItem, QuestionRecap, Report, SessionReport
from chatmod.report.render_md import (
    ANSWER_LIMIT,
    EXCERPT_LIMIT,
    QUOTE_LIMIT,
    UNTAGGED,
    ball_counts,
    carried_more_note,
    carried_shown,
    clock,
    community_sentence,
    day,
    dropped_wait,
    excerpt,
    handle,
    human_duration,
    one_line,
    open_wait,
    plain,
    question_figures,
    quiet_note,
    report_summary,
    report_title,
    response_sentence,
    safe_url,
    session_summary,
    shown_sessions,
    stamp,
    zone_label,
)

__all__ = ["esc", "link", "meta_html", "page", "render_html", "section", "time_html", "user", "user_text", "who"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _css() -> str:
    return files("chatmod.report").joinpath("report.css").read_text(encoding="utf-8")


def stylesheet() -> str:
    """The reports' CSS, for pages built elsewhere (the history report) to look the same."""
    return _css()


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def user(text: str | None, cls: str | None = None) -> str:
    """Untrusted text, escaped and isolated from the surrounding direction."""
    attr = f' class="{cls}"' if cls else ""
    return f"<bdi{attr}>{esc(plain(text))}</bdi>"


def user_text(text: str, limit: int) -> str:
    """A message's text (line breaks kept); past ``limit`` characters, the rest behind a
    native disclosure widget (no script)."""
    clean = plain(text)
    if len(clean) <= limit:
        return user(clean, "text")
    short = excerpt(" ".join(clean.split()), limit)
    return (
        f"{user(short, 'text')}<details><summary>Full text ({len(clean):,} characters)"
        f"</summary>{user(clean, 'text')}</details>"
    )


def link(label: str, url: str | None) -> str | None:
    target = safe_url(url)
    if target is None:
        return None
    return f'<a href="{esc(target)}" rel="nofollow noopener noreferrer">{esc(label)}</a>'


def who(author: str, display_name: str | None = None) -> str:
    out = f'<span class="who">{user(handle(author))}</span>'
    name = one_line(display_name)
    if name and name.casefold() != one_line(author).casefold():
        out += f' <span class="name">({user(name)})</span>'
    return out


def time_html(at: datetime) -> str:
    iso = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return f'<time datetime="{esc(iso)}">{esc(stamp(at))}</time>'


UNTAGGED_HTML = f'<span class="untagged" title="caught without the chat\'s hashtag">{UNTAGGED}</span>'


def meta_html(*parts: str | None) -> str:
    joined = '<span class="sep">·</span>'.join(p for p in parts if p)
    return f'<div class="meta">{joined}</div>'


def _thread(thread: int | None) -> str | None:
    return f'<span class="thread">Q{thread}</span>' if thread is not None else None


def _dropped(ball: BallItem, still_open: bool = False) -> str:
    kind = "question" if ball.question else "comment"
    claimed = f"claimed by {user(handle(ball.claimed_by))}" if ball.claimed_by else None
    if still_open:
        waited = esc(open_wait(ball.waited_s))
    elif dropped_wait(ball.waited_s):
        waited = f'<span class="waited">waited {human_duration(ball.waited_s)}</span> (until the chat ended)'
    else:
        waited = "posted as the chat ended"
    meta = meta_html(
        who(ball.author, ball.display_name),
        time_html(ball.at),
        _thread(ball.thread),
        UNTAGGED_HTML if ball.untagged else None,
        waited,
        claimed,
        link("link", ball.url),
    )
    body = f"<blockquote>{user_text(ball.text, QUOTE_LIMIT)}</blockquote>"
    if ball.more:
        items = "".join(f"<li>{user_text(t, QUOTE_LIMIT)}</li>" for t in ball.more)
        body += f'<ul class="more">{items}</ul>'
    return f'<li class="ball {"open" if still_open else "dropped"} {kind}">{meta}{body}</li>'


def _answered(ball: BallItem) -> str:
    by = f"answered by {user(handle(ball.answered_by))}" if ball.answered_by else "answered"
    n = len(ball.more)
    more = f" (+{n} follow-up{'s' if n != 1 else ''})" if n else ""
    meta = meta_html(
        who(ball.author, ball.display_name),
        time_html(ball.at),
        _thread(ball.thread),
        UNTAGGED_HTML if ball.untagged else None,
        f'{by} in <span class="response">{human_duration(ball.waited_s)}</span>',
        link("link", ball.url),
        link("answer", ball.answer_url),
    )
    text = user(excerpt(one_line(ball.text), EXCERPT_LIMIT), "text")
    reply = ""
    if ball.answer_text:
        answer = user(excerpt(one_line(ball.answer_text), EXCERPT_LIMIT), "text")
        reply = f'<p class="reply">↳ {user(handle(ball.answered_by or ""))}: {answer}</p>'
    return f'<li class="ball answered">{meta}<p class="excerpt">{text}{esc(more)}</p>{reply}</li>'


def _dismissed(ball: BallItem) -> str:
    meta = meta_html(
        who(ball.author, ball.display_name), time_html(ball.at), _thread(ball.thread),
        link("link", ball.url),
    )
    text = user(excerpt(one_line(ball.text), EXCERPT_LIMIT), "text")
    return f'<li class="ball dismissed">{meta}<p class="excerpt">{text}</p></li>'


def _question(q: QuestionRecap, tag: str) -> str:
    figures = esc(question_figures(q))
    url = link("link", q.url)
    out = [
        (f'<article class="question"><{tag}>Q{q.number} '
        f'<span class="meta">{time_html(q.opened_at)}</span></{tag}>'),
        f'<div class="question-text">{user_text(q.text, QUOTE_LIMIT)}</div>',
        f'<p class="figures">{figures}' + (f' · {url}' if url else "") + "</p>",
    ]
    if q.answers:
        out.append('<ul class="answers">')
        for a in q.answers:
            late = ' <span class="late">late</span>' if a.late else ""
            out.append(
                f'<li><span class="who">{user(handle(a.author))}</span>: '
                f"{user_text(a.text, ANSWER_LIMIT)}{late}</li>"
            )
        out.append("</ul>")
    out.append("</article>")
    return "\n".join(out)


def _participants(session: SessionReport) -> str:
    rows = []
    for p in session.top_participants:
        rows.append(
            f"<tr><td>{who(p.author, p.display_name)}</td><td class=\"num\">{p.messages}</td>"
            f'<td class="num">{p.answers}</td><td class="num">{p.balls}</td>'
            f'<td class="num">{p.questions}</td></tr>'
        )
    return (
        '<table><thead><tr><th>Participant</th><th class="num">Messages</th>'
        '<th class="num">Answers</th><th class="num">Balls</th><th class="num">Questions</th>'
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def section(title: str, tag: str, body: list[str], cls: str) -> list[str]:
    return [f'<section class="{cls}">', f"<{tag}>{esc(title)}</{tag}>", *body, "</section>"]


def _empty(text: str) -> str:
    return f'<p class="empty">{esc(text)}</p>'


def _session(session: SessionReport, level: int) -> list[str]:
    h, sub = f"h{level}", f"h{level + 1}"
    out: list[str] = []

    body: list[str]
    if session.still_open:
        note = "Nobody has closed these yet: the chat was still going, or a moderator reopened them."
        body = [f'<p class="meta">{esc(note)}</p>',
                '<ol class="balls">' + "".join(_dropped(b, still_open=True) for b in session.still_open) + "</ol>"]
        out += section(f"Still open ({ball_counts(session.still_open)})", h, body, "open")

    body = []
    if not session.dropped:
        body.append(_empty(
            "Nothing dropped: the host team answered every ball." if session.balls
            else "Nothing dropped: nobody addressed the host team."
        ))
    questions = [b for b in session.dropped if b.question]
    comments = [b for b in session.dropped if not b.question]
    for label, group in (("Questions", questions), ("Comments", comments)):
        if group:
            body.append(f"<{sub}>{label} ({len(group)})</{sub}>")
            body.append('<ol class="balls">' + "".join(_dropped(b) for b in group) + "</ol>")
    out += section("Dropped balls — follow up", h, body, "dropped")

    body = (
        ['<ul class="balls">' + "".join(_answered(b) for b in session.answered) + "</ul>"]
        if session.answered else [_empty("No ball was answered.")]
    )
    out += section("Answered", h, body, "answered")

    if session.dismissed:
        body = ['<ul class="balls">' + "".join(_dismissed(b) for b in session.dismissed) + "</ul>"]
        out += section("Dismissed", h, body, "dismissed")

    body = []
    if session.before_first_question and session.questions:
        n = session.before_first_question
        body.append(
            f"<p class=\"meta\">{n} message{'s' if n != 1 else ''} came before "
            f"Q{session.questions[0].number} (welcomes and introductions).</p>"
        )
    if not session.questions:
        body.append(
            _empty("The host team posted no numbered questions (Q1, Q2, ...) in this session.")
        )
    body += [_question(q, sub) for q in session.questions]
    out += section("Recap by question", h, body, "recap")

    body = [f"<p>{esc(response_sentence(session))}</p>"]
    out += section("Host response time", h, body, "response")

    body = [
        _participants(session) if session.top_participants
        else _empty("Only the host team posted.")
    ]
    out += section("Top participants", h, body, "participants")

    share = round(session.community.share * 100)
    body = [
        (f'<div class="bar" role="img" aria-label="{share}% between participants">'
        f'<span style="width:{share}%"></span></div>'),
        f"<p>{esc(community_sentence(session.community))}</p>",
    ]
    out += section("Community", h, body, "community")
    return out


_NUM = ' class="num"'


def _overview(sessions: list[SessionReport]) -> list[str]:
    head = "".join(
        f"<th{_NUM if num else ''}>{esc(label)}</th>"
        for label, num in (
            ("Session", True), ("Date", False), (zone_label(sessions[0].start if sessions else None), False), ("Messages", True),
            ("Participants", True), ("Balls", True), ("Answered", True), ("Dropped", True),
            ("Median response", True),
        )
    )
    rows = []
    for s in sessions:
        cells = [
            (str(s.number), True), (day(s.start), False),
            (f"{clock(s.start)}–{clock(s.end)}", False),
            (str(s.messages), True), (str(s.participants), True), (str(s.balls), True),
            (str(ball_counts(s.answered)), True), (str(ball_counts(s.dropped)), True),
            (human_duration(s.response_median_s), True),
        ]
        rows.append(
            "<tr>" + "".join(
                f"<td{_NUM if num else ''}>{esc(text)}</td>" for text, num in cells
            ) + "</tr>"
        )
    return [f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"]


def _carried(report: Report) -> list[str]:
    if not report.carried_over:
        return []
    listed, more = carried_shown(report)
    items = [
        f"<li>{meta_html(who(b.author, b.display_name), esc(day(b.at)), time_html(b.at), 'question' if b.question else 'comment', link('link', b.url))}"
        f"<blockquote>{user_text(b.text, QUOTE_LIMIT)}</blockquote></li>"
        for b in listed
    ]
    body = ['<p class="meta">Dropped before and still open: answer them, or mark them answered or dismissed.</p>',
            f'<ul class="balls">{"".join(items)}</ul>']
    if more:
        body.append(f'<p class="meta">{esc(carried_more_note(more))}</p>')
    return section(f"Carried over from earlier sessions ({len(report.carried_over)})", "h2", body, "carried")


def page(title: str, summary: str, body: list[str], source: str) -> str:
    """A self-contained page: ``title``, a summary paragraph, ``body``, and a footer naming the
    ``source`` (a file's name, never its path) and the zone of its times."""
    zone = "UTC" if zone_label() == "UTC" else "in " + zone_label()
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="generator" content="chatmod">',
        f"<title>{user_title(title)}</title>",
        f"<style>\n{_css()}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<header>",
        f"<h1>{user(title)}</h1>",
        f'<p class="summary">{esc(summary)}</p>',
        "</header>",
        *body,
        f"<footer>Made by chatmod from {user(source)}. Times are {esc(zone)}.</footer>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page."""
    out = _carried(report)
    if len(report.sessions) == 1:
        out += _session(report.sessions[0], 2)
    elif report.sessions:
        shown, quiet = shown_sessions(report)
        out += _overview(shown)
        if quiet:
            out.append(f'<p class="meta">{esc(quiet_note(quiet))}</p>')
        for s in shown:
            out += [
                f'<section class="session" id="session-{s.number}">',
                f"<h2>Session {s.number} — {esc(day(s.start))}</h2>",
                f'<p class="summary">{esc(session_summary(s))}</p>',
                *_session(s, 3),
                "</section>",
            ]
    return page(report_title(report), report_summary(report), out, report.source)


def user_title(text: str) -> str:
    # <title> cannot hold elements: escaped text only, bidi controls dropped.
    return esc("".join(ch for ch in one_line(text) if not 0x202A <= ord(ch) <= 0x202E
                       and not 0x2066 <= ord(ch) <= 0x2069))
