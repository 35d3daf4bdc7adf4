"""Provides chatmod's own JSON-lines format: one Message per line, lossless both ways.

A line is ``Message.model_dump(mode="json")`` plus ``"raw"``, the source record the message
was read from. ``raw`` may be absent (a hand-written file); the message then has none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TextIO

from pydantic import ValidationError

from chatmod.core.models import Message, Rejected
from chatmod.formats.base import (
    CONVERSION_ERRORS,
    OUT_OF_RANGE,
    Item,
    ReaderSpec,
    describe_validation_error,
    first_record,
    json_records,
    reject,
)

__all__ = ["SPEC", "dump_message", "read"]

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def dump_message(message: Message) -> str:
    """One JSON line (no newline) that :func:`read` turns back into an equal message."""
    record = message.model_dump(mode="json")
    record["raw"] = message.raw
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    if _SURROGATE.search(line) is not None:
        # A lone surrogate (from a "\ud800" escape in some source) cannot be written as
        # UTF-8; escaped, it survives the round trip.
        line = json.dumps(record, separators=(",", ":"))
    return line


def read(stream: TextIO, source: str) -> Iterator[Item]:
    """Yield one item per line."""
    validate = Message.model_validate
    for record in json_records(stream, source):
        if isinstance(record, Rejected):
            yield record
            continue
        line, value = record
        if not isinstance(value, dict):
            yield reject(value, "not a JSON object", source, line)
            continue
        if "reply_to_id" in value and "reply_known" not in value:
            # A hand-written file that has the reply field records replies.
            value = {**value, "reply_known": True}
        try:
            yield validate(value)
        except ValidationError as error:
            yield reject(value, describe_validation_error(error), source, line)
        except OverflowError:  # raised, not wrapped, by the conversion of year 1 to UTC
            yield reject(value, OUT_OF_RANGE, source, line)
        except CONVERSION_ERRORS as error:
            yield reject(value, f"unreadable message ({type(error).__name__})", source, line)


def sniff(sample: str) -> bool:
    """A message: ``network``, ``id``, ``author`` and ``created_at``."""
    first = first_record(sample)
    return isinstance(first, dict) and {"network", "id", "author", "created_at"} <= first.keys()


SPEC = ReaderSpec(
    name="chatmod",
    description="chatmod JSON lines (its own export: one message per line, lossless)",
    read=read,
    sniff=sniff,
)
