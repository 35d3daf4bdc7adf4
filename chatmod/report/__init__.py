"""Provides the after-chat report: computed once (:func:`build_report`), rendered in any format.

``render(report, "md")`` gives the Markdown recap a host posts; ``"html"`` one self-contained page;
``"json"`` the same content as data; ``"csv"`` one row per ball, safe to open in a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

from chatmod.report.model import Report, build_report

__all__ = ["FORMATS", "Report", "build_report", "render"]

FORMATS: tuple[str, ...] = ("md", "html", "json", "csv")
"""The formats :func:`render` writes, in the order the CLI lists them."""


def _renderer(fmt: str) -> Callable[[Report], str]:
    # Imported on demand: a Markdown recap need not load the HTML and CSV writers.
    if fmt == "md":
        from chatmod.report.render_md import render_md

        return render_md
    if fmt == "html":
        from chatmod.report.render_html import render_html

        return render_html
    if fmt == "json":
        from chatmod.report.render_json import render_json

        return render_json
    if fmt == "csv":
        from chatmod.report.render_csv import render_csv

        return render_csv
    raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")


def render(report: Report, fmt: str) -> str:
    """The report as text in ``fmt`` (one of :data:`FORMATS`), its times in ``report.zone``
    (JSON and CSV keep ISO 8601 UTC: they are read by programs)."""
    from chatmod.report.render_md import SHOWN_ZONE

    token = SHOWN_ZONE.set(report.zone or UTC)
    try:
        return _renderer(fmt)(report)
    finally:
        SHOWN_ZONE.reset(token)
