"""Provides the public recap (``report --recap``) in Markdown and HTML.

What a host posts after the chat for everyone who took part: each question with highlights of the
answers (or, for a chat without numbered questions, its longest conversations), the questions the
host team answered with their reply, who took part, and the figures. A dropped ball is the host's
business: it never appears here. Escaping is the full report's (``render_md.md``,
``render_html.user``): participant text can never become markup.
"""

from __future__ import annotations

from chatmod.report.model import AnswerItem, Conversation, QuestionRecap, Report, SessionReport
from chatmod.report.render_html import (
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
    ANSWER_LIMIT,
    EXCERPT_LIMIT,
    QUOTE_LIMIT,
    community_sentence,
    day,
    handle,
    md,
    md_link,
    md_who,
    meta_line,
    mmss,
    report_title,
    stamp,
)
from chatmod.report.views import (
    answered_questions,
    people_sentence,
    recap_figures,
    recap_sessions,
    recap_summary,
    recap_text,
)
from chatmod.words import plural

__all__ = ["recap_html", "recap_md"]


def _question_figures(q: QuestionRecap) -> str:
    return f"{plural(len(q.answers), 'answer')} from {plural(len(q.participants), 'person', 'people')} · {mmss(q.duration_s)} long"


def _more(shown: int, total: int, noun: str) -> str | None:
    return f"… and {plural(total - shown, 'more ' + noun)}" if total > shown else None


def _conversation_head(c: Conversation) -> str:
    return f"{plural(c.messages, 'message')} from {plural(len(c.participants), 'person', 'people')}"


def _overall(report: Report) -> str:
    sessions = recap_sessions(report)
    if not sessions:
        return "No messages to recap."
    if len(sessions) == 1:
        return recap_summary(sessions[0])
    people = len({p.author.casefold() for s in sessions for p in s.people})
    messages = sum(s.messages for s in sessions)
    return f"{plural(len(sessions), 'session')}: {plural(messages, 'message')} from {plural(people, 'person', 'people')}."


# -- Markdown ----------------------------------------------------------------------------------


def _md_answer(a: AnswerItem, tag: str | None) -> str:
    return f"- **{md(handle(a.author))}**: {md(recap_text(a.text, tag), ANSWER_LIMIT)}"


def _md_session(session: SessionReport, level: int, tag: str | None) -> list[str]:
    h, sub = "#" * level, "#" * (level + 1)
    out: list[str] = []
    if session.questions:
        out += [f"{h} The questions", ""]
        for q in session.questions:
            out += [f"{sub} Q{q.number} · {stamp(q.opened_at)}", "", f"> {md(recap_text(q.text, tag), QUOTE_LIMIT)}", ""]
            figures = "*" + _question_figures(q) + "*"
            out += [meta_line(figures, md_link("link", q.url)), ""]
            if q.highlights:
                out += [_md_answer(a, tag) for a in q.highlights]
                more = _more(len(q.highlights), len(q.answers), "answer")
                out += [f"- {more}"] if more else []
                out.append("")
    elif session.conversations:
        out += [f"{h} Conversations", ""]
        for c in session.conversations:
            o = c.opener
            out += [f"{sub} {md(handle(o.author), line_start=False)} · {stamp(o.at)}", "",
                    f"> {md(recap_text(o.text, tag), QUOTE_LIMIT)}", ""]
            out += [meta_line("*" + _conversation_head(c) + "*", md_link("link", o.url)), ""]
            if c.highlights:
                out += [_md_answer(a, tag) for a in c.highlights] + [""]
        if session.conversations_left_out:
            out += [f"{plural(session.conversations_left_out, 'shorter conversation')} not shown.", ""]
    answered = answered_questions(session)
    if answered:
        out += [f"{h} Questions the host team answered", ""]
        for b in answered:
            out.append("- " + meta_line(md_who(b.author, b.display_name), f"“{md(recap_text(b.text, tag), EXCERPT_LIMIT)}”",
                                        md_link("link", b.url)))
            reply = recap_text(b.answer_text or "", tag)
            out.append(f"  ↳ **{md(handle(b.answered_by or ''))}**: “{md(reply, EXCERPT_LIMIT)}”"
                       + (f" · {link_md}" if (link_md := md_link("reply", b.answer_url)) else ""))
        out.append("")
    out += [f"{h} Who took part", "", md(people_sentence(session)), ""]
    out += [f"{h} In figures", "", *(f"- {md(line)}" for line in recap_figures(session)),
            f"- {md(community_sentence(session.community))}", ""]
    return out


def recap_md(report: Report) -> str:
    """The public recap as Markdown."""
    sessions = recap_sessions(report)
    out = [f"# {md(report_title(report, sessions), line_start=False)}", "", md(_overall(report)), ""]
    if len(sessions) == 1:
        out += _md_session(sessions[0], 2, report.tag)
    else:
        for s in sessions:
            out += [f"## {md(day(s.start), line_start=False)}", "", md(recap_summary(s)), ""]
            out += _md_session(s, 3, report.tag)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


# -- HTML --------------------------------------------------------------------------------------


def _html_answers(answers: list[AnswerItem], tag: str | None, more: str | None = None) -> list[str]:
    if not answers:
        return []
    items = [f'<li><span class="who">{user(handle(a.author))}</span>: {user_text(recap_text(a.text, tag), ANSWER_LIMIT)}</li>'
             for a in answers]
    if more:
        items.append(f'<li class="meta">{esc(more)}</li>')
    return [f'<ul class="answers">{"".join(items)}</ul>']


def _html_article(heading: str, text: str, figures: str, url: str | None, answers: list[str]) -> list[str]:
    """A question or a conversation: ``heading`` (markup), the opening text, its figures, quotes."""
    target = link("link", url)
    return [
        f'<article class="question">{heading}',
        f'<div class="question-text">{user_text(text, QUOTE_LIMIT)}</div>',
        f'<p class="figures">{esc(figures)}' + (f" · {target}" if target else "") + "</p>",
        *answers,
        "</article>",
    ]


def _html_session(session: SessionReport, level: int, tag: str | None) -> list[str]:
    h, sub = f"h{level}", f"h{level + 1}"
    out: list[str] = []
    if session.questions:
        body = []
        for q in session.questions:
            heading = f'<{sub}>Q{q.number} <span class="meta">{time_html(q.opened_at)}</span></{sub}>'
            more = _more(len(q.highlights), len(q.answers), "answer")
            body += _html_article(heading, recap_text(q.text, tag), _question_figures(q), q.url,
                                  _html_answers(q.highlights, tag, more))
        out += section("The questions", h, body, "recap")
    elif session.conversations:
        body = []
        for c in session.conversations:
            o = c.opener
            heading = f'<{sub}>{user(handle(o.author))} <span class="meta">{time_html(o.at)}</span></{sub}>'
            body += _html_article(heading, recap_text(o.text, tag), _conversation_head(c), o.url,
                                  _html_answers(c.highlights, tag))
        if session.conversations_left_out:
            body.append(f'<p class="meta">{esc(plural(session.conversations_left_out, "shorter conversation"))} not shown.</p>')
        out += section("Conversations", h, body, "recap")
    answered = answered_questions(session)
    if answered:
        items = [
            f'<li class="ball answered">{meta_html(who(b.author, b.display_name), time_html(b.at), link("link", b.url))}'
            f'<p class="excerpt">{user_text(recap_text(b.text, tag), EXCERPT_LIMIT)}</p>'
            f'<p class="reply">↳ <span class="who">{user(handle(b.answered_by or ""))}</span>: '
            f'{user_text(recap_text(b.answer_text or "", tag), EXCERPT_LIMIT)}</p></li>'
            for b in answered
        ]
        out += section("Questions the host team answered", h, [f'<ul class="balls">{"".join(items)}</ul>'], "answered")
    out += section("Who took part", h, [f"<p>{user(people_sentence(session))}</p>"], "participants")
    figures = [*recap_figures(session), community_sentence(session.community)]
    out += section("In figures", h, ["<ul>" + "".join(f"<li>{esc(line)}</li>" for line in figures) + "</ul>"],
                   "community")
    return out


def recap_html(report: Report) -> str:
    """The public recap as one self-contained HTML page."""
    sessions = recap_sessions(report)
    if len(sessions) == 1:
        body = _html_session(sessions[0], 2, report.tag)
    else:
        body = []
        for s in sessions:
            body += [f'<section class="session" id="session-{s.number}">', f"<h2>{esc(day(s.start))}</h2>",
                     f'<p class="summary">{esc(recap_summary(s))}</p>', *_html_session(s, 3, report.tag), "</section>"]
    return page(report_title(report, sessions), _overall(report), body, report.source)
