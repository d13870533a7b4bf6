"""Pages that are the same for every reader (home, lessons, quiz introductions) are rendered
once and then kept: per address, language and static files, never when the rendering touched
the session; and the whole answer is then served again without running Flask (KeptPages)."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import brotli
import pytest
from flask import Flask, render_template_string, template_rendered
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from canhgiac.web.pages import EXTENSION_KEY, Kit, Pages, choose_encoding, cookie, shared_page


@pytest.fixture
def rendered(app: Flask):  # type: ignore[no-untyped-def]
    """The names of the templates rendered, in order."""
    names: list[str] = []

    def record(_sender, template, context, **_extra):  # type: ignore[no-untyped-def]
        names.append(template.name)

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


def test_home_and_lessons_are_rendered_once_then_kept(client: FlaskClient, rendered) -> None:  # type: ignore[no-untyped-def]
    first = client.get("/")
    again = client.get("/")
    assert first.status_code == again.status_code == 200
    assert again.get_data() == first.get_data()
    assert rendered == ["home.html"]
    lesson = client.get("/l/demo-otp").get_data()
    assert client.get("/l/demo-otp").get_data() == lesson
    assert rendered == ["home.html", "lesson.html"]
    # what the response adds around the page is still per request
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert "Cookie" in again.headers["Vary"]


def test_each_language_and_address_has_its_own_page(client: FlaskClient, rendered) -> None:  # type: ignore[no-untyped-def]
    vietnamese = client.get("/").get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)  # sets the lang cookie
    assert "Online fraud" in english and "Online fraud" not in vietnamese
    # the cookie chooses English for the plain address too: a page of its own
    by_cookie = client.get("/").get_data(as_text=True)
    assert "Online fraud" in by_cookie
    # the language links keep the query string: another address, another page
    with_src = client.get("/?src=cho-giao-phong&lang=en").get_data(as_text=True)
    assert "src=cho-giao-phong&amp;lang=vi" in with_src
    assert "src=cho-giao-phong" not in english
    assert rendered == ["home.html"] * 4
    assert client.get("/?lang=en").get_data(as_text=True) == english
    assert len(rendered) == 4


def test_unknown_lesson_is_still_a_404(client: FlaskClient) -> None:
    assert client.get("/l/nope").status_code == 404
    assert client.get("/l/nope").status_code == 404


def test_a_page_that_touched_the_session_is_not_kept(app: Flask, client: FlaskClient) -> None:
    app.add_url_rule(
        "/_form",
        "form",
        lambda: shared_page(lambda: render_template_string("{{ csrf_token() }}")),
    )
    first = client.get("/_form").get_data(as_text=True)
    second = client.get("/_form").get_data(as_text=True)
    assert first and second
    kit: Kit = app.extensions[EXTENSION_KEY]
    assert len(kit.pages) == 0 and len(kit.answers.pages) == 0


def test_a_changed_static_file_gives_pages_with_its_new_address(
    app: Flask, client: FlaskClient, rendered, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    static = tmp_path / "static"
    static.mkdir()
    css = static / "app.css"
    css.write_text("body { color: black }", encoding="utf-8")
    app.static_folder = str(static)
    app.extensions[EXTENSION_KEY].static_state.interval = 0  # looked at on every request
    before = client.get("/").get_data(as_text=True)
    css.write_text("body { color: navy }", encoding="utf-8")
    stat = css.stat()
    os.utime(css, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = client.get("/").get_data(as_text=True)
    assert rendered == ["home.html", "home.html"]
    assert before != after and "app.css?v=" in after


def test_nothing_is_kept_in_debug_mode(app: Flask, client: FlaskClient, rendered) -> None:  # type: ignore[no-untyped-def]
    app.debug = True
    client.get("/")
    client.get("/")
    assert rendered == ["home.html", "home.html"]


def test_the_store_of_pages_is_bounded() -> None:
    pages = Pages(size=2)
    pages.put("a", "A")
    pages.put("b", "B")
    assert pages.get("a") == "A"  # "a" is now the most recently used
    pages.put("c", "C")
    assert pages.get("b") is None
    assert (pages.get("a"), pages.get("c")) == ("A", "C")


def test_many_pages_are_got_as_one_by_one() -> None:
    pages = Pages(size=3)
    for key in "abc":
        pages.put(key, key.upper())
    assert pages.get_many(["b", "x", "a"]) == ["B", None, "A"]  # "c" is now the oldest
    pages.put("d", "D")
    assert pages.get_many("abcd") == ["A", "B", None, "D"]


# -- whole answers, served without Flask ----------------------------------------------------


def test_a_kept_answer_is_served_without_flask(client: FlaskClient, flask_requests) -> None:  # type: ignore[no-untyped-def]
    first = client.get("/q/demo-otp?src=cho", headers={"Accept-Encoding": "identity"})
    again = client.get("/q/demo-otp?src=cho", headers={"Accept-Encoding": "identity"})
    assert flask_requests == ["/q/demo-otp?src=cho"]
    assert again.status_code == 200
    assert again.get_data() == first.get_data()
    assert 'name="src" value="cho"' in again.get_data(as_text=True)
    assert int(again.headers["Content-Length"]) == len(again.get_data())
    assert "Content-Encoding" not in again.headers
    assert again.headers["Vary"] == "Cookie, Accept-Encoding"
    for name in ("Content-Type", "Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"):
        assert again.headers[name] == first.headers[name], name
    assert again.headers.getlist("Set-Cookie") == []
    # another label is another address
    client.get("/q/demo-otp?src=truong")
    assert flask_requests[-1] == "/q/demo-otp?src=truong"


def test_each_reader_gets_the_encoding_it_takes(client: FlaskClient, flask_requests) -> None:  # type: ignore[no-untyped-def]
    plain = client.get("/l/demo-otp", headers={"Accept-Encoding": ""}).get_data()
    br = client.get("/l/demo-otp", headers={"Accept-Encoding": "gzip, deflate, br"})
    gz = client.get("/l/demo-otp", headers={"Accept-Encoding": "gzip;q=1.0, br;q=0"})
    assert flask_requests == ["/l/demo-otp"]
    assert br.headers["Content-Encoding"] == "br"
    assert brotli.decompress(br.get_data()) == plain
    assert gz.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz.get_data()) == plain
    assert len(br.get_data()) < len(gz.get_data()) < len(plain) / 2


@pytest.mark.parametrize(
    "first", ["gzip, deflate, br, zstd", "gzip, deflate", "identity", "", "zstd"]
)
def test_kept_whatever_the_first_reader_took(
    client: FlaskClient, flask_requests, first: str
) -> None:  # type: ignore[no-untyped-def]
    """The first reader may take zstd (Chrome does), which Flask-Compress then sends: the
    kept page is the one rendered, whatever the encoding it first went out in."""
    client.get("/", headers={"Accept-Encoding": first})
    plain = client.get("/", headers={"Accept-Encoding": "identity"})
    br = client.get("/", headers={"Accept-Encoding": "br"})
    assert flask_requests == ["/"]
    assert plain.get_data(as_text=True).startswith("<!doctype html>")
    assert brotli.decompress(br.get_data()) == plain.get_data()


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("", "identity"),
        ("identity", "identity"),
        ("gzip, deflate", "gzip"),
        ("gzip, deflate, br, zstd", "br"),
        ("br;q=0, gzip", "gzip"),
        ("*", "br"),
        ("deflate", "identity"),
    ],
)
def test_choose_encoding(accept: str, coding: str) -> None:
    assert choose_encoding(accept) == coding


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br, zstd", "zstd"),
        ("gzip, deflate, br", "br"),
        ("zstd;q=0, br", "br"),
        ("deflate", "identity"),
    ],
)
def test_choose_encoding_of_a_page_made_per_request(accept: str, coding: str) -> None:
    assert choose_encoding(accept, ("zstd", "br", "gzip")) == coding


@pytest.mark.parametrize(
    "header",
    [
        "lang=en",
        "session=abc.def; lang=vi",
        'lang="en"; lang=vi',
        "a=1;lang = en ; b=2",
        "lang=xx%20yy",
        "",
    ],
)
def test_a_cookie_is_read_as_flask_reads_it(header: str) -> None:
    """pages.cookie (the Cookie header parsed once per distinct header) against Flask's own
    `request.cookies`, twice: the second time from what was parsed the first."""
    environ = EnvironBuilder(headers={"Cookie": header} if header else {}).get_environ()
    for _ in range(2):
        for name in ("lang", "session", "a", "missing"):
            assert cookie(environ, name) == Request(environ).cookies.get(name)


def test_what_sets_a_cookie_or_is_personal_reaches_flask_each_time(
    client: FlaskClient, flask_requests
) -> None:  # type: ignore[no-untyped-def]
    # ?lang=en sets the language cookie (the test client then sends it back) ...
    assert "lang=en" in client.get("/?lang=en").headers["Set-Cookie"]
    # ... and with the cookie set, the same address has nothing more to set: kept from then on.
    english = client.get("/?lang=en").get_data()
    assert client.get("/?lang=en").get_data() == english
    assert flask_requests == ["/?lang=en", "/?lang=en"]
    # the cookie chooses the page for the plain address
    assert "Online fraud" in client.get("/").get_data(as_text=True)
    client.set_cookie("lang", "vi")
    assert "Online fraud" not in client.get("/").get_data(as_text=True)
    assert flask_requests[2:] == ["/", "/"]
    # HEAD, posts and pages with a form token are Flask's, every time
    client.head("/")
    client.head("/")
    client.get("/t/login")
    client.get("/t/login")
    assert flask_requests[4:] == ["/", "/", "/t/login", "/t/login"]
    # errors are never kept
    client.get("/l/nope")
    client.get("/l/nope")
    assert flask_requests[8:] == ["/l/nope", "/l/nope"]


def test_no_answer_is_kept_in_debug_mode(app: Flask, client: FlaskClient, flask_requests) -> None:  # type: ignore[no-untyped-def]
    app.debug = True
    client.get("/")
    client.get("/")
    assert flask_requests == ["/", "/"]


def test_the_store_of_answers_is_bounded(app: Flask, client: FlaskClient) -> None:
    kit: Kit = app.extensions[EXTENSION_KEY]
    kit.answers.pages.size = 3
    for n in range(6):
        client.get(f"/?src=s{n}")
    assert len(kit.answers.pages) == 3
