"""printables/_scenario_print.html: a scenario on the paper quiz ("circle what looks wrong") and
in the trainer's answer key (every red flag boxed, numbered and explained), in black and white.

Rendered here the way the print pipeline renders handouts: a Jinja environment over printables/
with StrictUndefined and a `t` function for the handout's language.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from canhgiac.config import ROOT
from canhgiac.content import Question, Text, load_catalog

PRINTABLES = ROOT / "printables"
TESTS = Path(__file__).parent
PAGE = """\
{% from "_scenario_print.html" import scenario_print, scenario_print_css %}
<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8">
<link rel="stylesheet" href="print.css">
<style>@page { size: A4; margin: 14mm 16mm; } {{ scenario_print_css() }}</style></head><body>
{% for q in questions %}
<h2>{{ t(q.prompt) }}</h2>{{ scenario_print(q, t, lang, **options) }}
{% endfor %}
</body></html>
"""


@pytest.fixture(scope="module")
def questions() -> list[Question]:
    catalog, _ = load_catalog(TESTS / "data" / "scenarios")
    return [q for q in catalog.quizzes["demo-canh-bao"].questions if q.scenario]


def render(questions: list[Question], lang: str = "vi", **options: Any) -> str:
    env = Environment(
        loader=FileSystemLoader(str(PRINTABLES)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def t(text: Text | None) -> str:
        return text.get(lang) if text is not None else ""

    return env.from_string(PAGE).render(questions=questions, t=t, lang=lang, options=options)


def body(html: str) -> str:
    return html.split("</head>", 1)[1]


def test_quiz_sheet_asks_to_circle_and_shows_no_answer(questions: list[Question]) -> None:
    html = body(render(questions[:1]))
    assert '<p class="scp-task">✎ Khoanh tròn chỗ đáng ngờ</p>' in html
    assert '<span class="scp-ex">Ví dụ minh họa</span> Tin nhắn SMS' in html
    assert "Ngân hàng của bạn" in html and "vcb-xacthuc[.]top" in html
    assert "⚠" not in html and "scp-flag" not in html and "Đáp án" not in html
    assert "scp-box" not in html  # the sheet prints the two choices itself


def test_verdict_boxes_on_request(questions: list[Question]) -> None:
    html = render(questions[:1], boxes=True)
    assert "Rồi đánh dấu X: lừa đảo hay an toàn?" in html
    assert re.findall(r'<span class="scp-box"></span>(\w[^<]*)</span>', html) == [
        "Lừa đảo",
        "An toàn",
    ]


def test_answer_key_marks_every_flag_with_its_why(questions: list[Question]) -> None:
    html = render(questions[:1], answer_key=True)
    assert "Khoanh tròn" not in html
    marked = re.findall(
        r'<span class="scp-flag"><span class="scp-num">⚠ (\d)</span>(.*?)</span>\n', html
    )
    assert [(n, re.sub(r"<[^>]+>", "", text)) for n, text in marked] == [
        ("1", "Tài khoản của quý khách sẽ bị khóa trong 24 giờ."),
        ("2", "Xác thực ngay tại vcb-xacthuc[.]top"),
    ]
    assert "<strong>Đáp án: Lừa đảo.</strong>" in html
    key = html.split('<div class="scp-key">')[1]
    assert "“Tài khoản của quý khách sẽ bị khóa trong 24 giờ.”: Dọa khóa để bạn vội." in key
    assert "“Xác thực ngay tại vcb-xacthuc[.]top”: Tin ngân hàng thật không có link." in key


def test_answer_key_in_english_with_a_flagged_sender(questions: list[Question]) -> None:
    web = questions[3]
    assert web.scenario is not None and web.scenario.channel == "web"
    html = render([web], "en", answer_key=True)
    assert '<span class="scp-ex">Example</span> Web page' in html
    assert "<strong>Answer: Scam.</strong>" in html
    assert "“Address bar: bhxh[.]co”: State sites end in .gov.vn." in html
    assert "“Bank password: (input box)”: No site may ask for your bank password." in html
    assert "Circle what looks wrong" in render([web], "en")


def test_safe_example_in_the_key(questions: list[Question]) -> None:
    safe = questions[4]
    html = body(render([safe], answer_key=True))
    assert (
        "<strong>Đáp án: An toàn.</strong> Không có dấu hiệu lừa đảo: đây là ví dụ an toàn." in html
    )
    assert "scp-flag" not in html
    assert "No red flags: this is a safe example." in render([safe], "en", answer_key=True)


def test_every_channel_prints(questions: list[Question]) -> None:
    html = render(questions, answer_key=True)
    for channel in ("sms", "chat", "call", "web", "payment", "email"):
        assert f'<div class="scp scp-{channel}">' in html
    assert '<span class="scp-av">H</span>' in html  # the chat avatar letter
    assert (
        '<span class="scp-who">Số lạ:</span>' in html
        and '<span class="scp-who">Bạn:</span>' in html
    )
    assert '<span class="scp-sub">Từ:</span>' in html
    assert '<p class="scp-msg scp-me">' in html


def test_a_language_without_words_prints_english(questions: list[Question]) -> None:
    html = render(questions[:1], "fr")
    assert "Circle what looks wrong" in html and "Text message" in html


def test_print_styles_are_black_and_white(questions: list[Question]) -> None:
    css = render(questions[:1]).split("<style>")[1].split("</style>")[0]
    assert set(re.findall(r"#[0-9a-fA-F]{3,6}\b", css)) <= {"#000", "#fff"}
    assert "overflow: hidden" not in css and "height:" not in css.replace("height: 5mm", "")


def test_weasyprint_renders_every_channel_offline(questions: list[Question]) -> None:
    weasyprint = pytest.importorskip("weasyprint")
    from canhgiac.printing.render import closed_url_fetcher

    blocked: list[str] = []
    html = render(questions, boxes=True) + render(questions, answer_key=True)
    document = weasyprint.HTML(
        string=html,
        base_url=PRINTABLES.resolve().as_uri() + "/",
        url_fetcher=closed_url_fetcher(blocked),
    ).render()
    assert blocked == []
    assert 1 <= len(document.pages) <= 8


def _pdf_text(pdf: bytes) -> str:
    import subprocess
    import unicodedata

    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_the_print_pipeline_puts_scenarios_on_the_paper_quiz_and_the_answer_key() -> None:
    """The real handouts (WeasyPrint PDFs read back with pdftotext), not the macro alone."""
    from canhgiac.printing.handouts import Handout, job_for
    from canhgiac.printing.render import render_job

    catalog, _ = load_catalog(TESTS / "data" / "scenarios")
    quiz = catalog.quizzes["demo-canh-bao"]
    scenario = next(q for q in quiz.questions if q.scenario and q.scenario.flags)
    first_part = scenario.scenario.parts[0].text.get("vi")
    sheet = _pdf_text(
        render_job(
            job_for(catalog, Handout("quiz-sheet", quiz.id, "vi"), "https://canhgiac.example.org")
        ).pdf
    )
    key = _pdf_text(
        render_job(
            job_for(catalog, Handout("answer-key", quiz.id, "vi"), "https://canhgiac.example.org")
        ).pdf
    )
    assert "Khoanh tròn chỗ đáng ngờ" in sheet
    assert " ".join(first_part.split())[:30] in sheet
    assert "Dấu hiệu lừa đảo" not in sheet  # the sheet gives nothing away
    assert "Khoanh tròn chỗ đáng ngờ" not in key
    assert "Dấu hiệu lừa đảo" in key
    first_why = scenario.scenario.flags[0].why.get("vi")
    assert " ".join(first_why.split())[:30] in key
