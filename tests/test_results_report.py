"""The one-page PDF report for the commune, read back with real tools: its pages and size
(pypdf), its fonts (pdffonts), every figure in its text (pdftotext)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from results_data import FROM, TO, Spec, fill

from canhgiac.live import auth
from canhgiac.results.report import FONT_SIZES, ReportError, render_pdf
from canhgiac.store import Store, get_store

QUERY = f"?from={FROM}&to={TO}"
TRAINER = "tranvanbinh"

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils (pdftotext, pdffonts) is not installed",
)


@pytest.fixture
def store(app: Flask) -> Store:
    with app.app_context():
        store = get_store()
    fill(store)
    return store


@pytest.fixture
def logged_in(app: Flask, client: FlaskClient, store: Store) -> None:
    with app.app_context():
        trainer = auth.add_trainer(get_store().engine, TRAINER, "mật khẩu dài 123")
    with client.session_transaction() as session:
        session[auth.SESSION_KEY] = [trainer.id, trainer.fingerprint]


def pdf_of(client: FlaskClient, query: str = QUERY) -> bytes:
    response = client.get("/trainer/results/report.pdf" + query)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    return response.data


def text_lines(pdf: bytes, tmp_path: Path) -> list[str]:
    """pdftotext -layout, each line with its runs of spaces made single."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [" ".join(line.split()) for line in out.splitlines() if line.strip()]


def fonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    return [line.split() for line in out[2:]]


@needs_poppler
def test_report_has_every_figure_on_one_page(
    client: FlaskClient, logged_in: None, tmp_path: Path
) -> None:
    pdf = pdf_of(client)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    lines = text_lines(pdf, tmp_path)
    text = "\n".join(lines)

    assert "Kết quả tập huấn phòng chống lừa đảo" in lines
    assert "Từ 01/11/2026 đến 28/11/2026" in lines
    assert "Lượt làm bài đã bắt đầu Lượt làm bài đã hoàn thành Điểm trung bình" in lines
    assert "15 14 61%" in lines
    # the weakest topics first
    topics = lines.index("Các chủ đề, chủ đề yếu nhất trước")
    assert lines[topics + 2 : topics + 4] == [
        "Thanh toán an toàn 9 8 58%",
        "Lừa đảo trực tuyến 6 6 67%",
    ]
    # the weekly chart: its title, the figures over the columns, the hidden week, the weeks
    chart = lines.index("Lượt làm bài bắt đầu mỗi tuần")
    weeks = lines.index("01/11 08/11 15/11 22/11")
    drawn = lines[chart + 1 : weeks]
    assert "6 6" in drawn  # over the columns of weeks 1 and 4
    assert "dưới 5 0" in drawn  # week 2 hidden, week 3 empty
    # the questions most often answered wrong, lowest share right first
    assert "Những câu hay bị trả lời sai nhất" in lines
    assert any(line.startswith("Bạn nhận được mã QR lạ") and line.endswith("Mã QR 6 33% dưới 5")
               for line in lines)  # fmt: skip
    assert any(line.startswith("Dấu hiệu nào là lừa đảo?") and "8 38% Hỏi mã OTP" in line
               for line in lines)  # fmt: skip
    assert any(line.startswith("Ngân hàng có thể gọi điện") and "8 50% dưới 5" in line
               for line in lines)  # fmt: skip
    assert "Một người tự xưng" not in text  # 78% right: not among the three
    # the sources
    sources = lines.index("Người dân đến từ đâu (nhãn nguồn)")
    assert lines[sources + 2 : sources + 6] == [
        "cho-a 6 6 67%",
        "to-roi 5 5 70%",
        "cho-b dưới 5 dưới 5 dưới 5",
        "(không có nhãn) dưới 5 dưới 5 dưới 5",
    ]
    assert 'dưới 5 lượt làm bài được ghi là "dưới 5"' in text
    # nothing personal: no attempt ids, no trainer name
    assert not re.search(r"\b(A[1-9]|B[1-6])\b", text)
    assert TRAINER not in text
    assert TRAINER not in str(reader.metadata)


@needs_poppler
def test_report_fonts_are_embedded(client: FlaskClient, logged_in: None, tmp_path: Path) -> None:
    found = fonts(pdf_of(client), tmp_path)
    assert found
    for row in found:
        assert "DejaVu" in row[0]
        assert row[-5] == "yes", row  # emb
        assert row[-4] == "yes", row  # sub(set)


@needs_poppler
def test_report_in_english(client: FlaskClient, logged_in: None, tmp_path: Path) -> None:
    lines = text_lines(pdf_of(client, QUERY + "&lang=en"), tmp_path)
    assert "Scam-awareness training: results" in lines
    assert "From 01/11/2026 to 28/11/2026" in lines
    assert "15 14 61%" in lines
    assert "Safe payments 9 8 58%" in lines
    assert "cho-b fewer than 5 fewer than 5 fewer than 5" in lines


@needs_poppler
def test_report_adds_up_the_smaller_sources(
    app: Flask, client: FlaskClient, logged_in: None, tmp_path: Path
) -> None:
    with app.app_context():
        store = get_store()
    extra = tuple(
        Spec(f"S{n}-{i}", "demo-qr", f"diem-{n:02d}", datetime(2026, 11, 20, 8, n), ("true", "a"))
        for n in range(10)
        for i in range(n % 3 + 5)  # 5, 6 or 7 attempts per label, all right
    )
    fill(store, extra)
    pdf = pdf_of(client)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    lines = text_lines(pdf, tmp_path)
    sources = lines.index("Người dân đến từ đâu (nhãn nguồn)")
    rows = lines[sources + 2 : sources + 11]
    # 8 labels by attempts, then the others added up: 4 labels, 2 of them hidden alone
    assert rows[:8] == [
        "diem-02 7 7 100%",
        "diem-05 7 7 100%",
        "diem-08 7 7 100%",
        "cho-a 6 6 67%",
        "diem-01 6 6 100%",
        "diem-04 6 6 100%",
        "diem-07 6 6 100%",
        "diem-00 5 5 100%",
    ]
    # the others: diem-03, diem-06, diem-09 (5 each, all right), to-roi (5), cho-b (3, 2
    # finished) and no label (1): 24 started, 23 finished, 30 + 7 + 2 + 1 = 40 right of 48
    assert rows[8] == "6 nhãn khác 24 23 83%"


def test_render_pdf_refuses_the_network() -> None:
    for html in (
        '<img src="https://example.org/logo.png">',
        '<link rel="stylesheet" href="http://example.org/x.css"><p>x</p>',
        '<img src="file:///etc/passwd">',
    ):
        with pytest.raises(ReportError, match="refused|offline"):
            render_pdf(lambda _size, html=html: html)


def test_render_pdf_tries_smaller_type_until_it_fits() -> None:
    asked: list[float] = []

    def html_for(size: float) -> str:
        asked.append(size)
        lines = 95 if size > FONT_SIZES[-1] else 40
        return f'<p style="font-size: {size}pt">' + "<br>line" * lines + "</p>"

    rendered = render_pdf(html_for)
    assert asked == list(FONT_SIZES)
    assert rendered.pages == 1
    assert rendered.font_size == FONT_SIZES[-1]
    assert rendered.pdf.startswith(b"%PDF-")


@needs_poppler
def test_report_for_a_long_period_still_fits(
    client: FlaskClient, logged_in: None, tmp_path: Path
) -> None:
    pdf = pdf_of(client, "?from=2025-01-01&to=2026-12-31")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert "Từ 01/01/2025 đến 31/12/2026" in text_lines(pdf, tmp_path)


def test_report_needs_a_trainer(client: FlaskClient, store: Store) -> None:
    response = client.get("/trainer/results/report.pdf" + QUERY)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/t/login")
