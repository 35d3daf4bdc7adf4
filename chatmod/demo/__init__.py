"""Provides the bundled demo chat: a one-hour #teachtechchat with six questions, in native JSONL.

The chat is written and labelled by hand in ``fixtures/scenarios/demo.yaml``; ``fixtures/build.py``
renders it here so that ``chatmod demo`` works from an installed package with no network.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEMO_CHAT", "DEMO_COHOSTS", "DEMO_HOSTS", "DEMO_TAG"]

DEMO_CHAT = Path(__file__).with_name("demo_chat.jsonl")
DEMO_HOSTS: tuple[str, ...] = ("msrivera",)
DEMO_COHOSTS: tuple[str, ...] = ("mrokafor",)
DEMO_TAG = "teachtechchat"
