"""The print page for trainers: every handout listed with a preview and download links, PDFs
and previews cached on disk (a second download renders nothing), PUBLIC_URL warnings, and the
certificate whose typed name is never stored, cached or logged."""

from __future__ import annotations

import logging
import re
from html import unescape
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from live_helpers import PASSWORD, TRAINER, add_trainer, login
from test_printing_render import decode_qr, page_sizes_mm, pdf_text, write

from canhgiac.printing import render
from canhgiac.printing.handouts import LESSON_FORMATS, QUIZ_FORMATS
from canhgiac.web import printing

from forms import Browser

PUBLIC = "https://canhgiac.example.org"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-print-cache")


@pytest.fixture
def app_config(app_config: dict[str, Any], cache_dir: Path) -> dict[str, Any]:
    return {**app_config, "PUBLIC_URL": PUBLIC, "PRINT_CACHE": str(cache_dir)}


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A logged-in trainer: the print page is for trainers."""
    client = app.test_client()
    add_trainer(app)
    login(client)
    return client


def test_print_page_is_for_trainers_only(app: Flask) -> None:
    anonymous = app.test_client()
    for path in ("/print", "/print/demo-otp_card_vi.pdf", "/print/demo-otp_card_vi.png"):
        response = anonymous.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/t/login?next=")
    assert anonymous.post("/print/certificate").status_code in (302, 400)


def test_after_login_the_trainer_lands_on_the_print_page(app: Flask) -> None:
    add_trainer(app)
    browser = Browser(app.test_client())
    browser.get("/print?src=cho-giao-phong")
    assert browser.url.startswith("/t/login")
    form = browser.page.form("/t/login")
    data = form.data({"name": [TRAINER], "password": [PASSWORD]})
    browser.submit("/t/login", data=data)
    assert browser.url == "/print?src=cho-giao-phong"
    assert "cho-giao-phong" in browser.text


def links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="(/print/[^"]+)"', html)]


def test_print_page_lists_every_handout_in_every_language(client: FlaskClient) -> None:
    response = client.get("/print")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    hrefs = set(links(html))
    previews = set(re.findall(r'<img src="(/print/[^"]+\.png)"', html))
    for item, formats in (("demo-otp", LESSON_FORMATS), ("demo-qr", LESSON_FORMATS),
                          ("demo-otp", QUIZ_FORMATS), ("demo-qr", QUIZ_FORMATS)):  # fmt: skip
        for fmt in formats:
            for lang in ("vi", "en"):
                assert f"/print/{item}_{fmt}_{lang}.pdf" in hrefs
            assert f"/print/{item}_{fmt}_vi.png" in previews
    assert len(hrefs) == 32
    assert "The QR codes point at" in html or "Mã QR" in html
    assert 'class="alert"' not in html  # a public PUBLIC_URL: no warning


def test_src_label_goes_into_every_link(client: FlaskClient) -> None:
    html = client.get("/print?src=cho-giao-phong").get_data(as_text=True)
    hrefs = links(html)
    assert hrefs and all(h.endswith(".pdf?src=cho-giao-phong") for h in hrefs)


def test_a_bad_src_label_is_refused_with_a_message(client: FlaskClient) -> None:
    html = client.get("/print?src=Ch%E1%BB%A3%20X&lang=en").get_data(as_text=True)
    assert "This label cannot be used" in html
    assert all("src=" not in h for h in links(html))
    assert client.get("/print/demo-otp_card_vi.pdf?src=Bad_Label").status_code == 400


@pytest.mark.parametrize(
    ("public_url", "expected"),
    [
        (None, "No PUBLIC_URL is set: the QR codes point at http://localhost"),
        ("http://192.168.1.20:5000", "a local or private address"),
        ("ftp://example.org", "PUBLIC_URL is not a valid web address"),
    ],
)
def test_warnings_about_public_url(app_config, public_url, expected) -> None:
    from canhgiac import create_app

    app = create_app({**app_config, "PUBLIC_URL": public_url})
    try:
        trainer = app.test_client()
        add_trainer(app)
        login(trainer)
        html = trainer.get("/print?lang=en").get_data(as_text=True)
    finally:
        app.extensions["canhgiac.store"].dispose()
    alerts = " ".join(re.findall(r'<p class="alert" role="alert">(.*?)</p>', html, re.S))
    assert expected in unescape(alerts)


def test_download_is_the_right_pdf_and_the_second_renders_nothing(
    client: FlaskClient, tmp_path: Path
) -> None:
    url = "/print/demo-otp_leaflet-a4_vi.pdf?src=cho-giao-phong"
    first = client.get(url)
    assert first.status_code == 200
    assert first.mimetype == "application/pdf"
    assert "attachment" in first.headers["Content-Disposition"]
    assert "demo-otp_leaflet-a4_vi.pdf" in first.headers["Content-Disposition"]
    assert page_sizes_mm(first.data) == [(297.0, 210.0)] * 2
    assert decode_qr(first.data) == [f"{PUBLIC}/q/demo-otp?src=cho-giao-phong"]
    assert "Giữ bí mật mã OTP" in pdf_text(write(tmp_path, first.data))

    renders = render.RENDER_COUNT
    second = client.get(url)
    assert second.status_code == 200
    assert second.data == first.data
    assert renders == render.RENDER_COUNT


def test_preview_is_a_small_cached_png(client: FlaskClient) -> None:
    from PIL import Image

    first = client.get("/print/demo-qr_poster-a4_vi.png")
    assert first.status_code == 200
    assert first.mimetype == "image/png"
    image = Image.open(BytesIO(first.data))
    assert max(image.size) == printing.PREVIEW_SIZE
    assert image.size[0] < image.size[1]  # A4 portrait
    renders = render.RENDER_COUNT
    again = client.get("/print/demo-qr_poster-a4_vi.png")
    assert again.data == first.data
    assert renders == render.RENDER_COUNT


@pytest.mark.parametrize(
    "path",
    ["/print/nope_card_vi.pdf", "/print/demo-otp_flyer_vi.pdf", "/print/demo-otp_card_fr.pdf",
     "/print/demo-otp_quiz-sheet_vi.png", "/print/x.png", "/print/demo-otp_card_vi.txt"],
)  # fmt: skip
def test_unknown_handouts_are_404(client: FlaskClient, path: str) -> None:
    # demo-otp is a quiz too, so demo-otp_quiz-sheet_vi exists; make it one that does not.
    if "quiz-sheet" in path:
        path = path.replace("demo-otp", "no-such-quiz")
    assert client.get(path).status_code == 404


def test_certificate_with_a_name_is_never_stored_or_logged(
    client: FlaskClient, cache_dir: Path, caplog, tmp_path: Path
) -> None:
    name = "Nguyễn <b>Thị</b> Ánh"
    before = sorted(p.name for p in cache_dir.iterdir())
    html = client.get("/print").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            "/print/certificate",
            data={"csrf_token": token, "quiz": "demo-otp", "lang": "vi", "name": name},
        )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Ánh" not in response.headers["Content-Disposition"]
    text = pdf_text(write(tmp_path, response.data))
    assert name in text  # printed as typed: the tags are text, not markup
    assert page_sizes_mm(response.data) == [(297.0, 210.0)]
    assert sorted(p.name for p in cache_dir.iterdir()) == before
    assert "Ánh" not in caplog.text and "Nguy" not in caplog.text


def test_certificate_name_is_capped(client: FlaskClient, tmp_path: Path) -> None:
    html = client.get("/print").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post(
        "/print/certificate",
        data={"csrf_token": token, "quiz": "demo-qr", "lang": "en", "name": "Lê " * 60},
    )
    assert response.status_code == 200
    text = pdf_text(write(tmp_path, response.data))
    assert ("Lê " * 26).strip() in text and ("Lê " * 28).strip() not in text


@pytest.mark.parametrize(
    "data",
    [{"quiz": "nope", "lang": "vi", "name": "A"}, {"quiz": "demo-otp", "lang": "fr", "name": "A"},
     {"quiz": "demo-otp", "lang": "vi", "name": "A" * 1000}],
)  # fmt: skip
def test_certificate_refuses_bad_input(client: FlaskClient, data: dict[str, str]) -> None:
    html = client.get("/print").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/print/certificate", data={**data, "csrf_token": token}).status_code == 400


def test_certificate_needs_the_csrf_token(client: FlaskClient) -> None:
    response = client.post("/print/certificate", data={"quiz": "demo-otp", "lang": "vi"})
    assert response.status_code == 400


def test_blank_certificate_download_has_no_name_line_filled(client: FlaskClient, tmp_path) -> None:
    response = client.get("/print/demo-qr_certificate_en.pdf")
    assert response.status_code == 200
    text = pdf_text(write(tmp_path, response.data))
    assert "Certificate" in text or "CERTIFICATE" in text
    assert decode_qr(response.data) == []
