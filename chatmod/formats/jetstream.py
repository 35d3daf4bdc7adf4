"""Provides the reader for Bluesky Jetstream v1 JSON lines (posts, reposts, deletions).

Only ``app.bsky.feed.post`` and ``app.bsky.feed.repost`` commits become items; ``identity``
events teach the reader handles for the DIDs it meets later; everything else (likes, follows,
account events, heartbeats, other collections) is skipped. Times are the server's
``time_us``, not the client's ``createdAt``. Facet offsets are UTF-8 byte offsets; a facet
whose offsets are out of range, overlapping or inside a character is ignored, and text
matching fills in what facets do not give.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from chatmod.core.extract import extract_hashtags
from chatmod.core.models import Mention, Network, Where
from chatmod.core.text import fold
from chatmod.formats.base import (
    Deletion,
    Item,
    ReaderSpec,
    build,
    convert_records,
    first_record,
    nonblank,
    reject,
)

__all__ = ["SPEC", "Handles", "event_to_item", "read"]

POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
_MENTION = "app.bsky.richtext.facet#mention"
_TAG = "app.bsky.richtext.facet#tag"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A handle is a domain name; twitter-text's @-rule would stop at the first dot.
_HANDLE = re.compile(
    r"(?<![\w@.])@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]"
    r"(?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)"
)

class Handles:
    """DID ↔ handle, learnt from ``identity`` events and lookups (kept across a live session).

    ``journal``: when a list, each pair learnt that was not known already is appended to it, for
    a live run to keep in its database.
    """

    __slots__ = ("by_did", "by_handle", "journal")

    def __init__(self, journal: list[tuple[str, str]] | None = None) -> None:
        self.by_did: dict[str, str] = {}
        self.by_handle: dict[str, str] = {}
        """Folded handle → DID."""
        self.journal = journal

    def learn(self, did: str, handle: str) -> None:
        if self.by_did.get(did) == handle:
            return
        self.know(did, handle)
        if self.journal is not None:
            self.journal.append((did, handle))

    def know(self, did: str, handle: str) -> None:
        """Take a pair known from before (a database's cache): not journalled again."""
        old = self.by_did.get(did)
        if old is not None and self.by_handle.get(fold(old)) == did:
            del self.by_handle[fold(old)]  # a changed handle no longer names this DID
        self.by_did[did] = handle
        self.by_handle[fold(handle)] = did

    def get(self, did: str) -> str:
        """The DID's handle if known, else the DID itself."""
        return self.by_did.get(did, did)


def read(stream: TextIO, source: str) -> Iterator[Item]:
    """Yield one item per post, repost or deletion, in file order."""
    handles = Handles()

    def convert(event: Any, source: str, line: int) -> Item | None:
        return event_to_item(event, handles, source, line)

    return convert_records(stream, source, convert, "event", arrays=False)


def event_to_item(event: Any, handles: Handles, source: str, line: int) -> Item | None:
    """One Jetstream event as an item, or None when it is not about posts (also live)."""
    if not isinstance(event, dict):
        return reject(event, "not a JSON object", source, line)
    kind = event.get("kind")
    if kind == "identity":
        _learn(event.get("identity"), handles)
        return None
    if kind != "commit":
        return None if isinstance(kind, str) else reject(event, "missing kind", source, line)
    commit = event.get("commit")
    if not isinstance(commit, dict):
        return reject(event, "commit event without a commit", source, line)
    collection, operation = commit.get("collection"), commit.get("operation")
    if collection not in (POST, REPOST):
        return None
    did, rkey = nonblank(event.get("did")), nonblank(commit.get("rkey"))
    if did is None or not did.startswith("did:"):
        return reject(event, "missing did", source, line)
    if rkey is None:
        return reject(event, "missing commit.rkey", source, line)
    uri = f"at://{did}/{collection}/{rkey}"
    if operation == "delete":
        return Deletion(Network.BLUESKY, uri, Where(source, line))
    if operation not in ("create", "update") or (collection == REPOST and operation != "create"):
        return None
    time_us = event.get("time_us")
    if not isinstance(time_us, int) or isinstance(time_us, bool):
        return reject(event, "missing time_us" if time_us is None else "time_us is not an integer",
                      source, line)
    try:
        created_at = _EPOCH + timedelta(microseconds=time_us)
    except OverflowError:
        return reject(event, f"time_us {time_us} is out of range", source, line)
    record = commit.get("record")
    if not isinstance(record, dict):
        return reject(event, "commit without a record", source, line)
    fields: dict[str, Any] = {
        "network": Network.BLUESKY,
        "id": uri,
        "author": handles.get(did),
        "author_id": did,
        "created_at": created_at,
        "raw": event,
    }
    if collection == REPOST:
        subject = record.get("subject")
        original = nonblank(subject.get("uri")) if isinstance(subject, dict) else None
        if original is None:
            return reject(event, "repost without subject.uri", source, line)
        fields["repost_of"] = original
        fields["repost_of_author"] = _author_of(original, handles)
        return build(fields, source, line)

    text = record.get("text")
    if not isinstance(text, str):
        return reject(event, "post without text", source, line)
    mentions, hashtags = _entities(record, text, handles)
    reply = record.get("reply")
    parent = reply.get("parent") if isinstance(reply, dict) else None
    reply_to = nonblank(parent.get("uri")) if isinstance(parent, dict) else None
    langs = record.get("langs")
    fields.update(
        text=text,
        reply_to_id=reply_to,
        reply_known=True,  # a post's record carries "reply" whenever it is one
        reply_to_author=_author_of(reply_to, handles) if reply_to else None,
        mentions=mentions,
        hashtags=hashtags,
        quote_of=_quote_of(record.get("embed")),
        url=f"https://bsky.app/profile/{did}/post/{rkey}",
        lang=nonblank(langs[0]) if isinstance(langs, list) and langs else None,
        edited=operation == "update",
    )
    return build(fields, source, line)


def _learn(identity: object, handles: Handles) -> None:
    if isinstance(identity, dict):
        did, handle = nonblank(identity.get("did")), nonblank(identity.get("handle"))
        # "handle.invalid" is what the network says when a handle failed verification.
        if did is not None and handle is not None and handle != "handle.invalid":
            handles.learn(did, handle)


def _author_of(uri: str, handles: Handles) -> str | None:
    """The handle (or DID) of the repository an ``at://`` URI points into."""
    if not uri.startswith("at://did:"):
        return None
    did = uri[5:].split("/", 1)[0]
    return handles.get(did)


def _quote_of(embed: object) -> str | None:
    if not isinstance(embed, dict):
        return None
    kind = embed.get("$type")
    inner = embed.get("record")
    if kind == "app.bsky.embed.recordWithMedia" and isinstance(inner, dict):
        inner = inner.get("record")
    elif kind != "app.bsky.embed.record":
        return None
    uri = nonblank(inner.get("uri")) if isinstance(inner, dict) else None
    # A record embed may also be a feed, a list or a starter pack: only posts are quotes.
    return uri if uri is not None and f"/{POST}/" in uri else None


def _entities(
    record: dict[str, Any], text: str, handles: Handles
) -> tuple[tuple[Mention, ...], tuple[str, ...]]:
    mentions: list[Mention] = []
    tags: list[str] = []
    facets = record.get("facets")
    tagged = 0
    if isinstance(facets, list) and facets:
        tagged = _read_facets(facets, text, handles, mentions, tags)
    extra = record.get("tags")
    if isinstance(extra, list):
        tags.extend(tag for tag in extra if isinstance(tag, str) and tag.strip())
    # Text matching is the fallback for clients that write no facets; when every "#" already
    # starts a tag facet it could add nothing, and it is the costliest step here.
    if ("#" in text and text.count("#") != tagged) or "＃" in text:
        tags.extend(entity.value for entity in extract_hashtags(text))
    if "@" in text:
        mentions.extend(Mention(handle=m.group(1)) for m in _HANDLE.finditer(text))
    return _unique_mentions(mentions, handles), _unique_tags(tags)


def _read_facets(
    facets: list[Any], text: str, handles: Handles, mentions: list[Mention], tags: list[str]
) -> int:
    """Add what valid facets give; return how many tag facets cover a ``#`` in the text."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape: offsets are moot
        return 0
    spans: list[tuple[int, int, list[Any]]] = []
    for facet in facets:
        if not isinstance(facet, dict):
            continue
        index, features = facet.get("index"), facet.get("features")
        if not isinstance(index, dict) or not isinstance(features, list):
            continue
        start, end = index.get("byteStart"), index.get("byteEnd")
        if type(start) is int and type(end) is int and 0 <= start < end <= len(data):
            spans.append((start, end, features))
    spans.sort(key=lambda span: (span[0], span[1]))
    covered = tagged = 0
    for start, end, features in spans:
        if start < covered:
            continue  # overlaps the facet before it
        try:
            shown = data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            continue  # starts or ends inside a character
        covered = end
        counted = False
        for feature in features:
            if not isinstance(feature, dict):
                continue
            kind = feature.get("$type")
            if kind == _MENTION and isinstance(did := feature.get("did"), str) and did:
                handle = shown[1:] if shown.startswith("@") and len(shown) > 1 else None
                mentions.append(Mention(handle=handle or handles.get(did), id=did))
            elif kind == _TAG and isinstance(tag := feature.get("tag"), str) and tag.strip():
                tags.append(tag)
                if not counted and shown.startswith("#"):
                    tagged += 1
                    counted = True
    return tagged


def _unique_mentions(mentions: list[Mention], handles: Handles) -> tuple[Mention, ...]:
    seen: set[str] = set()
    unique: list[Mention] = []
    for mention in mentions:
        key = fold(mention.handle)
        if key in seen or (mention.id is not None and mention.id in seen):
            continue
        if mention.id is None and key in handles.by_handle:
            mention = Mention(handle=mention.handle, id=handles.by_handle[key])
        seen.add(key)
        if mention.id is not None:
            seen.add(mention.id)
        unique.append(mention)
    return tuple(unique)


def _unique_tags(tags: list[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    unique: list[str] = []
    for tag in tags:
        tag = tag.lstrip("#")
        key = fold(tag)
        if key and key not in seen:
            seen.add(key)
            unique.append(tag)
    return tuple(unique)


def sniff(sample: str) -> bool:
    """A Jetstream event: ``did``, ``time_us`` and ``kind``."""
    first = first_record(sample)
    return isinstance(first, dict) and {"did", "time_us", "kind"} <= first.keys()


SPEC = ReaderSpec(
    name="jetstream",
    description="Bluesky Jetstream v1 JSON lines (posts, reposts, deletions; handles from identity)",
    read=read,
    sniff=sniff,
)
