"""Whatever the chat said, no report carries a control character or escape sequence."""

from __future__ import annotations

import re

import pytest
from conftest import hostile_chat

from chatmod.report import FORMATS, render

# C0 but TAB, LF, CR; DEL; C1 (0x9b is the 8-bit CSI).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_control_characters_in_any_format(fmt):
    out = render(hostile_chat().report(), fmt)
    assert CONTROL.search(out) is None
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    assert "52;c;" not in out  # the OSC payload went with its escape
    if fmt != "csv":
        assert "\r" not in out


def test_formats_are_listed_and_unknown_ones_refused(small):
    assert FORMATS == ("md", "html", "json", "csv")
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        render(small, "pdf")


def test_empty_report_renders():
    from chatmod.core.handles import HostTeam
    from chatmod.report import build_report

    report = build_report([], HostTeam(["mshost"]), source="-")
    for fmt in FORMATS:
        assert render(report, fmt)
    assert render(report, "md").startswith("# Chat recap\n\nNo messages to report.")
