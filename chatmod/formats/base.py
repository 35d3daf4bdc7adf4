"""Provides the reader contract every archive format implements, and shared helpers."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from pydantic import ValidationError

from chatmod.core.models import Message, Network, Rejected, Where

__all__ = [
    "CONVERSION_ERRORS",
    "MAX_RECORD_CHARS",
    "Deletion",
    "Item",
    "Reader",
    "ReaderSpec",
    "build",
    "csv_rows",
    "describe_validation_error",
    "first_json_object",
    "first_record",
    "json_lines",
    "json_records",
    "nonblank",
    "reject",
]


@dataclass(frozen=True, slots=True)
class Deletion:
    """The source says a message was deleted (Mastodon ``delete`` frame, Jetstream delete,
    v1.1 ``delete`` notice). Not bad data: consumers mark the stored message deleted."""

    network: Network
    id: str
    """The deleted message's id, in the same form as :attr:`Message.id`."""
    where: Where


Item = Message | Rejected | Deletion
"""What a reader yields: a message, a rejection (a bad record), or a deletion notice."""

CONVERSION_ERRORS: tuple[type[Exception], ...] = (
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    IndexError,
    OverflowError,
    RecursionError,
)
"""What a per-record conversion may raise on data its explicit checks did not foresee: caught
as a last line of defence and turned into a rejection, so one odd record never stops a file."""

MAX_RECORD_CHARS = 32 * 1024 * 1024
"""Longest JSON record a reader decodes. A twarc2 page is a few MB at most; a longer line is
hostile or broken, and is skipped without being held in memory."""

RAW_EXCERPT = 200
"""How much of a bad record a rejection keeps: enough to recognise it, never the whole thing."""


class Reader(Protocol):
    """Reads one format from an open text stream (opened with ``newline=''``).

    A reader never raises on bad data: each bad record becomes a :class:`Rejected` carrying
    the source name, the line (or record) number and a one-line reason, and reading goes on.
    A source's notice that a message was deleted becomes a :class:`Deletion`; records that
    are not messages at all (likes, follows, keep-alives, rate-limit notices) are skipped.
    """

    def __call__(self, stream: TextIO, source: str) -> Iterator[Item]: ...


@dataclass(frozen=True, slots=True)
class ReaderSpec:
    """A registered format."""

    name: str
    """The ``--input-format`` name."""
    description: str
    """One line for ``--help``."""
    read: Reader
    sniff: Callable[[str], bool]
    """Given the first few KB of the file, says whether this format is the one."""


def reject(raw: object, reason: str, source: str, line: int) -> Rejected:
    """Build a :class:`Rejected` with a short excerpt of the raw record."""
    try:
        text = raw if isinstance(raw, str) else repr(raw)
    except (RecursionError, ValueError):  # nested too deeply, or an int too long to print
        text = f"<{type(raw).__name__}>"
    return Rejected(text[:RAW_EXCERPT], reason, Where(source, line))


def nonblank(value: object) -> str | None:
    """``value`` if it is a string with something in it, else None (optional text fields)."""
    return value if isinstance(value, str) and value.strip() else None


def describe_validation_error(error: ValidationError, every: bool = False) -> str:
    """One line naming the first bad field (``every``: all of them, joined by "; "),
    e.g. ``created_at: timestamp has no time zone``."""
    problems = error.errors() if every else error.errors()[:1]
    return "; ".join(
        f"{'.'.join(str(part) for part in problem.get('loc', ())) or 'record'}: {problem.get('msg', 'invalid')}"
        for problem in problems
    )


def json_lines(
    stream: TextIO, source: str
) -> Iterator[tuple[int, Any] | Rejected]:
    """Decode a JSON-lines stream: ``(line_number, object)`` per record, or a rejection.

    Blank lines are skipped; a UTF-8 BOM on the first line is ignored.
    """
    for number, line in enumerate(stream, start=1):
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except (ValueError, RecursionError) as error:
            yield reject(line, f"not valid JSON ({_json_error(error)})", source, number)


def _json_error(error: ValueError | RecursionError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return error.msg
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return "a number is too long"  # int() refuses more than 4300 digits


def _opens_document(line: str) -> bool:
    # json.dumps(indent=...) and jq put a lone "{" or "[" on the first line of a document;
    # a JSON-lines record never looks like that.
    return line.strip() in ("{", "[")


def json_records(stream: TextIO, source: str) -> Iterator[tuple[int, Any] | Rejected]:
    """Decode JSON records: ``(line_number, value)`` per record, or a rejection.

    Reads JSON lines, and also pretty-printed documents (a record whose first line is a lone
    ``{`` or ``[``, ending at a line that is a lone ``}`` or ``]``), which is how single API
    responses are usually saved. Blank lines are skipped, a UTF-8 BOM is ignored, and a line
    longer than :data:`MAX_RECORD_CHARS` is rejected without being kept in memory.
    """
    number = 0
    readline = stream.readline
    loads = json.loads
    pending: str | None = None
    while True:
        if pending is not None:
            line, pending = pending, None
        else:
            line = readline(MAX_RECORD_CHARS)
            if not line:
                return
            number += 1
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        if len(line) >= MAX_RECORD_CHARS and not line.endswith("\n"):
            while (rest := readline(MAX_RECORD_CHARS)) and not rest.endswith("\n"):
                pass
            yield reject(line[:RAW_EXCERPT], "line too long", source, number)
            continue
        if _opens_document(line):
            # Rejections point at the document's first line; counting goes on after its last.
            first = number
            parts = [line]
            size = len(line)
            closer = "}" if line.strip() == "{" else "]"
            while size < MAX_RECORD_CHARS and (line := readline(MAX_RECORD_CHARS)):
                number += 1
                if line[:1] in ("{", "[") and not _opens_document(line):
                    pending = line  # a JSON-lines record: the "document" was a cut-off line
                    break
                parts.append(line)
                size += len(line)
                if line.rstrip() == closer:
                    break
            yield from _decode("".join(parts), source, first)
            continue
        if not line.strip():
            continue
        try:
            yield number, loads(line)
        except (ValueError, RecursionError) as error:
            yield reject(line, f"not valid JSON ({_json_error(error)})", source, number)


def _decode(text: str, source: str, number: int) -> Iterator[tuple[int, Any] | Rejected]:
    try:
        yield number, json.loads(text)
    except (ValueError, RecursionError) as error:
        yield reject(text, f"not valid JSON ({_json_error(error)})", source, number)


def csv_rows(stream: TextIO, source: str) -> Iterator[tuple[int, list[str]] | Rejected]:
    """CSV records as ``(first_line, cells)``, or a rejection for a record csv cannot parse.

    Quoted fields may span lines, so the number is the line the record starts on. Blank
    records are skipped and a UTF-8 BOM before the first cell is dropped.
    """
    reader = csv.reader(stream)
    last = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # e.g. a field over the csv module's 128 KB limit
            yield reject("", f"not valid CSV ({error})", source, last + 1)
            last = reader.line_num
            continue
        start, last = last + 1, reader.line_num
        if not any(row):
            continue
        if start == 1 and row[0].startswith("\ufeff"):
            row[0] = row[0][1:]
        yield start, row


def first_json_object(sample: str) -> Any:
    """The first non-blank line of ``sample`` decoded as JSON, or None (used by sniffers)."""
    for line in sample.splitlines():
        line = line.lstrip("\ufeff").strip()
        if line:
            try:
                return json.loads(line)
            except (ValueError, RecursionError):
                return None
    return None


def first_record(sample: str) -> Any:
    """The first JSON record of ``sample`` as :func:`json_records` would read it, or None.

    A top-level array (a saved API page of statuses) yields its first element.
    """
    text = sample.lstrip("\ufeff \t\r\n")
    if not text:
        return None
    first_line = text.split("\n", 1)[0]
    try:
        if _opens_document(first_line):
            value, _ = json.JSONDecoder().raw_decode(text)
        else:
            value = json.loads(first_line)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, list):
        return value[0] if value else None
    return value


OUT_OF_RANGE = "created_at: date out of range"


def build(fields: dict[str, Any], source: str, line: int) -> Item:
    """Validate ``fields`` into a :class:`Message`, or turn the failure into a rejection."""
    try:
        return Message.model_validate(fields)
    except ValidationError as error:
        return reject(fields.get("raw", fields), describe_validation_error(error), source, line)
    except OverflowError:  # raised, not wrapped, by the conversion of year 1 or 9999 to UTC
        return reject(fields.get("raw", fields), OUT_OF_RANGE, source, line)


def flatten(items: Iterable[Iterable[Item]]) -> Iterator[Item]:
    for group in items:
        yield from group


def convert_records(
    stream: TextIO,
    source: str,
    convert: Callable[[Any, str, int], Item | None],
    what: str,
    *,
    arrays: bool = True,
) -> Iterator[Item]:
    """The JSON readers' shared loop: decode each record, convert it, never raise.

    ``convert`` turns one decoded object into an item (None to skip it silently); any
    conversion error it lets slip becomes a rejection naming ``what`` ("tweet", "status").
    With ``arrays``, a record holding a JSON array is read as one object per element.
    """
    for record in json_records(stream, source):
        if isinstance(record, Rejected):
            yield record
            continue
        line, value = record
        for obj in value if arrays and isinstance(value, list) else (value,):
            try:
                item = convert(obj, source, line)
            except CONVERSION_ERRORS as error:
                item = reject(obj, f"unreadable {what} ({type(error).__name__})", source, line)
            if item is not None:
                yield item

