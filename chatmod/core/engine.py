"""Provides the engine: messages and moderator actions in, events out. Pure: time is an argument.

The engine applies the five rules of DESIGN.md to one message at a time, in chronological order,
so live, replay, reports and the hub all run the same judgement and rebuild the same ledger:

1. threading (:mod:`chatmod.core.tags`), 2. addressing (:mod:`chatmod.core.speech`),
3. questions (:mod:`chatmod.core.asking`), 4. inferred reply links and 5. answered balls (here).

Rule 4 is for archives that lost their reply links (the sheet CSV, TAGS, text-only exports): a
message that opens with an @-block is taken as a reply to that person's latest message. Where the
data records links, that guess would be wrong: a message with a leading @-block and no reply id
is then a new message that names people, in the current question's thread, linked to nothing.
Whether the data records links is read from the data, never from the format's name: the message
says so (:attr:`Message.reply_known`: its record has the reply field, even empty), or an earlier
message of the same session carried an explicit link.

The engine does not decide where a session ends: :class:`chatmod.core.runtime.ChatRuntime`
does, and calls :meth:`Engine.end_session`; the open balls are then dropped, and nothing of the
session carries into the next one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from chatmod.core.asking import asks
from chatmod.core.events import (
    Analyzed,
    AnsweredHow,
    BallAnswered,
    BallDropped,
    BallOpened,
    Event,
    Marked,
    QuestionOpened,
    Reason,
    SessionEnded,
    SessionStarted,
)
from chatmod.core.handles import HostTeam, find_handles, leading_block, person_key, resolve
from chatmod.core.ledger import Ledger
from chatmod.core.models import Message, Network, ReplySource
from chatmod.core.smalltalk import social
from chatmod.core.speech import Voice, plural_address, voice_of
from chatmod.core.tags import answer_tag, manual_repost, question_opener, without_answer_tag
from chatmod.core.topic import topic

__all__ = ["Engine", "EngineConfig"]


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """The judgement's time scales."""

    burst_window: timedelta = timedelta(minutes=2)
    """Consecutive messages of one author this close together may make one point."""
    prefer_window: timedelta = timedelta(minutes=15)
    """How far back an inferred reply looks for a message that spoke to the replier. Older
    exchanges have usually moved on: a longer look-back drags replies into earlier threads."""
    reaction_time: timedelta = timedelta(seconds=10)
    """A reply posted sooner than this after a message was written before it could be read:
    an inferred link skips such messages when an older one is there."""


_TEAM = "\x00team"


_TOPIC_WORDS = 2
"""Content words a host reply must share with a participant's message to be taken as a reply to
it rather than to the one the address alone would pick: one shared word can be chance."""


class _Seen:
    """What the engine remembers of a message for the rest of its session."""

    __slots__ = (
        "_about",
        "answer_tag",
        "at",
        "author_key",
        "body",
        "burst_head",
        "explicit",
        "id",
        "is_ball",
        "opens",
        "parent",
        "question",
        "replied_by",
        "team",
        "thread",
        "to_host",
    )

    def __init__(self, id: str, author_key: str, at: datetime, team: bool) -> None:
        self.id = id
        self.author_key = author_key
        self.at = at
        self.team = team
        self.thread: int | None = None
        self.to_host = False
        self.question = False
        self.parent: _Seen | None = None
        self.opens: int | None = None
        self.answer_tag: int | None = None
        self.is_ball = False
        self.burst_head: str | None = None
        self.replied_by: set[str] | None = None
        self.explicit = False
        self.body = ""
        """The text after the leading @-block: what the message is about (rule 5's topic)."""
        self._about: frozenset[str] | None = None

    @property
    def about(self) -> frozenset[str]:
        """The content words of :attr:`body`, worked out once, when first asked for."""
        if self._about is None:
            self._about = topic(self.body)
        return self._about


# A later message that starts like this adds detail to the author's previous point ...
_DETAIL_START = re.compile(
    r"""\s*(?:(?:and|like|specifically|esp|especially|e\.?g|for\s+example|i\s+mean|in\s+particular|or
    |cont(?:'?d|inued)?|which|because|bc|since|but|plus|so|as\s+in|meaning|to\s+clarify
    |(?:i'?m\s+)?asking\s+(?:bc|because|since|as|cause|cuz))\b
    |\.\.\.|…|\(?\d+/|\(cont|[—\-+(])""",
    re.IGNORECASE | re.VERBOSE,
)
# Detail that carries a question on ("...and for 3rd graders?"), unlike context "(28 kids)".
_CARRIES_ON = re.compile(
    r"\s*(?:\.\.\.|…)?\s*(?:and|or|like|specifically|esp(?:ecially)?|in\s+particular|e\.?g|for\s+example"
    r"|i\s+mean|as\s+in|meaning)\b",
    re.IGNORECASE,
)
# ... and this opens a separate one.
_NEW_POINT_START = re.compile(
    r"""\s*(?:also|another|btw|by\s+the\s+way|oh\s+and|p\.?s|separate|different|unrelated|on\s+another\s+note
    |one\s+more|and\s+another|q|question|off\s+topic)\b""",
    re.IGNORECASE | re.VERBOSE,
)


class Engine:
    """Reads one chat, message by message, and keeps its ledger of balls.

    Args:
        team: the host team.
        config: time scales of the judgement.
    """

    def __init__(self, team: HostTeam, config: EngineConfig | None = None) -> None:
        self.team = team
        self.config = config or EngineConfig()
        self.ledger = Ledger()
        """Every ball of every session so far."""
        self.session = 0
        """The current session number (1-based; 0 before the first message)."""
        self._in_session = False
        self._last_at: datetime | None = None
        self._people: dict[tuple[Network, str | None, str | None], tuple[str, bool]] = {}
        """Who is who (bounded): chats repeat their people, week after week."""
        self._reset_session_state()

    # -- sessions -------------------------------------------------------------------------

    def _reset_session_state(self) -> None:
        self._seen: dict[str, _Seen] = {}
        self._by_author: dict[str, list[_Seen]] = {}
        self._open_by_author: dict[str, list[str]] = {}
        self._current: int | None = None
        self._opened_at: dict[int, datetime] = {}
        self._team_keys: set[str] = set()
        # (speaker, listener) -> the speaker's messages that spoke to the listener, oldest first;
        # _TEAM stands for "addressed to the host team". Keeps reply inference O(1)-ish.
        self._spoken: dict[tuple[str, str], list[_Seen]] = {}
        # Once a message of the session carried a reply link, the session's source records them.
        self._links_recorded = False

    @property
    def in_session(self) -> bool:
        return self._in_session

    def has_read(self, message_id: str) -> bool:
        """Whether a message of this id was read in the current session."""
        return message_id in self._seen

    def end_session(self, at: datetime | None = None) -> list[Event]:
        """Close the current session at ``at`` (default: its last message): every ball still
        open is dropped."""
        if not self._in_session:
            return []
        end = at or self._last_at
        assert end is not None
        events: list[Event] = []
        for ids in self._open_by_author.values():
            for ball_id in ids:
                events.append(BallDropped(ball_id, end))
        events.append(SessionEnded(self.session, end))
        for event in events:
            self.ledger.apply(event)
        self._in_session = False
        self._reset_session_state()
        return events

    def act(self, event: Marked) -> None:
        """Apply a moderator's action (validated by the runtime); raises LedgerError."""
        self.ledger.apply(event)
        self._forget_if_closed(event.ball_id)

    def _forget_if_closed(self, ball_id: str) -> None:
        ball = self.ledger.get(ball_id)
        seen = self._seen.get(ball_id)
        if ball is None or seen is None:
            return
        ids = self._open_by_author.setdefault(seen.author_key, [])
        if ball.is_open and ball_id not in ids:
            ids.append(ball_id)
            ids.sort(key=lambda i: self._seen[i].at)
        elif not ball.is_open and ball_id in ids:
            ids.remove(ball_id)

    # -- messages -------------------------------------------------------------------------

    def outside(self, message: Message) -> Analyzed:
        """The reading of a message outside every session (a reminder, chatter the week after):
        who posted it and what it replies to, and no judgement (session 0, no thread, no ball)."""
        author_key, team = self._identity(message.network, message.author, message.author_id)
        return Analyzed(
            id=message.id,
            network=message.network,
            author=message.author,
            author_key=author_key,
            created_at=message.created_at,
            session=0,
            thread=None,
            team=team,
            repost=message.is_repost or manual_repost(message.text) is not None,
            to_host=False,
            question=False,
            reply_to_id=message.reply_to_id,
            reply_to_author=message.reply_to_author,
            reply_source=ReplySource.EXPLICIT if message.reply_to_id is not None else None,
            reason=None,
            opens=None,
            answer_tag=None,
            late=False,
        )

    def ingest(self, message: Message) -> list[Event]:
        """Read one message (in chronological order) and return what it changed."""
        events: list[Event] = []
        at = message.created_at
        if not self._in_session:
            self.session += 1
            self._in_session = True
            events.append(SessionStarted(self.session, at))
        if self._last_at is None or at > self._last_at:
            self._last_at = at

        network = message.network
        author_key, team = self._identity(network, message.author, message.author_id)
        if team:
            self._team_keys.add(author_key)
        seen = _Seen(message.id, author_key, at, team)

        repost_author: str | None = message.repost_of_author
        repost_text = message.text
        repost = message.is_repost
        manual = manual_repost(message.text)
        if manual is not None:
            # Archives that keep only the text of a retweet show it as "RT @author: original".
            repost = True
            repost_author, repost_text = repost_author or manual[0], manual[1]

        block: list[tuple[str, str | None, str]] = []
        body = message.text
        if not repost:
            handles, body = leading_block(message.text, network)
            for handle in handles:
                resolved, account_id = resolve(handle, message)
                block.append((resolved, account_id, self._identity(network, resolved, account_id)[0]))
        seen.body = body

        # Rule 4: the reply link, explicit, or inferred from the leading @-block where the data
        # records no links: there a leading @-block is a new message that names people.
        parent: _Seen | None = None
        reply_to_id = message.reply_to_id
        reply_author: str | None = message.reply_to_author
        reply_source: ReplySource | None = None
        strong = True
        if reply_to_id is not None:
            self._links_recorded = True
            reply_source = ReplySource.EXPLICIT
            parent = self._seen.get(reply_to_id)
            if parent is not None and reply_author is None:
                reply_author = parent.author_key
        elif block and not repost and not (message.reply_known or self._links_recorded):
            target_handle, _, target_key = block[0]
            reply_author = target_handle
            if target_key != author_key:
                parent, strong = self._infer_parent(target_key, author_key, team, at, body)
                if parent is not None:
                    reply_to_id = parent.id
                    reply_source = ReplySource.INFERRED

        # Who this message speaks to: its first block handle, and handles addressed in the text.
        voices = self._voices(body, message) if not repost else []
        direct = [key for key, _, _, voice in voices if voice is Voice.DIRECT]
        # A cc later in the @-block is copied in, not spoken to.
        speaks = set(direct)
        if block:
            speaks.add(block[0][2])
        if parent is not None:
            seen.parent = parent
            seen.explicit = reply_source is ReplySource.EXPLICIT
            if parent.replied_by is None:
                parent.replied_by = set()
            parent.replied_by.add(author_key)

        # Rule 1: the thread.
        opens = question_opener(body) if team and not repost else None
        tag = answer_tag(body) if not repost and opens is None else None
        thread = self._thread(message, seen, repost, repost_author, repost_text, opens, tag, parent, strong)
        late = False
        if opens is not None:
            self._current = opens
            self._opened_at[opens] = at
            events.append(QuestionOpened(self.session, opens, message.id, at))
        elif thread is not None and self._current is not None and thread != self._current:
            opened = self._opened_at.get(thread)
            late = opened is not None and opened <= self._opened_at[self._current]
        seen.thread, seen.opens, seen.answer_tag = thread, opens, tag

        # Rules 2 and 3: addressed? asking?
        reason: Reason | None = None
        if not team and not repost:
            reason = self._addressing(message, parent, reply_author, block, voices, body)
        to_host = reason is not None
        content = without_answer_tag(body) if tag is not None else body
        question = to_host and asks(content, answering=tag is not None)
        seen.to_host, seen.question = to_host, question
        burst_of = self._burst_head(seen, content) if to_host else None
        if burst_of is not None and not question and self._seen[burst_of].question:
            # Detail added to a question carries the question on ("...and for 3rd graders").
            question = seen.question = _CARRIES_ON.match(content) is not None

        analyzed = Analyzed(
            id=message.id,
            network=network,
            author=message.author,
            author_key=author_key,
            created_at=at,
            session=self.session,
            thread=thread,
            team=team,
            repost=repost,
            to_host=to_host,
            question=question,
            reply_to_id=reply_to_id,
            reply_to_author=reply_author,
            reply_source=reply_source,
            reason=reason,
            opens=opens,
            answer_tag=tag,
            late=late,
        )
        events.append(analyzed)
        self._seen[message.id] = seen
        self._by_author.setdefault(author_key, []).append(seen)
        for listener in speaks:
            self._spoken.setdefault((author_key, listener), []).append(seen)
        if to_host:
            self._spoken.setdefault((author_key, _TEAM), []).append(seen)

        # Rule 5: balls open, and host-team messages answer them.
        if to_host:
            events.append(self._open_ball(message, seen, burst_of))
        if team and not repost:
            spoken_to = [block[0][2]] if block else []
            events.extend(self._answer(message, seen, parent, [*spoken_to, *direct], [key for _, _, key in block[1:]]))
        return events

    def _identity(self, network: Network, handle: str | None, account_id: str | None) -> tuple[str, bool]:
        """(person key, on the host team?) of an account, remembered: chats repeat their people."""
        known = self._people.get((network, handle, account_id))
        if known is None:
            if len(self._people) >= 100_000:
                self._people.clear()
            known = (person_key(network, handle, account_id), self.team.matches(handle, account_id))
            self._people[(network, handle, account_id)] = known
        return known

    # -- rule 1 ---------------------------------------------------------------------------

    def _thread(
        self,
        message: Message,
        seen: _Seen,
        repost: bool,
        repost_author: str | None,
        repost_text: str,
        opens: int | None,
        tag: int | None,
        parent: _Seen | None,
        strong: bool,
    ) -> int | None:
        if opens is not None:
            return opens
        if repost:
            original = self._seen.get(message.repost_of) if message.repost_of else None
            if original is not None:
                return original.thread
            _inner_block, inner_body = leading_block(repost_text, message.network)
            if repost_author is not None and self.team.matches(repost_author):
                inner = question_opener(inner_body)
                if inner is not None:
                    return inner
            inner_tag = answer_tag(inner_body)
            return inner_tag if inner_tag is not None else self._current
        if tag is not None:
            return tag
        if social(seen.body):
            return None  # a greeting, thanks or goodbye answers no question, whenever it comes
        if parent is not None:
            if message.reply_to_id is not None or strong or parent.opens is not None:
                return parent.thread
            return self._current
        if message.reply_to_id is not None and message.reply_to_author:
            # The parent is not in the archive (a hashtag search misses replies without the tag):
            # the reply carries on the conversation its author and addressee were last having.
            had = self._last_between(seen.author_key, self._identity(message.network, message.reply_to_author, None)[0])
            if had is not None:
                return had.thread
        if message.quote_of is not None:
            quoted = self._seen.get(message.quote_of)
            if quoted is not None:
                return quoted.thread
        return self._current

    def _last_between(self, one: str, other: str) -> _Seen | None:
        """The latest message of this session either of two people spoke to the other with
        (the host team counts as one person), None when they have not spoken."""
        keys = {other} | ({_TEAM} if other in self._team_keys else set())
        mine = [seen for key in keys for seen in self._spoken.get((one, key), ())[-1:]]
        if other in self._team_keys:
            theirs = [seen for team in self._team_keys for seen in self._spoken.get((team, one), ())[-1:]]
        else:
            theirs = list(self._spoken.get((other, one), ())[-1:])
        found = [seen for seen in (*mine, *theirs) if seen.thread is not None]
        return max(found, key=lambda seen: seen.at) if found else None

    # -- rule 2 ---------------------------------------------------------------------------

    def _voices(self, body: str, message: Message) -> list[tuple[str, str, str | None, Voice]]:
        spans = find_handles(body, message.network)
        if not spans:
            return []
        found: list[tuple[str, str, str | None, Voice]] = []
        previous: Voice | None = None
        for span in spans:
            handle, account_id = resolve(span.handle, message)
            voice = voice_of(body, span.start, span.end, previous)
            previous = voice
            found.append((person_key(message.network, handle, account_id), handle, account_id, voice))
        return found

    def _is_team(self, handle: str | None, account_id: str | None, key: str | None) -> bool:
        if key is not None and key in self._team_keys:
            return True
        return self.team.matches(handle, account_id)

    def _addressing(
        self,
        message: Message,
        parent: _Seen | None,
        reply_author: str | None,
        block: list[tuple[str, str | None, str]],
        voices: list[tuple[str, str, str | None, Voice]],
        body: str,
    ) -> Reason | None:
        if message.reply_to_id is not None:
            if parent is not None:
                if parent.team:
                    return Reason.REPLY
            elif reply_author is not None and self.team.matches(reply_author, reply_author):
                return Reason.REPLY
        if block:
            handle, account_id, key = block[0]
            if self._is_team(handle, account_id, key):
                return Reason.LEADING
        for key, handle, account_id, voice in voices:
            if voice is Voice.DIRECT and self._is_team(handle, account_id, key):
                return Reason.DIRECT
        if (len(block) > 1 and plural_address(body)
                and any(self._is_team(h, i, k) for h, i, k in block[1:])):
            return Reason.PLURAL
        return None

    # -- rule 4 ---------------------------------------------------------------------------

    def _infer_parent(
        self, target: str, author: str, team: bool, at: datetime, body: str
    ) -> tuple[_Seen | None, bool]:
        """The replied-to message: the target's latest, preferring one that spoke to us, and
        for the host team one whose topic the reply takes up (a host replying "@bob saving
        time is the best" to bob's post about a time saver, not to bob's later aside).

        Returns the parent and whether the inference is strong (the parent spoke to this
        author and had not been answered by them yet, or shares the reply's topic) or only
        "their latest message".
        """
        chosen, strong = self._infer_by_address(target, author, team, at)
        if not team or chosen is None:
            return chosen, strong
        horizon, readable = at - self.config.prefer_window, at - self.config.reaction_time
        words = topic(body)
        best, best_shared = chosen, len(words & chosen.about)
        for candidate in reversed(self._by_author[target]):
            if candidate.at < horizon:
                break
            if candidate.at > readable or (candidate.replied_by is not None and author in candidate.replied_by):
                continue
            overlap = len(words & candidate.about)
            if overlap > best_shared and overlap >= _TOPIC_WORDS:
                best, best_shared = candidate, overlap
        return (best, True) if best is not chosen else (chosen, strong)

    def _infer_by_address(
        self, target: str, author: str, team: bool, at: datetime
    ) -> tuple[_Seen | None, bool]:
        history = self._by_author.get(target)
        if not history:
            return None, False
        horizon = at - self.config.prefer_window
        readable = at - self.config.reaction_time
        best: _Seen | None = None
        pools = [self._spoken.get((target, author), ())]
        if team:
            pools.append(self._spoken.get((target, _TEAM), ()))
        for pool in pools:
            for candidate in reversed(pool):
                if candidate.at < horizon or (best is not None and candidate.at <= best.at):
                    break
                if candidate.replied_by is not None and author in candidate.replied_by:
                    continue
                if candidate.at > readable:
                    continue
                best = candidate
                break
        if best is not None:
            return best, True
        for candidate in reversed(history):
            if candidate.at <= readable:
                return candidate, False
        return history[-1], False

    # -- rule 5 ---------------------------------------------------------------------------

    def _burst_head(self, seen: _Seen, body: str) -> str | None:
        """The first ball of the burst ``seen`` continues, if it adds detail to an open one."""
        open_ids = self._open_by_author.get(seen.author_key)
        if not open_ids:
            return None
        previous = self._seen[open_ids[-1]]
        if not self._continues(previous, seen, body):
            return None
        return previous.burst_head or previous.id

    def _open_ball(self, message: Message, seen: _Seen, burst_of: str | None) -> BallOpened:
        seen.is_ball = True
        seen.burst_head = burst_of
        self._open_by_author.setdefault(seen.author_key, []).append(seen.id)
        opened = BallOpened(
            ball_id=seen.id,
            author=message.author,
            question=seen.question,
            thread=seen.thread,
            session=self.session,
            at=seen.at,
            burst_of=burst_of,
        )
        self.ledger.apply(opened)
        return opened

    def _continues(self, previous: _Seen, seen: _Seen, body: str) -> bool:
        """Whether ``seen`` adds detail to ``previous`` (same author) rather than a new point."""
        history = self._by_author[seen.author_key]
        # The author's message just before this one must be the previous ball: anything they
        # said in between (an answer to someone else, say) ends the burst.
        if history[-1] is not previous or seen.at - previous.at > self.config.burst_window:
            return False
        if seen.thread != previous.thread and seen.thread is not None:
            return False
        if seen.answer_tag is not None and seen.answer_tag != previous.answer_tag:
            return False
        # A reply to something else is a reaction to that, not more of the same point.
        parent, before = seen.parent, previous.parent
        # An inferred link only guesses which of a person's messages is meant.
        if (parent is not None and parent is not previous and parent is not before
                and (seen.explicit or before is None or parent.author_key != before.author_key)):
            return False
        if _NEW_POINT_START.match(body):
            return False
        if _DETAIL_START.match(body) is not None:
            return True
        if seen.question:
            return False
        # One point told in pieces shares its words ("the podcast…" / "…the podcast's best
        # episode"), or adds no words of its own ("so good!!"); a line on another subject is
        # another point, and its own ball.
        return not seen.about or bool(seen.about & previous.about)

    def _answer(
        self, message: Message, seen: _Seen, parent: _Seen | None, direct: list[str], named: list[str]
    ) -> list[Event]:
        """The balls a host-team message answers, each with what makes it the answer.

        A reply answers the ball it replies to (``reply``) and the replied-to author's balls
        its exchange descends from (``same_exchange``: a reply later in the same exchange). It
        also answers a participant it names after the first (``named``) whose latest open ball
        is in the same exchange (their reply chains meet) and on its topic (they share content
        words): "@mike @greg the Graph API is a moving target" answers greg's Graph post in the
        thread mike and greg are both in, and nothing greg said elsewhere.

        A message without a link speaks to the person its leading handle names (``@sam …``, also
        ``.@sam …``) and to each one its text addresses ("great question @dan"): it answers that
        person's latest open ball, or, where they have several open and it takes up an earlier
        one's topic rather than the latest's, that one (``to_author``). A cc later in the
        @-block is copied in, not answered.
        """
        targets: list[tuple[str, AnsweredHow]] = []
        if parent is not None:
            author = parent.author_key
            node: _Seen | None = parent
            depth = 0
            while node is not None and depth < 50:
                if node.is_ball and node.author_key == author:
                    targets.append((node.id, AnsweredHow.REPLY if node is parent else AnsweredHow.SAME_EXCHANGE))
                node = node.parent
                depth += 1
            for key in dict.fromkeys(named):
                open_ids = self._open_by_author.get(key)
                if key != author and open_ids and self._responds(seen, parent, self._seen[open_ids[-1]]):
                    targets.append((open_ids[-1], AnsweredHow.SAME_EXCHANGE))
        elif direct:
            for key in dict.fromkeys(direct):
                open_ids = self._open_by_author.get(key)
                if open_ids:
                    targets.append((self._taken_up(seen, open_ids), AnsweredHow.TO_AUTHOR))
        events: list[Event] = []
        done: set[str] = set()
        for ball_id, how in targets:
            for member in self._burst_of(ball_id):
                if member in done:
                    continue
                done.add(member)
                ball = self.ledger.get(member)
                if ball is not None and ball.is_open:
                    answered = BallAnswered(member, message.author, seen.at, message.id, how)
                    self.ledger.apply(answered)
                    events.append(answered)
                    self._open_by_author[self._seen[member].author_key].remove(member)
        return events

    def _taken_up(self, seen: _Seen, open_ids: list[str]) -> str:
        """Which of one person's open balls a message to them takes up: the latest, unless it
        shares more of an earlier one's words than of the latest's."""
        latest = open_ids[-1]
        best, best_shared = latest, len(seen.about & self._seen[latest].about)
        for ball_id in reversed(open_ids[:-1]):
            shared = len(seen.about & self._seen[ball_id].about)
            if shared > best_shared:
                best, best_shared = ball_id, shared
        return best

    @staticmethod
    def _responds(seen: _Seen, parent: _Seen, ball: _Seen) -> bool:
        """Whether a reply to ``parent`` takes up ``ball`` too: the two share a reply chain,
        and the reply shares content words with the ball or the message the ball answers."""
        chain: set[str] = set()
        node: _Seen | None = parent
        for _ in range(50):
            if node is None:
                break
            chain.add(node.id)
            node = node.parent
        node = ball
        for _ in range(50):
            if node is None or node.id in chain:
                break
            node = node.parent
        if node is None or node.id not in chain:
            return False
        about = ball.about if ball.parent is None else ball.about | ball.parent.about
        return bool(seen.about & about)

    def _burst_of(self, ball_id: str) -> list[str]:
        seen = self._seen.get(ball_id)
        if seen is None:
            return [ball_id]
        head = seen.burst_head or seen.id
        members = [head]
        for other_id in self._open_by_author.get(seen.author_key, []):
            other = self._seen[other_id]
            if other.burst_head == head and other_id != head:
                members.append(other_id)
        if ball_id not in members:
            members.append(ball_id)
        return members
