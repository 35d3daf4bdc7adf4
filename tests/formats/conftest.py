"""Fixtures shared by the format reader tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


@pytest.fixture
def corpus() -> Callable[[str], Path]:
    """Path of a file in ../shared/corpus; the test is skipped when the corpus is absent."""

    def path(name: str) -> Path:
        found = CORPUS / name
        if not found.is_file():
            pytest.skip(f"corpus file {found} is not available")
        return found

    return path
