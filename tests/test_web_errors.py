"""Error pages: right status, the reader's language, a link home; never a bare traceback."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from canhgiac.web import errors

from forms import Browser, parse


def title(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True).split("<h1>", 1)[1].split("</h1>", 1)[0]


def home_link(response) -> str:  # type: ignore[no-untyped-def]
    text = response.get_data(as_text=True)
    return parse(text).link("Trang chủ" if '<html lang="vi">' in text else "Home page")


@pytest.mark.parametrize("path", ["/l/nope", "/q/nope", "/nope", "/l/", "/static/nope.css"])
def test_404_in_vietnamese(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert title(response) == "Không tìm thấy trang"
    text = response.get_data(as_text=True)
    assert "Hãy kiểm tra lại địa chỉ, hoặc quét lại mã QR." in text
    assert "Mã lỗi: 404" in text
    assert home_link(response) == "/"


@pytest.mark.parametrize("path", ["/l/nope", "/q/nope"])
def test_404_in_english(client: FlaskClient, path: str) -> None:
    response = client.get(f"{path}?lang=en")
    assert response.status_code == 404
    assert title(response) == "Page not found"
    assert "Please check the address, or scan the QR code again." in response.get_data(as_text=True)
    assert home_link(response) == "/"


def test_400_title_in_both_languages(client: FlaskClient) -> None:
    b = Browser(client)
    b.get("/q/demo-otp")
    b.submit("/start")
    response = client.get("/q/demo-otp/a/forged/1")
    assert response.status_code == 400
    assert title(response) == "Đường dẫn hoặc biểu mẫu này không dùng được"
    assert "Hãy quay về trang chủ và thử lại." in response.get_data(as_text=True)
    response = client.get("/q/demo-otp/a/forged/1?lang=en")
    assert response.status_code == 400
    assert title(response) == "This link or form did not work"
    assert "Please go back to the home page and try again." in response.get_data(as_text=True)


def test_missing_csrf_token(client: FlaskClient) -> None:
    login = {"name": "an", "password": "a long passphrase"}
    response = client.post("/t/login", data=login)
    assert response.status_code == 400
    assert title(response) == "Trang này đã hết hạn"
    assert "Hãy mở lại trang và thử lại một lần nữa." in response.get_data(as_text=True)
    response = client.post("/t/login?lang=en", data=login)
    assert response.status_code == 400
    assert title(response) == "This page has expired"
    assert "Please open the page again and try once more." in response.get_data(as_text=True)


def test_a_quiz_started_from_another_site(client: FlaskClient) -> None:
    cross = {"Sec-Fetch-Site": "cross-site"}
    response = client.post("/q/demo-otp/start", data={"src": "cho"}, headers=cross)
    assert response.status_code == 403
    assert title(response) == "Đường dẫn hoặc biểu mẫu này không dùng được"
    assert "Hãy quay về trang chủ và thử lại." in response.get_data(as_text=True)
    response = client.post("/q/demo-otp/start?lang=en", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert title(response) == "This link or form did not work"
    assert "Please go back to the home page and try again." in response.get_data(as_text=True)


def test_wrong_csrf_token(client: FlaskClient) -> None:
    b = Browser(client)
    b.get("/t/login")
    form = b.page.forms[0]
    data = form.data({"name": ["an"], "password": ["a long passphrase"], "csrf_token": ["forged"]})
    response = client.post("/t/login", data=data)
    assert response.status_code == 400
    assert title(response) == "Trang này đã hết hạn"


def test_an_answer_from_another_site(app: Flask, client: FlaskClient) -> None:
    """The answer form carries no token (origin.py): another site's post gets the 403 page
    and stores nothing."""
    b = Browser(client)
    b.get("/q/demo-otp")
    b.submit("/start")
    form = b.page.forms[0]
    data = form.data({"choice": [form.options()[0].value]})
    response = client.post(b.url, data=data, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert title(response) == "Đường dẫn hoặc biểu mẫu này không dùng được"
    attempt_id = b.url.split("/")[4]
    assert app.extensions["canhgiac.store"].answers(attempt_id) == {}
    response = client.post(b.url, data=data, headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 303
    assert len(app.extensions["canhgiac.store"].answers(attempt_id)) == 1


def test_405(client: FlaskClient) -> None:
    response = client.get("/q/demo-otp/start")
    assert response.status_code == 405
    assert title(response) == "Không thể mở trang này theo cách này"
    assert "Allow" in response.headers
    response = client.delete("/?lang=en")
    assert response.status_code == 405
    assert title(response) == "This page cannot be opened this way"


def test_413(client: FlaskClient) -> None:
    response = client.post("/q/demo-otp/start", data={"src": "x" * (70 * 1024)})
    assert response.status_code == 413
    assert title(response) == "Nội dung gửi lên quá lớn"
    response = client.post("/q/demo-otp/start?lang=en", data={"src": "x" * (70 * 1024)})
    assert title(response) == "What you sent is too large"


@pytest.fixture
def failing_app(app: Flask) -> Flask:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def boom() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/boom", "boom", boom)
    return app


def test_500_is_a_plain_localized_page(failing_app: Flask) -> None:
    client = failing_app.test_client()
    response = client.get("/boom")
    assert response.status_code == 500
    assert title(response) == "Xin lỗi, hệ thống đang gặp sự cố"
    assert "RuntimeError" not in response.get_data(as_text=True)
    response = client.get("/boom?lang=en")
    assert title(response) == "Sorry, something went wrong on our side"
    assert "Please try again in a few minutes." in response.get_data(as_text=True)


def test_a_host_trusted_hosts_does_not_name(app: Flask, client: FlaskClient) -> None:
    """Flask refuses it before any URL can be built: a 400 page all the same, never a 500."""
    app.config["TRUSTED_HOSTS"] = ["localhost"]
    response = client.get("/?lang=en", headers={"Host": "evil.example"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert '<html lang="en">' in text
    assert "<h1>This link or form did not work</h1>" in text
    assert '<a href="/">Home page</a>' in text
    assert client.get("/q/demo-otp", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/?lang=en").status_code == 200


def test_500_without_templates(failing_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("templates are broken too")

    monkeypatch.setattr(errors, "render_template", broken)
    response = failing_app.test_client().get("/boom?lang=en")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert '<html lang="en">' in text
    assert "<h1>Sorry, something went wrong on our side</h1>" in text
    assert '<a href="/">Home page</a>' in text
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_error_pages_carry_security_headers(client: FlaskClient) -> None:
    for response in (client.get("/nope"), client.post("/q/demo-otp/start")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
