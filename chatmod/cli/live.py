"""Provides what the commands share for a live SOURCE: its options, its token, and a bounded run
reported on stderr (state changes with ``--verbose``, gaps and failures always, a summary line)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chatmod.cli.common import EXIT_FAILURE, EXIT_USAGE, positive_int, print_error
from chatmod.sources.live_url import DEFAULT_APPVIEW

if TYPE_CHECKING:
    from chatmod.chats import Chat
    from chatmod.formats.base import Item
    from chatmod.sources.base import ConnectionState, Source
    from chatmod.sources.live import LiveRun

__all__ = ["TOKEN_ENV", "add_live_options", "live_url", "open_source", "read_live", "say_state", "unreached"]

TOKEN_ENV = "CHATMOD_TOKEN"


def add_live_options(parser: argparse.ArgumentParser, *, bounded: bool = True) -> None:
    group = parser.add_argument_group("live sources (mastodon://HOST/TAG, jetstream://HOST?tag=TAG)")
    group.add_argument("--token", metavar="TOKEN",
                       help=f"the user access token for a live source (default: ${TOKEN_ENV}, then the chat "
                       "definition); it is sent in a header, never in the URL or a log")
    if bounded:
        group.add_argument("--max-messages", type=positive_int, metavar="N",
                           help="stop a live run after N messages (default: run until Ctrl-C)")
        group.add_argument("--duration", type=positive_int, metavar="SECONDS",
                           help="stop a live run after this many seconds")
    group.add_argument("--appview", metavar="URL", default=DEFAULT_APPVIEW,
                       help="where Bluesky handles and DIDs are looked up (default: %(default)s; "
                       "'off' looks nothing up: people show by DID unless the stream names them, and a Bluesky "
                       "archive's host given by handle must be named by the archive or the database)")
    group.add_argument("--verbose", action="store_true",
                       help="log each change of the live connection on stderr (connecting, live, reconnecting...)")


def live_url(source: str | None, chat: Chat | None) -> str | None:
    """The live URL to read: SOURCE when it is one, else the chat's own source when none is given."""
    from chatmod.sources.live_url import is_live_url

    if source is not None:
        return source if is_live_url(source) else None
    return chat.source if chat is not None else None


def open_source(args: argparse.Namespace, url: str, chat: Chat | None,
                resume_after: str | None = None) -> Source | int:
    """The live source ``url`` names, with its token; an exit status after saying what is wrong."""
    from chatmod.sources.live import open_live
    from chatmod.sources.live_url import LiveURLError, MastodonURL, parse_live_url

    token = args.token or os.environ.get(TOKEN_ENV) or (chat.token if chat is not None else None)
    try:
        if not token and isinstance(parse_live_url(url), MastodonURL):
            print_error(f"{url} needs a user access token (Mastodon's hashtag streams want one): pass --token, "
                        f"or set {TOKEN_ENV}; the README's 'Following a live chat' says where to get one")
            return EXIT_USAGE
        team = [*args.host, *args.cohost]
        if chat is not None:
            team.extend(chat.every_handle().hosts + chat.every_handle().cohosts)
        appview = None if args.appview in ("", "off") else args.appview
        return open_live(url, token, resume_after, team, appview, since=joining(args, chat))
    except LiveURLError as error:
        print_error(str(error))
        return EXIT_USAGE


def joining(args: argparse.Namespace, chat: Chat | None) -> datetime | None:
    """Where a fresh live run starts reading: ``--since``, else the start of the chat's scheduled
    session under way (a host or co-moderator joining ten minutes in sees those ten minutes)."""
    since = getattr(args, "since", None)
    if since is not None:
        return since  # type: ignore[no-any-return]
    if chat is None:
        return None
    from datetime import timedelta

    from chatmod.core.sessions import joining_point

    now = datetime.now(UTC)
    return joining_point(chat.schedule.between(now - timedelta(days=1), now + timedelta(minutes=1)), now)


def say_state(verbose: bool) -> Callable[[ConnectionState], None]:
    """Tells stderr how the link goes: every change with ``verbose``, a gap always (a failure
    ends the run, and its summary line says it)."""
    from chatmod.sources.base import Link

    def say(state: ConnectionState) -> None:
        if verbose or state.link is Link.GAP:
            detail = f": {state.detail}" if state.detail else ""
            print(f"chatmod: {datetime.now(UTC):%H:%M:%S} {state.link.value}{detail}", file=sys.stderr, flush=True)

    return say


def read_live(
    args: argparse.Namespace,
    url: str,
    chat: Chat | None,
    *,
    resume_after: str | None = None,
    on_items: Callable[[list[Item]], object] | None = None,
    keep: bool = True,
) -> LiveRun | int:
    """A bounded run of the live chat at ``url``, its summary said on stderr; an exit status when
    it could not start or failed before any message came."""
    from chatmod.sources.live import run_live

    source = open_source(args, url, chat, resume_after)
    if isinstance(source, int):
        return source
    label = source.label
    if args.max_messages is None and args.duration is None:
        print(f"chatmod: reading {label} live until Ctrl-C (or --max-messages N, --duration SECONDS)",
              file=sys.stderr, flush=True)
    run = asyncio.run(run_live(source, label, max_messages=args.max_messages, duration=args.duration,
                               on_items=on_items, on_state=say_state(args.verbose), keep=keep))
    print(f"chatmod: {run.summary()}", file=sys.stderr, flush=True)
    if unreached(run) or (run.failure is not None and run.messages == 0):
        return EXIT_FAILURE
    return run


def unreached(run: LiveRun) -> bool:
    """Say so, and True, when the run never reached its server: a quiet chat is no error, a wrong
    port or a misspelt instance is."""
    reason = run.never_reached
    if reason is None or run.messages:
        return False
    print_error(f"never reached {run.label}: {reason}")
    return True
