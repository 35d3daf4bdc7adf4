"""Provides the normalized message every reader produces, and the value a bad record becomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chatmod.core.text import clean_text

__all__ = ["Mention", "Message", "Network", "Rejected", "ReplySource", "Where"]


class Network(StrEnum):
    """Where a message was posted. Handles and ids are only comparable within one network."""

    TWITTER = "twitter"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"


class ReplySource(StrEnum):
    """How a reply link is known: given by the source, or inferred from a leading @-block."""

    EXPLICIT = "explicit"
    INFERRED = "inferred"


class Mention(BaseModel):
    """An account named in a message: the handle as written and, where the network has one,
    the account's stable id (Mastodon account id, Bluesky DID, Twitter user id)."""

    model_config = ConfigDict(frozen=True)

    handle: str
    """Without the leading ``@``; Mastodon handles keep their ``@instance`` part."""
    id: str | None = None


_FIELD_SETS: dict[frozenset[str], set[str]] = {}


class Message(BaseModel):
    """One post from any network, normalized. Text is plain: no markup, no control characters."""

    model_config = ConfigDict(frozen=True)

    network: Network
    id: str = Field(min_length=1)
    """The source's own id (tweet id, Mastodon status id, Bluesky AT-URI)."""
    author: str = Field(min_length=1)
    """The author's handle without ``@`` (a Bluesky DID when the handle is unknown)."""
    author_id: str | None = None
    display_name: str | None = None
    created_at: datetime
    """Aware and in UTC."""
    text: str = ""
    reply_to_id: str | None = None
    """The message this one replies to, when the source says so (an explicit link)."""
    reply_known: bool = False
    """The record says whether it is a reply (it carries the reply field, even empty): without
    ``reply_to_id`` this message replies to nothing, and no link is inferred for it."""
    reply_to_author: str | None = None
    """Handle (or id) of the author replied to, when the source says so."""
    mentions: tuple[Mention, ...] = ()
    hashtags: tuple[str, ...] = ()
    """As written, without ``#``; compare them folded."""
    repost_of: str | None = None
    """For a repost (retweet, boost, Bluesky repost): the id of the original."""
    repost_of_author: str | None = None
    quote_of: str | None = None
    url: str | None = None
    lang: str | None = None
    edited: bool = False
    deleted: bool = False
    truncated: bool = False
    """Set when the text was longer than chatmod keeps (see ``MAX_TEXT_CHARS``)."""
    untagged: bool = False
    """It lacks the chat's hashtag and reached the chat another way: a live source caught it
    because it mentions the host team or replies to the chat (a ball that forgot the hashtag)."""
    raw: Any = Field(default=None, repr=False, exclude=True)
    """The source record as read, kept for lossless export; never interpreted downstream."""

    @field_validator("author", "reply_to_author", "repost_of_author", mode="after")
    @classmethod
    def _handle_without_at(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = clean_text(value.strip(), 200)[0].lstrip("@＠")
        if not value:
            raise ValueError("empty handle")
        return value

    @field_validator("display_name", mode="after")
    @classmethod
    def _clean_name(cls, value: str | None) -> str | None:
        return None if value is None else clean_text(value, 200)[0]

    @field_validator("hashtags", mode="after")
    @classmethod
    def _clean_tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(clean_text(tag, 200)[0].lstrip("#＃") for tag in value)

    @field_validator("created_at", mode="after")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("timestamp has no time zone")
        return value.astimezone(UTC)

    @model_validator(mode="before")
    @classmethod
    def _clean(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("text"), str):
            text, truncated = clean_text(data["text"])
            if truncated or text is not data["text"]:
                data = {**data, "text": text, "truncated": truncated or data.get("truncated", False)}
        return data

    @model_validator(mode="after")
    def _share_fields_set(self) -> Message:
        # pydantic keeps, per instance, the set of fields the source gave: 2.2 KB of a 2.9 KB
        # message. Messages from one source give the same fields, so they can share one set
        # (pydantic copies it before changing it, in model_copy).
        given = self.__pydantic_fields_set__
        object.__setattr__(self, "__pydantic_fields_set__", _FIELD_SETS.setdefault(frozenset(given), given))
        return self

    @property
    def is_repost(self) -> bool:
        return self.repost_of is not None or self.repost_of_author is not None


@dataclass(frozen=True, slots=True)
class Where:
    """Where a record was read: file name and 1-based line (or record) number."""

    source: str
    line: int

    def __str__(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not become a :class:`Message`. Counted and shown; never raised."""

    raw: str
    reason: str
    where: Where

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"
