"""Provides what every command that reads a chat shares: the SOURCE options, the chat definition
they name, and loading an archive or a stored session into one :class:`Loaded` value."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from chatmod.cli.chats import find_chat
from chatmod.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    FORMAT_NAMES,
    default_db_path,
    moment_arg,
    print_error,
    store_failed,
)
from chatmod.cli.live import add_live_options, live_url, read_live
from chatmod.words import plural

if TYPE_CHECKING:
    from chatmod.chats import Chat
    from chatmod.core.events import Marked
    from chatmod.core.handles import HostTeam
    from chatmod.core.ledger import Ledger
    from chatmod.core.models import Message, Network
    from chatmod.core.schedule import Occurrence
    from chatmod.formats.base import Item
    from chatmod.report.model import BallItem
    from chatmod.run.history import History
    from chatmod.sources.ordering import Run

__all__ = [
    "Loaded",
    "add_source_options",
    "add_stored_options",
    "add_window_options",
    "archive_team",
    "bluesky_team",
    "existing_db",
    "load",
    "load_session",
    "report_rejections",
    "resolve_team",
    "summarize",
]


def add_window_options(parser: argparse.ArgumentParser) -> None:
    """``--since``/``--until``: a part of an archive that holds many weeks."""
    parser.add_argument("--since", type=moment_arg, metavar="WHEN",
                        help="only messages from then on: YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC unless an offset is given)")
    parser.add_argument("--until", type=moment_arg, metavar="WHEN",
                        help="only messages before then (a day alone means its start)")


def add_stored_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="PATH", type=Path,
                        help="with --session: the database to read (default: chatmod's own)")
    parser.add_argument("--session", metavar="ID", type=int,
                        help="read a stored session (ids: chatmod sessions) instead of SOURCE")


def add_source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE", nargs="?",
                        help="archive file to read, - for stdin, or a live chat: mastodon://HOST/TAG, "
                        "jetstream://HOST?tag=TAG (default with --chat: the chat's live source)")
    parser.add_argument(
        "--host",
        action="append",
        default=[],
        metavar="HANDLE",
        help="the host's handle (repeatable): JeffHicks, host@instance.social, or a Bluesky "
        "handle or DID; case does not matter",
    )
    parser.add_argument(
        "--cohost",
        action="append",
        default=[],
        metavar="HANDLE",
        help="a co-host's handle (repeatable); co-host replies answer balls too",
    )
    parser.add_argument(
        "--tag",
        metavar="TAG",
        help="the chat's hashtag: keep tagged posts and the replies around them, drop the rest",
    )
    parser.add_argument(
        "--chat",
        metavar="NAME",
        help="a chat from 'chatmod chats': its hashtag, host team (on the network read) and schedule "
        "(sessions are its windows, not 3-hour silences); --host and --tag override",
    )
    parser.add_argument("--chats-file", type=Path, metavar="PATH", help="the chats file to use")
    parser.add_argument(
        "--input-format",
        choices=FORMAT_NAMES,
        metavar="NAME",
        help=f"skip detection and read SOURCE as this format ({', '.join(FORMAT_NAMES)})",
    )
    parser.add_argument(
        "--show-rejected",
        action="store_true",
        help="list every rejected record on stderr (default: a count and the first few)",
    )
    add_live_options(parser)


def resolve_team(hosts: list[str], cohosts: list[str], chat: Chat | None, network: Network) -> HostTeam:
    """The host team: ``--host``/``--cohost`` when given, else the chat's handles on ``network``
    (the network being read: a chat run on Mastodon and Bluesky has different handles on each)."""
    from chatmod.core.handles import HostTeam

    if hosts or chat is None:
        return HostTeam(hosts, cohosts)
    return chat.team(network)


def bluesky_team(args: argparse.Namespace, team: HostTeam, messages: list[Message], db: Path | None) -> HostTeam | int:
    """``team`` also known by the DIDs of its members given by Bluesky handle whom no message
    names (an archive without identity events has DIDs only), or an exit status after saying
    which handle could not be found and which DID to pass instead."""
    import asyncio

    from chatmod.core.handles import dids_mentioned
    from chatmod.sources.team_dids import find_team_dids

    named = {m.author.casefold() for m in messages if not m.author.startswith("did:")}
    handles = [h for h in team.bluesky_handles() if h.casefold() not in named]
    if not handles:
        return team
    appview = None if args.appview in ("", "off") else args.appview
    if db is None:
        default = default_db_path()
        db = default if default.exists() else None
    found = asyncio.run(find_team_dids(handles, mentioned=dids_mentioned(messages), db=db, appview=appview))
    if found.missing:
        handle, why = next(iter(found.missing.items()))
        print_error(f"cannot tell which account is @{handle} in this archive (its posts carry DIDs only): {why}. "
                    f"Pass the DID instead: --host did:plc:…{_likely_hosts(messages)}")
        return EXIT_USAGE
    return team.with_ids(found.found.values())


def archive_team(args: argparse.Namespace, chat: Chat | None, db: Path | None) -> HostTeam | int | None:
    """For a command that streams an archive file (``ingest``, ``watch``): when it is a Bluesky
    capture and the host team is given by handle, the team with its DIDs (read once ahead, as
    :func:`load` does), or an exit status after saying what is wrong; None when nothing needs it.

    Raises InputError (the archive cannot be read)."""
    from chatmod.core.models import Network
    from chatmod.formats import read_source
    from chatmod.sources.ordering import Run, chronological

    if args.source in (None, "-"):
        return None  # stdin is read once, by the command
    team = resolve_team(args.host, args.cohost, chat, Network.BLUESKY)
    if not team.bluesky_handles():
        return None
    spec, items = read_source(args.source, args.input_format)
    if spec.name != "jetstream":
        getattr(items, "close", lambda: None)()
        return None
    return bluesky_team(args, team, chronological(items, Run()), db)


def _likely_hosts(messages: list[Message]) -> str:
    """Who posted the numbered questions, said as the likely DID to pass."""
    from collections import Counter

    from chatmod.core.handles import leading_block
    from chatmod.core.tags import question_opener

    askers = Counter(m.author for m in messages
                     if m.author.startswith("did:") and question_opener(leading_block(m.text, m.network)[1]) is not None)
    if not askers:
        return ""
    shown = ", ".join(f"{did} ({plural(n, 'question')})" for did, n in askers.most_common(3))
    return f" (the numbered questions here were posted by {shown})"


@dataclass(slots=True)
class Loaded:
    """A chat read for a command: its messages in time order, with what reading them found."""

    messages: list[Message]
    run: Run
    team: HostTeam
    label: str
    """What was read, for titles and footers: the SOURCE, or "session 3 of chatmod.db"."""
    tag: str | None = None
    carried_over: list[BallItem] = field(default_factory=list)
    aged_out: int = 0
    """Balls dropped in sessions before those carried over, still open."""
    schedule: list[Occurrence] = field(default_factory=list)
    """The chat's occurrences around the messages (empty: sessions end by silence)."""
    chat: Chat | None = None
    interrupted: bool = False
    """A live run ended by Ctrl-C: the command reports what came, then exits 130."""
    marks: list[Marked] = field(default_factory=list)
    """A stored session's moderators' marks, in the order they were made (the console applies
    each at its time)."""
    ledger: Ledger | None = None
    """A stored session's ledger as stored, moderators' marks included: the truth its reports
    count (None: the chat is judged as it is read)."""


def load(args: argparse.Namespace) -> Loaded | int:
    """The archive SOURCE or the stored ``--session`` the command was given, or an exit status
    after saying what was wrong."""
    from chatmod.core.handles import HostTeam
    from chatmod.core.models import Network
    from chatmod.formats import InputError, read_source
    from chatmod.pipeline import tag_filter
    from chatmod.sources.ordering import Run, chronological

    if args.session is not None:
        if args.source is not None:
            print_error("give either SOURCE or --session, not both")
            return EXIT_USAGE
        return load_session(args.db, args.session, args.host, args.cohost, args.tag, args.chats_file,
                            args.show_rejected)
    chat = None
    if args.chat is not None:
        chat = find_chat(args.chats_file, args.chat)
        if chat is None:
            return EXIT_USAGE
    url = live_url(args.source, chat)
    if args.source is None and url is None:
        print_error("SOURCE is required (a file, - for stdin, or a live URL), or --session ID to read a stored "
                    "session" + (f" (chat {chat.name} has no live source: chatmod chats edit {chat.name} --source URL)"
                                 if chat is not None else ""))
        return EXIT_USAGE
    if chat is None and not args.host:
        print_error("--host is required: the host's handle, e.g. --host JeffHicks (or --chat NAME)")
        return EXIT_USAGE
    tag = args.tag or (chat.hashtag if chat is not None else None) or (_url_tag(url) if url else None)
    # The filter keeps the host team's untagged replies: before the network is known, any of the
    # chat's handles will do for that.
    keeping = HostTeam(args.host, args.cohost) if args.host or chat is None else chat.every_handle()
    run = Run()
    label = Path(args.source).name if args.source not in (None, "-") else "stdin"
    interrupted = False
    try:
        if url is not None:
            live = read_live(args, url, chat)
            if isinstance(live, int):
                return live
            items: Iterable[Item] = live.items
            label, interrupted = live.label, live.interrupted
        else:
            _, items = read_source(args.source, args.input_format)
        # A live source already picked the chat (its hashtag, and on Bluesky the posts to and by
        # the host team that lack it): filtering again would drop an untagged ball.
        messages = chronological(items, run, tag_filter(tag, keeping) if tag and url is None else None)
    except InputError as error:
        print_error(str(error))
        return EXIT_USAGE
    since, until = getattr(args, "since", None), getattr(args, "until", None)
    if since is not None or until is not None:
        messages = [m for m in messages
                    if (since is None or m.created_at >= since) and (until is None or m.created_at < until)]
    team = resolve_team(args.host, args.cohost, chat, messages[0].network if messages else Network.TWITTER)
    if url is None and messages and messages[0].network is Network.BLUESKY:
        found = bluesky_team(args, team, messages, getattr(args, "db", None))
        if isinstance(found, int):
            return found
        team = found
    summarize(args.show_rejected, run, messages, team)
    if not messages:
        window = " between --since and --until" if since is not None or until is not None else ""
        if url is not None:  # a quiet hour is no input error: there is nothing to report
            print(f"chatmod: no messages came from {url}{window}; nothing to report", file=sys.stderr)
            return EXIT_INTERRUPTED if interrupted else EXIT_OK
        print_error(f"no usable messages in {args.source}{window}")
        return EXIT_USAGE
    schedule = _occurrences(chat, messages)
    return Loaded(messages, run, team, label=label, tag=tag, schedule=schedule, chat=chat, interrupted=interrupted)


def _url_tag(url: str) -> str | None:
    from chatmod.sources.live_url import LiveURLError, parse_live_url

    try:
        return parse_live_url(url).tag
    except LiveURLError:
        return None  # said when the source is opened


def _occurrences(chat: Chat | None, messages: list[Message]) -> list[Occurrence]:
    if chat is None or not messages:
        return []
    from datetime import timedelta

    reach = timedelta(days=1)
    return list(chat.schedule.between(messages[0].created_at - reach, messages[-1].created_at + reach))


def existing_db(db: Path | None, chat: str | None = None) -> Path | None:
    """The database to read (``db``, or the default one), or None after saying it does not exist."""
    path = db if db is not None else default_db_path()
    if not path.exists():
        hint = f" --chat {chat}" if chat else ""
        print_error(f"no database at {path}; create one with: chatmod ingest SOURCE{hint} --db {path}")
        return None
    return path


def load_session(
    db: Path | None,
    session_id: int,
    hosts: list[str],
    cohosts: list[str],
    tag: str | None,
    chats_file: Path | None,
    show_rejected: bool = False,
) -> Loaded | int:
    """A stored session's messages and the balls carried over into it, judged by ``hosts`` or
    by the host team of the session's chat."""
    import asyncio

    from chatmod.chats import DEFAULT_FOLLOW_UP_SESSIONS
    from chatmod.core.handles import HostTeam
    from chatmod.core.ledger import Ledger
    from chatmod.core.models import Network
    from chatmod.run.history import History, read_session
    from chatmod.run.settle import settle_now
    from chatmod.sources.ordering import Run
    from chatmod.store import Store, StoreError
    from chatmod.store.db import stored_team

    path = existing_db(db)
    if path is None:
        return EXIT_USAGE

    async def read() -> tuple[dict[str, object] | None, History, Chat | None, list[BallItem], int, Ledger]:
        async with await Store.open(path) as store:
            await settle_now(store, chats_file)
            session = await store.session(session_id)
            if session is None:
                return None, History(), None, [], 0, Ledger()
            name = str(session["chat"] or "")
            start, end = str(session["start"]), str(session["end"])
            stored_ledger = await store.session_ledger(name, start, end)
            history = await read_session(store, name, start, end)
            chat = find_chat(chats_file, name, quiet=True) if name[:1].isalnum() else None
            earlier, aged_out = (
                await store.carried_over(name, str(session["start"]),
                                         chat.follow_up_sessions if chat else DEFAULT_FOLLOW_UP_SESSIONS)
                if name else ([], 0)
            )
            carried = sorted((_carried_item(r, d) for r, d in earlier), key=lambda b: (not b.question, b.at))
            return session, history, chat, carried, aged_out, stored_ledger

    try:
        session, history, chat, carried, aged_out, ledger = asyncio.run(read())
        messages = history.messages
    except StoreError as error:
        return store_failed(error)
    if session is None:
        print_error(f"no session {session_id} in {path} (list them with: chatmod sessions --db {path})")
        return EXIT_USAGE
    if chat is not None:
        tag = tag or chat.hashtag  # titles the report "#tag recap"; filters nothing here
    # The team that judged it when it was stored, unless the command names another.
    stored = stored_team(str(session.get("team") or "{}"))
    if hosts:
        team = HostTeam(hosts, cohosts)
    elif stored is not None:
        team = stored
    elif chat is not None:
        team = resolve_team(hosts, cohosts, chat, messages[0].network if messages else Network.TWITTER)
    else:
        print_error("--host is required (the session was stored without a host team, and its chat is not "
                    "defined in chatmod chats)")
        return EXIT_USAGE
    run = Run()
    run.read = len(messages)
    summarize(show_rejected, run, messages, team)
    # The stored ledger is the truth of a session judged when it was stored; a session stored
    # unjudged, or read with another team (--host), is judged now.
    judged = stored is not None and not hosts
    return Loaded(messages, run, team, label=f"session {session_id} of {path.name}", tag=tag, carried_over=carried,
                  aged_out=aged_out, chat=chat, marks=history.marks, ledger=ledger if judged else None)


def _carried_item(row: tuple[object, ...], detail: dict[str, object]) -> BallItem:
    from chatmod.core.ledger import Ball, Status
    from chatmod.report.model import BallItem
    from chatmod.store.rows import message_from_row

    message = message_from_row(row)
    thread = detail.get("thread")
    ball = Ball(
        id=message.id, author=message.author, question=bool(detail.get("question")),
        thread=thread if isinstance(thread, int) else None, session=0, opened_at=message.created_at,
        status=Status.DROPPED,
    )
    return BallItem(ball=ball, display_name=message.display_name, text=message.text, url=message.url, waited_s=0.0)


def report_rejections(show_all: bool, run: Run) -> None:
    shown = run.rejected if show_all else run.rejected[:5]
    for rejected in shown:
        print(f"chatmod: rejected {rejected}", file=sys.stderr)
    if run.rejected_count > len(shown):
        more = run.rejected_count - len(shown)
        print(f"chatmod: ... and {more} more (--show-rejected lists them all)", file=sys.stderr)


def summarize(show_rejected: bool, run: Run, messages: list[Message], team: HostTeam) -> None:
    report_rejections(show_rejected, run)
    parts = [f"read {plural(len(messages), 'message')}"]
    if run.rejected_count:
        parts.append(f"{plural(run.rejected_count, 'record')} rejected")
    if run.duplicates:
        parts.append(f"{run.duplicates} repeated ids merged")
    if run.off_tag:
        parts.append(f"{run.off_tag} off-tag messages left out")
    print(f"chatmod: {', '.join(parts)}", file=sys.stderr)
    if messages and not any(team.matches(m.author, m.author_id) for m in messages):
        hosts = ", ".join((*team.hosts, *team.cohosts))
        print(
            f"chatmod: warning: no message is by the host team ({hosts}); check --host "
            "(for Bluesky, pass the host's DID)",
            file=sys.stderr,
        )
