"""Charts as inline SVG, drawn on the server: no chart library, no JavaScript.

Black, white and greys only, so they print on a black-and-white office printer; every bar
carries its figure as text, and every chart has a <title> and a <desc> for screen readers
(role="img"). The table with the same figures always sits next to the chart. Styling is done
with SVG presentation attributes, never `style`, so the strict Content-Security-Policy of the
pages (no inline styles) lets them through, and WeasyPrint draws them in the PDF report.

A hidden figure (fewer than 5 attempts) is never drawn: a bar chart writes "fewer than 5"
where the bar would be; the weekly charts leave the week empty and say so in their note.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

from flask_babel import gettext as _
from markupsafe import Markup, escape

from .privacy import MIN_ATTEMPTS, masked_text, show
from .tables import ChartItem

__all__ = ["bar_chart", "column_chart", "line_chart"]

FONT = "DejaVu Sans, Noto Sans, Arial, sans-serif"
INK = "#000"
BAR = "#595959"
GRID = "#b3b3b3"
WIDTH = 640
#: Room at the top of every chart for its visible title.
HEADER = 28

_ids = count(1)


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(
    x: float, y: float, text: str, *, size: int = 13, anchor: str = "start", **attrs: str
) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return (
        f'<text x="{_number(x)}" y="{_number(y)}" font-size="{size}" text-anchor="{anchor}"'
        f' fill="{INK}"{extra}>{escape(text)}</text>'
    )


def _open(title: str, desc: str, height: float, chart_id: str | None) -> tuple[str, str]:
    chart_id = chart_id or f"chart-{next(_ids)}"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"'
        f' viewBox="0 0 {WIDTH} {_number(height)}" width="{WIDTH}" height="{_number(height)}"'
        f' font-family="{FONT}" aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
        f'<rect x="0" y="0" width="{WIDTH}" height="{_number(height)}" fill="#fff"/>'
        + _text(0, 18, title, size=15, font_weight="bold")
    )
    return head, "</svg>"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _scale_top(values: Sequence[float], maximum: float | None) -> float:
    """The top of the scale: ``maximum``, else the first of 4, 8, 12, 16, 20, 40, 80, ...
    that is at least the largest value (so that quarter lines fall on whole numbers)."""
    if maximum is not None:
        return maximum
    top = max(values, default=0.0)
    power = 1
    while True:
        for factor in (4, 8, 12, 16, 20):
            if top <= factor * power:
                return float(factor * power)
        power *= 10


def bar_chart(
    title: str,
    items: Sequence[ChartItem],
    *,
    maximum: float | None = None,
    chart_id: str | None = None,
) -> Markup:
    """Horizontal bars, one per item, the label on the left and the figure after the bar.
    ``maximum`` fixes the scale (100 for percentages); by default a round number above the
    largest value."""
    row, top_margin, label_width, value_width = 30, 12 + HEADER, 250, 110
    bar_width = WIDTH - label_width - value_width - 10
    height = top_margin + 12 + row * max(len(items), 1) + 18
    values = [float(i.value.value) for i in items if i.value.shown and i.value.kind != "text"]
    top = _scale_top(values, maximum)
    desc = _("Bar chart. The same figures are in the table next to it.")
    head, tail = _open(title, desc, height, chart_id)
    parts = [head]
    axis_x = label_width
    bottom = top_margin + row * max(len(items), 1)
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        x = axis_x + bar_width * fraction
        colour = INK if fraction == 0 else GRID
        dash = "" if fraction == 0 else ' stroke-dasharray="3 3"'
        parts.append(
            f'<line x1="{_number(x)}" y1="{top_margin - 4}" x2="{_number(x)}" y2="{bottom}"'
            f' stroke="{colour}" stroke-width="1"{dash}/>'
        )
        parts.append(_text(x, bottom + 15, _number(top * fraction), size=11, anchor="middle"))
    if not items:
        parts.append(_text(axis_x + 8, top_margin + 20, _("No data for this period.")))
    for index, item in enumerate(items):
        y = top_margin + row * index
        label = _shorten(item.label, 34)
        parts.append("<g>")
        parts.append(
            f"<title>{escape(item.title or item.label)}: {escape(show(item.value))}</title>"
        )
        parts.append(_text(axis_x - 8, y + 19, label, anchor="end"))
        if item.value.masked:
            parts.append(_text(axis_x + 6, y + 19, masked_text(), font_style="italic"))
        elif item.value.shown:
            value = float(item.value.value)  # type: ignore[arg-type]
            width = bar_width * min(max(value / top, 0.0), 1.0)
            parts.append(
                f'<rect x="{axis_x}" y="{y + 5}" width="{_number(width)}" height="{row - 10}"'
                f' fill="{BAR}" stroke="{INK}" stroke-width="1"/>'
            )
            parts.append(_text(axis_x + width + 6, y + 19, show(item.value), font_weight="bold"))
        else:
            parts.append(_text(axis_x + 6, y + 19, "—"))
        parts.append("</g>")
    parts.append(tail)
    return Markup("".join(parts))


def _masked_mark(x: float, y: float, slot: float) -> str:
    """Where a hidden figure would be: "fewer than 5" when it fits, else "<5"."""
    text = masked_text()
    if len(text) * 6.5 > slot:
        text = f"<{MIN_ATTEMPTS}"
    return _text(x, y, text, size=11, anchor="middle", font_style="italic")


def _week_axis(items: Sequence[ChartItem], left: float, plot_width: float, y: float) -> list[str]:
    """Labels under the columns; with many weeks, only every few weeks."""
    slot = plot_width / max(len(items), 1)
    every = max(1, -(-len(items) // 12))
    parts = []
    for index, item in enumerate(items):
        if index % every == 0:
            parts.append(
                _text(left + slot * (index + 0.5), y, item.label, size=11, anchor="middle")
            )
    return parts


def _frame(
    top: float, left: float, plot_width: float, plot_top: float, plot_height: float, unit: str
) -> list[str]:
    parts = []
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        y = plot_top + plot_height * (1 - fraction)
        colour = INK if fraction == 0 else GRID
        dash = "" if fraction == 0 else ' stroke-dasharray="3 3"'
        parts.append(
            f'<line x1="{_number(left)}" y1="{_number(y)}" x2="{_number(left + plot_width)}"'
            f' y2="{_number(y)}" stroke="{colour}" stroke-width="1"{dash}/>'
        )
        parts.append(_text(left - 6, y + 4, _number(top * fraction) + unit, size=11, anchor="end"))
    return parts


def column_chart(
    title: str,
    items: Sequence[ChartItem],
    *,
    maximum: float | None = None,
    chart_id: str | None = None,
) -> Markup:
    """Vertical columns, one per week (or any ordered group), figures on top when they fit."""
    height, left, right = 240 + HEADER, 52, 10
    plot_top, plot_bottom = 22 + HEADER, 200 + HEADER
    plot_width, plot_height = WIDTH - left - right, plot_bottom - plot_top
    values = [float(i.value.value) for i in items if i.value.shown]  # type: ignore[arg-type]
    top = _scale_top(values, maximum)
    desc = _(
        "Column chart. Weeks with fewer than %(count)d attempts have no column. The same "
        "figures are in the table next to it.",
        count=MIN_ATTEMPTS,
    )
    head, tail = _open(title, desc, height, chart_id)
    parts = [head, *_frame(top, left, plot_width, plot_top, plot_height, "")]
    slot = plot_width / max(len(items), 1)
    labelled = len(items) <= 16
    for index, item in enumerate(items):
        x = left + slot * index
        parts.append("<g>")
        parts.append(
            f"<title>{escape(item.title or item.label)}: {escape(show(item.value))}</title>"
        )
        if item.value.shown:
            value = float(item.value.value)  # type: ignore[arg-type]
            h = plot_height * min(max(value / top, 0.0), 1.0)
            parts.append(
                f'<rect x="{_number(x + slot * 0.15)}" y="{_number(plot_bottom - h)}"'
                f' width="{_number(slot * 0.7)}" height="{_number(h)}" fill="{BAR}"'
                f' stroke="{INK}" stroke-width="1"/>'
            )
            if labelled:
                parts.append(
                    _text(
                        x + slot / 2,
                        plot_bottom - h - 4,
                        show(item.value),
                        size=11,
                        anchor="middle",
                        font_weight="bold",
                    )
                )
        elif item.value.masked and labelled:
            parts.append(_masked_mark(x + slot / 2, plot_bottom - 6, slot))
        parts.append("</g>")
    parts += _week_axis(items, left, plot_width, plot_bottom + 16)
    parts.append(tail)
    return Markup("".join(parts))


def line_chart(
    title: str,
    items: Sequence[ChartItem],
    *,
    maximum: float = 100,
    unit: str = "%",
    chart_id: str | None = None,
) -> Markup:
    """A line through the figures of consecutive weeks, with a square mark on each; the line
    breaks where a week's figure is hidden or missing."""
    height, left, right = 240 + HEADER, 52, 10
    plot_top, plot_bottom = 22 + HEADER, 200 + HEADER
    plot_width, plot_height = WIDTH - left - right, plot_bottom - plot_top
    desc = _(
        "Line chart. Weeks with fewer than %(count)d finished attempts have no point. The "
        "same figures are in the table next to it.",
        count=MIN_ATTEMPTS,
    )
    head, tail = _open(title, desc, height, chart_id)
    parts = [head, *_frame(maximum, left, plot_width, plot_top, plot_height, unit)]
    slot = plot_width / max(len(items), 1)
    labelled = len(items) <= 16
    points: list[tuple[float, float] | None] = []
    for index, item in enumerate(items):
        if item.value.shown:
            value = float(item.value.value)  # type: ignore[arg-type]
            y = plot_bottom - plot_height * min(max(value / maximum, 0.0), 1.0)
            points.append((left + slot * (index + 0.5), y))
        else:
            points.append(None)
    run: list[tuple[float, float]] = []
    for point in [*points, None]:
        if point is None:
            if len(run) > 1:
                coords = " ".join(f"{_number(x)},{_number(y)}" for x, y in run)
                parts.append(
                    f'<polyline points="{coords}" fill="none" stroke="{INK}" stroke-width="2"/>'
                )
            run = []
        else:
            run.append(point)
    for index, (item, point) in enumerate(zip(items, points, strict=True)):
        if point is None:
            if item.value.masked and labelled:
                parts.append(_masked_mark(left + slot * (index + 0.5), plot_bottom - 6, slot))
            continue
        x, y = point
        parts.append("<g>")
        parts.append(
            f"<title>{escape(item.title or item.label)}: {escape(show(item.value))}</title>"
        )
        parts.append(
            f'<rect x="{_number(x - 4)}" y="{_number(y - 4)}" width="8" height="8" fill="{INK}"/>'
        )
        if labelled:
            parts.append(_text(x, y - 8, show(item.value), size=11, anchor="middle"))
        parts.append("</g>")
    parts += _week_axis(items, left, plot_width, plot_bottom + 16)
    parts.append(tail)
    return Markup("".join(parts))
