"""Provides the ``chatmod`` command: a thin argparse front over the pipeline and the reports."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from chatmod import __version__
from chatmod.cli_chats import add_chats_parser, find_chat
from chatmod.cli_common import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    FORMAT_NAMES,
    NETWORK_NAMES,
    Formatter,
    default_db_path,
    print_error,
    write_output,
)
from chatmod.cli_watch import add_watch_parsers

if TYPE_CHECKING:
    # The command line loads the engine, the readers and pydantic only for the commands that
    # use them: the console (demo, watch) shows its first frame before they load.
    from rich.progress import TaskID

    from chatmod.core.handles import HostTeam
    from chatmod.core.models import Message
    from chatmod.pipeline import Run
    from chatmod.report.model import BallItem

__all__ = ["main"]

DESCRIPTION = """\
chatmod: a second pair of eyes for hashtag chats.

It threads a chat by question (Q1, Q2, ...), finds every message addressed to the host team,
and keeps a ledger of those "balls": answered, or dropped when the chat ended without a reply.
"""

EPILOG = """\
examples:
  chatmod demo
  chatmod watch chat.jsonl --host mshost --speed 10
  chatmod analyze chat.csv --host JeffHicks > judged.jsonl
  chatmod report chat.jsonl --host mshost --cohost samhelps --format html -o recap.html

SOURCE is a file (any supported archive format, detected automatically) or - for stdin.
Exit status: 0 ok; 1 nothing to report or a write failed; 2 usage error or nothing readable.
"""


def _add_stored_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="PATH", type=Path,
                        help="with --session: the database to read (default: chatmod's own)")
    parser.add_argument("--session", metavar="ID", type=int,
                        help="read a stored session (ids: chatmod sessions) instead of SOURCE")
    parser.add_argument("--chats-file", type=Path, metavar="PATH", help="the chats file to use")


def _add_source_options(parser: argparse.ArgumentParser, optional: bool = False) -> None:
    parser.add_argument("source", metavar="SOURCE", nargs="?" if optional else None,
                        help="archive file to read, or - for stdin")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chatmod", description=DESCRIPTION, epilog=EPILOG, formatter_class=Formatter
    )
    parser.add_argument("--version", action="version", version=f"chatmod {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    add_watch_parsers(commands)

    analyze = commands.add_parser(
        "analyze",
        help="judge every message; one JSON object per message on stdout",
        description="Read a chat archive and print, in chronological order, one JSON object per "
        "message (reposts included) with the engine's judgement: thread, whether it is "
        "addressed to the host team (to_host), whether it asks them something (question), "
        "and whether the host team answered it.",
        epilog="Output fields: id, author, created_at (ISO 8601 UTC), thread, to_host, question, "
        "answered (null exactly when to_host is false), answered_by; and also network, session, "
        "team, repost, reply_to, reply_to_author, reply_source (explicit|inferred), reason "
        "(why addressed: reply|leading|direct|plural), opens, answer_tag, late, burst_of, "
        "status, text, url.",
        formatter_class=Formatter,
    )
    _add_source_options(analyze, optional=True)
    _add_stored_options(analyze)
    analyze.set_defaults(run=_run_analyze)

    report = commands.add_parser(
        "report",
        help="write the recap: dropped balls, answers, questions, response times",
        description="Read a chat archive and write its report: dropped balls first (questions "
        "before comments, with how long each waited), then answered balls with response "
        "times, the recap grouped by question, per-question figures, host response time, "
        "top participants, and how much of the conversation ran between participants.",
        formatter_class=Formatter,
    )
    _add_source_options(report, optional=True)
    _add_stored_options(report)
    report.add_argument(
        "--format",
        choices=("md", "html", "json", "csv"),
        default="md",
        help="md (default), html (one self-contained page), json, or csv (one row per ball)",
    )
    report.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    report.add_argument("--chat", metavar="NAME", help="with --history: the chat whose sessions to compare")
    report.add_argument("--history", action="store_true",
                        help="one line per stored session of --chat, and the trend: new vs returning "
                        "participants, answered within 5 minutes, dropped, response time, and how much "
                        "ran between participants")
    report.add_argument("--last", type=int, default=4, metavar="N",
                        help="with --history: compare the last N sessions with the N before (default 4)")
    report.set_defaults(run=_run_report)

    ingest = commands.add_parser(
        "ingest",
        help="store an archive in the chatmod database (history across weeks)",
        description="Store every message of a chat archive in chatmod's SQLite database, in "
        "batches (one transaction each), then judge them and store the ledger of balls. "
        "Ingesting the same archive again changes nothing; an interrupted ingest is completed "
        "by running it again.",
        epilog=f"The default database is {default_db_path()} (--db to choose another). "
        "It opens in sqlite3 and Datasette: tables messages, message_revisions, ledger_events.",
        formatter_class=Formatter,
    )
    _add_source_options(ingest)
    ingest.add_argument("--db", metavar="PATH", type=Path, help="the database file (created if missing)")
    ingest.add_argument("--chat", metavar="NAME",
                        help="a chat from 'chatmod chats': its hosts, hashtag and schedule (sessions)")
    ingest.add_argument("--network", choices=NETWORK_NAMES, default="twitter",
                        help="which of the chat's host handles to use (default twitter)")
    ingest.add_argument("--chats-file", type=Path, metavar="PATH", help="the chats file to use")
    ingest.set_defaults(run=_run_ingest)
    add_chats_parser(commands)

    sessions = commands.add_parser(
        "sessions",
        help="list the sessions in the database: when, how busy, balls dropped",
        description="List the sessions stored by 'chatmod ingest', oldest first: id, start and "
        "end (first and last message, UTC), messages, participants, balls, dropped balls. "
        "Sessions found by activity rather than by the schedule are flagged off-schedule.",
        formatter_class=Formatter,
    )
    sessions.add_argument("--db", metavar="PATH", type=Path, help="the database file")
    sessions.add_argument("--chat", metavar="NAME", help="only this chat's sessions")
    sessions.add_argument("--json", action="store_true", help="a JSON array instead of a table")
    sessions.set_defaults(run=_run_sessions)

    followups = commands.add_parser(
        "followups",
        help="the follow-up list: dropped balls nobody has dealt with yet; mark them",
        description="List the balls dropped in stored sessions that are still open (they appear "
        "as 'carried over' in later sessions' reports), or mark one answered, dismissed or "
        "reopened. Marks are ledger events, recorded with who and when.",
        formatter_class=Formatter,
    )
    followups.add_argument("--db", metavar="PATH", type=Path, help="the database file")
    followups.add_argument("--chat", metavar="NAME", help="only this chat's balls")
    mark = followups.add_mutually_exclusive_group()
    mark.add_argument("--answered", metavar="ID", help="mark ball ID answered (handled elsewhere)")
    mark.add_argument("--dismiss", metavar="ID", help="mark ball ID dismissed (needs no answer)")
    mark.add_argument("--reopen", metavar="ID", help="put ball ID back on the list")
    followups.add_argument("--by", metavar="NAME", default=os.environ.get("USER", "moderator"),
                           help="who marks it (default: your user name)")
    followups.set_defaults(run=_run_followups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    # Last guard for untrusted strings that reach the output unescaped (an id with a lone
    # surrogate): "\ud800" is what JSON would have written anyway.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        status: int = args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`| head`): not an error worth a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    return status


def _load(args: argparse.Namespace) -> tuple[list[Message], Run, HostTeam] | int:
    from chatmod.core.handles import HostTeam
    from chatmod.formats import InputError, read_source
    from chatmod.pipeline import Run, chronological, tag_filter

    if args.session is not None:
        if args.source is not None:
            print_error("give either SOURCE or --session, not both")
            return EXIT_USAGE
        return _load_session(args)
    if args.source is None:
        print_error("SOURCE is required (a file, or - for stdin), or --session ID to read a stored session")
        return EXIT_USAGE
    if not args.host:
        print_error("--host is required: the host's handle, e.g. --host JeffHicks")
        return EXIT_USAGE
    team = HostTeam(args.host, args.cohost)
    run = Run()
    try:
        _, items = read_source(args.source, args.input_format)
        keep = tag_filter(args.tag, team) if args.tag else None
        messages = chronological(items, run, keep)
    except InputError as error:
        print_error(str(error))
        return EXIT_USAGE
    _summarize(args, run, messages, team)
    if not messages:
        print_error(f"no usable messages in {args.source}")
        return EXIT_USAGE
    return messages, run, team


def _existing_db(args: argparse.Namespace) -> Path | None:
    """The database to read (--db, or the default one), or None after saying it does not exist."""
    path: Path = args.db if args.db is not None else default_db_path()
    if not path.exists():
        hint = f" --chat {args.chat}" if getattr(args, "chat", None) else ""
        print_error(f"no database at {path}; create one with: chatmod ingest SOURCE{hint} --db {path}")
        return None
    return path


def _load_session(args: argparse.Namespace) -> tuple[list[Message], Run, HostTeam] | int:
    import asyncio

    from chatmod.core.handles import HostTeam
    from chatmod.core.models import Network
    from chatmod.pipeline import Run
    from chatmod.store import Store, StoreError
    from chatmod.store.rows import message_from_row

    path = _existing_db(args)
    if path is None:
        return EXIT_USAGE

    async def read() -> tuple[dict[str, object] | None, list[Message], list[BallItem]]:
        async with await Store.open(path) as store:
            session = await store.session(args.session)
            if session is None:
                return None, [], []
            rows = [row async for chunk in store.message_rows(str(session["start"]), str(session["end"])) for row in chunk]
            earlier = await store.carried_over(str(session["chat"]), str(session["start"])) if session["chat"] else []
            carried = sorted((_carried_item(r, d) for r, d in earlier), key=lambda b: (not b.question, b.at))
            return session, [message_from_row(row) for row in rows], carried

    try:
        session, messages, carried = asyncio.run(read())
    except StoreError as error:
        print_error(str(error))
        return EXIT_FAILURE
    if session is None:
        print_error(f"no session {args.session} in {path} (list them with: chatmod sessions --db {path})")
        return EXIT_USAGE
    if args.source is None:
        args.source = f"session {args.session} of {path.name}"
    if args.host:
        team = HostTeam(args.host, args.cohost)
    else:
        args.name = session["chat"]
        chat = find_chat(args) if session["chat"] else None
        if chat is None:
            print_error("--host is required (the session's chat is not defined in chatmod chats)")
            return EXIT_USAGE
        team = chat.team(messages[0].network if messages else Network.TWITTER)
        args.tag = args.tag or chat.hashtag  # titles the report "#tag recap"; filters nothing here
    run = Run()
    run.read = len(messages)
    args.carried_over = carried
    _summarize(args, run, messages, team)
    return messages, run, team


def _carried_item(row: tuple[object, ...], detail: dict[str, object]) -> BallItem:
    from chatmod.core.ledger import Status
    from chatmod.report.model import BallItem
    from chatmod.store.rows import message_from_row

    message = message_from_row(row)
    thread = detail.get("thread")
    return BallItem(
        id=message.id, author=message.author, display_name=message.display_name, at=message.created_at,
        text=message.text, url=message.url, question=bool(detail.get("question")),
        thread=thread if isinstance(thread, int) else None, status=Status.DROPPED, waited_s=0.0,
    )


def _report_rejections(args: argparse.Namespace, run: Run) -> None:
    shown = run.rejected if args.show_rejected else run.rejected[:5]
    for rejected in shown:
        print(f"chatmod: rejected {rejected}", file=sys.stderr)
    if run.rejected_count > len(shown):
        more = run.rejected_count - len(shown)
        print(f"chatmod: ... and {more} more (--show-rejected lists them all)", file=sys.stderr)


def _summarize(args: argparse.Namespace, run: Run, messages: list[Message], team: HostTeam) -> None:
    _report_rejections(args, run)
    parts = [f"read {len(messages)} messages"]
    if run.rejected_count:
        parts.append(f"{run.rejected_count} records rejected")
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


def _run_analyze(args: argparse.Namespace) -> int:
    from chatmod.pipeline import batch_gc
    from chatmod.records import analysis_lines

    with batch_gc():
        loaded = _load(args)
        if isinstance(loaded, int):
            return loaded
        messages, _, team = loaded
        out = sys.stdout
        for line in analysis_lines(messages, team):
            out.write(line)
            out.write("\n")
        out.flush()
    return EXIT_OK


def _run_history(args: argparse.Namespace) -> int:
    import asyncio

    from chatmod.core.handles import HostTeam
    from chatmod.core.models import Network
    from chatmod.pipeline import batch_gc
    from chatmod.report.history import build_history, render_history
    from chatmod.store import Store, StoreError
    from chatmod.store.rows import message_from_row

    if args.chat is None or args.source is not None or args.session is not None:
        print_error("--history reads stored sessions: give --chat NAME (and --db PATH), not SOURCE or --session")
        return EXIT_USAGE
    args.name = args.chat
    chat = find_chat(args)
    if chat is None:
        return EXIT_USAGE
    path = _existing_db(args)
    if path is None:
        return EXIT_USAGE

    async def read() -> list[tuple[int, bool, list[Message]]]:
        async with await Store.open(path) as store:
            found = []
            for summary in await store.session_summaries(chat.name):
                rows = [r async for chunk in store.message_rows(str(summary["start"]), str(summary["end"])) for r in chunk]
                found.append((int(summary["id"]), bool(summary["off_schedule"]), [message_from_row(r) for r in rows]))  # type: ignore[call-overload]
            return found

    try:
        sessions = asyncio.run(read())
    except StoreError as error:
        print_error(str(error))
        return EXIT_FAILURE
    if not sessions:
        print_error(f"no sessions of {chat.name} in {path}; ingest an archive with --chat {chat.name}")
        return EXIT_FAILURE
    network = sessions[0][2][0].network if sessions[0][2] else Network.TWITTER
    team = HostTeam(args.host, args.cohost) if args.host else chat.team(network)
    with batch_gc():
        history = build_history(chat.name, sessions, team, max(1, args.last))
    return write_output(render_history(history, args.format), args.output)


def _run_report(args: argparse.Namespace) -> int:
    from chatmod.pipeline import batch_gc
    from chatmod.report import build_report, render

    if args.history:
        return _run_history(args)

    with batch_gc():
        loaded = _load(args)
        if isinstance(loaded, int):
            return loaded
        messages, run, team = loaded
        report = build_report(messages, team, source=args.source, tag=args.tag, rejected=run.rejected_count,
                              carried_over=getattr(args, "carried_over", ()))
    return write_output(render(report, args.format), args.output)


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
        args.name = args.chat
        chat = find_chat(args)
        if chat is None:
            return EXIT_USAGE
    network = Network(args.network)
    team = HostTeam(args.host, args.cohost) if args.host else (chat.team(network) if chat else None)
    tag = args.tag or (chat.hashtag if chat else None)
    keep = tag_filter(tag, team or HostTeam([])) if tag else None
    with _progress_bar(f"ingesting {args.source}") as progress:
        try:
            with batch_gc():
                result = asyncio.run(ingest(args.source, path, team, args.input_format, progress, keep=keep, chat=chat))
        except InputError as error:
            print_error(str(error))
            return EXIT_USAGE
        except StoreError as error:
            print_error(str(error))
            return EXIT_FAILURE
    _report_rejections(args, result.run)
    parts = [f"read {result.read} messages into {path} ({result.changed} new or changed)"]
    if result.deletions:
        parts.append(f"{result.deletions} deletions recorded")
    parts.append(f"{result.sessions} sessions{f' of {chat.name}' if chat else ''}")
    if result.outside:
        parts.append(f"{result.outside} messages outside sessions")
    if team is not None:
        parts.append(f"judged {result.judged}, {result.events} new ledger events")
    else:
        parts.append("not judged (no --host)")
    if result.run.rejected_count:
        parts.append(f"{result.run.rejected_count} records rejected")
    print(f"chatmod: {'; '.join(parts)}", file=sys.stderr)
    if result.read == 0:
        print_error(f"no usable messages in {args.source}")
        return EXIT_USAGE
    return EXIT_OK


def _run_sessions(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from chatmod.store import Store, StoreError

    path = _existing_db(args)
    if path is None:
        return EXIT_USAGE

    async def read() -> tuple[list[dict[str, object]], int]:
        async with await Store.open(path) as store:
            return await store.session_summaries(args.chat), await store.outside_sessions()

    try:
        summaries, outside = asyncio.run(read())
    except StoreError as error:
        print_error(str(error))
        return EXIT_FAILURE
    if args.json:
        print(json.dumps(summaries, ensure_ascii=False, indent=1))
        return EXIT_OK
    if not summaries:
        print(f"no sessions{f' of {args.chat}' if args.chat else ''} in {path}")
        return EXIT_OK
    header = ("id", "chat", "start (UTC)", "end", "messages", "participants", "balls", "dropped", "")
    rows = [
        (str(s["id"]), str(s["chat"]) or "-", str(s["start"])[:16].replace("T", " "), str(s["end"])[11:16],
         str(s["messages"]), str(s["participants"]), str(s["balls"]), str(s["dropped"]),
         _session_note(s))
        for s in summaries
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(cell.rjust(w) if cell.isdigit() else cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    if outside:
        what = "1 stored message is" if outside == 1 else f"{outside} stored messages are"
        print(f"\n{what} in no session (reminders, follow-ups between chats).")
    return EXIT_OK


def _run_followups(args: argparse.Namespace) -> int:
    import asyncio

    from chatmod.core.events import BallAnswered, BallDismissed, BallReopened
    from chatmod.core.models import Network
    from chatmod.store import Store, StoreError
    from chatmod.store.rows import event_row, message_from_row

    path = _existing_db(args)
    if path is None:
        return EXIT_USAGE
    target = args.answered or args.dismiss or args.reopen
    now = datetime.now(UTC)

    async def run() -> int:
        async with await Store.open(path) as store:
            if target is None:
                chats = [args.chat] if args.chat else await store.chat_names()
                found = [(chat, *item) for chat in chats for item in await store.carried_over(chat, "\uffff")]
                if not found:
                    print("nothing to follow up: every dropped ball has been dealt with")
                for chat, row, detail in found:
                    message = message_from_row(row)
                    kind = "question" if detail.get("question") else "comment"
                    print(f"{message.id}  {chat}  {message.created_at:%Y-%m-%d %H:%M}  @{message.author}  {kind}: "
                          f"{' '.join(message.text.split())[:90]}")
                return EXIT_OK
            network = await store.ball_network(target)
            if network is None:
                print_error(f"no ball {target} in {path} (list them with: chatmod followups --db {path})")
                return EXIT_USAGE
            event: BallAnswered | BallDismissed | BallReopened
            if args.answered:
                event = BallAnswered(target, args.by, now)
            elif args.dismiss:
                event = BallDismissed(target, args.by, now)
            else:
                event = BallReopened(target, args.by, now)
            stored = event_row(Network(network), event)
            assert stored is not None
            row = stored
            await store.write(events=[row])
            print(f"chatmod: ball {target} marked {row[2]} by {args.by}", file=sys.stderr)
            return EXIT_OK

    try:
        return asyncio.run(run())
    except StoreError as error:
        print_error(str(error))
        return EXIT_FAILURE


def _session_note(summary: dict[str, object]) -> str:
    if not summary["off_schedule"]:
        return ""
    moved = summary["moved_from"]
    return f"off schedule (moved from {str(moved)[:10]})" if moved else "off schedule"
