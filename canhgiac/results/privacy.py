"""Small-number protection: the one place where a figure computed from fewer than
MIN_ATTEMPTS attempts is replaced by "fewer than 5".

Every figure shown on a results page, written to a CSV file or printed in the PDF report is a
`Cell` made by `cell()`, which receives the figure together with the number of attempts (or
answers, one per attempt) it was computed from: its *base*. A base of 1 to 4 hides the figure.
A base of 0 hides nothing (no resident is behind it): counts show 0, other figures "—".
`show()` turns a cell into text, in the page's language, for HTML, CSV or the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from flask_babel import format_decimal, format_number, gettext

__all__ = ["MIN_ATTEMPTS", "Cell", "cell", "masked_text", "show", "text_cell"]

#: Figures computed from fewer attempts than this are not shown.
MIN_ATTEMPTS = 5

Kind = Literal["count", "percent", "index", "text"]


@dataclass(frozen=True)
class Cell:
    """One figure of a table. ``value`` is None when hidden (``masked``) or when there is no
    data; ``href`` makes the cell a link on the pages."""

    kind: Kind
    value: int | float | str | None
    masked: bool = False
    href: str | None = None

    @property
    def shown(self) -> bool:
        """True when the cell carries a figure (neither hidden nor empty)."""
        return self.value is not None

    @property
    def sort_value(self) -> float | None:
        return float(self.value) if isinstance(self.value, int | float) else None


def cell(kind: Kind, value: int | float | str | None, base: int) -> Cell:
    """A figure computed from ``base`` attempts: hidden when 0 < base < MIN_ATTEMPTS."""
    if 0 < base < MIN_ATTEMPTS:
        return Cell(kind, None, masked=True)
    if base == 0:
        return Cell(kind, 0 if kind == "count" else None)
    return Cell(kind, value)


def text_cell(text: str, href: str | None = None) -> Cell:
    """A label (a quiz title, a topic, a source label): never hidden."""
    return Cell("text", text, href=href)


def masked_text() -> str:
    return gettext("fewer than %(count)d", count=MIN_ATTEMPTS)


def show(value: Cell, target: Literal["html", "csv"] = "html") -> str:
    """The cell as text. ``html`` (pages and PDF): numbers in the page's locale, percentages
    with a % sign; ``csv``: plain digits with a dot for decimals, no % sign (the column title
    says so), so that spreadsheets read them as numbers."""
    if value.masked:
        return masked_text()
    if value.value is None:
        return "—"
    if value.kind == "text":
        return str(value.value)
    if value.kind == "count":
        return str(int(value.value)) if target == "csv" else format_number(int(value.value))
    if value.kind == "percent":
        return str(int(value.value)) if target == "csv" else f"{int(value.value)}%"
    number = float(value.value)
    return f"{number:.2f}" if target == "csv" else format_decimal(number, format="0.00")
