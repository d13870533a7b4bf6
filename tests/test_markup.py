"""Markdown from content files becomes safe HTML."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from canhgiac.markup import render_markdown


def test_basic_markdown() -> None:
    html = render_markdown("Đừng đọc **mã OTP** cho *ai*.\n\n- Cúp máy\n- Gọi 113")
    assert isinstance(html, Markup)
    assert html == (
        "<p>Đừng đọc <strong>mã OTP</strong> cho <em>ai</em>.</p>\n"
        "<ul>\n<li>Cúp máy</li>\n<li>Gọi 113</li>\n</ul>"
    )


def test_empty() -> None:
    assert render_markdown("") == Markup("")
    assert render_markdown(None) == Markup("")


def test_raw_script_is_shown_as_text() -> None:
    html = render_markdown("Xin chào <script>alert(1)</script>")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_raw_html_block_is_shown_as_text() -> None:
    html = render_markdown('<div onclick="steal()">x</div>\n\n<iframe src="https://evil.example">')
    assert "<div" not in html
    assert "<iframe" not in html
    assert html.startswith("<p>&lt;div onclick=")


@pytest.mark.parametrize(
    "source",
    [
        "[bấm vào đây](javascript:alert(1))",
        "[bấm](JavaScript:alert(1))",
        "[bấm](  javascript:alert(1))",
        "[bấm](java&#x09;script:alert(1))",
        "[bấm](vbscript:msgbox(1))",
        "[bấm](data:text/html;base64,PHNjcmlwdD4=)",
        "<javascript:alert(1)>",
    ],
)
def test_script_links_are_removed(source: str) -> None:
    html = str(render_markdown(source))
    assert "<a" not in html or "href" not in html, html
    for href in re.findall(r'href="([^"]*)"', html):
        assert not re.match(r"(java|vb)script:|data:", href.replace("%09", ""), re.I)


def test_script_link_keeps_no_href() -> None:
    html = str(render_markdown("[bấm](java&#x09;script:alert(1))"))
    assert "href" not in html
    assert "bấm" in html


def test_links_get_noopener() -> None:
    html = render_markdown("[BIDV](https://bidv.com.vn) và [gọi 113](tel:113)")
    assert html == (
        '<p><a href="https://bidv.com.vn" rel="noopener">BIDV</a> và '
        '<a href="tel:113" rel="noopener">gọi 113</a></p>'
    )


def test_images_become_their_description() -> None:
    html = render_markdown("Xem ![mã QR giả](https://evil.example/qr.png) này")
    assert "<img" not in html
    assert "evil.example" not in html
    assert html == "<p>Xem mã QR giả này</p>"


def test_inline_html_image_is_text() -> None:
    html = render_markdown('<img src="x" onerror="alert(1)">')
    assert "<img" not in html
    assert html.startswith("<p>&lt;img")


def test_headings_are_shifted_below_the_section_heading() -> None:
    html = render_markdown("# Lớn\n\n## Nhỏ\n\n##### Rất nhỏ")
    assert html == "<h3>Lớn</h3>\n<h4>Nhỏ</h4>\n<h6>Rất nhỏ</h6>"


def test_no_style_attributes_or_unknown_tags() -> None:
    html = render_markdown("> trích dẫn\n\n`code`\n\n---")
    assert html == "<blockquote>\n<p>trích dẫn</p>\n</blockquote>\n<p><code>code</code></p>\n<hr>"
    assert "style=" not in html
