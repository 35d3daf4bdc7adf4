"""Provides the small words every message to people needs: counts with their nouns."""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 session``, ``2 sessions``, ``1 person``/``3 people`` (``many`` when not ``one + s``)."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"
