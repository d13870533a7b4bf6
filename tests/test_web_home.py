"""The home page, and what every page shares: security headers, no inline code, light weight."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from canhgiac.web import CONTENT_SECURITY_POLICY

from forms import Browser, other_host, parse


def test_topics_in_order_with_their_content(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<h1>Học cách nhận biết lừa đảo</h1>" in text
    headings = re.findall(r'<h2 id="topic-([a-z]+)">(.*?)</h2>', text)
    # TOPICS order: fraud before payments; topics without content are left out
    assert headings == [("fraud", "Lừa đảo trực tuyến"), ("payments", "Thanh toán an toàn")]
    page = parse(text)
    assert page.link("Giữ bí mật mã OTP") == "/l/demo-otp"
    assert page.link("Quét mã QR an toàn") == "/l/demo-qr"
    assert page.link("Bạn có giữ được mã OTP?") == "/q/demo-otp"
    assert page.link("Mã QR") == "/q/demo-qr"
    # title and summary
    lesson = next(x.text for x in page.links if x.href == "/l/demo-otp")
    assert lesson == "Bài học Giữ bí mật mã OTP Ngân hàng không bao giờ hỏi mã OTP."
    quiz = next(x.text for x in page.links if x.href == "/q/demo-otp")
    assert quiz == "Trắc nghiệm Bạn có giữ được mã OTP? 3 câu hỏi."


def test_home_in_english(client: FlaskClient) -> None:
    text = client.get("/?lang=en").get_data(as_text=True)
    headings = re.findall(r'<h2 id="topic-[a-z]+">(.*?)</h2>', text)
    assert headings == ["Online fraud", "Safe payments"]
    page = parse(text)
    lesson = next(x.text for x in page.links if x.href == "/l/demo-otp")
    assert lesson == "Lesson Keep your OTP secret Banks never ask for your OTP."
    assert (
        '<p>If a scam is happening right now, call the police: <a href="tel:113">113</a>.</p>'
        in (text)
    )


def test_security_headers(client: FlaskClient) -> None:
    for response in (client.get("/"), client.get("/static/app.css"), client.get("/l/nope")):
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert CONTENT_SECURITY_POLICY == (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
        )
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_flags(client: FlaskClient) -> None:
    # The page a QR code opens sets no cookie; starting the quiz sets the session cookie.
    assert client.get("/q/demo-otp?src=cho").headers.getlist("Set-Cookie") == []
    response = client.post("/q/demo-otp/start")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_session_signer_follows_the_secret_key(app: Flask) -> None:
    """The signer is made once per key (web.SessionInterface), and a changed key is seen: a
    cookie signed with the old key is read while the key is among SECRET_KEY_FALLBACKS, and
    not after."""
    made = app.session_interface.get_signing_serializer(app)
    assert app.session_interface.get_signing_serializer(app) is made
    client = app.test_client()
    question = client.post("/q/demo-otp/start").headers["Location"]
    assert client.get(question).status_code == 200
    old = app.secret_key
    app.secret_key = "a-new-secret-key-0123456789"
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    assert app.session_interface.get_signing_serializer(app) is not made
    assert client.get(question).status_code == 200
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get(question).status_code == 400


def all_pages(client: FlaskClient) -> list[str]:
    """Every kind of page, as HTML."""
    b = Browser(client)
    pages = [client.get(u).get_data(as_text=True) for u in ("/", "/l/demo-otp", "/l/nope")]
    b.get("/q/demo-otp")
    pages.append(b.text)
    b.submit("/start")
    pages.append(b.text)
    b.submit()  # no choice
    pages.append(b.text)
    for n, choice in enumerate([["Cúp máy"], ["Hỏi mã OTP"], ["Sai"]], start=1):
        b.submit(choose=choice)
        pages.append(b.text)
        b.click("Câu tiếp theo" if n < 3 else "Xem kết quả")
    pages.append(b.text)
    return pages


def test_no_inline_script_or_style_anywhere(client: FlaskClient) -> None:
    for html in all_pages(client):
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert "<style" not in html
        assert not re.search(r"\sstyle=", html)
        assert not re.search(r"\son[a-z]+=", html)  # no event handler attributes


def test_nothing_is_loaded_from_another_host(client: FlaskClient) -> None:
    for html in all_pages(client):
        page = parse(html)
        assert not [u for u in page.assets if other_host(u)]


def test_every_control_has_a_label(client: FlaskClient) -> None:
    for html in all_pages(client):
        for form in parse(html).forms:
            for field in form.fields:
                if field.type not in ("hidden",):
                    assert field.label, field


@pytest.mark.parametrize("path", ["/", "/l/demo-otp", "/q/demo-otp"])
def test_pages_are_small(client: FlaskClient, path: str) -> None:
    assert len(client.get(path).data) < 12 * 1024
