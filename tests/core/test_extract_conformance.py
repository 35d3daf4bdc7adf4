"""twitter-text's own conformance cases for mentions, replies and hashtags."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from chatmod.core.extract import extract_hashtags, extract_mentions, extract_reply
from tests.conftest import SHARED

SUITE = SHARED / "reference" / "twitter-text" / "extract.yml"


def _cases(section: str) -> list[Any]:
    if not SUITE.exists():
        return [pytest.param(None, id=f"{section}-suite-absent", marks=pytest.mark.skip(reason=f"{SUITE} absent"))]
    tests = yaml.safe_load(SUITE.read_text(encoding="utf-8"))["tests"]
    return [pytest.param(case, id=case["description"][:60]) for case in tests[section]]


@pytest.mark.parametrize("case", _cases("mentions"))
def test_mentions(case: dict[str, Any]) -> None:
    assert [e.value for e in extract_mentions(case["text"])] == case["expected"]


@pytest.mark.parametrize("case", _cases("mentions_with_indices"))
def test_mentions_with_indices(case: dict[str, Any]) -> None:
    got = [{"screen_name": e.value, "indices": [e.start, e.end]} for e in extract_mentions(case["text"])]
    assert got == case["expected"]


@pytest.mark.parametrize("case", _cases("replies"))
def test_replies(case: dict[str, Any]) -> None:
    assert extract_reply(case["text"]) == case["expected"]


@pytest.mark.parametrize("case", _cases("hashtags") + _cases("hashtags_from_astral"))
def test_hashtags(case: dict[str, Any]) -> None:
    assert [e.value for e in extract_hashtags(case["text"])] == case["expected"]


@pytest.mark.parametrize("case", _cases("hashtags_with_indices"))
def test_hashtags_with_indices(case: dict[str, Any]) -> None:
    got = [{"hashtag": e.value, "indices": [e.start, e.end]} for e in extract_hashtags(case["text"])]
    assert got == case["expected"]
