"""Provides what a moderator can type to seek a replay: a time, a step, a question, start or end."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

__all__ = ["SeekError", "parse_seek"]

_STEP = re.compile(r"^([+-])\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr)?$", re.IGNORECASE)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_QUESTION = re.compile(r"^q\s*(\d{1,3})$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600}


class SeekError(ValueError):
    """What was typed is not a place in the replay."""


def parse_seek(text: str, now: datetime, start: datetime, zone: tzinfo | None = None) -> datetime | int:
    """A chat time, or a question number (its time may not have been read yet).

    ``12:30`` is a wall-clock time on the day being replayed (in ``zone``, else this machine's);
    ``+5m``, ``-90s``, ``+1h`` step from ``now`` (a bare number is minutes); ``Q3`` is a question;
    ``start`` and ``end`` are the replay's ends (``end`` is returned as ``datetime.max``).
    """
    value = text.strip()
    lowered = value.lower()
    if lowered in ("start", "begin", "beginning"):
        return start
    if lowered == "end":
        return datetime.max.replace(tzinfo=now.tzinfo)
    if match := _QUESTION.match(value):
        return int(match.group(1))
    if match := _STEP.match(value):
        sign, amount, unit = match.groups()
        seconds = float(amount) * _UNITS[(unit or "m").lower()]
        return now + timedelta(seconds=seconds if sign == "+" else -seconds)
    if match := _TIME.match(value):
        hours, minutes, seconds = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
        if hours > 23 or minutes > 59 or seconds > 59:
            raise SeekError(f"{value!r} is not a time of day")
        local = now.astimezone(zone) if zone else now.astimezone()
        return local.replace(hour=hours, minute=minutes, second=seconds, microsecond=0)
    raise SeekError(f"cannot seek to {value!r}: try 12:30, +5m, -2m, Q3, start or end")
