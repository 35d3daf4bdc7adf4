"""Provides the one rule a live source keeps untagged posts by, on every network.

A live source follows the chat's hashtag and, because a ball often forgets the tag, the posts
that mention the host team (Mastodon: the host's mentions; Bluesky: posts naming a host-team
DID). But people mention a host about other things too. A host would count an untagged post as
part of the chat when:

- it replies to a message of the chat (the conversation is the chat's, wherever the tag went);
- it carries the chat's numbered form (``A5: … cc @host``, ``Q3 …``): it answers or asks in the
  chat's own terms;
- its author posted in the chat this session (within the silence that ends a session): people in
  the middle of a chat who mention the host are talking about the chat.

Anything else that mentions the host (a question about last month's blog post from someone not in
the chat) is not the chat's. The rule is the same on every network: a message from Mastodon and
the same message from Bluesky get the same verdict.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chatmod.core.handles import leading_block, person_key
from chatmod.core.models import Message
from chatmod.core.sessions import SessionRules
from chatmod.core.tags import answer_tag, question_opener

__all__ = ["ChatCompany"]

_SESSION_SILENCE = SessionRules().gap

_REMEMBERED = 50_000
"""Messages and people remembered: a few chats' worth; the oldest are forgotten first."""


class ChatCompany:
    """The chat's messages and people so far, and whether an untagged post belongs with them.

    Args:
        within: how recently an author must have posted in the chat for their untagged mention
            of the host to count (default: the silence that ends a session).
    """

    def __init__(self, within: timedelta = _SESSION_SILENCE) -> None:
        self._within = within
        self._ids: dict[str, None] = {}
        self._last_seen: dict[str, datetime] = {}

    def took(self, message: Message) -> None:
        """``message`` is the chat's: replies to it count, and its author is in the chat now."""
        self.took_id(message.id)
        key = person_key(message.network, message.author, message.author_id)
        last = self._last_seen.pop(key, None)
        self._last_seen[key] = message.created_at if last is None else max(last, message.created_at)
        if len(self._last_seen) > _REMEMBERED:
            del self._last_seen[next(iter(self._last_seen))]

    def is_chats(self, message: Message) -> bool:
        """Whether the untagged ``message`` (one that mentions or is by the host team) belongs to
        the chat, by the rule above."""
        if message.reply_to_id is not None and message.reply_to_id in self._ids:
            return True
        body = leading_block(message.text, message.network)[1]
        if answer_tag(body) is not None or question_opener(body) is not None:
            return True
        last = self._last_seen.get(person_key(message.network, message.author, message.author_id))
        # Either side of it: a catch-up may bring an earlier mention after a later chat post.
        return last is not None and abs(message.created_at - last) <= self._within

    def took_id(self, message_id: str) -> None:
        """A message of the chat known by id only (one stored by an earlier run): replies to it count."""
        self._ids[message_id] = None
        if len(self._ids) > _REMEMBERED:
            del self._ids[next(iter(self._ids))]
