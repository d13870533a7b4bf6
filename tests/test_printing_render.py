"""Rendering handouts to PDF, read back with real tools: page size and count (pypdf), embedded
fonts (pdffonts), the printed text (pdftotext), the QR code decoded from a 150 dpi grayscale
rendering (pypdfium2 + zxing-cpp), and the fit checks that refuse a layout that runs over.

Each handout is rendered once per module (module-scoped fixtures): rendering takes a while.
The helpers at the top are shared with the other print test modules.
"""

from __future__ import annotations

import dataclasses
import re
import socket
import subprocess
import unicodedata
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest

from canhgiac.content import load_catalog
from canhgiac.content.model import Catalog, Lesson, Question, Quiz, Text
from canhgiac.printing import render
from canhgiac.printing.handouts import FORMATS, Handout, job_for
from canhgiac.printing.render import PrintError, closed_fetch, render_html, render_job

from conftest import DEMO_CONTENT

PUBLIC = "https://canhgiac.example.org"
MM = 72 / 25.4  # PDF points per millimetre

# --- Helpers shared with test_printing_pack.py and test_web_printing.py ---------------------


def normalise(text: str) -> str:
    """NFC and single spaces: how the printed text is compared with the source text."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def write(tmp: Path, pdf: bytes, name: str = "out.pdf") -> Path:
    path = tmp / name
    path.write_bytes(pdf)
    return path


def pdf_text(path: Path) -> str:
    """The text of a PDF as pdftotext (poppler) extracts it, normalised."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return normalise(out.stdout.decode("utf-8"))


def pdf_fonts(path: Path) -> list[dict[str, str]]:
    """pdffonts' table: one dict per font with its name and the emb column."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    header = lines[0]
    emb = header.index("emb")
    return [{"name": line.split()[0], "emb": line[emb : emb + 3].strip()} for line in lines[2:]]


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    from pypdf import PdfReader

    reader = PdfReader(BytesIO(pdf))
    return [
        (round(float(p.mediabox.width) / MM, 1), round(float(p.mediabox.height) / MM, 1))
        for p in reader.pages
    ]


def decode_qr(pdf: bytes, page: int = 0) -> list[str]:
    """Every QR code on a page, decoded from a 150 dpi grayscale rendering."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[page].render(scale=150 / 72, grayscale=True).to_pil()
    finally:
        document.close()
    return [
        r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


def rgb_spread(pdf: bytes, page: int = 0) -> int:
    """The largest difference between colour channels of any pixel: 0 for pure grayscale."""
    import pypdfium2
    from PIL import ImageChops

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[page].render(scale=50 / 72).to_pil().convert("RGB")
    finally:
        document.close()
    r, g, b = image.split()
    return max(
        ImageChops.difference(r, g).getextrema()[1], ImageChops.difference(g, b).getextrema()[1]
    )


# --- Fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(DEMO_CONTENT)[0]


@pytest.fixture(scope="module")
def rendered(catalog: Catalog) -> dict[str, render.Rendered]:
    """Every format of the demo-otp lesson and quiz in Vietnamese, plus a few in English."""
    out = {}
    for fmt in FORMATS:
        handout = Handout(fmt, "demo-otp", "vi")
        out[fmt] = render_job(job_for(catalog, handout, PUBLIC, "cho-giao-phong"))
    out["leaflet-a4-en"] = render_job(
        job_for(catalog, Handout("leaflet-a4", "demo-otp", "en"), PUBLIC, "cho-giao-phong")
    )
    out["poster-a4-no-quiz"] = render_job(
        job_for(catalog, Handout("poster-a4", "demo-qr", "vi"), PUBLIC)
    )
    return out


@pytest.fixture(scope="module")
def pdf_dir(tmp_path_factory: pytest.TempPathFactory, rendered) -> Path:
    folder = tmp_path_factory.mktemp("pdfs")
    for name, result in rendered.items():
        write(folder, result.pdf, f"{name}.pdf")
    return folder


# --- Page sizes, page counts, fonts, colours ----------------------------------------------

EXPECTED_SIZES = {
    "leaflet-a4": (297.0, 210.0),
    "leaflet-a5": (148.0, 210.0),
    "card": (210.0, 297.0),
    "poster-a4": (210.0, 297.0),
    "poster-a3": (297.0, 420.0),
    "quiz-sheet": (210.0, 297.0),
    "answer-key": (210.0, 297.0),
    "certificate": (297.0, 210.0),
}
EXPECTED_PAGES = {"leaflet-a4": 2}  # the short demo lesson fits one A5 side


@pytest.mark.parametrize("fmt", sorted(EXPECTED_SIZES))
def test_page_size_and_count(rendered, fmt: str) -> None:
    sizes = page_sizes_mm(rendered[fmt].pdf)
    assert len(sizes) == rendered[fmt].pages == EXPECTED_PAGES.get(fmt, 1)
    assert set(sizes) == {EXPECTED_SIZES[fmt]}


def test_a4_in_points(rendered) -> None:
    from pypdf import PdfReader

    page = PdfReader(BytesIO(rendered["card"].pdf)).pages[0]
    assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == (
        595.28,
        841.89,
    )


def test_every_font_is_embedded(pdf_dir: Path) -> None:
    for path in sorted(pdf_dir.glob("*.pdf")):
        fonts = pdf_fonts(path)
        assert fonts, path.name
        assert all(f["emb"] == "yes" for f in fonts), (path.name, fonts)
        assert any("DejaVu" in f["name"] for f in fonts), (path.name, fonts)


@pytest.mark.parametrize("fmt", ["leaflet-a4", "card", "poster-a4", "quiz-sheet"])
def test_pages_are_pure_grayscale(rendered, fmt: str) -> None:
    for page in range(rendered[fmt].pages):
        assert rgb_spread(rendered[fmt].pdf, page) <= 2


# --- The printed text ---------------------------------------------------------------------


def lesson_texts(lesson: Lesson, lang: str) -> list[str]:
    items = [lesson.title, lesson.summary]
    for name in ("red_flags", "do", "dont", "if_happened", "report"):
        items += getattr(lesson, name)
    return [normalise(t.get(lang)) for t in items]


@pytest.mark.parametrize(("fmt", "lang"), [("leaflet-a4", "vi"), ("leaflet-a4-en", "en")])
def test_leaflet_prints_every_section(pdf_dir: Path, catalog: Catalog, fmt: str, lang: str) -> None:
    text = pdf_text(pdf_dir / f"{fmt}.pdf")
    for expected in lesson_texts(catalog.lessons["demo-otp"], lang):
        assert expected in text
    if lang == "vi":
        for heading in ("Dấu hiệu lừa đảo", "Nên làm", "Không được làm", "Nếu đã bị lừa"):
            assert heading in text
        assert "Báo ở đâu" in text
    else:
        assert "Where to report" in text


def test_a5_leaflet_prints_every_section(pdf_dir: Path, catalog: Catalog) -> None:
    text = pdf_text(pdf_dir / "leaflet-a5.pdf")
    for expected in lesson_texts(catalog.lessons["demo-otp"], "vi"):
        assert expected in text


def test_card_prints_the_rules_eight_times(pdf_dir: Path, catalog: Catalog) -> None:
    text = pdf_text(pdf_dir / "card.pdf")
    lesson = catalog.lessons["demo-otp"]
    # The demo lesson has two key points; the card adds a don't to reach three rules.
    for rule in (*lesson.key_points, lesson.dont[0]):
        assert text.count(normalise(rule.get("vi"))) == 8


def test_quiz_sheet_has_every_question_and_choice_but_no_answers(
    pdf_dir: Path, catalog: Catalog
) -> None:
    text = pdf_text(pdf_dir / "quiz-sheet.pdf")
    quiz = catalog.quizzes["demo-otp"]
    for question in quiz.questions:
        assert normalise(question.prompt.get("vi")) in text
        for choice in question.choices:
            assert normalise(choice.text.get("vi")) in text
        assert normalise(question.explanation.get("vi")) not in text
    assert "Số câu đúng" in text


def test_answer_key_has_explanations_and_marks_right_answers(
    pdf_dir: Path, catalog: Catalog
) -> None:
    text = pdf_text(pdf_dir / "answer-key.pdf")
    quiz = catalog.quizzes["demo-otp"]
    for question in quiz.questions:
        assert normalise(question.explanation.get("vi")) in text
        for choice in question.choices:
            if choice.why is not None:
                assert normalise(choice.why.get("vi")) in text
    assert "✓ Đúng A. Cúp máy" in text
    assert "Đáp án cho người hướng dẫn" in text


def test_diacritics_survive_extraction(pdf_dir: Path) -> None:
    text = pdf_text(pdf_dir / "leaflet-a4.pdf")
    for word in ("Giữ bí mật mã OTP", "Quét mã để tự kiểm tra", "Tổ công nghệ số cộng đồng"):
        assert word in text


# --- QR codes -----------------------------------------------------------------------------


def test_leaflet_qr_leads_to_the_quiz_with_the_src_label(rendered) -> None:
    expected = f"{PUBLIC}/q/demo-otp?src=cho-giao-phong"
    assert rendered["leaflet-a4"].qr_url == expected
    assert decode_qr(rendered["leaflet-a4"].pdf, page=0) == [expected]
    assert decode_qr(rendered["leaflet-a5"].pdf, page=0) == [expected]


def test_card_sheet_has_eight_readable_codes(rendered) -> None:
    codes = decode_qr(rendered["card"].pdf)
    assert codes == [f"{PUBLIC}/q/demo-otp?src=cho-giao-phong"] * 8


def test_posters_qr(rendered) -> None:
    expected = f"{PUBLIC}/q/demo-otp?src=cho-giao-phong"
    assert decode_qr(rendered["poster-a4"].pdf) == [expected]
    assert decode_qr(rendered["poster-a3"].pdf) == [expected]


def test_a_lesson_without_a_quiz_leads_to_the_lesson(rendered) -> None:
    assert decode_qr(rendered["poster-a4-no-quiz"].pdf) == [f"{PUBLIC}/l/demo-qr"]


def test_quiz_sheet_qr_and_no_code_on_answer_key_or_certificate(rendered) -> None:
    assert decode_qr(rendered["quiz-sheet"].pdf) == [f"{PUBLIC}/q/demo-otp?src=cho-giao-phong"]
    assert rendered["answer-key"].qr_url is None
    assert decode_qr(rendered["answer-key"].pdf) == []
    assert decode_qr(rendered["certificate"].pdf) == []


def test_qr_is_vector_not_an_image(pdf_dir: Path) -> None:
    out = subprocess.run(
        ["pdfimages", "-list", str(pdf_dir / "leaflet-a4.pdf")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(out.stdout.strip().splitlines()) == 2  # the header only: no raster image


# --- Fit checks ---------------------------------------------------------------------------

LONG = (
    "Gọi ngay tổng đài ngân hàng (số in trên thẻ hoặc trong ứng dụng chính thức) để khóa tài "
    "khoản, tra soát giao dịch và giữ lại tin nhắn, ảnh chụp màn hình, lịch sử cuộc gọi. "
)


def long_lesson(catalog: Catalog, repeat: int) -> Lesson:
    text = Text.of(LONG * repeat, en=LONG * repeat)
    return dataclasses.replace(
        catalog.lessons["demo-otp"],
        id="qua-dai",
        red_flags=(text,) * 6,
        do=(text,) * 6,
        dont=(text,) * 6,
        if_happened=(text,) * 6,
        report=(text,) * 6,
    )


def test_overflowing_leaflet_fails_naming_the_lesson(catalog: Catalog) -> None:
    lesson = long_lesson(catalog, 3)
    patched = Catalog({**catalog.lessons, lesson.id: lesson}, catalog.quizzes)
    job = job_for(patched, Handout("leaflet-a4", "qua-dai", "vi"), PUBLIC)
    with pytest.raises(PrintError) as caught:
        render_job(job)
    message = str(caught.value)
    assert message.startswith("lesson 'qua-dai': the A4 leaflet (vi) does not fit on two sides")
    assert "print the A5 leaflet" in message
    assert "runs over" in message


def test_overflowing_card_fails_naming_the_lesson(catalog: Catalog) -> None:
    lesson = long_lesson(catalog, 2)
    patched = Catalog({**catalog.lessons, lesson.id: lesson}, catalog.quizzes)
    with pytest.raises(PrintError, match=r"^lesson 'qua-dai': the pocket card \(en\) does not fit"):
        render_job(job_for(patched, Handout("card", "qua-dai", "en"), PUBLIC))


def test_long_text_steps_down_to_a_smaller_type_before_failing(catalog: Catalog) -> None:
    lesson = dataclasses.replace(
        catalog.lessons["demo-otp"], red_flags=(Text.of(LONG, en=LONG),) * 4
    )
    patched = Catalog({**catalog.lessons, lesson.id: lesson}, catalog.quizzes)
    before = render.RENDER_COUNT
    result = render_job(job_for(patched, Handout("leaflet-a4", "demo-otp", "vi"), PUBLIC))
    assert result.pages == 2
    assert render.RENDER_COUNT - before > 1


def test_a_long_quiz_grows_to_more_pages(catalog: Catalog) -> None:
    base = catalog.quizzes["demo-otp"]
    questions = tuple(
        dataclasses.replace(q, id=f"{q.id}-{n}") for n in range(12) for q in base.questions
    )
    quiz = Quiz(base.id, base.title, base.topic, base.lesson, questions, base.summary)
    patched = Catalog(catalog.lessons, {quiz.id: quiz})
    for fmt in ("quiz-sheet", "answer-key"):
        result = render_job(job_for(patched, Handout(fmt, quiz.id, "vi"), PUBLIC))
        assert result.pages >= 3
        assert page_sizes_mm(result.pdf) == [(210.0, 297.0)] * result.pages


# --- Offline rendering and safe names -----------------------------------------------------


def test_closed_fetcher_serves_only_printables_and_data() -> None:
    css = (render.PRINTABLES / "print.css").resolve()
    data, mime, _url = closed_fetch(css.as_uri())
    assert mime == "text/css" and b"DejaVu Sans" in data
    assert closed_fetch("data:text/plain;base64,aGk=")[0] == b"hi"
    for url in (
        "https://fonts.example.org/font.woff2",
        "http://127.0.0.1/x.css",
        "ftp://example.org/x",
        "file:///etc/passwd",
        (render.PRINTABLES / ".." / "setup.cfg").resolve().as_uri(),
        "file://otherhost/x.css",
    ):
        with pytest.raises(render.ClosedFetcherError):
            closed_fetch(url)


def test_weasyprint_fails_on_a_remote_resource() -> None:
    import weasyprint

    blocked: list[str] = []
    html = weasyprint.HTML(
        string='<link rel="stylesheet" href="https://example.org/x.css"><p>x</p>',
        base_url=render.PRINTABLES.as_uri() + "/",
        url_fetcher=render.closed_url_fetcher(blocked),
    )
    with pytest.raises(BaseException):  # noqa: B017 - WeasyPrint's fatal fetch error
        html.render()
    assert blocked and "refused to fetch https://example.org/x.css" in blocked[0]


def test_rendering_opens_no_network_connection(catalog: Catalog, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("rendering tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    result = render_job(job_for(catalog, Handout("poster-a4", "demo-otp", "en"), PUBLIC))
    assert result.pages == 1


def test_certificate_name_is_escaped_and_capped(catalog: Catalog) -> None:
    handout = Handout("certificate", "demo-otp", "vi")
    html = render_html(job_for(catalog, handout, PUBLIC, name="<script>x</script> Lê  Thị\nHoa"))
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt; Lê Thị Hoa" in html
    assert render.clean_name("A" * 500) == "A" * render.MAX_NAME
    assert render.clean_name("  \t ") is None
    assert render.clean_name("Nguye\u0302\u0303n\x00") == "Nguyễn"


def test_certificate_prints_the_name(catalog: Catalog, tmp_path: Path) -> None:
    job = job_for(catalog, Handout("certificate", "demo-otp", "vi"), PUBLIC, name="Trần Thị Ánh")
    result = render_job(job)
    text = pdf_text(write(tmp_path, result.pdf))
    assert "Trần Thị Ánh" in text
    assert normalise(catalog.quizzes["demo-otp"].title.get("vi")) in text


def test_handout_context_is_independent_of_reviewed_date_format(catalog: Catalog) -> None:
    lesson = dataclasses.replace(catalog.lessons["demo-otp"], reviewed=date(2026, 1, 2))
    patched = Catalog({**catalog.lessons, lesson.id: lesson}, catalog.quizzes)
    html_vi = render_html(job_for(patched, Handout("leaflet-a4", "demo-otp", "vi"), PUBLIC))
    html_en = render_html(job_for(patched, Handout("leaflet-a4", "demo-otp", "en"), PUBLIC))
    assert "02/01/2026" in html_vi
    assert "2026-01-02" in html_en


def test_truefalse_answer_key_names_the_answer(pdf_dir: Path, catalog: Catalog) -> None:
    question: Question = catalog.quizzes["demo-otp"].questions[2]
    assert question.type == "truefalse"
    text = pdf_text(pdf_dir / "answer-key.pdf")
    assert "✓ Đáp án Sai" in text
