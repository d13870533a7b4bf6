"""Charts as inline SVG: well-formed, accessible, black and grey only, no inline styles (the
pages' Content-Security-Policy), figures as text, hidden figures never drawn."""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
from flask import Flask

from canhgiac.results import charts
from canhgiac.results.privacy import Cell, cell
from canhgiac.results.tables import ChartItem

NS = "{http://www.w3.org/2000/svg}"
MASKED = "dưới 5"


@pytest.fixture(autouse=True)
def request_context(app: Flask) -> Iterator[None]:
    with app.test_request_context("/"):
        yield


def svg_of(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(str(markup))


def texts(svg: ElementTree.Element) -> list[str]:
    return ["".join(t.itertext()) for t in svg.iter(f"{NS}text")]


def rects(svg: ElementTree.Element) -> list[ElementTree.Element]:
    """The bars and columns (the white background is the first rect)."""
    return [r for r in svg.iter(f"{NS}rect") if r.get("fill") != "#fff"]


def check_common(markup: str, title: str) -> ElementTree.Element:
    assert not re.search(r"\sstyle=", markup)
    assert "<script" not in markup
    svg = svg_of(markup)
    assert svg.tag == f"{NS}svg"
    assert svg.get("role") == "img"
    first = svg[0]
    assert first.tag == f"{NS}title" and first.text == title
    ids = svg.get("aria-labelledby", "").split()
    assert [e.get("id") for e in svg if e.tag in (f"{NS}title", f"{NS}desc")] == ids
    assert texts(svg)[0] == title  # the title is visible too
    # black, white and greys only
    for element in svg.iter():
        for attribute in ("fill", "stroke"):
            colour = element.get(attribute)
            if colour and colour != "none":
                assert re.fullmatch(r"#([0-9a-f]{2})\1\1|#000|#fff", colour), colour
    return svg


def items(*values: tuple[str, Cell]) -> list[ChartItem]:
    return [ChartItem(label, value) for label, value in values]


def test_bar_chart() -> None:
    markup = charts.bar_chart(
        "Điểm theo chủ đề",
        items(
            ("Thanh toán an toàn", cell("percent", 25, 9)),
            ("Lừa đảo trực tuyến", cell("percent", 50, 6)),
            ("Bảo vệ dữ liệu cá nhân", cell("percent", 90, 3)),
            ("Mua bán trực tuyến an toàn", cell("percent", None, 0)),
        ),
        maximum=100,
        chart_id="t",
    )
    svg = check_common(markup, "Điểm theo chủ đề")
    bars = rects(svg)
    assert len(bars) == 2  # neither the hidden nor the empty figure is drawn
    assert float(bars[1].get("width")) == pytest.approx(2 * float(bars[0].get("width")))
    shown = texts(svg)
    assert {"25%", "50%", MASKED, "—", "0", "25", "50", "75", "100"} <= set(shown)
    assert "90%" not in markup  # the hidden figure is nowhere, not even in a tooltip
    tooltips = ["".join(g.find(f"{NS}title").itertext()) for g in svg.iter(f"{NS}g")]
    assert tooltips == [
        "Thanh toán an toàn: 25%",
        "Lừa đảo trực tuyến: 50%",
        f"Bảo vệ dữ liệu cá nhân: {MASKED}",
        "Mua bán trực tuyến an toàn: —",
    ]


def test_bar_chart_scale_and_labels() -> None:
    long = "Một nhãn rất dài, dài hơn nhiều so với chỗ dành cho nhãn bên trái biểu đồ"
    svg = svg_of(
        charts.bar_chart(
            "Nguồn",
            [
                ChartItem(long, cell("count", 6, 6)),
                ChartItem("<b>&amp;", cell("count", 13, 13)),
            ],
        )
    )
    shown = texts(svg)
    assert any(t.endswith("…") and long.startswith(t[:-1]) for t in shown)
    assert "<b>&amp;" in shown  # escaped in the markup, the same text once parsed
    assert [t for t in shown if t in ("0", "4", "8", "12", "16")] == ["0", "4", "8", "12", "16"]
    tooltips = ["".join(g.find(f"{NS}title").itertext()) for g in svg.iter(f"{NS}g")]
    assert tooltips[0] == f"{long}: 6"


def test_empty_bar_chart() -> None:
    svg = check_common(charts.bar_chart("Trống", []), "Trống")
    assert "Không có dữ liệu trong khoảng thời gian này." in texts(svg)


def test_scale_tops() -> None:
    assert charts._scale_top([], None) == 4
    assert charts._scale_top([3], None) == 4
    assert charts._scale_top([6], None) == 8
    assert charts._scale_top([17], None) == 20
    assert charts._scale_top([21], None) == 40
    assert charts._scale_top([1234], None) == 1600
    assert charts._scale_top([6], 100) == 100


def test_column_chart_of_weeks() -> None:
    weeks = items(
        ("01/11", cell("count", 6, 6)),
        ("08/11", cell("count", 3, 3)),
        ("15/11", cell("count", 0, 0)),
        ("22/11", cell("count", 12, 12)),
    )
    svg = check_common(charts.column_chart("Mỗi tuần", weeks), "Mỗi tuần")
    columns = rects(svg)
    assert len(columns) == 3  # 0 is drawn (flat), the hidden week is not
    heights = [float(c.get("height")) for c in columns]
    assert heights[1] == 0
    assert heights[2] == pytest.approx(2 * heights[0])
    shown = texts(svg)
    assert {"01/11", "08/11", "15/11", "22/11", "6", "12", MASKED} <= set(shown)
    assert "Tuần có dưới 5 lượt làm bài thì không có cột" in "".join(
        svg.find(f"{NS}desc").itertext()
    )


def test_column_chart_with_many_weeks() -> None:
    weeks = [ChartItem(f"w{i}", cell("count", i + 5, i + 5)) for i in range(105)]
    svg = svg_of(charts.column_chart("Hai năm", weeks))
    assert len(rects(svg)) == 105
    shown = texts(svg)
    labels = [t for t in shown if t.startswith("w")]
    assert 8 <= len(labels) <= 13  # every few weeks only
    assert "109" not in shown  # no figures on top of so many columns: the table has them
    markup = str(charts.column_chart("Hai năm", [*weeks[:15], ChartItem("x", cell("count", 2, 2))]))
    assert "&lt;5" in markup  # too narrow for "dưới 5"


def test_line_chart_breaks_where_figures_are_hidden() -> None:
    weeks = items(
        ("01/11", cell("percent", 60, 6)),
        ("08/11", cell("percent", 70, 6)),
        ("15/11", cell("percent", 10, 2)),
        ("22/11", cell("percent", 80, 9)),
        ("29/11", cell("percent", 90, 9)),
        ("06/12", cell("percent", None, 0)),
        ("13/12", cell("percent", 50, 9)),
    )
    svg = check_common(charts.line_chart("Điểm mỗi tuần", weeks), "Điểm mỗi tuần")
    lines = list(svg.iter(f"{NS}polyline"))
    assert [len(line.get("points").split()) for line in lines] == [2, 2]
    assert len(rects(svg)) == 5  # a mark on each shown week
    shown = texts(svg)
    assert {"60%", "70%", "80%", "90%", "50%", MASKED, "0%", "100%"} <= set(shown)
    assert "10%" not in shown
    # higher figures are drawn higher
    marks = {float(r.get("x")): float(r.get("y")) for r in rects(svg)}
    ys = [marks[x] for x in sorted(marks)]
    assert ys[0] > ys[1] > ys[2] > ys[3]


def test_charts_in_english(app: Flask) -> None:
    with app.test_request_context("/?lang=en"):
        svg = svg_of(charts.bar_chart("Sources", items(("cho-a", cell("count", 2, 2)))))
    assert "fewer than 5" in texts(svg)
    assert "Bar chart." in "".join(svg.find(f"{NS}desc").itertext())
