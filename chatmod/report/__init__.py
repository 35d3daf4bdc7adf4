"""Provides the after-chat report: computed once (:func:`build_report`), rendered in any format.

``render(report, "md")`` gives the full report in Markdown; ``"html"`` one self-contained page;
``"json"`` the same content as data; ``"csv"`` one row per ball, safe to open in a spreadsheet.
Two views choose from it, in Markdown or HTML: ``"recap"``, the public recap a host posts, and
``"followups"``, the host's private list of what needs an answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

from chatmod.report.model import Report, build_report

__all__ = ["FORMATS", "VIEW_FORMATS", "Report", "build_report", "render"]

FORMATS: tuple[str, ...] = ("md", "html", "json", "csv")
"""The formats :func:`render` writes, in the order the CLI lists them."""
VIEW_FORMATS: tuple[str, ...] = ("md", "html")
"""The formats of the recap and follow-up views (JSON and CSV already hold every ball)."""


def _renderer(fmt: str, view: str) -> Callable[[Report], str]:
    # Imported on demand: a Markdown recap need not load the HTML and CSV writers.
    if view != "full" and fmt not in VIEW_FORMATS:
        raise ValueError(f"the {view} view is written as {' or '.join(VIEW_FORMATS)}, not {fmt}")
    if view == "recap":
        from chatmod.report.render_recap import recap_html, recap_md

        return recap_md if fmt == "md" else recap_html
    if view == "followups":
        from chatmod.report.render_followups import followups_html, followups_md

        return followups_md if fmt == "md" else followups_html
    if view != "full":
        raise ValueError(f"unknown report view {view!r}; choose full, recap or followups")
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


def render(report: Report, fmt: str, view: str = "full") -> str:
    """The report as text in ``fmt`` (one of :data:`FORMATS`), its times in ``report.zone``
    (JSON and CSV keep ISO 8601 UTC: they are read by programs); ``view`` "recap" or
    "followups" writes only that part (Markdown or HTML)."""
    from chatmod.report.render_md import SHOWN_ZONE

    token = SHOWN_ZONE.set(report.zone or UTC)
    try:
        return _renderer(fmt, view)(report)
    finally:
        SHOWN_ZONE.reset(token)
