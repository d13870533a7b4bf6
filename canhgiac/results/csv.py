"""CSV downloads: one file per table, with the same figures as the page.

UTF-8 with a byte order mark, so that spreadsheet programs (Excel on Windows in particular)
read Vietnamese letters right; comma-separated, with a header row in the reader's language.
Numbers are plain digits with a dot for decimals and percentages without the % sign (the
column title says "(%)"); a hidden figure is the text "fewer than 5" ("dưới 5"); an empty one
is "—". Text that a spreadsheet would run as a formula (starting with = + - @) is prefixed with
an apostrophe.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from .privacy import show

if TYPE_CHECKING:
    from .tables import Table

__all__ = ["FORMULA_START", "table_csv"]

BOM = "\ufeff"
#: What makes a spreadsheet treat a text cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_safe(c.title) for c in table.columns])
    for row in table.rows:
        writer.writerow(
            [_safe(show(c, "csv")) if c.kind == "text" else show(c, "csv") for c in row]
        )
    return BOM + out.getvalue()
