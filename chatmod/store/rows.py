"""Provides the conversions between chatmod's values and database rows. Pure: no I/O."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

from chatmod.core.events import (
    AnsweredHow,
    BallAnswered,
    BallClaimed,
    BallDismissed,
    BallDropped,
    BallEvent,
    BallOpened,
    BallReopened,
    BallSnoozed,
    BallUnclaimed,
    Event,
    ModeratorEvent,
)
from chatmod.core.models import Mention, Message, Network

__all__ = ["EVENT_COLUMNS", "MESSAGE_COLUMNS", "event_from_row", "event_row", "iso", "message_from_row", "message_row",
           "session_key"]

MESSAGE_COLUMNS = (
    "network", "id", "author", "author_id", "display_name", "created_at", "text", "reply_to_id",
    "reply_to_author", "repost_of", "repost_of_author", "quote_of", "url", "lang", "mentions",
    "hashtags", "edited", "deleted", "truncated", "untagged", "reply_known", "raw",
)
EVENT_COLUMNS = ("network", "ball_id", "kind", "at", "by", "message_id", "origin", "detail")

_ALL_FIELDS = set(Message.model_fields)
assert set(MESSAGE_COLUMNS) == _ALL_FIELDS, "message_from_row builds every field of Message by name"
_NETWORKS = {network.value: network for network in Network}
_HOWS = frozenset(how.value for how in AnsweredHow)
_parse_iso = datetime.fromisoformat  # Python 3.11 reads the trailing Z as UTC
_KINDS: dict[type, str] = {
    BallOpened: "opened", BallAnswered: "answered", BallDropped: "dropped", BallClaimed: "claimed",
    BallUnclaimed: "unclaimed", BallDismissed: "dismissed", BallReopened: "reopened",
    BallSnoozed: "snoozed",
}


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z and milliseconds: sorts as text, reads as a time."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def session_key(start: str, planned_start: str | None, moved_from: str | None = None) -> str:
    """What makes a stored session the same one when it is written again (a re-ingest, a live
    run resumed): its planned start, else the start it was found at (or the cancelled one it
    replaced)."""
    return planned_start or f"found:{moved_from or start}"


def _raw(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        return repr(value)


def message_row(message: Message) -> tuple[object, ...]:
    """The ``messages`` row of a message, in :data:`MESSAGE_COLUMNS` order."""
    return (
        message.network.value, message.id, message.author, message.author_id, message.display_name,
        iso(message.created_at), message.text, message.reply_to_id, message.reply_to_author,
        message.repost_of, message.repost_of_author, message.quote_of, message.url, message.lang,
        json.dumps([{"handle": m.handle, "id": m.id} for m in message.mentions], ensure_ascii=False)
        if message.mentions else "[]",
        json.dumps(list(message.hashtags), ensure_ascii=False) if message.hashtags else "[]",
        int(message.edited), int(message.deleted), int(message.truncated), int(message.untagged),
        int(message.reply_known), _raw(message.raw),
    )


def message_from_row(row: tuple[Any, ...]) -> Message:
    """The message a ``messages`` row (in :data:`MESSAGE_COLUMNS` order) was written from."""
    (network, ident, author, author_id, display_name, created_at, text, reply_to_id, reply_to_author,
     repost_of, repost_of_author, quote_of, url, lang, mentions, hashtags, edited, deleted, truncated, untagged,
     reply_known, _) = row
    values = {
        "network": _NETWORKS[network],
        "id": ident,
        "author": author,
        "author_id": author_id,
        "display_name": display_name,
        "created_at": _parse_iso(created_at),
        "text": text,
        "reply_to_id": reply_to_id,
        "reply_to_author": reply_to_author,
        "mentions": tuple(Mention(**m) for m in json.loads(mentions)) if mentions != "[]" else (),
        "hashtags": tuple(json.loads(hashtags)) if hashtags != "[]" else (),
        "repost_of": repost_of,
        "repost_of_author": repost_of_author,
        "quote_of": quote_of,
        "url": url,
        "lang": lang,
        "edited": edited == 1,
        "deleted": deleted == 1,
        "truncated": truncated == 1,
        "untagged": untagged == 1,
        "reply_known": reply_known == 1,
        "raw": None,
    }
    # Rows are written only from validated messages, so the message is rebuilt without
    # validating it again (that was half the cost of judging a stored archive). This is what
    # pydantic's model_construct does, minus its per-field default handling: every field is here.
    message = Message.__new__(Message)
    object.__setattr__(message, "__dict__", values)
    object.__setattr__(message, "__pydantic_fields_set__", _ALL_FIELDS)
    object.__setattr__(message, "__pydantic_extra__", None)
    object.__setattr__(message, "__pydantic_private__", None)
    return message


def event_row(network: Network, event: Event) -> tuple[object, ...] | None:
    """The ``ledger_events`` row of a ball event (None for events that are not about a ball)."""
    kind = _KINDS.get(type(event))
    if kind is None or not isinstance(event, BallEvent):
        return None
    detail = "{}"
    by = event.by if isinstance(event, ModeratorEvent | BallAnswered) else ""
    message_id = ""
    origin = "moderator"
    if isinstance(event, BallOpened):
        by, origin = event.author, "engine"
        # One per ball: written by hand, it costs a tenth of json.dumps (a test compares them).
        detail = _opened_detail(event.question, event.thread, event.burst_of)
    elif isinstance(event, BallDropped):
        origin = "engine"
    elif isinstance(event, BallAnswered) and event.message_id is not None:
        message_id, origin = event.message_id, "engine"
        detail = f'{{"how":"{event.how.value}"}}'
    elif isinstance(event, BallSnoozed):
        detail = json.dumps({"until": iso(event.until)}, separators=(",", ":"))
    return (
        network.value, event.ball_id, kind, iso(event.at), by, message_id, origin, detail,
    )


def _opened_detail(question: bool, thread: int | None, burst_of: str | None) -> str:
    thread_text = "null" if thread is None else str(thread)
    burst_text = "null" if burst_of is None else encode_basestring(burst_of)
    return f'{{"question":{"true" if question else "false"},"thread":{thread_text},"burst_of":{burst_text}}}'


def event_from_row(row: Sequence[object]) -> Event | None:
    """The ball event a ``ledger_events`` row (network, ball_id, kind, at, by, message_id,
    origin, detail) records; None for a kind this version does not know."""
    _, ball_id, kind, at_text, by, message_id, _, detail_text = row
    ball, at, who = str(ball_id), _parse_iso(str(at_text)), str(by)
    detail = json.loads(str(detail_text) or "{}")
    if kind == "opened":
        thread = detail.get("thread")
        return BallOpened(ball, who, bool(detail.get("question")), thread if isinstance(thread, int) else None,
                          0, at, detail.get("burst_of"))
    if kind == "answered":
        how = detail.get("how")
        return BallAnswered(ball, who, at, str(message_id) or None,
                            AnsweredHow(how) if how in _HOWS else AnsweredHow.MODERATOR)
    if kind == "dropped":
        return BallDropped(ball, at)
    if kind == "snoozed":
        return BallSnoozed(ball, who, at, _parse_iso(str(detail.get("until"))))
    made = _MARKS.get(str(kind))
    return made(ball, who, at) if made is not None else None


_MARKS: dict[str, type[BallClaimed | BallUnclaimed | BallDismissed | BallReopened]] = {
    "claimed": BallClaimed, "unclaimed": BallUnclaimed, "dismissed": BallDismissed, "reopened": BallReopened,
}
