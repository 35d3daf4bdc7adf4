"""Provides handle matching: who is on the host team, and who a ``@handle`` in a text names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from chatmod.core.models import Message, Network
from chatmod.core.text import fold_handle

__all__ = ["HandleSpan", "HostTeam", "dids_mentioned", "find_handles", "leading_block", "person_key", "resolve"]


class HostTeam:
    """The host handles plus co-host handles; any of them answers a ball.

    Handles compare case-insensitively and without look-alike tricks (see ``fold``). A Mastodon
    handle matches with or without its instance (``host`` matches ``host@instance.social``; two
    different instances never match). A Bluesky host may be given as a handle or as a DID.
    """

    def __init__(self, hosts: Iterable[str], cohosts: Iterable[str] = (), ids: Iterable[str] = ()) -> None:
        self.hosts: tuple[str, ...] = tuple(h for h in hosts if h.strip())
        self.cohosts: tuple[str, ...] = tuple(h for h in cohosts if h.strip())
        self.ids: frozenset[str] = frozenset(ids)
        """Account ids (Bluesky DIDs) of members given by handle, found by a lookup."""
        self._specs = [_split(fold_handle(h)) for h in (*self.hosts, *self.cohosts)]
        self._ids = {fold_handle(h) for h in (*self.hosts, *self.cohosts, *self.ids)}
        self._cache: dict[tuple[str | None, str | None], bool] = {}

    def with_ids(self, ids: Iterable[str]) -> HostTeam:
        """The same team, also known by these account ids."""
        return HostTeam(self.hosts, self.cohosts, self.ids | set(ids))

    def bluesky_handles(self) -> list[str]:
        """The members given by Bluesky handle (a domain name), whose posts carry only a DID."""
        return [h.removeprefix("@") for h in (*self.hosts, *self.cohosts)
                if "." in h and "@" not in h.removeprefix("@") and not h.startswith("did:")]

    def __bool__(self) -> bool:
        return bool(self._specs)

    def matches(self, handle: str | None, account_id: str | None = None) -> bool:
        """Whether the account with this handle (and/or stable id) is on the host team."""
        key = (handle, account_id)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._match(handle, account_id)
            if len(self._cache) < 100_000:
                self._cache[key] = hit
        return hit

    def _match(self, handle: str | None, account_id: str | None) -> bool:
        if account_id is not None and fold_handle(account_id) in self._ids:
            return True
        if not handle:
            return False
        user, domain = _split(fold_handle(handle))
        for spec_user, spec_domain in self._specs:
            if user == spec_user and (domain is None or spec_domain is None or domain == spec_domain):
                return True
        return False


def _split(handle: str) -> tuple[str, str | None]:
    # "user@instance" (Mastodon) splits; a DID or a Bluesky domain handle has no "@" and stays whole.
    user, at, domain = handle.partition("@")
    return (user, domain) if at and domain else (handle, None)


def dids_mentioned(messages: Iterable[Message]) -> dict[str, str]:
    """Folded handle → DID, as the messages' mention facets name them (a Bluesky post records
    the DID of each account it mentions beside the handle written)."""
    found: dict[str, str] = {}
    for message in messages:
        for mention in message.mentions:
            if mention.id is not None and mention.id.startswith("did:") and not mention.handle.startswith("did:"):
                found.setdefault(fold_handle(mention.handle), mention.id)
    return found


def person_key(network: Network, handle: str | None, account_id: str | None) -> str:
    """The identity the engine threads by: Bluesky DIDs when known, otherwise folded handles."""
    if network is Network.BLUESKY and account_id:
        return account_id
    return fold_handle(handle or account_id or "")


class HandleSpan(NamedTuple):
    """An ``@handle`` as written in a text, and where."""

    handle: str
    start: int
    end: int


# Twitter handles are [A-Za-z0-9_]{1,20}; fediverse ones add "@instance"; Bluesky handles are
# domain names. A handle never ends in "." or "-", so "@host." ends a sentence, not the handle.
_TWITTER_HANDLE = r"[A-Za-z0-9_]{1,20}"
_FEDI_HANDLE = r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?(?:@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)?"
_AFTER = r"(?![A-Za-z0-9_@＠\u00C0-\u024F]|://)"
# twitter-text's rule: a handle may follow anything but these (so ".@host" and "RT:@host" count).
_BEFORE = r"(?<![A-Za-z0-9_!#$%&*@＠])"

_NOT_BEFORE = frozenset("!#$%&*@＠_")
# The rule of _BEFORE is checked by hand in find_handles: a pattern that starts with a
# lookbehind is tried at every position, one that starts with "@" jumps from "@" to "@".
_HANDLE_RE = {
    Network.TWITTER: re.compile(rf"[@＠]({_TWITTER_HANDLE}){_AFTER}"),
    Network.MASTODON: re.compile(rf"[@＠]({_FEDI_HANDLE}){_AFTER}"),
    Network.BLUESKY: re.compile(rf"[@＠]({_FEDI_HANDLE}){_AFTER}"),
}
_BLOCK_RE = {
    # "@host's blog" names the host; it does not reply to them.
    network: re.compile(rf"[\s,]*[@＠]({pattern}){_AFTER}(?!['’]s\b)[:,]?")
    for network, pattern in (
        (Network.TWITTER, _TWITTER_HANDLE),
        (Network.MASTODON, _FEDI_HANDLE),
        (Network.BLUESKY, _FEDI_HANDLE),
    )
}
_LEADING_TAGS = re.compile(r"(?:[#＃]\w+\s+)+")
# Invisible characters must not hide a leading block (or make one): they are skipped.
_LEADING_JUNK = re.compile(r"[\s\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]*")


def find_handles(text: str, network: Network) -> list[HandleSpan]:
    """Every ``@handle`` in ``text`` (emails and URL parts excluded)."""
    if "@" not in text and "＠" not in text:
        return []
    spans = []
    for m in _HANDLE_RE[network].finditer(text):
        start = m.start()
        if start:
            previous = text[start - 1]
            if previous in _NOT_BEFORE or (previous.isascii() and previous.isalnum()):
                continue
        spans.append(HandleSpan(m.group(1), start, m.end()))
    return spans


def leading_block(text: str, network: Network) -> tuple[list[str], str]:
    """Split a reply-style text into its leading @-block handles and the rest (the body).

    ``"@Host @bob I agree"`` gives ``(["Host", "bob"], "I agree")``. ``".@bob rubrics"`` is the
    same as ``"@bob rubrics"``: the dot is the convention that lets every follower see a reply;
    hashtags before the block (``"#chat @bob …"``) do not stop it leading.
    A text that does not start with a handle has an empty block and is all body.
    """
    pos = _LEADING_JUNK.match(text).end()  # type: ignore[union-attr]
    if text.startswith((".@", ".＠"), pos):
        pos += 1
    elif text.startswith(("#", "＃"), pos):
        tags = _LEADING_TAGS.match(text, pos)  # "#chat @host how did…": the handle still leads
        if tags is not None and text.startswith(("@", "＠"), tags.end()):
            pos = tags.end()
    if pos >= len(text) or text[pos] not in "@＠":
        return [], text
    pattern = _BLOCK_RE[network]
    handles: list[str] = []
    while True:
        m = pattern.match(text, pos)
        if m is None:
            break
        handles.append(m.group(1))
        pos = m.end()
    return handles, text[pos:].lstrip()


def resolve(handle: str, message: Message) -> tuple[str, str | None]:
    """The (handle, account id) a handle written in ``message`` names, using its mention list.

    Mastodon texts show ``@bob`` for ``bob@other.example``; Bluesky facets carry the DID.
    """
    if not message.mentions:
        return handle, None
    folded = fold_handle(handle)
    for mention in message.mentions:
        mention_handle = fold_handle(mention.handle)
        if mention_handle == folded or (
            message.network is Network.MASTODON
            and "@" not in folded
            and mention_handle.partition("@")[0] == folded
        ):
            return mention.handle, mention.id
    return handle, None
