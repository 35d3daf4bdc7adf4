"""Provides the ``chatmod`` command: a thin argparse front over the pipeline and the reports."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from chatmod import __version__
from chatmod.core.handles import HostTeam
from chatmod.core.models import Message
from chatmod.formats import FORMAT_NAMES, InputError, read_source
from chatmod.pipeline import Run, batch_gc, chronological, tag_filter
from chatmod.records import analysis_lines

if TYPE_CHECKING:
    from rich.progress import TaskID

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

DESCRIPTION = """\
chatmod: a second pair of eyes for hashtag chats.

It threads a chat by question (Q1, Q2, ...), finds every message addressed to the host team,
and keeps a ledger of those "balls": answered, or dropped when the chat ended without a reply.
"""

EPILOG = """\
examples:
  chatmod demo
  chatmod analyze chat.csv --host JeffHicks > judged.jsonl
  chatmod report chat.jsonl --host mshost --cohost samhelps --format html -o recap.html

SOURCE is a file (any supported archive format, detected automatically) or - for stdin.
Exit status: 0 ok; 1 nothing to report or a write failed; 2 usage error or nothing readable.
"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=100)


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE", help="archive file to read, or - for stdin")
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
        prog="chatmod", description=DESCRIPTION, epilog=EPILOG, formatter_class=_Formatter
    )
    parser.add_argument("--version", action="version", version=f"chatmod {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="show the recap of a bundled demo chat (no network, no setup)",
        description="Print the Markdown recap of a bundled demo chat: six questions, one hour, "
        "~300 messages, a host and a co-host. No network, no configuration.",
        formatter_class=_Formatter,
    )
    demo.set_defaults(run=_run_demo)

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
        formatter_class=_Formatter,
    )
    _add_source_options(analyze)
    analyze.set_defaults(run=_run_analyze)

    report = commands.add_parser(
        "report",
        help="write the recap: dropped balls, answers, questions, response times",
        description="Read a chat archive and write its report: dropped balls first (questions "
        "before comments, with how long each waited), then answered balls with response "
        "times, the recap grouped by question, per-question figures, host response time, "
        "top participants, and how much of the conversation ran between participants.",
        formatter_class=_Formatter,
    )
    _add_source_options(report)
    report.add_argument(
        "--format",
        choices=("md", "html", "json", "csv"),
        default="md",
        help="md (default), html (one self-contained page), json, or csv (one row per ball)",
    )
    report.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
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
        formatter_class=_Formatter,
    )
    _add_source_options(ingest)
    ingest.add_argument("--db", metavar="PATH", type=Path, help="the database file (created if missing)")
    ingest.set_defaults(run=_run_ingest)
    return parser


def default_db_path() -> Path:
    """Where chatmod keeps its history unless told otherwise: the platform's data directory."""
    import platformdirs

    return platformdirs.user_data_path("chatmod", appauthor=False) / "chatmod.db"


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


def _error(message: str) -> None:
    print(f"chatmod: error: {message}", file=sys.stderr)


def _load(args: argparse.Namespace) -> tuple[list[Message], Run, HostTeam] | int:
    if not args.host:
        _error("--host is required: the host's handle, e.g. --host JeffHicks")
        return EXIT_USAGE
    team = HostTeam(args.host, args.cohost)
    run = Run()
    try:
        _, items = read_source(args.source, args.input_format)
        keep = tag_filter(args.tag, team) if args.tag else None
        messages = chronological(items, run, keep)
    except InputError as error:
        _error(str(error))
        return EXIT_USAGE
    _summarize(args, run, messages, team)
    if not messages:
        _error(f"no usable messages in {args.source}")
        return EXIT_USAGE
    return messages, run, team


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


def _write(text: str, output: str | None) -> int:
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return EXIT_OK
    path = Path(output)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        tmp.write_text(text, encoding="utf-8", errors="backslashreplace", newline="")
        os.replace(tmp, path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        _error(f"cannot write {output}: {error.strerror or error}")
        return EXIT_FAILURE
    print(f"chatmod: wrote {output}", file=sys.stderr)
    return EXIT_OK


def _run_report(args: argparse.Namespace) -> int:
    from chatmod.report import build_report, render

    with batch_gc():
        loaded = _load(args)
        if isinstance(loaded, int):
            return loaded
        messages, run, team = loaded
        report = build_report(messages, team, source=args.source, tag=args.tag, rejected=run.rejected_count)
    return _write(render(report, args.format), args.output)


@contextmanager
def _progress_bar(title: str) -> Iterator[Callable[[str, int], None] | None]:
    """A live count of committed messages on a terminal; nothing at all when stderr is piped."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        TextColumn("{task.completed:,} messages", markup=False),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(phase: str, count: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(f"{title}: {phase}", total=None)
            bar.update(tasks[phase], completed=count)

        yield update


def _run_ingest(args: argparse.Namespace) -> int:
    import asyncio

    from chatmod.ingest import ingest
    from chatmod.store import StoreError

    path: Path = args.db if args.db is not None else default_db_path()
    if args.db is None:
        path.parent.mkdir(parents=True, exist_ok=True)
    team = HostTeam(args.host, args.cohost) if args.host else None
    keep = tag_filter(args.tag, team or HostTeam([])) if args.tag else None
    with _progress_bar(f"ingesting {args.source}") as progress:
        try:
            with batch_gc():
                result = asyncio.run(ingest(args.source, path, team, args.input_format, progress, keep=keep))
        except InputError as error:
            _error(str(error))
            return EXIT_USAGE
        except StoreError as error:
            _error(str(error))
            return EXIT_FAILURE
    _report_rejections(args, result.run)
    parts = [f"read {result.read} messages into {path} ({result.changed} new or changed)"]
    if result.deletions:
        parts.append(f"{result.deletions} deletions recorded")
    if team is not None:
        parts.append(f"judged {result.judged}, {result.events} new ledger events")
    else:
        parts.append("not judged (no --host)")
    if result.run.rejected_count:
        parts.append(f"{result.run.rejected_count} records rejected")
    print(f"chatmod: {'; '.join(parts)}", file=sys.stderr)
    if result.read == 0:
        _error(f"no usable messages in {args.source}")
        return EXIT_USAGE
    return EXIT_OK


def _run_demo(args: argparse.Namespace) -> int:
    from chatmod.demo import DEMO_CHAT, DEMO_COHOSTS, DEMO_HOSTS, DEMO_TAG
    from chatmod.report import build_report, render

    run = Run()
    try:
        _, items = read_source(str(DEMO_CHAT))
        messages = chronological(items, run)
    except InputError as error:
        _error(f"the bundled demo chat is missing from this install ({error})")
        return EXIT_FAILURE
    team = HostTeam(DEMO_HOSTS, DEMO_COHOSTS)
    report = build_report(messages, team, source="the demo chat", tag=DEMO_TAG)
    return _write(render(report, "md"), None)
