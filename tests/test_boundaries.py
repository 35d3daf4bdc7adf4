"""The core stays pure: importing it must not pull in the UI, network or database stacks."""

from __future__ import annotations

import subprocess
import sys

# (socket is not listed: pydantic imports email.utils, which imports it, without doing I/O.)
FORBIDDEN = ("textual", "websockets", "aiosqlite", "asyncio", "sqlite3")


def test_core_imports_no_io_stack() -> None:
    code = (
        "import sys, chatmod.core.engine, chatmod.core.ledger, chatmod.core.events, "
        "chatmod.core.models, chatmod.core.extract; "
        f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"chatmod.core loaded {out.stdout.strip()}"


def test_core_reads_no_clock() -> None:
    # Time is an argument in the core: no module in it may ask the system for "now".
    from pathlib import Path

    import chatmod.core

    root = Path(chatmod.core.__file__).parent
    offenders = [
        f"{path.name}: {needle}"
        for path in root.glob("*.py")
        for needle in ("datetime.now(", "time.time(", "utcnow(", "monotonic(", "date.today(")
        if needle in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_the_console_state_and_replay_need_no_textual() -> None:
    # What the console shows is decided without Textual, so it can be tested (and replayed) bare.
    code = (
        "import sys, chatmod.tui.state, chatmod.tui.session, chatmod.tui.seek, chatmod.sources.replay; "
        "print(','.join(m for m in ('textual', 'rich', 'websockets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"the console's state loaded {out.stdout.strip()}"


def test_the_command_line_and_the_console_start_without_the_engine() -> None:
    # `chatmod demo` paints its first frame before pydantic, the readers and the engine load
    # (startup_vs_bare_textual); this keeps a stray top-level import from undoing that.
    code = (
        "import sys, chatmod.cli, chatmod.tui.app; "
        "print(','.join(m for m in ('pydantic', 'aiosqlite', 'chatmod.core.models', 'chatmod.formats', "
        "'chatmod.core.engine') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"the command line loaded {out.stdout.strip()} at startup"


def test_the_command_lines_lists_of_names_match_the_modules() -> None:
    from chatmod.cli.common import FORMAT_NAMES, NETWORK_NAMES
    from chatmod.core.models import Network
    from chatmod.formats import FORMAT_NAMES as READERS

    assert FORMAT_NAMES == READERS
    assert tuple(network.value for network in Network) == NETWORK_NAMES
