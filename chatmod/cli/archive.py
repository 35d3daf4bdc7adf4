"""Provides ``analyze``, ``report`` and ``ingest``: the commands that judge a chat archive."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatmod.cli.chats import find_chat
from chatmod.cli.common import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    NETWORK_NAMES,
    Formatter,
    default_db_path,
    positive_int,
    print_error,
    store_failed,
    write_output,
    zone_arg,
)
from chatmod.cli.sources import (
    add_source_options,
    add_stored_options,
    add_window_options,
    existing_db,
    load,
    report_rejections,
)
from chatmod.words import plural

if TYPE_CHECKING:
    from rich.progress import TaskID

    from chatmod.chats import Chat
    from chatmod.core.handles import HostTeam
    from chatmod.ingest import IngestResult

__all__ = ["add_archive_parsers"]


def add_archive_parsers(commands: Any) -> None:
    analyze = commands.add_parser(
        "analyze",
        help="judge every message; one JSON object per message on stdout",
        description="Read a chat archive and print, in chronological order, one JSON object per "
        "message (reposts included) with the engine's judgement: thread, whether it is "
        "addressed to the host team (to_host), whether it asks them something (question), "
        "and whether the host team answered it.",
        epilog="Output fields: id, author, created_at (ISO 8601 UTC), thread, to_host, question, "
        "answered (null exactly when to_host is false), answered_by, answered_how "
        "(reply|same_exchange|to_author|moderator); and also network, session, "
        "team, repost, reply_to, reply_to_author, reply_source (explicit|inferred), reason "
        "(why addressed: reply|leading|direct|plural), opens, answer_tag, late, burst_of, "
        "status, text, url.",
        formatter_class=Formatter,
    )
    add_source_options(analyze)
    add_window_options(analyze)
    add_stored_options(analyze)
    analyze.set_defaults(run=_run_analyze)

    report = commands.add_parser(
        "report",
        help="write the report, the public recap (--recap) or the follow-up list (--followups)",
        description="Read a chat archive (or a stored --session) and write its report: dropped balls "
        "first (questions before comments, with how long each waited), then answered balls with "
        "the host team's reply and response times, the recap grouped by question, per-question "
        "figures, host response time, top participants, and how much of the conversation ran "
        "between participants. --recap writes only what to post for everyone; --followups only "
        "what the host still has to answer.",
        epilog="--recap: each question with highlights of the answers (a chat without Q1, Q2... is "
        "told by its longest conversations), the questions the host team answered with their reply, "
        "who took part, the figures; never a dropped ball.\n"
        "--followups: what needs an answer, questions first, greetings and thank-yous folded into a "
        "count, and the balls carried over from the chat's last sessions (chats edit NAME "
        "--follow-up-sessions N; default 4); older ones age out of it (chatmod followups lists "
        "every one).",
        formatter_class=Formatter,
    )
    add_source_options(report)
    add_window_options(report)
    add_stored_options(report)
    report.add_argument(
        "--format",
        choices=("md", "html", "json", "csv"),
        default="md",
        help="md (default), html (one self-contained page), json, or csv (one row per ball)",
    )
    view = report.add_mutually_exclusive_group()
    view.add_argument("--recap", dest="view", action="store_const", const="recap", default="full",
                      help="only the public recap: questions, highlights of the answers, who took part (md or html)")
    view.add_argument("--followups", dest="view", action="store_const", const="followups",
                      help="only the host's follow-up list: what needs an answer, questions first (md or html)")
    report.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    report.add_argument("--tz", type=zone_arg, metavar="ZONE",
                        help="show times in this zone, e.g. America/New_York (default: the chat's zone with "
                        "--chat, else UTC; JSON and CSV stay in UTC)")
    report.add_argument("--history", action="store_true",
                        help="one line per stored session of --chat, and the trend: new vs returning "
                        "participants, answered within 5 minutes, dropped, response time, and how much "
                        "ran between participants")
    report.add_argument("--last", type=positive_int, default=4, metavar="N",
                        help="with --history: compare the last N sessions with the N before (default 4)")
    report.set_defaults(run=_run_report)

    ingest = commands.add_parser(
        "ingest",
        help="store an archive or a live chat in the chatmod database (history across weeks)",
        description="Store every message of a chat archive in chatmod's SQLite database, in "
        "batches (one transaction each), then judge them and store the ledger of balls. "
        "Ingesting the same archive again changes nothing; an interrupted ingest is completed "
        "by running it again. A live chat (mastodon://HOST/TAG) is written as it arrives, once a "
        "second, with where it stands: after a crash or Ctrl-C, running the same command again "
        "resumes there and fetches what was missed.",
        epilog=f"The default database is {default_db_path()} (--db to choose another). "
        "It opens in sqlite3 and Datasette: tables messages, message_revisions, ledger_events (the log; the view ledger is the log as it stands).",
        formatter_class=Formatter,
    )
    add_source_options(ingest)
    ingest.add_argument("--db", metavar="PATH", type=Path, help="the database file (created if missing)")
    ingest.add_argument("--network", choices=NETWORK_NAMES,
                        help="with --chat: whose of the chat's host handles to use (default: those of "
                        "the network the archive is from)")
    ingest.set_defaults(run=_run_ingest)


def _run_analyze(args: argparse.Namespace) -> int:
    from chatmod.pipeline import batch_gc
    from chatmod.records import analysis_lines

    with batch_gc():
        loaded = load(args)
        if isinstance(loaded, int):
            return loaded
        out = sys.stdout
        for line in analysis_lines(loaded.messages, loaded.team, schedule=loaded.schedule):
            out.write(line)
            out.write("\n")
        out.flush()
    return EXIT_INTERRUPTED if loaded.interrupted else EXIT_OK


def _run_history(args: argparse.Namespace) -> int:
    import asyncio

    from chatmod.cli.sources import resolve_team
    from chatmod.core.models import Network
    from chatmod.pipeline import batch_gc
    from chatmod.report.history import StoredSession, build_history, render_history
    from chatmod.store import Store, StoreError
    from chatmod.store.rows import message_from_row

    if args.chat is None or args.source is not None or args.session is not None:
        print_error("--history reads stored sessions: give --chat NAME (and --db PATH), not SOURCE or --session")
        return EXIT_USAGE
    chat = find_chat(args.chats_file, args.chat)
    if chat is None:
        return EXIT_USAGE
    path = existing_db(args.db, args.chat)
    if path is None:
        return EXIT_USAGE

    async def read() -> list[StoredSession]:
        from chatmod.run.settle import settle_now

        async with await Store.open(path) as store:
            await settle_now(store, args.chats_file)
            found = []
            for summary in await store.session_summaries(chat.name):
                start, end = str(summary["start"]), str(summary["end"])
                rows = [r async for chunk in store.message_rows(chat.name, start, end) for r in chunk]
                # A session judged when stored counts its stored ledger, unless --host judges anew.
                ledger = (await store.session_ledger(chat.name, start, end)
                          if summary["judged"] and not args.host else None)
                found.append(StoredSession(int(summary["id"]), bool(summary["off_schedule"]),  # type: ignore[call-overload]
                                           [message_from_row(r) for r in rows], ledger))
            return found

    try:
        sessions = asyncio.run(read())
    except StoreError as error:
        return store_failed(error)
    if not sessions:
        print_error(f"no sessions of {chat.name} in {path}; ingest an archive with --chat {chat.name}")
        return EXIT_FAILURE
    network = sessions[0].messages[0].network if sessions[0].messages else Network.TWITTER
    team = resolve_team(args.host, args.cohost, chat, network)
    with batch_gc():
        history = build_history(chat.name, sessions, team, max(1, args.last))
    return write_output(render_history(history, args.format), args.output)


def _run_report(args: argparse.Namespace) -> int:
    from chatmod.chats import DEFAULT_FOLLOW_UP_SESSIONS
    from chatmod.pipeline import batch_gc
    from chatmod.report import VIEW_FORMATS, build_report, render

    if args.history:
        if args.view != "full":
            print_error(f"--history is a report of its own; leave out --{args.view}")
            return EXIT_USAGE
        return _run_history(args)
    if args.view != "full" and args.format not in VIEW_FORMATS:
        print_error(f"--{args.view} is written as md or html; --format {args.format} holds every ball "
                    "already (filter on its status)")
        return EXIT_USAGE

    with batch_gc():
        loaded = load(args)
        if isinstance(loaded, int):
            return loaded
        chat = loaded.chat
        report = build_report(
            loaded.messages, loaded.team, source=loaded.label, tag=loaded.tag,
            rejected=loaded.run.rejected_count, carried_over=loaded.carried_over,
            schedule=loaded.schedule, zone=args.tz or (chat.schedule.tz if chat else None),
            follow_up_sessions=chat.follow_up_sessions if chat else DEFAULT_FOLLOW_UP_SESSIONS,
            aged_out=loaded.aged_out, ledger=loaded.ledger,
        )
    status = write_output(render(report, args.format, args.view), args.output)
    return EXIT_INTERRUPTED if loaded.interrupted and status == EXIT_OK else status


@contextmanager
def _progress_bar(title: str) -> Iterator[Callable[[str, int], None] | None]:
    """A live count of committed messages on a terminal; nothing at all when stderr is piped."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(finished_text="✓"),
        TextColumn("{task.description}", markup=False),
        TextColumn("{task.completed:,} messages", markup=False),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(phase: str, count: int) -> None:
            if phase not in tasks:
                for task in bar.tasks:  # the previous phase is over: mark it done
                    if not task.finished:
                        bar.update(task.id, total=task.completed)
                tasks[phase] = bar.add_task(f"{title}: {phase}", total=None)
            bar.update(tasks[phase], completed=count)

        yield update


def _run_ingest(args: argparse.Namespace) -> int:
    import asyncio

    from chatmod.core.handles import HostTeam
    from chatmod.core.models import Network
    from chatmod.formats import InputError
    from chatmod.ingest import ingest
    from chatmod.pipeline import batch_gc, tag_filter
    from chatmod.store import StoreError

    path: Path = args.db if args.db is not None else default_db_path()
    if args.db is None:
        path.parent.mkdir(parents=True, exist_ok=True)
    chat = None
    if args.chat is not None:
        chat = find_chat(args.chats_file, args.chat)
        if chat is None:
            return EXIT_USAGE
    from chatmod.cli.live import live_url

    url = live_url(args.source, chat)
    if args.source is None and url is None:
        print_error("SOURCE is required: the archive file to store (or - for stdin)")
        return EXIT_USAGE
    # Without --host the chat's handles are taken on the network of what is read, known once read.
    team = HostTeam(args.host, args.cohost) if args.host else None
    if team is None and chat is not None and args.network is not None:
        team = chat.team(Network(args.network))
    tag = args.tag or (chat.hashtag if chat else None)
    # The filter keeps the host team's untagged messages: any of the chat's handles will do there.
    keep = tag_filter(tag, team or (chat.every_handle() if chat else HostTeam([]))) if tag else None
    if url is not None:  # the live source picks the chat itself (see load())
        return _ingest_live(args, url, path, team, chat)
    from chatmod.cli.sources import archive_team

    try:
        named = archive_team(args, chat, path)
    except InputError as error:
        print_error(str(error))
        return EXIT_USAGE
    if isinstance(named, int):
        return named
    team = named or team
    try:
        with _progress_bar(f"ingesting {args.source}") as progress:
            try:
                with batch_gc():
                    result = asyncio.run(ingest(args.source, path, team, args.input_format, progress, keep=keep,
                                               chat=chat, tag=tag))
            except InputError as error:
                print_error(str(error))
                return EXIT_USAGE
            except StoreError as error:
                return store_failed(error)
    except KeyboardInterrupt:
        print(f"chatmod: interrupted; what was read is stored in {path}: run the same command again to finish",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    _say_ingested(args, result, path, chat)
    if result.read == 0:
        print_error(f"no usable messages in {args.source}")
        return EXIT_USAGE
    return EXIT_OK


def _ingest_live(args: argparse.Namespace, url: str, path: Path, team: HostTeam | None, chat: Chat | None) -> int:
    """A live chat into the database as it arrives; a restart resumes where the last run stopped."""
    import asyncio

    from chatmod.cli.live import open_source, say_state, unreached
    from chatmod.ingest import ingest_live
    from chatmod.sources.base import Source
    from chatmod.sources.live_url import parse_live_url
    from chatmod.store import StoreError

    checked = open_source(args, url, chat)
    if isinstance(checked, int):
        return checked

    def opener(cursor: str | None) -> Source:
        made = open_source(args, url, chat, cursor)
        assert not isinstance(made, int)  # the same URL and token were usable a moment ago
        return made

    if args.max_messages is None and args.duration is None:
        print(f"chatmod: storing {checked.label} in {path} as it arrives, until Ctrl-C", file=sys.stderr, flush=True)
    with _progress_bar(f"ingesting {checked.label}") as progress:
        try:
            result, run = asyncio.run(ingest_live(
                opener, path, team, chat=chat, progress=progress, max_messages=args.max_messages,
                duration=args.duration, on_state=say_state(args.verbose),
                on_error=print_error, tag=args.tag or (chat.hashtag if chat else None) or parse_live_url(url).tag))
        except StoreError as error:
            return store_failed(error)
    print(f"chatmod: {run.summary()}", file=sys.stderr)
    _say_ingested(args, result, path, chat)
    if unreached(run) or (run.failure is not None and run.messages == 0):
        return EXIT_FAILURE
    return EXIT_INTERRUPTED if run.interrupted else EXIT_OK


def _say_ingested(args: argparse.Namespace, result: IngestResult, path: Path, chat: Chat | None) -> None:
    report_rejections(args.show_rejected, result.run)
    parts = [f"read {plural(result.read, 'message')} into {path} ({result.changed:,} new or changed)"]
    if result.deletions:
        parts.append(f"{plural(result.deletions, 'deletion')} recorded")
    parts.append(f"{plural(result.sessions, 'session')}{f' of {chat.name}' if chat else ''}")
    if result.outside:
        parts.append(f"{plural(result.outside, 'message')} outside sessions")
    if result.judged_by is not None:
        parts.append(f"judged {result.judged:,}, {plural(result.events, 'new ledger event')}")
    else:
        parts.append("not judged (no --host)")
    if result.run.rejected_count:
        parts.append(f"{plural(result.run.rejected_count, 'record')} rejected")
    print(f"chatmod: {'; '.join(parts)}", file=sys.stderr)


