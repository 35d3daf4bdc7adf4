"""Provides ``sessions`` and ``followups``: what the database holds across weeks."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chatmod.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    Formatter,
    login_name,
    print_error,
    store_failed,
)
from chatmod.cli.sources import existing_db

__all__ = ["add_stored_parsers"]


def add_stored_parsers(commands: Any) -> None:
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
    followups.add_argument("--by", metavar="NAME", default=login_name(),
                           help="who marks it (default: your user name)")
    followups.set_defaults(run=_run_followups)


def _run_sessions(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from chatmod.store import Store, StoreError

    path = existing_db(args.db, args.chat)
    if path is None:
        return EXIT_USAGE

    async def read() -> tuple[list[dict[str, object]], int]:
        async with await Store.open(path) as store:
            return await store.session_summaries(args.chat), await store.outside_sessions()

    try:
        summaries, outside = asyncio.run(read())
    except StoreError as error:
        return store_failed(error)
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

    from chatmod.core.ledger import LedgerError
    from chatmod.core.models import Network
    from chatmod.core.runtime import Action, moderate
    from chatmod.store import Store, StoreError
    from chatmod.store.rows import event_row, message_from_row

    path = existing_db(args.db, args.chat)
    if path is None:
        return EXIT_USAGE
    target = args.answered or args.dismiss or args.reopen
    action = Action.ANSWERED if args.answered else Action.DISMISS if args.dismiss else Action.REOPEN
    now = datetime.now(UTC)

    async def run() -> int:
        async with await Store.open(path) as store:
            if target is None:
                # Sessions ingested without --chat have balls to follow up too.
                chats = [args.chat] if args.chat else await store.chat_names(unnamed=True)
                found = [(chat or "-", *item) for chat in chats for item in await store.carried_over(chat, "\uffff")]
                if not found:
                    print("nothing to follow up: every dropped ball has been dealt with")
                for chat, row, detail in found:
                    message = message_from_row(row)
                    kind = "question" if detail.get("question") else "comment"
                    print(f"{message.id}  {chat}  {message.created_at:%Y-%m-%d %H:%M}  @{message.author}  {kind}: "
                          f"{' '.join(message.text.split())[:90]}")
                return EXIT_OK
            found_ball = await store.ball_ledger(target)
            if found_ball is None:
                print_error(f"no ball {target} in {path} (list them with: chatmod followups --db {path})")
                return EXIT_USAGE
            network, ledger = found_ball
            try:
                event = moderate(ledger, action, target, args.by, now)
            except LedgerError as error:
                print_error(str(error))
                return EXIT_USAGE
            written = event_row(Network(network), event)
            assert written is not None
            await store.write(events=[written])
            print(f"chatmod: ball {target} marked {written[2]} by {args.by}", file=sys.stderr)
            return EXIT_OK

    try:
        return asyncio.run(run())
    except StoreError as error:
        return store_failed(error)


def _session_note(summary: dict[str, object]) -> str:
    # Without a chat there is no schedule to be off.
    if not summary["off_schedule"] or not summary["chat"]:
        return ""
    moved = summary["moved_from"]
    return f"off schedule (moved from {str(moved)[:10]})" if moved else "off schedule"
