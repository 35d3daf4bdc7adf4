"""Provides what every ``chatmod`` subcommand shares: exit codes, help layout, errors, output."""

from __future__ import annotations

import argparse
import os
import stat
import sys
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from chatmod.paths import default_db_path

__all__ = [
    "EXIT_FAILURE",
    "EXIT_HELP",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "FORMAT_NAMES",
    "NETWORK_NAMES",
    "Formatter",
    "Parser",
    "default_db_path",
    "login_name",
    "moment_arg",
    "positive_int",
    "print_error",
    "store_failed",
    "write_output",
    "zone_arg",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

EXIT_HELP = (
    "Exit status: 0 done (also when there is nothing to report); 1 the work could not be finished\n"
    "(output not writable, database damaged or locked); 2 usage or input error (bad option, input\n"
    "unreadable or empty, a database that is not chatmod's or is newer); 130 interrupted.\n"
)
"""The exit-status table of DESIGN.md in one paragraph (the README's table says the same)."""


class Parser(argparse.ArgumentParser):
    """chatmod's parsers: no abbreviated options (``--chat`` must never be read as
    ``--chats-file``). Subcommand parsers are made of this class too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


class Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=100)

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        # argparse measures subcommand names at the outer indent but prints them two columns
        # further in, so the longest one ("followups") wrapped its help onto the next line.
        if isinstance(action, argparse._SubParsersAction) and action.help is not argparse.SUPPRESS:
            longest = max((len(name) for name in action.choices), default=0)
            self._action_max_length = max(self._action_max_length, longest + self._current_indent + 2)


FORMAT_NAMES: tuple[str, ...] = ("chatmod", "jetstream", "mastodon", "twarc2", "twarc1", "tags", "sheet", "rcsv")
"""The input formats (chatmod.formats.FORMAT_NAMES, which a test keeps equal): argparse needs
them before any reader is worth loading."""
NETWORK_NAMES: tuple[str, ...] = ("twitter", "mastodon", "bluesky")
"""The values of chatmod.core.models.Network (kept equal by a test), for the same reason."""


def positive_int(value: str) -> int:
    """An argparse type: a whole number above zero."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{value!r}: must be 1 or more")
    return number


def moment_arg(value: str) -> datetime:
    """An argparse type: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM``, UTC unless it says otherwise."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a day or a time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def zone_arg(value: str) -> tzinfo:
    """An argparse type: an IANA time zone name."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown time zone {value!r} (e.g. America/New_York)") from None


def login_name() -> str:
    """Who is running chatmod, for recording moderators' actions: the login name, even where
    ``$USER`` is not set (a service, a container, tmux started from cron)."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "moderator"


def store_failed(error: Exception) -> int:
    """Say why the database could not be used; the exit status for it."""
    from chatmod.store import NotOurs

    print_error(str(error))
    return EXIT_USAGE if isinstance(error, NotOurs) else EXIT_FAILURE


def print_error(message: str) -> None:
    print(f"chatmod: error: {message}", file=sys.stderr)


def write_output(text: str, output: str | None) -> int:
    """Write ``text`` to stdout (None or ``-``) or to ``output``.

    A regular file (or a new path) is written beside and renamed into place, so a failed write
    never leaves half a report; a symlink is followed to its target first. Anything else (a
    device, a FIFO, ``>(cmd)``) is written straight into: renaming over it would replace it.
    """
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return EXIT_OK
    target = Path(os.path.realpath(output))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        print_error(f"cannot write {output}: {error.strerror or error}")
        return EXIT_FAILURE
    try:
        if mode is None or stat.S_ISREG(mode):
            _replace(target, text)
        else:
            with open(target, "w", encoding="utf-8", errors="backslashreplace", newline="") as stream:
                stream.write(text)
    except OSError as error:
        print_error(f"cannot write {output}: {error.strerror or error}")
        return EXIT_FAILURE
    print(f"chatmod: wrote {output}", file=sys.stderr)
    return EXIT_OK


def _replace(target: Path, text: str) -> None:
    tmp = target.with_name(f".{target.name}.partial")
    try:
        with open(tmp, "w", encoding="utf-8", errors="backslashreplace", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if target.exists():
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
