"""Provides what the public recap and the private follow-up list each take from a report.

The recap is posted for the people who took part: the questions, highlights of their answers, the
questions the host team answered (with the reply), who took part, the figures. It never lists a
dropped ball. The follow-up list is the host's: what still needs an answer, questions first, small
talk folded into a count, and the balls carried over from the chat's last few sessions (older
ones age out). The Markdown and HTML writers share these choices and these sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chatmod.report.model import BallItem, Report, SessionReport
from chatmod.report.render_md import ball_counts, handle, human_duration, one_line, shown_sessions
from chatmod.words import plural

__all__ = [
    "CARRIED_SHOWN",
    "FollowUps",
    "SessionFollowUps",
    "answered_questions",
    "follow_ups",
    "people_sentence",
    "recap_figures",
    "recap_sessions",
    "recap_summary",
    "recap_text",
    "small_talk_note",
]

CARRIED_SHOWN = 10
"""Carried-over balls a follow-up list shows in full (questions first); the rest are counted."""


def recap_sessions(report: Report) -> list[SessionReport]:
    """The sessions a recap tells: those where people talked, with numbered questions or at
    least one conversation (a few stray posts between chats are not a chat). When none did,
    the sessions with something to show at all."""
    told = [s for s in report.sessions if s.questions or s.conversations]
    return told or shown_sessions(report)[0]


_LEADING_HANDLES = re.compile(r"^(?:\s*[@＠][^\s@＠]+(?:[@＠][^\s@＠]+)?[\s,:]*)+")


def recap_text(text: str, tag: str | None) -> str:
    """A message as a recap quotes it: without the @-block it opens with and without the chat's
    own hashtag at its end (both say nothing to a reader of the recap); unchanged when nothing
    would be left."""
    body = _LEADING_HANDLES.sub("", text)
    if tag:
        folded = "#" + tag.lstrip("#＃").casefold()
        words = body.rstrip().split(" ")
        while words and words[-1].casefold().rstrip(".!") == folded:
            words.pop()
        body = " ".join(words)
    return body.strip() or text


def answered_questions(session: SessionReport) -> list[BallItem]:
    """Questions put to the host team that they answered, for the recap's "answered" section."""
    return [b for b in session.answered if b.question and b.answer_text]


def recap_summary(session: SessionReport) -> str:
    """One public sentence about a session: who took part, how much was said."""
    text = (
        f"{plural(len(session.people), 'person', 'people')} took part: {plural(session.messages, 'message')}"
        f" in {human_duration((session.end - session.start).total_seconds())}"
    )
    if session.questions:
        text += f", {plural(len(session.questions), 'question')} from the host team"
    return text + "."


def recap_figures(session: SessionReport) -> list[str]:
    """The recap's figures, one line each."""
    lines = [(f"{plural(session.messages, 'message')} from {plural(len(session.people), 'person', 'people')}"
             f" and the host team, {human_duration((session.end - session.start).total_seconds())}")]
    if session.questions:
        answers = sum(len(q.answers) for q in session.questions)
        lines.append(f"{plural(len(session.questions), 'question')} from the host team, {plural(answers, 'answer')}")
    elif session.conversations:
        told = len(session.conversations) + session.conversations_left_out
        lines.append(f"{plural(told, 'conversation')} of three messages or more")
    # Counted as the lists show them: a burst of questions is one question put to the host team.
    asked = sum(1 for b in (*session.answered, *session.dropped, *session.dismissed) if b.question)
    if asked:
        answered = sum(1 for b in session.answered if b.question)
        line = f"{plural(asked, 'question')} put to the host team, {answered} answered"
        if session.response_median_s is not None:
            line += f" (median reply {human_duration(session.response_median_s)})"
        lines.append(line)
    return lines


def people_sentence(session: SessionReport) -> str:
    """``Thank you to all 23: @a, @b, …`` (most active first)."""
    names = ", ".join(handle(p.author) for p in session.people)
    if not session.people:
        return "Only the host team posted."
    if len(session.people) == 1:
        return f"Thank you to {names}."
    return f"Thank you to all {len(session.people)}: {names}."


@dataclass(slots=True)
class SessionFollowUps:
    session: SessionReport
    questions: list[BallItem]
    comments: list[BallItem]
    small_talk: list[BallItem]

    @property
    def count(self) -> int:
        return ball_counts(self.questions) + ball_counts(self.comments)


@dataclass(slots=True)
class FollowUps:
    sessions: list[SessionFollowUps]
    """The recent sessions with something dropped, oldest first."""
    recent: list[SessionReport] = field(default_factory=list)
    """The chat's sessions in the report still within its follow-up window (for the title)."""
    carried: list[BallItem] = field(default_factory=list)
    """Carried over from earlier stored sessions and shown (questions first)."""
    carried_more: int = 0
    """Carried-over balls not shown (past ``CARRIED_SHOWN``)."""
    carried_small_talk: int = 0
    aged_out: int = 0
    """Dropped in this report's sessions before the chat's last ``follow_up_sessions``."""
    stored_aged_out: int = 0
    """Dropped in stored sessions before those, still open in the database."""
    window: int = 0

    @property
    def count(self) -> int:
        return sum(s.count for s in self.sessions) + len(self.carried) + self.carried_more

    @property
    def small_talk(self) -> int:
        return sum(ball_counts(s.small_talk) for s in self.sessions) + self.carried_small_talk

    def summary(self) -> str:
        """The list's first sentence: how much needs an answer, and what was left out."""
        questions = sum(ball_counts(s.questions) for s in self.sessions) + sum(1 for b in self.carried if b.question)
        if not self.count:
            text = "Nothing needs an answer: the host team answered or dismissed every ball."
        else:
            text = f"{plural(self.count, 'ball')} {'needs' if self.count == 1 else 'need'} an answer"
            text += f", {plural(questions, 'question')} among them." if questions else "."
        if self.small_talk:
            text += (f" {plural(self.small_talk, 'greeting or thank-you', 'greetings and thank-yous')}"
                     " not listed: nothing to answer.")
        for count, where in ((self.aged_out, "the full report lists them"),
                             (self.stored_aged_out, "chatmod followups lists them")):
            if count:
                text += (f" {plural(count, 'older ball')} from before the last {plural(self.window, 'session')}"
                         f" aged out ({where}).")
        return text


def _split(session: SessionReport) -> SessionFollowUps:
    talk = [b for b in session.dropped if b.small_talk]
    rest = [b for b in session.dropped if not b.small_talk]
    return SessionFollowUps(
        session,
        [b for b in rest if b.question],
        [b for b in rest if not b.question],
        talk,
    )


def follow_ups(report: Report) -> FollowUps:
    """The follow-up list of ``report``: the dropped balls of its last ``follow_up_sessions``
    sessions and the carried-over ones, small talk apart; older sessions' balls age out."""
    window = report.follow_up_sessions
    # The window counts the chat's sessions (where people talked), not stray posts between them.
    told = [s for s in report.sessions if s.questions or s.conversations] or report.sessions
    cutoff = told[-window].start if len(told) >= window else None
    recent = [s for s in report.sessions if cutoff is None or s.start >= cutoff]
    old = [s for s in report.sessions if cutoff is not None and s.start < cutoff]
    aged = sum(ball_counts(s.dropped) for s in old)
    carried = [b for b in report.carried_over if not b.small_talk]
    talk = len(report.carried_over) - len(carried)
    carried.sort(key=lambda b: (not b.question, b.at))
    sessions = [f for f in map(_split, recent) if f.count or f.small_talk]
    return FollowUps(sessions, told[-window:], carried[:CARRIED_SHOWN], max(0, len(carried) - CARRIED_SHOWN), talk,
                     aged, report.aged_out, window)


def small_talk_note(balls: list[BallItem]) -> str:
    """``Also dropped: 4 greetings and thank-yous (@a, @b, @c).``"""
    names = sorted({one_line(b.author) for b in balls}, key=str.lower)
    shown = ", ".join(handle(n) for n in names[:8]) + (", …" if len(names) > 8 else "")
    count = ball_counts(balls)
    return (f"Also dropped: {plural(count, 'greeting or thank-you', 'greetings and thank-yous')} "
            f"({shown}); nothing to answer.")
