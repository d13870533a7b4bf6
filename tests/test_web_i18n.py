"""Languages: Vietnamese first, English by a visible switch, remembered in a cookie; and a
complete, compiled Vietnamese catalog."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, Response
from flask.testing import FlaskClient

from canhgiac.config import ROOT
from canhgiac.web.i18n import vary_on

from forms import Browser, parse

PO = ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")


def lang_cookie(response) -> str | None:  # type: ignore[no-untyped-def]
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("lang="):
            return header
    return None


def html_lang(text: str) -> str:
    return text.split('<html lang="', 1)[1].split('"', 1)[0]


def test_vietnamese_by_default(client: FlaskClient) -> None:
    response = client.get("/q/demo-otp")
    text = response.get_data(as_text=True)
    assert html_lang(text) == "vi"
    assert '<button class="button" type="submit">Bắt đầu</button>' in text
    assert lang_cookie(response) is None
    assert parse(text).link("English") == "/q/demo-otp?lang=en"


def test_english_by_query_and_cookie(client: FlaskClient) -> None:
    response = client.get("/q/demo-otp?lang=en")
    text = response.get_data(as_text=True)
    assert html_lang(text) == "en"
    assert '<button class="button" type="submit">Start</button>' in text
    assert "<h1>Can you keep your OTP safe?</h1>" in text  # content in English too
    cookie = lang_cookie(response)
    assert cookie is not None
    assert cookie.startswith("lang=en;")
    assert "Max-Age=31536000" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie

    # remembered on the next page, without ?lang
    later = client.get("/")
    assert html_lang(later.get_data(as_text=True)) == "en"
    assert "<h1>Learn to spot scams</h1>" in later.get_data(as_text=True)
    assert lang_cookie(later) is None  # already remembered: not sent again
    assert parse(later.data).link("Tiếng Việt") == "/?lang=vi"

    # and back
    back = client.get("/?lang=vi")
    assert html_lang(back.get_data(as_text=True)) == "vi"
    assert "<h1>Học cách nhận biết lừa đảo</h1>" in back.get_data(as_text=True)
    assert lang_cookie(back).startswith("lang=vi;")  # type: ignore[union-attr]
    assert html_lang(client.get("/").get_data(as_text=True)) == "vi"


@pytest.mark.parametrize("code", ["fr", "EN-us", "", "../vi", "<x>"])
def test_unknown_language_is_ignored(client: FlaskClient, code: str) -> None:
    response = client.get("/", query_string={"lang": code})
    assert html_lang(response.get_data(as_text=True)) == "vi"
    assert lang_cookie(response) is None


def test_language_code_is_case_insensitive(client: FlaskClient) -> None:
    assert html_lang(client.get("/?lang=EN").get_data(as_text=True)) == "en"


def test_bad_cookie_is_ignored(client: FlaskClient) -> None:
    client.set_cookie("lang", "xx")
    assert html_lang(client.get("/").get_data(as_text=True)) == "vi"


def test_only_configured_languages(app_config: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    from canhgiac import create_app

    app = create_app({**app_config, "LANGUAGES": "vi"})
    try:
        client = app.test_client()
        text = client.get("/?lang=en").get_data(as_text=True)
        assert html_lang(text) == "vi"
        assert 'class="langs"' not in text  # nothing to switch to
    finally:
        app.extensions["canhgiac.store"].dispose()


def test_switch_keeps_other_query_args(client: FlaskClient) -> None:
    page = parse(client.get("/q/demo-otp?src=cho-giao-phong").data)
    assert page.link("English") == "/q/demo-otp?src=cho-giao-phong&lang=en"
    page = parse(client.get("/q/demo-otp?src=cho-giao-phong&lang=en").data)
    assert page.link("Tiếng Việt") == "/q/demo-otp?src=cho-giao-phong&lang=vi"


@pytest.mark.parametrize("path", ["/", "/l/demo-otp", "/q/demo-otp", "/l/nope"])
def test_switch_on_every_page(client: FlaskClient, path: str) -> None:
    text = client.get(path).get_data(as_text=True)
    assert '<nav class="langs" aria-label="Ngôn ngữ">' in text
    assert f'<a href="{path}?lang=en" lang="en" hreflang="en">English</a>' in text


def test_switch_on_quiz_pages(client: FlaskClient) -> None:
    b = Browser(client)
    b.get("/q/demo-otp")
    b.submit("/start")
    assert b.page.link("English") == f"{b.url}?lang=en"
    b.click("English")
    assert "Question 1 of 3" in b.text
    assert b.page.forms[0].labels()[0] in (
        "Hang up",
        "Read out the OTP",
        "Ask the caller's name, then read the code",
    )


def test_error_pages_follow_the_language(client: FlaskClient) -> None:
    client.get("/?lang=en")
    response = client.post("/q/demo-otp/start", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert html_lang(text) == "en"
    assert "<h1>This link or form did not work</h1>" in text
    # the switch on a page answering a POST that has no GET leads home
    assert parse(text).link("Tiếng Việt") == "/?lang=vi"


def test_babel_reads_the_project_translations(app: Flask) -> None:
    assert app.config["BABEL_TRANSLATION_DIRECTORIES"] == str(ROOT / "translations")
    assert app.config["BABEL_DEFAULT_LOCALE"] == "vi"


# -- the catalog --------------------------------------------------------------------------


def read_catalog():  # type: ignore[no-untyped-def]
    with PO.open("rb") as f:
        return read_po(f, locale="vi")


def test_catalog_is_complete() -> None:
    catalog = read_catalog()
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s.strip() for s in strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    assert not catalog.fuzzy
    assert not catalog.obsolete
    problems = list(catalog.check())
    assert not problems, problems


def test_compiled_catalog_matches_the_po() -> None:
    compiled = io.BytesIO()
    write_mo(compiled, read_catalog())
    assert MO.read_bytes() == compiled.getvalue(), (
        "messages.mo is out of date: run `pybabel compile -d translations`"
    )


def test_every_interface_string_is_in_the_catalog() -> None:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_catalog() if m.id}
    missing = sorted(found - known)
    assert not missing, f"not in messages.po (run pybabel extract and update): {missing}"
    assert "Please choose an answer." in found


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, "Cookie"),
        ("Accept-Encoding", "Accept-Encoding, Cookie"),
        ("cookie", "cookie"),
        ("Accept-Encoding,  Cookie ", "Accept-Encoding,  Cookie "),
        ("Set-Cookie2", "Set-Cookie2, Cookie"),
    ],
)
def test_vary_on_adds_a_header_once(before: str | None, after: str) -> None:
    response = Response("x")
    if before is not None:
        response.headers["Vary"] = before
    vary_on(response, "Cookie")
    assert response.headers.getlist("Vary") == [after]
