"""Helpers shared by the format reader tests (imported by name: tests/formats is on sys.path)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from typing import Any

from hypothesis import strategies as st

from chatmod.core.models import Message, Rejected
from chatmod.formats import read_source
from chatmod.formats.base import Deletion, Item, ReaderSpec

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def read(spec: ReaderSpec, text: str, source: str = "t.in") -> list[Any]:
    """Everything ``spec`` yields for ``text`` (newlines kept as written, like newline='')."""
    return list(spec.read(io.StringIO(text, newline=""), source))


def read_file(path: object) -> tuple[str, list[Any]]:
    """The detected format's name and everything read from ``path`` via read_source."""
    spec, items = read_source(str(path))
    return spec.name, list(items)


def lines(*records: Any) -> str:
    """JSON lines: dicts/lists are dumped, strings are taken as already-written lines."""
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def messages(items: Iterable[Item]) -> list[Message]:
    return [item for item in items if isinstance(item, Message)]


def rejections(items: Iterable[Item]) -> list[Rejected]:
    return [item for item in items if isinstance(item, Rejected)]


def deletions(items: Iterable[Item]) -> list[Deletion]:
    return [item for item in items if isinstance(item, Deletion)]


def assert_clean(items: Iterable[object]) -> None:
    """The fuzz property: only items come out, and no message carries a control character."""
    for item in items:
        assert isinstance(item, (Message, Rejected, Deletion)), item
        if isinstance(item, Message):
            for value in (item.text, item.author, item.display_name or ""):
                assert CONTROL.search(value) is None, value
        if isinstance(item, Rejected):
            assert item.reason and item.where.line >= 1



# Arbitrary JSON values, for fuzzing the JSON readers.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


@st.composite
def mutated(draw: st.DrawFn, record: dict[str, Any]) -> Any:
    """``record`` with a few of its fields, at any depth, replaced by arbitrary JSON."""
    record = json.loads(json.dumps(record))
    for _ in range(draw(st.integers(0, 4))):
        node: Any = record
        while True:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            if not keys:
                break
            key = draw(st.sampled_from(keys))
            child = node[key]
            if isinstance(child, (dict, list)) and child and draw(st.booleans()):
                node = child
                continue
            node[key] = draw(json_values)
            break
    return record
