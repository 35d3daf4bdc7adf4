"""Provides ``chatmod demo`` and ``chatmod watch``: the console (the Textual TUI) on a replay."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatmod.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    FORMAT_NAMES,
    Formatter,
    login_name,
    positive_int,
    print_error,
    zone_arg,
)

if TYPE_CHECKING:
    # Loaded by the console's loader, after its first frame (see ChatmodApp).
    from chatmod.chats import Chat
    from chatmod.core.handles import HostTeam
    from chatmod.core.models import Network
    from chatmod.formats.base import Item
    from chatmod.run.history import History
    from chatmod.sources.base import Source
    from chatmod.tui.session import ChatSession

__all__ = ["DEMO_SPEED", "add_watch_parsers"]

DEMO_SPEED = 30.0
"""The demo's hour plays in two minutes."""


def _speed(value: str) -> float | None:
    if value.lower() in ("max", "fast", "inf"):
        return None
    try:
        speed = float(value.rstrip("xX"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a speed (1 to 60, or max)") from None
    if not 0 < speed <= 3600:
        raise argparse.ArgumentTypeError(f"{value!r} is not a speed (1 to 60, or max)")
    return speed


def _add_console_options(parser: argparse.ArgumentParser, default_speed: str) -> None:
    parser.add_argument("--speed", type=_speed, default=_speed(default_speed), metavar="X",
                        help=f"replay speed: 1 is real time, 60 an hour a minute, max as fast as possible "
                        f"(default {default_speed}; + and - change it while watching)")
    parser.add_argument("--as", dest="moderator", metavar="NAME", default=login_name(),
                        help="who your claims and marks are recorded as (default: your user name)")
    parser.add_argument("--feature", action="append", default=[], metavar="HANDLE",
                        help="highlight this author's messages (repeatable)")
    parser.add_argument("--mute", action="append", default=[], metavar="HANDLE",
                        help="hide this author's messages (repeatable)")
    parser.add_argument("--amber", type=positive_int, default=120, metavar="SECONDS",
                        help="an open ball's wait turns amber after this long (default 120)")
    parser.add_argument("--red", type=positive_int, default=300, metavar="SECONDS",
                        help="and red after this long (default 300)")
    parser.add_argument("--tz", type=zone_arg, metavar="ZONE", help="show times in this zone (default: this machine's)")
    parser.add_argument("--export-dir", type=Path, default=Path.cwd(), metavar="DIR",
                        help="where 'e' writes the report (default: the current directory)")


def add_watch_parsers(commands: Any) -> None:
    demo = commands.add_parser(
        "demo",
        help="the console replaying a bundled demo chat (no network, no setup)",
        description="Open the console on a bundled one-hour chat (six questions, ~300 messages, a "
        "host and a co-host), replayed at 30x so the hour takes two minutes. Press ? for the keys.",
        epilog="--recap prints the demo chat's public recap in Markdown instead (no terminal needed), "
        "as chatmod report --recap writes it.",
        formatter_class=Formatter,
    )
    demo.add_argument("--recap", action="store_true", help="print the recap instead of opening the console")
    _add_console_options(demo, default_speed="30")
    demo.set_defaults(run=_run_demo)

    watch = commands.add_parser(
        "watch",
        help="the console on a live chat, an archive or a stored session",
        description="Open the console on a live chat (mastodon://HOST/TAG, with a user token), a chat "
        "archive (any supported format, replayed at --speed) or a stored session (--db PATH "
        "--session ID): the inbox of balls with their waits, the question board and the stream. "
        "Claims and marks are recorded in the database with --db.",
        epilog="Keys: c claim, a answered, d dismiss, o reopen, z snooze, Enter conversation, Space "
        "pause the stream, p play/stop, + and - speed, s seek, / search, 1-9 one question, ? help, "
        "q quit. Ctrl+P lists every action by name.",
        formatter_class=Formatter,
    )
    watch.add_argument("source", metavar="SOURCE", nargs="?",
                       help="archive file to replay, - for stdin, or a live chat: mastodon://HOST/TAG "
                       "(default with --chat: the chat's live source)")
    watch.add_argument("--host", action="append", default=[], metavar="HANDLE", help="the host's handle (repeatable)")
    watch.add_argument("--cohost", action="append", default=[], metavar="HANDLE", help="a co-host's handle (repeatable)")
    watch.add_argument("--tag", metavar="TAG", help="the chat's hashtag: keep tagged posts and the replies around them")
    watch.add_argument("--chat", metavar="NAME", help="a chat from 'chatmod chats': hosts, hashtag and question plan")
    watch.add_argument("--chats-file", type=Path, metavar="PATH", help="the chats file to use")
    watch.add_argument("--input-format", choices=FORMAT_NAMES, metavar="NAME",
                       help=f"skip detection and read SOURCE as this format ({', '.join(FORMAT_NAMES)})")
    watch.add_argument("--db", metavar="PATH", type=Path,
                       help="record claims and marks in this database; with --session, replay a stored session")
    watch.add_argument("--session", metavar="ID", type=int, help="replay a stored session (ids: chatmod sessions)")
    _add_console_options(watch, default_speed="1")
    from chatmod.cli.live import add_live_options

    add_live_options(watch, bounded=False)
    watch.set_defaults(run=_run_watch)


Opener = Callable[[], "tuple[Callable[[], Iterable[Item]] | Source, Callable[[Network], HostTeam]]"]
"""Makes (a way to open the archive from its start, or a live source; the host team on the network
read); runs in the console's loader."""


def _run_demo(args: argparse.Namespace) -> int:
    from chatmod.demo import DEMO_CHAT, DEMO_COHOSTS, DEMO_HOSTS, DEMO_TAG

    if not DEMO_CHAT.exists():
        print_error(f"the bundled demo chat is missing from this install ({DEMO_CHAT})")
        return EXIT_FAILURE
    if args.recap:
        from chatmod.cli.common import write_output
        from chatmod.core.handles import HostTeam
        from chatmod.formats import read_source
        from chatmod.report import build_report, render
        from chatmod.sources.ordering import Run, chronological

        messages = chronological(read_source(str(DEMO_CHAT))[1], Run())
        report = build_report(messages, HostTeam(DEMO_HOSTS, DEMO_COHOSTS), source="the demo chat", tag=DEMO_TAG)
        return write_output(render(report, "md", "recap"), None)

    def source() -> tuple[Callable[[], Iterable[Item]], Callable[[Network], HostTeam]]:
        from chatmod.core.handles import HostTeam
        from chatmod.formats import read_source

        team = HostTeam(DEMO_HOSTS, DEMO_COHOSTS)
        return (lambda: read_source(str(DEMO_CHAT))[1]), lambda _: team

    return _open_console(args, source, title=f"#{DEMO_TAG} · demo", tag=DEMO_TAG)


def _run_watch(args: argparse.Namespace) -> int:
    chat = None
    if args.chat is not None:
        from chatmod.cli.chats import find_chat

        chat = find_chat(args.chats_file, args.chat)
        if chat is None:
            return EXIT_USAGE
    if args.session is not None:
        return _watch_session(args)
    if args.source is None:
        print_error("SOURCE is required (a file, or - for stdin), or --db PATH --session ID for a stored session")
        return EXIT_USAGE
    from chatmod.cli.live import live_url

    url = live_url(args.source, chat)
    if url is not None:
        return _watch_live(args, url, chat)
    from chatmod.formats import live_url_hint

    hint = live_url_hint(args.source)
    if hint is not None:
        print_error(hint)
        return EXIT_USAGE
    if not args.host and chat is None:
        print_error("--host is required: the host's handle, e.g. --host JeffHicks (or --chat NAME)")
        return EXIT_USAGE
    tag = args.tag or (chat.hashtag if chat else None)
    from chatmod.cli.sources import archive_team
    from chatmod.formats import InputError

    try:
        named = archive_team(args, chat, args.db)
    except InputError as error:
        print_error(str(error))
        return EXIT_USAGE
    if isinstance(named, int):
        return named

    def source() -> tuple[Callable[[], Iterable[Item]], Callable[[Network], HostTeam]]:
        from chatmod.cli.sources import resolve_team
        from chatmod.core.handles import HostTeam
        from chatmod.core.models import Message
        from chatmod.formats import read_source
        from chatmod.pipeline import tag_filter

        # stdin can be read only once, and the console reads again from the start to seek back.
        stdin_items = list(read_source("-", args.input_format)[1]) if args.source == "-" else None
        # The filter keeps the host team's untagged replies: before the network is known, any of
        # the chat's handles will do for that (as analyze and ingest do).
        keeping = HostTeam(args.host, args.cohost) if args.host or chat is None else chat.every_handle()
        keep = tag_filter(tag, keeping) if tag else None

        def open_items() -> Iterable[Item]:
            items = stdin_items if stdin_items is not None else read_source(args.source, args.input_format)[1]
            if keep is None:
                return items
            return (i for i in items if not isinstance(i, Message) or keep(i))

        return open_items, lambda network: named or resolve_team(args.host, args.cohost, chat, network)

    title = f"#{tag} · {Path(args.source).name}" if tag else Path(args.source).name
    return _open_console(args, source, title=title, tag=tag, chat=chat)


def _watch_live(args: argparse.Namespace, url: str, chat: Chat | None) -> int:
    from chatmod.cli.live import open_source
    from chatmod.sources.live_url import LiveURLError, parse_live_url

    if not args.host and chat is None:
        print_error("--host is required: the host's handle, e.g. --host host@example.social (or --chat NAME)")
        return EXIT_USAGE
    try:
        tag = args.tag or (chat.hashtag if chat else None) or parse_live_url(url).tag
    except LiveURLError as error:
        print_error(str(error))
        return EXIT_USAGE
    from chatmod.cli.sources import resolve_team
    from chatmod.core.models import Network
    from chatmod.run.history import History

    probe = open_source(args, url, chat)
    if isinstance(probe, int):
        return probe
    source = probe
    history = History()
    if args.db is not None:
        # Recording: pick up where the last live run into this database stopped.
        import asyncio

        from chatmod.ingest import resumed
        from chatmod.store import StoreError

        def reopen(cursor: str | None) -> Source:
            made = probe if cursor is None else open_source(args, url, chat, cursor)
            assert not isinstance(made, int)  # the same URL and token opened once already
            return made

        try:
            source = asyncio.run(resumed(args.db, reopen))
            history = asyncio.run(_ongoing(args.db, chat, tag, resolve_team(
                args.host, args.cohost, chat, source.network or Network.TWITTER), args.chats_file))
        except StoreError as error:
            print_error(str(error))
            return EXIT_FAILURE

    def opener() -> tuple[Source, Callable[[Network], HostTeam]]:
        return source, lambda network: resolve_team(args.host, args.cohost, chat, network)

    return _open_console(args, opener, title=f"#{tag} · {source.label}", tag=tag, chat=chat, history=history)


async def _ongoing(db: Path, chat: Chat | None, tag: str | None, team: HostTeam, chats_file: Path | None) -> History:
    """The session a live run into ``db`` joins, if the last run stopped in the middle of it."""
    from datetime import UTC, datetime

    from chatmod.chats import chat_key
    from chatmod.core.sessions import SessionRules
    from chatmod.run.history import ongoing
    from chatmod.run.settle import settle_now
    from chatmod.store import Store

    async with await Store.open(db) as store:
        await settle_now(store, chats_file)
        return await ongoing(store, chat_key(chat, tag, team), datetime.now(UTC), SessionRules().gap)


def _watch_session(args: argparse.Namespace) -> int:
    from chatmod.cli.common import default_db_path
    from chatmod.cli.sources import load_session
    from chatmod.run.history import History

    loaded = load_session(args.db, args.session, args.host, args.cohost, args.tag, args.chats_file)
    if isinstance(loaded, int):
        return loaded
    title = f"#{loaded.tag} · {loaded.label}" if loaded.tag else loaded.label
    return _open_console(
        args, lambda: ((lambda: loaded.messages), lambda _: loaded.team), title=title, tag=loaded.tag,
        carried_over=len(loaded.carried_over), db=args.db if args.db is not None else default_db_path(),
        history=History(marks=loaded.marks),
    )


def _on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _open_console(
    args: argparse.Namespace,
    source: Opener,
    *,
    title: str,
    tag: str | None,
    chat: Chat | None = None,
    carried_over: int = 0,
    db: Path | None = None,
    history: History | None = None,
) -> int:
    if args.red <= args.amber:
        print_error(f"--red ({args.red} s) must be longer than --amber ({args.amber} s)")
        return EXIT_USAGE
    if not _on_terminal():
        print_error("the console needs a terminal; for a text recap use chatmod report (or chatmod demo --recap)")
        return EXIT_USAGE
    from chatmod.run.record import Recorder
    from chatmod.tui.app import ChatmodApp, ConsoleOptions

    def load() -> ChatSession:
        # Runs in a worker thread once the console's first frame is up.
        from chatmod.core.models import Network
        from chatmod.core.runtime import ChatRuntime
        from chatmod.core.sessions import plan_sessions
        from chatmod.formats import InputError
        from chatmod.sources.replay import ReplaySource, message_times
        from chatmod.tui.session import ChatSession
        from chatmod.tui.state import ConsoleState, PlanItem, Thresholds

        opened, team_for = source()
        feed: Source
        if callable(opened):
            feed = replay = ReplaySource(opened, speed=args.speed)
            if replay.empty:
                raise InputError("nothing to replay: no usable messages")
            network, start = replay.network or Network.TWITTER, replay.start_at
        else:
            feed, network, start = opened, opened.network or Network.TWITTER, opened.now()
        team = team_for(network)
        # A chat's sessions are its schedule's windows, as in analyze, report and ingest.
        schedule = (
            list(chat.schedule.between(start - timedelta(days=1), start + timedelta(days=3 * 366)))
            if chat is not None else []
        )
        # An archive is read whole: its sessions are those analyze, report and ingest find in it.
        plan = (plan_sessions(message_times(opened), schedule)
                if callable(opened) and schedule else None)
        thresholds = Thresholds(amber=timedelta(seconds=args.amber), red=timedelta(seconds=args.red))
        questions = [PlanItem(q.number, q.minute, q.text) for q in chat.questions] if chat is not None else []
        duration = timedelta(minutes=chat.duration_minutes) if chat is not None else timedelta(minutes=60)

        def make_state() -> ConsoleState:
            return ConsoleState(team, plan=questions, duration=duration, thresholds=thresholds,
                                carried_over=carried_over)

        def make_runtime() -> ChatRuntime:
            return ChatRuntime(team, snooze=thresholds.snooze, schedule=schedule, plan=plan)

        session = ChatSession(feed, make_runtime, make_state)
        if history is not None:
            session.resume(history)
        return session

    if db is None:
        db = getattr(args, "db", None)  # demo has no --db
    recorder = Recorder(db, chat=chat, tag=tag) if db is not None else None
    options = ConsoleOptions(
        title=title, moderator=args.moderator, tag=tag, zone=args.tz, featured=frozenset(args.feature),
        muted=frozenset(args.mute), export_dir=args.export_dir, recorder=recorder,
    )
    app = ChatmodApp(load, options)
    app.run()
    if app.load_error is not None:
        from chatmod.formats import InputError

        print_error(str(app.load_error) if isinstance(app.load_error, InputError)
                    else f"could not load the replay: {app.load_error!r}")
        return EXIT_USAGE if isinstance(app.load_error, InputError) else EXIT_FAILURE
    if app.failure is not None:
        print_error(f"reading {title} stopped: {app.failure}")
        return EXIT_FAILURE
    return EXIT_OK
