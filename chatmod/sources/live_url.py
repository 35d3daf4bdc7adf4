"""Provides the live SOURCE forms: ``mastodon://HOST[:PORT]/TAG`` and ``jetstream://HOST[:PORT]?tag=TAG``.

``mastodon+ws://`` and ``jetstream+ws://`` are the same over plain ``ws://``, for a server on
this machine (tests, a local relay); everything else is TLS. A token never goes in the URL
(it would end up in logs): it comes from ``--token``, ``CHATMOD_TOKEN`` or the chat definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

DEFAULT_APPVIEW = "https://public.api.bsky.app"
"""The public Bluesky AppView: handle and profile lookups without an account."""

__all__ = ["DEFAULT_APPVIEW", "JetstreamURL", "LiveURLError", "MastodonURL", "is_live_url", "parse_live_url"]

_SCHEMES = ("mastodon", "mastodon+ws", "jetstream", "jetstream+ws")


class LiveURLError(ValueError):
    """A live URL that cannot be used; the message says what is wrong and the right form."""


@dataclass(frozen=True, slots=True)
class MastodonURL:
    host: str
    port: int | None
    tag: str
    """Without ``#``, as written (the server folds case and accents itself)."""
    secure: bool = True

    def streaming(self) -> str:
        """The WebSocket endpoint, subscribed to the hashtag in the query (one purpose, one socket)."""
        return f"{self._base('wss' if self.secure else 'ws')}/api/v1/streaming?stream=hashtag&tag={quote(self.tag, safe='')}"

    def api(self, path: str) -> str:
        """A REST endpoint of the same instance."""
        return f"{self._base('https' if self.secure else 'http')}{path}"

    def _base(self, scheme: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}" + (f":{self.port}" if self.port else "")


@dataclass(frozen=True, slots=True)
class JetstreamURL:
    host: str
    port: int | None
    tag: str
    secure: bool = True


def is_live_url(source: str) -> bool:
    scheme, sep, _ = source.partition("://")
    return bool(sep) and scheme.lower() in _SCHEMES


def parse_live_url(source: str) -> MastodonURL | JetstreamURL:
    """The live source ``source`` names; :class:`LiveURLError` saying why when it cannot be used."""
    try:
        parts = urlsplit(source)
        port = parts.port
    except ValueError as error:
        raise LiveURLError(f"{source}: not a usable URL ({error})") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise LiveURLError(f"{source}: a live source is mastodon://HOST/TAG or jetstream://HOST?tag=TAG")
    host = parts.hostname
    if not host:
        raise LiveURLError(f"{source}: no host (e.g. {scheme}://mastodon.social/...)")
    if parts.username or parts.password:
        raise LiveURLError(f"{source}: no user or token in the URL (pass --token, or set CHATMOD_TOKEN)")
    secure = not scheme.endswith("+ws")
    if scheme.startswith("mastodon"):
        if parts.query or parts.fragment:
            raise LiveURLError(f"{source}: a Mastodon hashtag is mastodon://HOST/TAG, without ?query or #fragment")
        tag = parts.path.strip("/").lstrip("#＃")
        if not tag or "/" in tag or any(ch.isspace() for ch in tag):
            raise LiveURLError(f"{source}: name one hashtag: mastodon://{host}/TAG")
        return MastodonURL(host, port, tag, secure)
    query = parse_qs(parts.query)
    tags = query.get("tag", [])
    if len(tags) != 1 or not tags[0].strip().lstrip("#＃"):
        raise LiveURLError(f"{source}: name one hashtag: jetstream://{host}?tag=TAG")
    return JetstreamURL(host, port, tags[0].strip().lstrip("#＃"), secure)
