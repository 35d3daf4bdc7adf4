"""Provides the report's content, computed once and rendered in any format.

Everything a host reads after the chat: the balls that were dropped (to follow up), the ones
answered and how fast, the recap grouped by question (or by conversation, for a chat without
numbered questions), per-question figures and highlights, the host team's response times, who took
part, and how much of the talk ran between participants. The views (the full report, the public
recap, the private follow-up list) choose from it; none computes anything of its own.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from chatmod.chats import DEFAULT_FOLLOW_UP_SESSIONS
from chatmod.core.handles import HostTeam
from chatmod.core.ledger import Ball, Ledger, Status
from chatmod.core.models import Message
from chatmod.core.schedule import Occurrence
from chatmod.core.smalltalk import small_talk
from chatmod.pipeline import Judged, judge_sessions

__all__ = [
    "AnswerItem",
    "BallItem",
    "Community",
    "Conversation",
    "Participant",
    "QuestionRecap",
    "Report",
    "SessionReport",
    "build_report",
]


@dataclass(slots=True)
class BallItem:
    """A ball as the report shows it: the ledger's :class:`Ball`, with the words and links a
    reader needs. A burst shows as one item: its first message, then the rest."""

    ball: Ball
    display_name: str | None
    text: str
    url: str | None
    waited_s: float
    """Until answered, dismissed, or the end of the session when dropped."""
    answer_text: str | None = None
    answer_url: str | None = None
    more: list[str] = field(default_factory=list)
    """The texts of later messages of the same burst."""
    burst_asks: bool = False
    """A later message of the burst asks something, though its first does not."""
    untagged: bool = False
    """It lacks the chat's hashtag: a live source caught it by its mention of the host team."""

    @property
    def id(self) -> str:
        return self.ball.id

    @property
    def author(self) -> str:
        return self.ball.author

    @property
    def at(self) -> datetime:
        return self.ball.opened_at

    @property
    def question(self) -> bool:
        return self.ball.question or self.burst_asks

    @property
    def thread(self) -> int | None:
        return self.ball.thread

    @property
    def status(self) -> Status:
        return self.ball.status

    @property
    def answered_by(self) -> str | None:
        return self.ball.answered_by

    @property
    def answered_how(self) -> str | None:
        """What made the answer one (``reply``, ``same_exchange``, ``to_author``, ``moderator``)."""
        how = self.ball.answered_how
        return how.value if how is not None else None

    @property
    def answer_id(self) -> str | None:
        return self.ball.answered_message

    @property
    def claimed_by(self) -> str | None:
        return self.ball.claimed_by

    @property
    def small_talk(self) -> bool:
        """Every message of it only greets, thanks, praises or says goodbye: it needs no answer."""
        return small_talk(self.text) and all(small_talk(text) for text in self.more)


@dataclass(slots=True)
class AnswerItem:
    """A participant's message in a question's thread."""

    id: str
    author: str
    at: datetime
    text: str
    url: str | None
    late: bool
    repost: bool
    replies: int = 0
    """Messages of the session that reply to it."""
    team: bool = False
    """Posted by the host team."""


HIGHLIGHTS = 3
"""Answers quoted under each question of the public recap (and replies under a conversation)."""


def highlights(answers: list[AnswerItem], limit: int = HIGHLIGHTS) -> list[AnswerItem]:
    """The answers a recap quotes: those that drew the most replies, then the fullest, never
    small talk; in the order they were posted."""
    candidates = [a for a in answers if not a.repost and not small_talk(a.text)]
    ranked = sorted(candidates, key=lambda a: (-a.replies, -len(a.text.split()), a.at))
    return sorted(ranked[:limit], key=lambda a: a.at)


@dataclass(slots=True)
class QuestionRecap:
    number: int
    opened_at: datetime
    author: str
    text: str
    url: str | None
    answers: list[AnswerItem]
    """Participants' messages in the thread, reposts excluded, in order."""
    host_replies: int
    reposts: int
    participants: list[str]
    duration_s: float
    """From the question to the next one (or to the session's last message)."""
    late_answers: int
    """Answers posted after the next question had opened."""
    balls: int
    dropped: int
    highlights: list[AnswerItem] = field(default_factory=list)


@dataclass(slots=True)
class Conversation:
    """A reply chain of a session, for the recap of a chat without numbered questions: its first
    message, and the replies under it (the reply links the source gave, or those inferred)."""

    opener: AnswerItem
    messages: int
    """The opener and every reply under it."""
    participants: list[str]
    """Who wrote in it, the host team included, in the order they first did."""
    host_replies: int
    highlights: list[AnswerItem]
    """Replies worth quoting: the host team's first, then those that drew replies."""


@dataclass(slots=True)
class Participant:
    author: str
    display_name: str | None
    messages: int
    answers: int
    """Messages in a question's thread."""
    balls: int
    questions: int


@dataclass(slots=True)
class Community:
    """Exchanges (replies and addressed messages) between participants vs through the host team."""

    between_participants: int
    through_host: int

    @property
    def share(self) -> float:
        total = self.between_participants + self.through_host
        return self.between_participants / total if total else 0.0


@dataclass(slots=True)
class SessionReport:
    number: int
    start: datetime
    end: datetime
    messages: int
    reposts: int
    participants: int
    """Distinct authors outside the host team."""
    questions: list[QuestionRecap]
    dropped: list[BallItem]
    """Questions first, then comments; oldest first within each."""
    answered: list[BallItem]
    dismissed: list[BallItem]
    balls: int
    ball_questions: int
    response_median_s: float | None
    response_worst_s: float | None
    answered_within_5min: int
    people: list[Participant]
    """Everyone outside the host team who posted, most messages first."""
    community: Community
    before_first_question: int
    """Messages before Q1 (welcomes, introductions)."""
    conversations: list[Conversation] = field(default_factory=list)
    """Without numbered questions: its longest conversations, in the order they began."""
    conversations_left_out: int = 0
    """Shorter exchanges not among ``conversations``."""
    still_open: list[BallItem] = field(default_factory=list)
    """Balls nobody has closed: the chat was still going when the report was made, or a
    moderator reopened them. Questions first, then comments; oldest first within each."""

    @property
    def top_participants(self) -> list[Participant]:
        return self.people[:TOP_PARTICIPANTS]


@dataclass(slots=True)
class Report:
    source: str
    tag: str | None
    hosts: tuple[str, ...]
    cohosts: tuple[str, ...]
    sessions: list[SessionReport]
    rejected: int = 0
    carried_over: list[BallItem] = field(default_factory=list)
    """Balls dropped in earlier sessions that nobody has dealt with yet (from the archive)."""
    zone: tzinfo | None = None
    """Where its times are shown (None: UTC)."""
    follow_up_sessions: int = DEFAULT_FOLLOW_UP_SESSIONS
    """How many sessions a dropped ball stays on the follow-up list (the chat's setting)."""
    aged_out: int = 0
    """Balls of sessions before those that are still open, no longer carried over."""
    outside: int = 0
    """Messages outside every session of the chat's schedule (reminders, chatter between weeks)."""

    @property
    def messages(self) -> int:
        return sum(s.messages for s in self.sessions)

    @property
    def balls(self) -> int:
        return sum(s.balls for s in self.sessions)

    @property
    def dropped(self) -> int:
        return sum(len(s.dropped) + sum(len(b.more) for b in s.dropped) for s in self.sessions)

    @property
    def answered(self) -> int:
        return sum(len(s.answered) + sum(len(b.more) for b in s.answered) for s in self.sessions)


TOP_PARTICIPANTS = 10


def build_report(
    messages: Iterable[Message],
    team: HostTeam,
    *,
    source: str,
    tag: str | None = None,
    rejected: int = 0,
    carried_over: Iterable[BallItem] = (),
    schedule: Iterable[Occurrence] = (),
    zone: tzinfo | None = None,
    follow_up_sessions: int = DEFAULT_FOLLOW_UP_SESSIONS,
    aged_out: int = 0,
    ledger: Ledger | None = None,
) -> Report:
    """Judge ``messages`` (chronological) and compute the report; with a chat's ``schedule``,
    sessions are its occurrences. Without ``tag``, the hashtag most messages carry names it.

    ``ledger``: the stored ledger of these messages' balls, moderators' marks included. It is
    the truth the report counts: the judgement of today's engine only threads the messages, so
    a ball a moderator marked answered counts as answered, and a stored chat keeps the verdicts
    it was stored with."""
    messages = list(messages)
    tag = tag or main_hashtag(messages)
    sessions: list[SessionReport] = []
    outside = 0
    for judged, judged_ledger in judge_sessions(messages, team, schedule=schedule):
        if not judged:
            continue
        if judged[0].analysis.session == 0:
            outside += len(judged)
            continue
        sessions.append(_session(len(sessions) + 1, judged, judged_ledger if ledger is None else ledger,
                                 stored=ledger is not None))
    return Report(source, tag, team.hosts, team.cohosts, sessions, rejected, list(carried_over), zone,
                  follow_up_sessions, aged_out, outside)


def main_hashtag(messages: list[Message]) -> str | None:
    """The hashtag a chat runs under: the one in at least a third of its messages, if any."""
    counts: Counter[str] = Counter()
    spelled: dict[str, Counter[str]] = {}
    for message in messages:
        for tag in {t.casefold(): t for t in message.hashtags}.items():
            counts[tag[0]] += 1
            spelled.setdefault(tag[0], Counter())[tag[1]] += 1
    if not counts:
        return None
    folded, count = counts.most_common(1)[0]
    return spelled[folded].most_common(1)[0][0] if count * 3 >= len(messages) else None


def _session(number: int, judged: list[Judged], ledger: Ledger, *, stored: bool = False) -> SessionReport:
    by_id = {j.message.id: j for j in judged}
    start, end = judged[0].message.created_at, judged[-1].message.created_at
    balls = [ball for j in judged
             if (ball := ledger.get(j.message.id)) is not None and (stored or j.analysis.to_host)]

    items = _ball_items(balls, by_id, end)
    dropped = sorted(
        (b for b in items if b.status is Status.DROPPED), key=lambda b: (not b.question, b.at)
    )
    answered = [b for b in items if b.status is Status.ANSWERED]
    dismissed = [b for b in items if b.status is Status.DISMISSED]
    still_open = sorted((b for b in items if b.status is Status.OPEN), key=lambda b: (not b.question, b.at))

    waits = [b.wait(end) for b in balls if b.status is Status.ANSWERED]
    # By identity, as the engine threads (handles compare case-insensitively): "Bob" is "bob".
    participants = Counter(j.analysis.author_key for j in judged if not j.analysis.team)
    replies = Counter(j.analysis.reply_to_id for j in judged if j.analysis.reply_to_id and not j.analysis.repost)
    questions = _questions(judged, ledger, end, replies)
    dropped_ids = {b.id for b in balls if b.status is Status.DROPPED}
    conversations, left_out = ([], 0) if questions else _conversations(judged, replies, dropped_ids)
    return SessionReport(
        number=number,
        start=start,
        end=end,
        messages=len(judged),
        reposts=sum(1 for j in judged if j.analysis.repost),
        participants=len(participants),
        questions=questions,
        dropped=dropped,
        answered=answered,
        dismissed=dismissed,
        balls=len(balls),
        ball_questions=sum(1 for b in balls if b.question),
        response_median_s=statistics.median(waits) if waits else None,
        response_worst_s=max(waits) if waits else None,
        answered_within_5min=sum(1 for w in waits if w <= 300),
        people=_participants(judged),
        community=_community(judged, by_id),
        before_first_question=_before_first_question(judged),
        conversations=conversations,
        conversations_left_out=left_out,
        still_open=still_open,
    )


def _ball_items(balls: list[Ball], by_id: dict[str, Judged], end: datetime) -> list[BallItem]:
    items: dict[str, BallItem] = {}
    for ball in balls:
        message = by_id[ball.id].message
        head = items.get(ball.burst_of) if ball.burst_of else None
        if head is not None and head.status is ball.status:
            head.more.append(message.text)
            head.burst_asks = head.burst_asks or ball.question
            continue
        answer = by_id.get(ball.answered_message) if ball.answered_message else None
        items[ball.id] = BallItem(
            ball=ball,
            display_name=message.display_name,
            text=message.text,
            url=message.url,
            waited_s=ball.wait(end),
            answer_text=answer.message.text if answer else None,
            answer_url=answer.message.url if answer else None,
            untagged=message.untagged,
        )
    return list(items.values())


def _answer(j: Judged, replies: Counter[str]) -> AnswerItem:
    m = j.message
    return AnswerItem(m.id, m.author, m.created_at, m.text, m.url, j.analysis.late, j.analysis.repost,
                      replies[m.id], j.analysis.team)


def _questions(judged: list[Judged], ledger: Ledger, end: datetime, replies: Counter[str]) -> list[QuestionRecap]:
    openers = [j for j in judged if j.analysis.opens is not None]
    recaps: list[QuestionRecap] = []
    for index, opener in enumerate(openers):
        number = opener.analysis.opens
        assert number is not None
        # A host who re-posts "Q3:" (a correction) reopens thread 3; recap it once.
        if any(r.number == number for r in recaps):
            continue
        # The question runs until a *different* question opens: a corrected re-post of the same
        # Qn (often seconds later) neither ends it nor counts as a host reply in its thread.
        following = next(
            (o.message.created_at for o in openers[index + 1 :] if o.analysis.opens != number), end
        )
        members = [j for j in judged if j.analysis.thread == number and j.analysis.opens != number]
        answers = [_answer(j, replies) for j in members if not j.analysis.team and not j.analysis.repost]
        thread_balls = [b for j in members if (b := ledger.get(j.message.id)) is not None]
        recaps.append(
            QuestionRecap(
                number=number,
                opened_at=opener.message.created_at,
                author=opener.message.author,
                text=opener.message.text,
                url=opener.message.url,
                answers=answers,
                host_replies=sum(1 for j in members if j.analysis.team and not j.analysis.repost),
                reposts=sum(1 for j in members if j.analysis.repost),
                participants=sorted(
                    {
                        j.analysis.author_key: j.message.author
                        for j in reversed(members)
                        if not j.analysis.team and not j.analysis.repost
                    }.values(),
                    key=str.lower,
                ),
                duration_s=max(0.0, (following - opener.message.created_at).total_seconds()),
                late_answers=sum(1 for a in answers if a.late),
                balls=len(thread_balls),
                dropped=sum(1 for b in thread_balls if b.status is Status.DROPPED),
                # A message to the host team is not an answer to their question (and a dropped
                # one is the host's business, not the public recap's).
                highlights=highlights([a for a in answers if ledger.get(a.id) is None]),
            )
        )
    recaps.sort(key=lambda r: r.number)
    return recaps


CONVERSATIONS = 8
"""Conversations a recap by conversation tells in full."""
CONVERSATION_MIN = 3
"""Messages (the opener included) that make an exchange a conversation worth telling."""


def _conversations(
    judged: list[Judged], replies: Counter[str], dropped: set[str]
) -> tuple[list[Conversation], int]:
    """The session's reply chains of at least ``CONVERSATION_MIN`` messages, the longest
    ``CONVERSATIONS`` of them in the order they began, and how many more there were. A chain
    opened by a dropped ball is the host's to follow up, not a conversation to recap; a dropped
    ball inside one is never quoted."""
    root: dict[str, str] = {}
    members: dict[str, list[Judged]] = {}
    for j in judged:  # chronological: a parent is rooted before its replies
        if j.analysis.repost:
            continue
        parent = j.analysis.reply_to_id
        top = root.get(parent, j.message.id) if parent else j.message.id
        root[j.message.id] = top
        members.setdefault(top, []).append(j)
    chains = [
        [j for j in chain if j.message.id not in dropped]
        for chain in members.values()
        if len(chain) >= CONVERSATION_MIN and chain[0].message.id not in dropped
    ]
    longest = sorted(chains, key=lambda c: (-len(c), c[0].message.created_at))[:CONVERSATIONS]
    longest.sort(key=lambda c: c[0].message.created_at)
    return [_conversation(chain, replies) for chain in longest], len(chains) - len(longest)


def _conversation(chain: list[Judged], replies: Counter[str]) -> Conversation:
    answers = [_answer(j, replies) for j in chain[1:]]
    people: dict[str, str] = {}
    for j in chain:
        people.setdefault(j.analysis.author_key, j.message.author)
    hosts = [a for a in answers if a.team and not small_talk(a.text)][:1]
    others = highlights([a for a in answers if not a.team], HIGHLIGHTS - len(hosts))
    return Conversation(
        opener=_answer(chain[0], replies),
        messages=len(chain),
        participants=list(people.values()),
        host_replies=sum(1 for a in answers if a.team),
        highlights=sorted(hosts + others, key=lambda a: a.at),
    )


def _before_first_question(judged: list[Judged]) -> int:
    """Messages in no question's thread posted before the first question opened (a greeting or
    thanks later in the chat is in no thread either, but it did not come before Q1)."""
    first = next((j.analysis.created_at for j in judged if j.analysis.opens is not None), None)
    return sum(1 for j in judged if j.analysis.thread is None and (first is None or j.analysis.created_at < first))


def _participants(judged: list[Judged]) -> list[Participant]:
    stats: dict[str, Participant] = {}
    for j in judged:
        a = j.analysis
        if a.team or a.repost:
            continue
        p = stats.get(a.author_key)
        if p is None:
            p = stats[a.author_key] = Participant(j.message.author, j.message.display_name, 0, 0, 0, 0)
        p.messages += 1
        p.answers += a.thread is not None and a.opens is None
        p.balls += a.to_host
        p.questions += a.question
    return sorted(stats.values(), key=lambda p: (-p.messages, -p.balls, p.author.lower()))


def _community(judged: list[Judged], by_id: dict[str, Judged]) -> Community:
    between = through = 0
    for j in judged:
        a = j.analysis
        if a.repost:
            continue
        parent = by_id.get(a.reply_to_id) if a.reply_to_id else None
        if a.team:
            if parent is not None and not parent.analysis.team:
                through += 1
        elif a.to_host:
            through += 1
        elif parent is not None and not parent.analysis.team and parent.analysis.author_key != a.author_key:
            between += 1
    return Community(between, through)
