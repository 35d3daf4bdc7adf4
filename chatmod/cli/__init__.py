"""Provides the ``chatmod`` command: a thin argparse front, one module per command group.

``sources`` holds what every command that reads a chat shares (its options, the chat definition,
loading an archive or a stored session); the commands decide nothing the engine decides.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from chatmod import __version__
from chatmod.cli.archive import add_archive_parsers
from chatmod.cli.chats import add_chats_parser
from chatmod.cli.common import (
    EXIT_FAILURE,
    EXIT_HELP,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    Formatter,
    Parser,
    print_error,
)
from chatmod.cli.console import add_watch_parsers
from chatmod.cli.stored import add_stored_parsers

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
""" + EXIT_HELP


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="chatmod", description=DESCRIPTION, epilog=EPILOG, formatter_class=Formatter
    )
    parser.add_argument("--version", action="version", version=f"chatmod {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    add_watch_parsers(commands)

    add_archive_parsers(commands)
    add_chats_parser(commands)
    add_stored_parsers(commands)
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
        sys.stdout.flush()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of our output went away (`| head`): the work could not be finished, but
        # that is the reader's choice, not an error worth a word.
        _silence_stdout()
        return EXIT_FAILURE
    except OSError as error:
        if error.filename is not None:
            raise
        # A full disk or device behind stdout (`> /dev/full`): one line, not a traceback.
        _silence_stdout()
        print_error(f"cannot write to standard output: {error.strerror or error}")
        return EXIT_FAILURE
    return status


def _silence_stdout() -> None:
    # What is still buffered would fail again when Python flushes stdout at exit.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


