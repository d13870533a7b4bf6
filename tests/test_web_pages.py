"""Pages that are the same for every reader (home, lessons) are rendered once and then kept:
per address, language and static files, never when the rendering touched the session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask, render_template_string, template_rendered
from flask.testing import FlaskClient

from canhgiac.web.pages import EXTENSION_KEY, Pages, shared_page


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
    assert len(app.extensions[EXTENSION_KEY]._pages) == 0


def test_a_changed_static_file_gives_pages_with_its_new_address(
    app: Flask, client: FlaskClient, rendered, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    static = tmp_path / "static"
    static.mkdir()
    css = static / "app.css"
    css.write_text("body { color: black }", encoding="utf-8")
    app.static_folder = str(static)
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
