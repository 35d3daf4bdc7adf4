"""Provides the archive formats chatmod reads, their detection, and read_source to open one.

Files are read as UTF-8 (a BOM is fine). A file whose start is not UTF-8 but is Windows-1252
text (what Excel and R on Windows write; Latin-1 reads the same for every printable character) is
read as that; anything else is refused as not UTF-8. After the first 64 KB an undecodable byte
becomes U+FFFD and its record is still read, so one damaged byte deep in a large archive costs at
most that record's accuracy.
"""

from __future__ import annotations

import codecs
import io
import re
import sys
from collections.abc import Iterator
from typing import BinaryIO

from chatmod.formats import jetstream, mastodon, native, rcsv, sheet, tags, twarc1, twarc2
from chatmod.formats.base import CONVERSION_ERRORS, Deletion, Item, ReaderSpec
from chatmod.formats.native import dump_message

__all__ = [
    "FORMATS",
    "FORMAT_NAMES",
    "Deletion",
    "InputError",
    "Item",
    "ReaderSpec",
    "detect",
    "dump_message",
    "get_format",
    "read_source",
]

FORMATS: tuple[ReaderSpec, ...] = (
    native.SPEC,
    jetstream.SPEC,
    mastodon.SPEC,
    twarc2.SPEC,
    twarc1.SPEC,
    tags.SPEC,
    sheet.SPEC,
    rcsv.SPEC,
)
"""Every format, in the order :func:`detect` tries them (most specific first)."""

FORMAT_NAMES: tuple[str, ...] = tuple(spec.name for spec in FORMATS)

SAMPLE_BYTES = 64 * 1024
"""How much of a file detection looks at."""
MAX_FIRST_LINE_BYTES = 16 * 1024 * 1024
"""A JSON format is recognised by its first record, so the sample runs to the end of the
first line, up to this much (a twarc2 page line is often longer than 64 KB)."""

_BY_NAME = {spec.name: spec for spec in FORMATS}


class InputError(Exception):
    """A source that cannot be read at all: missing, unreadable, not UTF-8, or of unknown
    format. The message is one line naming the file and what to do about it."""


def get_format(name: str) -> ReaderSpec:
    """The format called ``name``; :class:`InputError` if there is none."""
    spec = _BY_NAME.get(name)
    if spec is None:
        raise InputError(f"unknown input format {name!r}; use one of: {', '.join(FORMAT_NAMES)}")
    return spec


def detect(sample: str) -> ReaderSpec | None:
    """The format whose sniffer recognises ``sample`` (the start of a file), or None."""
    for spec in FORMATS:
        try:
            if spec.sniff(sample):
                return spec
        except CONVERSION_ERRORS:
            continue
    return None


def read_source(path: str, input_format: str | None = None) -> tuple[ReaderSpec, Iterator[Item]]:
    """Open ``path`` (``-`` for stdin), detect its format unless given, and stream its items.

    Raises :class:`InputError` at once if the source cannot be opened, its start is not
    UTF-8, or its format cannot be told; and later, from the iterator, if reading fails.
    Bad records never raise: they are yielded as rejections.
    """
    spec = None if input_format is None else get_format(input_format)
    name = "<stdin>" if path == "-" else path
    binary, owned = _open(path)
    try:
        head = _head(binary, name)
        sample, encoding = _sample(head, name)
        if spec is None:
            spec = detect(sample)
            if spec is None:
                if not sample.strip():
                    raise InputError(f"{name} is empty: there is nothing to read")
                raise InputError(
                    f"cannot tell the format of {name} (no format matches its start); "
                    f"pass --input-format (one of: {', '.join(FORMAT_NAMES)})"
                )
    except BaseException:
        if owned:
            binary.close()
        raise
    chained = io.BufferedReader(_Chained(head, binary, owned), buffer_size=1024 * 1024)
    stream = io.TextIOWrapper(chained, encoding=encoding, errors="replace", newline="")
    return spec, _items(spec, stream, name)


_LIVE_FORMS = (
    "mastodon://HOST/TAG or jetstream://HOST?tag=TAG (mastodon+ws:// and jetstream+ws:// for a local "
    "server)"
)


def live_url_hint(source: str) -> str | None:
    """What to say when SOURCE is a URL rather than a file, or None for a path."""
    scheme, sep, rest = source.partition("://")
    if not sep or "/" in scheme or not scheme:
        return None
    scheme = scheme.lower()
    if scheme in ("mastodon", "mastodon+ws", "jetstream", "jetstream+ws"):
        return f"{source}: a live chat is not a file; watch, analyze and report read it"
    if scheme in ("http", "https") and "/tags/" in rest:
        host, _, tag = rest.partition("/tags/")
        return f"{source} is a web page; a Mastodon hashtag is read live as mastodon://{host.strip('/')}/{tag.strip('/')}"
    if scheme in ("at", "bluesky", "bsky"):
        return f"{source}: a Bluesky chat is read from Jetstream as jetstream://HOST?tag=TAG"
    return f"{source}: not a file; SOURCE is an archive file, - for stdin, or {_LIVE_FORMS}"


def _open(path: str) -> tuple[BinaryIO, bool]:
    if path == "-":
        return sys.stdin.buffer, False
    live = live_url_hint(path)
    if live is not None:
        raise InputError(live)
    try:
        return open(path, "rb"), True
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory; give a file inside it") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied; check the file's permissions") from None
    except OSError as error:
        raise InputError(f"cannot open {path}: {error.strerror or error}") from None


def _head(binary: BinaryIO, name: str) -> bytes:
    try:
        head = binary.read(SAMPLE_BYTES)
        if len(head) == SAMPLE_BYTES and b"\n" not in head:
            head += binary.readline(MAX_FIRST_LINE_BYTES)
    except OSError as error:
        raise InputError(f"cannot read {name}: {error.strerror or error}") from None
    return head


def _sample(head: bytes, name: str) -> tuple[str, str]:
    """The start of the file as text, and the encoding the whole is read in."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{name} is UTF-16 text; save it as UTF-8 and try again")
    # Not final: the sample may end inside a character, which the full read will complete.
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    try:
        return decoder.decode(head, final=False), "utf-8-sig"
    except UnicodeDecodeError as error:
        bad = error.start
    # Text has no NUL and no C0 controls but tab and line ends; cp1252 leaves five bytes undefined.
    if not _NOT_TEXT.search(head):
        try:
            return head.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    raise InputError(f"{name} is not UTF-8 text (bad byte at offset {bad}); convert it to UTF-8 and try again")


_NOT_TEXT = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _items(spec: ReaderSpec, stream: io.TextIOWrapper, name: str) -> Iterator[Item]:
    with stream:
        try:
            yield from spec.read(stream, name)
        except OSError as error:
            raise InputError(f"cannot read {name}: {error.strerror or error}") from error


class _Chained(io.RawIOBase):
    """The bytes already read for detection, then the rest of the source: stdin cannot be
    rewound, and reading a file twice would not be cheaper."""

    def __init__(self, head: bytes, rest: BinaryIO, owned: bool) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._rest = rest
        self._owned = owned

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        return self._rest.readinto(buffer)  # type: ignore[attr-defined, no-any-return]

    def close(self) -> None:
        if not self.closed and self._owned:
            self._rest.close()
        super().close()
