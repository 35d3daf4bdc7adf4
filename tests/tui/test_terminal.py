"""End to end: ``chatmod demo`` in a real terminal (tmux), read as a person would, then quit."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def _screen(name: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True).stdout


def _wait_for(name: str, needle: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _screen(name)
        if needle in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never appeared; the screen was:\n{screen}")


def test_demo_runs_in_a_real_terminal_and_quits_cleanly():
    name = f"chatmod-{uuid.uuid4().hex[:8]}"
    command = f"LANG=C.UTF-8 {shlex.quote(sys.executable)} -m chatmod demo --speed 60; echo EXITED:$?; sleep 30"
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "100", "-y", "30", command], check=True)
    try:
        _wait_for(name, "#teachtechchat · demo")  # after a moment of "Loading…"
        screen = _wait_for(name, "Claim")  # the footer lists the actions once the chat is loaded
        for expected in ("#teachtechchat · demo", "Waiting", "Questions", "Claim", "Quit"):
            assert expected in screen
        # Within seconds at 60x, someone is waiting and the board is counting Q1.
        screen = _wait_for(name, "Q1", timeout=20)
        assert "open" in screen
        subprocess.run(["tmux", "send-keys", "-t", name, "?"], check=True)
        _wait_for(name, "who is waiting for an answer")
        subprocess.run(["tmux", "send-keys", "-t", name, "Escape"], check=True)
        time.sleep(0.5)
        subprocess.run(["tmux", "send-keys", "-t", name, "q"], check=True)
        screen = _wait_for(name, "EXITED:0")
        # The terminal is restored: none of the console is left on it.
        assert "Waiting" not in screen and "╭" not in screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def test_sigterm_ends_the_console_and_restores_the_terminal():
    name = f"chatmod-{uuid.uuid4().hex[:8]}"
    command = f"LANG=C.UTF-8 {shlex.quote(sys.executable)} -m chatmod demo; echo EXITED:$?; sleep 30"
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "100", "-y", "30", command], check=True)
    try:
        _wait_for(name, "#teachtechchat · demo")
        pid = int(subprocess.run(["pgrep", "-f", "chatmod demo", "-P", _shell_pid(name)], capture_output=True,
                                 text=True, check=True).stdout.split()[0])
        os.kill(pid, signal.SIGTERM)
        screen = _wait_for(name, "EXITED:0", timeout=10)
        assert "Waiting" not in screen and "╭" not in screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def _shell_pid(name: str) -> str:
    return subprocess.run(["tmux", "display-message", "-p", "-t", name, "#{pane_pid}"],
                          capture_output=True, text=True, check=True).stdout.strip()
