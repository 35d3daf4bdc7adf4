"""Provides the host's follow-up list (``report --followups``) in Markdown and HTML.

Private: what still needs an answer, questions first, each with how long it waited, its link and
its id (for ``chatmod followups --answered ID``); small talk folded into one line per session;
balls carried over from the chat's last sessions, capped, the older ones aged out and counted.
"""

from __future__ import annotations

from chatmod.report.model import BallItem, Report
from chatmod.report.render_html import (
    UNTAGGED_HTML,
    esc,
    link,
    meta_html,
    page,
    section,
    time_html,
    user,
    user_text,
    who,
)
from chatmod.report.render_md import (
    QUOTE_LIMIT,
    UNTAGGED,
    day,
    dropped_wait,
    handle,
    md,
    md_link,
    md_who,
    meta_line,
    one_line,
    report_title,
    stamp,
)
from chatmod.report.views import FollowUps, follow_ups, small_talk_note

__all__ = ["followups_html", "followups_md"]


def _title(report: Report, f: FollowUps) -> str:
    return report_title(report, f.recent).replace(" recap", " follow-ups", 1)


def _waited(ball: BallItem) -> str:
    return dropped_wait(ball.waited_s) or "posted as the chat ended"


def _carried_heading(f: FollowUps) -> str:
    shown = len(f.carried) + f.carried_more
    return f"Carried over from earlier sessions ({shown})"


# -- Markdown ----------------------------------------------------------------------------------


def _md_ball(ball: BallItem, carried: bool = False) -> list[str]:
    when = f"{day(ball.at)} {stamp(ball.at)}" if carried else stamp(ball.at)
    head = meta_line(
        md_who(ball.author, ball.display_name), when,
        f"Q{ball.thread}" if ball.thread is not None and not carried else None,
        UNTAGGED if ball.untagged else None,
        ("question" if ball.question else "comment") if carried else _waited(ball),
        f"claimed by {md(handle(ball.claimed_by))}" if ball.claimed_by else None,
        md_link("link", ball.url), f"id {md(one_line(ball.id))}",
    )
    lines = [f"- {head}", "", f"  > {md(ball.text, QUOTE_LIMIT)}"]
    for more in ball.more:
        lines += ["", f"  - ↳ {md(more, QUOTE_LIMIT)}"]
    return [*lines, ""]


def followups_md(report: Report) -> str:
    """The follow-up list as Markdown."""
    f = follow_ups(report)
    out = [f"# {md(_title(report, f), line_start=False)}", "", md(f.summary()), ""]
    several = len(f.recent) > 1
    level = "###" if several else "##"
    for s in f.sessions:
        if several:
            out += [f"## Session {s.session.number} — {md(day(s.session.start), line_start=False)}", ""]
        for label, group in (("Questions", s.questions), ("Comments", s.comments)):
            if group:
                out += [f"{level} {label} ({len(group)})", ""]
                for ball in group:
                    out += _md_ball(ball)
        if s.small_talk:
            out += [md(small_talk_note(s.small_talk)), ""]
    if f.carried:
        out += [f"## {_carried_heading(f)}", "",
                "Dropped before and still open: answer them, or mark them answered or dismissed.", ""]
        for ball in f.carried:
            out += _md_ball(ball, carried=True)
        if f.carried_more:
            out += [f"… and {f.carried_more:,} more: `chatmod followups` lists them all.", ""]
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


# -- HTML --------------------------------------------------------------------------------------


def _html_ball(ball: BallItem, carried: bool = False) -> str:
    kind = "question" if ball.question else "comment"
    meta = meta_html(
        who(ball.author, ball.display_name),
        f"{esc(day(ball.at))} {time_html(ball.at)}" if carried else time_html(ball.at),
        f'<span class="thread">Q{ball.thread}</span>' if ball.thread is not None and not carried else None,
        UNTAGGED_HTML if ball.untagged else None,
        kind if carried else f'<span class="waited">{esc(_waited(ball))}</span>',
        f"claimed by {user(handle(ball.claimed_by))}" if ball.claimed_by else None,
        link("link", ball.url),
        f"id {user(ball.id)}",
    )
    body = f"<blockquote>{user_text(ball.text, QUOTE_LIMIT)}</blockquote>"
    if ball.more:
        body += '<ul class="more">' + "".join(f"<li>{user_text(t, QUOTE_LIMIT)}</li>" for t in ball.more) + "</ul>"
    return f'<li class="ball dropped {kind}">{meta}{body}</li>'


def followups_html(report: Report) -> str:
    """The follow-up list as one self-contained HTML page."""
    f = follow_ups(report)
    several = len(f.recent) > 1
    body: list[str] = []
    for s in f.sessions:
        part: list[str] = []
        sub = "h3" if several else "h2"
        for label, group in (("Questions", s.questions), ("Comments", s.comments)):
            if group:
                part += [f"<{sub}>{label} ({len(group)})</{sub}>",
                         '<ol class="balls">' + "".join(_html_ball(b) for b in group) + "</ol>"]
        if s.small_talk:
            part.append(f'<p class="meta">{user(small_talk_note(s.small_talk))}</p>')
        if several:
            body += section(f"Session {s.session.number} — {day(s.session.start)}", "h2", part, "session")
        else:
            body += part
    if f.carried:
        part = ['<p class="meta">Dropped before and still open: answer them, or mark them answered or dismissed.</p>',
                '<ol class="balls">' + "".join(_html_ball(b, carried=True) for b in f.carried) + "</ol>"]
        if f.carried_more:
            part.append(f'<p class="meta">… and {f.carried_more:,} more: '
                        "<code>chatmod followups</code> lists them all.</p>")
        body += section(_carried_heading(f), "h2", part, "carried")
    return page(_title(report, f), f.summary(), body, report.source)
