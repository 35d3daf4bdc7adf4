"""Provides ``chatmod chats``: define recurring chats (hashtag, host team, schedule, plan)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatmod.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    NETWORK_NAMES,
    Formatter,
    positive_int,
    print_error,
    write_output,
)
from chatmod.words import plural

if TYPE_CHECKING:
    from chatmod.chats import Chat, ChatBook

__all__ = ["add_chats_parser", "find_chat"]


def add_chats_parser(commands: Any) -> None:
    chats = commands.add_parser(
        "chats",
        help="define recurring chats: hashtag, host team, schedule, question plan",
        description="Define the chats you run: their hashtag, host team and schedule (an RRULE "
        "in the chat's own time zone), so that archives split into the right sessions.",
        epilog=f"Definitions live in {_chats_default()} (--chats-file to use another).",
        formatter_class=Formatter,
    )
    chats.add_argument("--chats-file", type=Path, metavar="PATH", help="the chats file to use")
    actions = chats.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add",
        help="define a chat (or redefine it with --replace)",
        formatter_class=Formatter,
        epilog="example:\n  chatmod chats add pstweetchat --tag PSTweetChat --host JeffHicks \\\n"
        "      --rrule 'FREQ=MONTHLY;BYDAY=1FR' --start 2019-10-04T13:00 --tz America/New_York",
    )
    add.add_argument("name", help="a short name: lower-case letters, digits, - and _")
    add.add_argument("--tag", required=True, help="the chat's hashtag")
    add.add_argument("--host", action="append", required=True, metavar="HANDLE", help="a host handle (repeatable)")
    add.add_argument("--cohost", action="append", metavar="HANDLE", help="a co-host handle (repeatable)")
    add.add_argument("--network", choices=NETWORK_NAMES, default="twitter",
                     help="the network these handles are on (default twitter)")
    add.add_argument("--rrule", required=True, help="when it recurs, e.g. 'FREQ=WEEKLY;BYDAY=TU'")
    add.add_argument("--start", required=True, metavar="YYYY-MM-DDTHH:MM",
                     help="the first session's local wall-clock start, in --tz")
    add.add_argument("--tz", required=True, metavar="ZONE", help="the chat's time zone, e.g. America/New_York")
    add.add_argument("--duration", type=int, default=60, metavar="MINUTES", help="length of a session (default 60)")
    add.add_argument("--follow-up-sessions", type=positive_int, default=4, metavar="N",
                     help="sessions a dropped ball is carried over in reports before it ages out (default 4)")
    add.add_argument("--question", action="append", metavar="N@MINUTE:TEXT",
                     help="planned question: number, minutes after the start, text (repeatable)")
    _add_live_settings(add)
    add.add_argument("--replace", action="store_true", help="replace an existing chat of that name")
    add.set_defaults(run=_run_chats_add)
    edit = actions.add_parser(
        "edit", help="change some of a chat's settings (the others stay)", formatter_class=Formatter,
        epilog="example:\n  chatmod chats edit pstweetchat --duration 90 --cohost AnotherHost",
    )
    edit.add_argument("name")
    edit.add_argument("--tag", help="the chat's hashtag")
    edit.add_argument("--host", action="append", metavar="HANDLE",
                      help="the host handles on --network (repeatable; replaces that network's hosts)")
    edit.add_argument("--cohost", action="append", metavar="HANDLE",
                      help="the co-host handles on --network (repeatable; replaces them)")
    edit.add_argument("--network", choices=NETWORK_NAMES, default="twitter",
                      help="the network --host and --cohost are on (default twitter)")
    edit.add_argument("--rrule", help="when it recurs, e.g. 'FREQ=WEEKLY;BYDAY=TU'")
    edit.add_argument("--start", metavar="YYYY-MM-DDTHH:MM", help="the first session's local wall-clock start")
    edit.add_argument("--tz", metavar="ZONE", help="the chat's time zone")
    edit.add_argument("--duration", type=positive_int, metavar="MINUTES", help="length of a session")
    edit.add_argument("--follow-up-sessions", type=positive_int, metavar="N",
                      help="sessions a dropped ball is carried over in reports before it ages out")
    edit.add_argument("--question", action="append", metavar="N@MINUTE:TEXT",
                      help="the planned questions (repeatable; replaces the plan)")
    _add_live_settings(edit)
    edit.set_defaults(run=_run_chats_edit)
    remove = actions.add_parser("remove", help="forget a chat's definition (stored sessions stay)",
                                formatter_class=Formatter)
    remove.add_argument("name")
    remove.set_defaults(run=_run_chats_remove)
    listing = actions.add_parser("list", help="list the chats", formatter_class=Formatter)
    listing.set_defaults(run=_run_chats_list)
    show = actions.add_parser("show", help="show one chat's definition", formatter_class=Formatter)
    show.add_argument("name")
    show.set_defaults(run=_run_chats_show)
    upcoming = actions.add_parser("next", help="the next sessions, in your local time", formatter_class=Formatter)
    upcoming.add_argument("name")
    upcoming.add_argument("--count", type=positive_int, default=5, help="how many (default 5)")
    upcoming.add_argument("--tz", metavar="ZONE", help="show times in this zone instead of your local one")
    upcoming.set_defaults(run=_run_chats_next)
    calendar = actions.add_parser("ics", help="write the chat as a recurring event for calendar apps",
                                  formatter_class=Formatter)
    calendar.add_argument("name")
    calendar.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    calendar.set_defaults(run=_run_chats_ics)
    for action in (add, edit, remove, listing, show, upcoming, calendar):
        # Accepted after the action too (`chats add NAME ... --chats-file X`), where people put it.
        action.add_argument("--chats-file", type=Path, metavar="PATH", default=argparse.SUPPRESS,
                            help="the chats file to use")


def _add_live_settings(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", metavar="URL",
                        help="where the chat runs live: mastodon://HOST/TAG or jetstream://HOST?tag=TAG")
    parser.add_argument("--token", metavar="TOKEN",
                        help="the user token for --source, kept in the chats file (then readable by you "
                        "only); CHATMOD_TOKEN or --token at run time come first")


def _chats_default() -> Path:
    from chatmod.paths import default_chats_path

    return default_chats_path()


def _load_chats(chats_file: Path | None) -> ChatBook | None:
    from chatmod.chats import ChatBook, ChatError

    try:
        book = ChatBook.load(chats_file)
    except ChatError as error:
        print_error(str(error))
        return None
    for warning in book.warnings:
        print(f"chatmod: warning: {warning}", file=sys.stderr)
    return book


def find_chat(chats_file: Path | None, name: str, *, quiet: bool = False) -> Chat | None:
    """The chat called ``name``, or None after saying why there is none (``quiet``: without)."""
    book = _load_chats(chats_file)
    if book is None:
        return None
    chat = book.chats.get(name)
    if chat is None and not quiet:
        _no_chat(book, name)
    return chat


def _settings(args: argparse.Namespace, old: Chat | None) -> dict[str, object]:
    """The chat fields the given options set (ValueError for a bad one). ``--host`` and
    ``--cohost`` set the handles on ``--network``; those on other networks stay."""
    from chatmod.core.models import Network

    network = Network(args.network)

    def handles(given: list[str] | None, before: dict[Network, tuple[str, ...]]) -> object:
        return None if given is None else {**before, network: tuple(given)}

    fields: dict[str, object | None] = {
        "hashtag": args.tag,
        "hosts": handles(args.host, old.hosts if old else {}),
        "cohosts": handles(args.cohost, old.cohosts if old else {}),
        "rrule": args.rrule,
        "start": None if args.start is None else datetime.fromisoformat(args.start),
        "timezone": args.tz,
        "duration_minutes": args.duration,
        "follow_up_sessions": args.follow_up_sessions,
        "source": args.source,
        "token": args.token,
        "questions": None if args.question is None else tuple(_planned_question(text) for text in args.question),
    }
    return {key: value for key, value in fields.items() if value is not None}


def _defined(book: ChatBook, name: str, fields: dict[str, object], doing: str) -> int:
    """Validate the chat ``fields`` describe (its rule and zone too) and keep it, or say why not."""
    from chatmod.chats import Chat, ChatError
    from chatmod.core.schedule import ScheduleError

    try:
        chat = Chat.model_validate({**fields, "name": name})
        chat.schedule  # noqa: B018 - validates the rule and the zone
    except (ValueError, ScheduleError, ChatError) as error:
        print_error(f"cannot {doing} {name!r}: {_short(error)}")
        return EXIT_USAGE
    return _keep(book, chat)


def _run_chats_add(args: argparse.Namespace) -> int:
    book = _load_chats(args.chats_file)
    if book is None:
        return EXIT_USAGE
    if args.name in book.chats and not args.replace:
        print_error(f"a chat named {args.name!r} exists; pass --replace to redefine it")
        return EXIT_USAGE
    try:
        fields = _settings(args, None)
    except ValueError as error:
        print_error(f"cannot add {args.name!r}: {_short(error)}")
        return EXIT_USAGE
    return _defined(book, args.name, fields, "add")


def _run_chats_edit(args: argparse.Namespace) -> int:
    book = _load_chats(args.chats_file)
    if book is None:
        return EXIT_USAGE
    old = book.chats.get(args.name)
    if old is None:
        return _no_chat(book, args.name)
    try:
        changes = _settings(args, old)
    except ValueError as error:
        print_error(f"cannot change {args.name!r}: {_short(error)}")
        return EXIT_USAGE
    if not changes:
        print_error("nothing to change: give the settings to change (see chatmod chats edit --help)")
        return EXIT_USAGE
    return _defined(book, args.name, {**old.model_dump(), **changes}, "change")


def _run_chats_remove(args: argparse.Namespace) -> int:
    book = _load_chats(args.chats_file)
    if book is None:
        return EXIT_USAGE
    if book.chats.pop(args.name, None) is None:
        return _no_chat(book, args.name)
    saved = _save(book)
    if saved == EXIT_OK:
        print(f"chatmod: removed {args.name} from {book.path} (its stored sessions stay in the database)",
              file=sys.stderr)
    return saved


def _keep(book: ChatBook, chat: Chat) -> int:
    """Save ``chat`` in the book and show it as saved."""
    book.chats[chat.name] = chat
    saved = _save(book)
    if saved != EXIT_OK:
        return saved
    print(f"chatmod: saved {chat.name} in {book.path}", file=sys.stderr)
    return _show(chat)


def _no_chat(book: ChatBook, name: str) -> int:
    known = ", ".join(book.chats) or "none yet; add one with chatmod chats add"
    print_error(f"no chat named {name!r} (chats: {known})")
    return EXIT_USAGE


def _save(book: ChatBook) -> int:
    try:
        book.save()
    except OSError as error:
        print_error(f"cannot write {book.path}: {error.strerror or error}")
        return EXIT_FAILURE
    return EXIT_OK


def _short(error: Exception) -> str:
    from pydantic import ValidationError

    from chatmod.formats.base import describe_validation_error

    return describe_validation_error(error, every=True) if isinstance(error, ValidationError) else str(error)


def _planned_question(text: str) -> dict[str, object]:
    head, colon, body = text.partition(":")
    number, at, minute = head.partition("@")
    if not colon or not at or not number.strip().lstrip("Qq").isdigit() or not minute.strip().isdigit():
        raise ValueError(f"--question {text!r}: write it as N@MINUTE:TEXT, e.g. 1@2:What brought you here?")
    return {"number": int(number.strip().lstrip("Qq")), "minute": int(minute), "text": body.strip()}


def _run_chats_list(args: argparse.Namespace) -> int:
    book = _load_chats(args.chats_file)
    if book is None:
        return EXIT_USAGE
    if not book.chats:
        print(f"no chats yet in {book.path}; add one with: chatmod chats add NAME --tag ... (see --help)")
        return EXIT_OK
    for chat in book.chats.values():
        hosts = ", ".join(h for handles in chat.hosts.values() for h in handles)
        print(f"{chat.name}\t#{chat.hashtag}\t{chat.rrule}\t{chat.start:%H:%M} {chat.timezone}\thosts: {hosts}")
    return EXIT_OK


def _run_chats_show(args: argparse.Namespace) -> int:
    chat = find_chat(args.chats_file, args.name)
    return EXIT_USAGE if chat is None else _show(chat)


def _show(chat: Chat) -> int:
    print(f"{chat.name}: #{chat.hashtag}")
    for network, handles in chat.hosts.items():
        print(f"  hosts ({network.value}): {', '.join(handles)}")
    for network, handles in chat.cohosts.items():
        print(f"  co-hosts ({network.value}): {', '.join(handles)}")
    print(f"  schedule: {chat.rrule} from {chat.start:%Y-%m-%d %H:%M} {chat.timezone}, {chat.duration_minutes} minutes")
    print(f"  follow-ups: carried over for {plural(chat.follow_up_sessions, 'session')}")
    if chat.source is not None:
        print(f"  live source: {chat.source}" + ("  (token set, not shown)" if chat.token else ""))
    for question in chat.questions:
        print(f"  Q{question.number} at +{question.minute} min: {question.text}")
    return EXIT_OK


def _run_chats_next(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    chat = find_chat(args.chats_file, args.name)
    if chat is None:
        return EXIT_USAGE
    try:
        zone = ZoneInfo(args.tz) if args.tz else None
    except (ZoneInfoNotFoundError, ValueError):
        print_error(f"unknown time zone {args.tz!r} (use a name like Europe/London)")
        return EXIT_USAGE
    now = datetime.now(UTC)
    upcoming = chat.schedule.upcoming(now, args.count)
    if not upcoming:
        print(f"chatmod: {chat.name} has no upcoming sessions: its rule ({chat.rrule}) has run out", file=sys.stderr)
    for occurrence in upcoming:
        local = occurrence.start.astimezone(zone)  # None: this machine's local zone
        own = occurrence.local_start
        print(f"{local:%a %Y-%m-%d %H:%M %Z}  (chat time {own:%H:%M %Z})")
    return EXIT_OK


def _run_chats_ics(args: argparse.Namespace) -> int:
    from chatmod.chats import ics

    chat = find_chat(args.chats_file, args.name)
    if chat is None:
        return EXIT_USAGE
    now = datetime.now(UTC)
    if not chat.schedule.upcoming(now, 1):
        print(f"chatmod: {chat.name} has no upcoming sessions: its rule ({chat.rrule}) has run out", file=sys.stderr)
    return write_output(ics(chat, now), args.output)
