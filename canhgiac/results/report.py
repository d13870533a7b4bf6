"""The one-page PDF report for the commune: the period's figures, the weakest topics, the
quizzes started week by week, the questions most often answered wrong and the sources.

The page is the Jinja template templates/results_report.html (its print CSS is inside it) with
the same tables as the web pages, so no personal data and no figure computed from fewer than
5 attempts can reach it. It is rendered by WeasyPrint the way the print pipeline renders
handouts (canhgiac/printing/render.py): WeasyPrint is imported only here, when a report is
asked for; the URL fetcher is the pipeline's closed one (only data: URIs and files under
printables/, nothing from the network); the font is DejaVu Sans, embedded as a subset. If the
report runs over one page, it is rendered again in smaller type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..printing.render import closed_url_fetcher

__all__ = ["FONT_SIZES", "ReportError", "RenderedReport", "render_pdf"]

#: Base type sizes tried in turn (pt) until the report fits on one A4 page.
FONT_SIZES = (9.5, 8.5, 7.5)


class ReportError(Exception):
    """The report cannot be rendered (WeasyPrint failed, or the page asked for the network)."""


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    pages: int
    font_size: float


def render_pdf(html_for: Callable[[float], str]) -> RenderedReport:
    """Render ``html_for(font_size)`` for each size of FONT_SIZES until it fits one page (the
    last size is kept even if it does not)."""
    import weasyprint

    for size in FONT_SIZES:
        blocked: list[str] = []
        try:
            document = weasyprint.HTML(
                string=html_for(size), base_url=None, url_fetcher=closed_url_fetcher(blocked)
            ).render()
        except BaseException as exc:  # WeasyPrint's fatal fetch error is a BaseException
            if blocked:
                raise ReportError(blocked[0]) from None
            if isinstance(exc, Exception):
                raise ReportError(f"the report cannot be rendered: {exc}") from exc
            raise
        if blocked:
            raise ReportError(blocked[0])
        if len(document.pages) <= 1:
            break
    return RenderedReport(document.write_pdf(), len(document.pages), size)
