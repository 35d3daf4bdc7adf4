"""Provides ``sessions`` and ``followups``: what the database holds across weeks."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatmod.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    Formatter,
    login_name,
    moment_arg,
    positive_int,
    print_error,
    store_failed,
)
from chatmod.cli.sources import existing_db
from chatmod.words import plural

if TYPE_CHECKING:
    from chatmod.core.events import Marked
    from chatmod.core.models import Message
    from chatmod.rejudge import Rejudged
    from chatmod.store import Store

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
    followups.add_argument("--questions", action="store_true", help="only the balls that ask something")
    followups.add_argument("--session", metavar="ID", type=int, help="only the balls of this session")
    followups.add_argument("--since", metavar="WHEN", type=moment_arg,
                           help="only the balls posted from then on: YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)")
    followups.add_argument("--json", action="store_true", help="a JSON array instead of a list")
    mark = followups.add_mutually_exclusive_group()
    mark.add_argument("--answered", metavar="ID", help="mark ball ID answered (handled elsewhere); a unique "
                      "start of the id will do, as listed")
    mark.add_argument("--dismiss", metavar="ID", help="mark ball ID dismissed (needs no answer)")
    mark.add_argument("--reopen", metavar="ID", help="put ball ID back on the list")
    mark.add_argument("--dismiss-older-than", metavar="DAYS", type=positive_int,
                      help="dismiss every listed ball posted more than DAYS days ago (filters apply)")
    followups.add_argument("--by", metavar="NAME", default=login_name(),
                           help="who marks it (default: your user name)")
    followups.set_defaults(run=_run_followups)

    rejudge = commands.add_parser(
        "rejudge",
        help="judge stored sessions again with this version's engine, moderators' marks kept",
        description="Judge stored sessions again with this version of chatmod, each by the host "
        "team it was stored with, and replace what the engine wrote in their ledgers. Every "
        "moderator's mark (answered, dismissed, claimed, ...) is kept and applied after the new "
        "judgement; a mark on a message that is no longer a ball is kept in the history and "
        "skipped. Reports read the stored ledger, so they change only after this. "
        "Without --session or --chat, every stored session is judged again.",
        formatter_class=Formatter,
    )
    rejudge.add_argument("--db", metavar="PATH", type=Path, help="the database file")
    which = rejudge.add_mutually_exclusive_group()
    which.add_argument("--session", metavar="ID", type=int, help="only this session (ids: chatmod sessions)")
    which.add_argument("--chat", metavar="NAME", help="only this chat's sessions")
    rejudge.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
    rejudge.add_argument("--chats-file", type=Path, metavar="PATH", help="the chats file to use")
    rejudge.set_defaults(run=_run_rejudge)


def _run_sessions(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from chatmod.run.settle import settle_now
    from chatmod.store import Store, StoreError

    path = existing_db(args.db, args.chat)
    if path is None:
        return EXIT_USAGE

    async def read() -> tuple[list[dict[str, object]], int]:
        async with await Store.open(path) as store:
            await settle_now(store, getattr(args, "chats_file", None))
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

    from chatmod.run.settle import settle_now
    from chatmod.store import Store, StoreError

    path = existing_db(args.db, args.chat)
    if path is None:
        return EXIT_USAGE

    async def run() -> int:
        async with await Store.open(path) as store:
            await settle_now(store, getattr(args, "chats_file", None))
            target = args.answered or args.dismiss or args.reopen
            if target is not None:
                return await _mark(store, path, target, args)
            found = await _follow_ups(store, args)
            if args.dismiss_older_than is not None:
                return await _dismiss_older(store, found, args)
            _list_follow_ups(found, args.json)
            return EXIT_OK

    try:
        return asyncio.run(run())
    except StoreError as error:
        return store_failed(error)


def _run_rejudge(args: argparse.Namespace) -> int:
    import asyncio

    from chatmod.cli.chats import find_chat
    from chatmod.rejudge import rejudge
    from chatmod.store import StoreError

    path = existing_db(args.db, args.chat)
    if path is None:
        return EXIT_USAGE
    try:
        done = asyncio.run(rejudge(
            path, session=args.session, chat=args.chat, dry_run=args.dry_run, progress=_say_rejudged,
            chat_named=lambda name: find_chat(args.chats_file, name, quiet=True),
        ))
    except StoreError as error:
        return store_failed(error)
    if not done:
        if args.session is not None:
            print_error(f"no session {args.session} in {path} (list them with: chatmod sessions --db {path})")
            return EXIT_USAGE
        print(f"no sessions{f' of {args.chat}' if args.chat else ''} in {path}")
        return EXIT_OK
    judged = [outcome for outcome in done if outcome.skipped is None]
    changed = sum(outcome.after != outcome.before for outcome in judged)
    summary = f"{plural(len(judged), 'session')} judged again, {changed} changed"
    if args.dry_run:
        summary += " (dry run: nothing written)"
    print(summary)
    return EXIT_OK


def _say_rejudged(outcome: Rejudged) -> None:
    when = outcome.start[:16].replace("T", " ")
    head = f"session {outcome.session} ({outcome.chat + ', ' if outcome.chat else ''}{when})"
    if outcome.skipped is not None:
        print(f"{head}: skipped, {outcome.skipped}")
        return
    before, after = outcome.before, outcome.after

    def figure(now: int, was: int, what: str) -> str:
        return f"{plural(now, what, what if what != 'ball' else None)}" + (f" (was {was})" if now != was else "")

    figures = ", ".join((figure(after.balls, before.balls, "ball"), figure(after.answered, before.answered, "answered"),
                         figure(after.dropped, before.dropped, "dropped")))
    line = f"{head}: {figures}" if after != before else f"{head}: unchanged, {figures}"
    if outcome.marks:
        line += f"; {plural(outcome.marks, 'moderator mark')} kept"
        if outcome.stale:
            line += f", {outcome.stale} no longer {'applies' if outcome.stale == 1 else 'apply'}"
    print(line)


@dataclass(frozen=True, slots=True)
class _FollowUp:
    chat: str
    session: int
    network: str
    message: Message
    question: bool


async def _follow_ups(store: Store, args: argparse.Namespace) -> list[_FollowUp]:
    from chatmod.store.rows import message_from_row

    found = []
    for chat, session, row, detail in await store.follow_ups(args.chat):
        message = message_from_row(row)
        item = _FollowUp(chat, session, message.network.value, message, bool(detail.get("question")))
        if args.questions and not item.question:
            continue
        if args.session is not None and session != args.session:
            continue
        if args.since is not None and message.created_at < args.since:
            continue
        found.append(item)
    return found


def _short_ids(ids: list[str]) -> dict[str, str]:
    """Each id cut to the shortest start (8 characters at least) no other listed id shares."""
    shortest = {}
    ordered = sorted(set(ids))
    for index, ident in enumerate(ordered):
        neighbours = [n for n in (ordered[index - 1] if index else None,
                                  ordered[index + 1] if index + 1 < len(ordered) else None) if n]
        length = 8
        for other in neighbours:
            common = next((i for i, (a, b) in enumerate(zip(ident, other, strict=False)) if a != b),
                          min(len(ident), len(other)))
            length = max(length, common + 1)
        shortest[ident] = ident[: min(length, len(ident))]
    return shortest


def _list_follow_ups(found: list[_FollowUp], as_json: bool) -> None:
    import json

    if as_json:
        print(json.dumps([
            {"id": f.message.id, "chat": f.chat or None, "session": f.session, "network": f.network,
             "at": f.message.created_at.isoformat().replace("+00:00", "Z"), "author": f.message.author,
             "question": f.question, "text": f.message.text, "url": f.message.url}
            for f in found
        ], ensure_ascii=False, indent=1))
    else:
        short = _short_ids([f.message.id for f in found])
        for f in found:
            kind = "question" if f.question else "comment"
            print(f"{short[f.message.id]}  {f.chat or '-'}  {f.message.created_at:%Y-%m-%d %H:%M}  "
                  f"@{f.message.author}  {kind}: {' '.join(f.message.text.split())[:90]}")
    questions = sum(1 for f in found if f.question)
    if found:
        print(f"chatmod: {plural(len(found), 'ball')} to follow up, {plural(questions, 'question')}",
              file=sys.stderr)
    else:
        print("chatmod: nothing to follow up: every dropped ball has been dealt with", file=sys.stderr)


async def _resolve(store: Store, path: Path, given: str) -> str | None:
    """The ball id that ``given`` (a whole id or its start) names, or None after saying why."""
    matches = [ident for ident in await store.ball_ids(given) if ident.startswith(given)]
    if given in matches:
        return given
    if len(matches) == 1:
        return matches[0]
    if not matches:
        print_error(f"no ball {given} in {path} (list them with: chatmod followups --db {path})")
    else:
        print_error(f"{given} is the start of several balls' ids ({', '.join(matches[:3])}, …); give more of it")
    return None


async def _mark(store: Store, path: Path, given: str, args: argparse.Namespace) -> int:
    from chatmod.core.ledger import LedgerError
    from chatmod.core.runtime import Action, moderate

    ball_id = await _resolve(store, path, given)
    if ball_id is None:
        return EXIT_USAGE
    action = Action.ANSWERED if args.answered else Action.DISMISS if args.dismiss else Action.REOPEN
    found = await store.ball_ledger(ball_id, args.chat)
    if found is None:
        print_error(f"no ball {ball_id} in chat {args.chat} (list them with: chatmod followups --db {path})")
        return EXIT_USAGE
    chat, network, ledger = found
    try:
        event = moderate(ledger, action, ball_id, args.by, datetime.now(UTC))
    except LedgerError as error:
        print_error(str(error))
        return EXIT_USAGE
    kind = await _write_mark(store, chat, network, event)
    print(f"chatmod: ball {ball_id} marked {kind} by {args.by}", file=sys.stderr)
    return EXIT_OK


async def _write_mark(store: Store, chat: str, network: str, event: Marked) -> str:
    from chatmod.core.models import Network
    from chatmod.store.rows import event_row

    row = event_row(Network(network), event)
    assert row is not None
    await store.write(events=[row], chat=chat)
    return str(row[2])


async def _dismiss_older(store: Store, found: list[_FollowUp], args: argparse.Namespace) -> int:
    from chatmod.core.ledger import LedgerError
    from chatmod.core.runtime import Action, moderate

    now = datetime.now(UTC)
    cutoff = now - timedelta(days=args.dismiss_older_than)
    dismissed = 0
    for item in found:
        if item.message.created_at >= cutoff:
            continue
        ball = await store.ball_ledger(item.message.id, item.chat)
        if ball is None:
            continue
        chat, network, ledger = ball
        try:
            event = moderate(ledger, Action.DISMISS, item.message.id, args.by, now)
        except LedgerError:
            continue  # dealt with meanwhile
        await _write_mark(store, chat, network, event)
        dismissed += 1
    print(f"chatmod: dismissed {plural(dismissed, 'ball')} posted before {cutoff:%Y-%m-%d} by {args.by}",
          file=sys.stderr)
    return EXIT_OK


def _session_note(summary: dict[str, object]) -> str:
    # Only a defined chat has a schedule to be off (databases before schema 8 stored the flag
    # for sessions of no chat too).
    if not summary["off_schedule"] or not str(summary["chat"])[:1].isalnum():
        return ""
    moved = summary["moved_from"]
    return f"off schedule (moved from {str(moved)[:10]})" if moved else "off schedule"
