"""Provides what every ``chatmod`` subcommand shares: exit codes, help layout, errors, output."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from chatmod.paths import default_db_path

__all__ = [
    "EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "FORMAT_NAMES", "NETWORK_NAMES", "Formatter", "default_db_path",
    "print_error", "write_output",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


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


FORMAT_NAMES: tuple[str, ...] = ("chatmod", "jetstream", "mastodon", "twarc2", "twarc1", "tags", "sheet")
"""The input formats (chatmod.formats.FORMAT_NAMES, which a test keeps equal): argparse needs
them before any reader is worth loading."""
NETWORK_NAMES: tuple[str, ...] = ("twitter", "mastodon", "bluesky")
"""The values of chatmod.core.models.Network (kept equal by a test), for the same reason."""


def print_error(message: str) -> None:
    print(f"chatmod: error: {message}", file=sys.stderr)


def write_output(text: str, output: str | None) -> int:
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
        print_error(f"cannot write {output}: {error.strerror or error}")
        return EXIT_FAILURE
    print(f"chatmod: wrote {output}", file=sys.stderr)
    return EXIT_OK
