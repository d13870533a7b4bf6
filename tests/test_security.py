"""Hardening, checked on every page the app has: the crawl (tests/crawl.py) opens every link and
sends every form, so pages added later are covered without a new line here.

- security headers (CSP without 'unsafe-inline', nosniff, Referrer-Policy, frame-ancestors) on
  every response, errors included;
- every cookie HttpOnly and SameSite, and Secure when SESSION_COOKIE_SECURE is set (by the
  config file or the environment, for a site behind HTTPS);
- CSRF: every form that changes something carries a token, and is refused without one (or with
  a wrong or someone else's) with a 400 page, changing nothing in the database; but the
  resident's quiz forms (start, whose form is on a page kept the same for everyone, and
  answer): they are refused when the browser says another site sent them (403, nothing
  changed);
- Markdown from content files sanitised on the real lesson page;
- YAML: an alias bomb and a 50 MB file are refused quickly by `canhgiac validate`, with the
  exact messages.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import crawl
import pytest
import sqlalchemy as sa
from crawl import Site, Visit
from flask import Flask
from werkzeug.datastructures import MultiDict

from canhgiac import create_app

from conftest import DEMO_CONTENT

CSRF_TITLE_VI = "Trang này đã hết hạn"  # "This page has expired", the CSRF error page
REFUSED_TITLE_VI = "Đường dẫn hoặc biểu mẫu này không dùng được"  # "...did not work"
#: POST endpoints checked by the browser's Fetch metadata and Origin (web/origin.py) instead
#: of a token: the resident's quiz forms (see web/__init__.py).
BY_ORIGIN = {"quiz.start", "quiz.answer"}
#: What a browser sends with a form another site made it post.
CROSS_SITE = (
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
)
REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}
#: GET endpoints that are not pages a link leads to: files, JSON for pollers, downloads.
NOT_PAGES = {
    "static",
    "printing.download",
    "printing.preview",
    "live.state",
    "trainer.state",
    "trainer.report_csv",
    "results.overview_csv",
    "results.quiz_csv",
    "results.sources_csv",
    "results.report",
}


def make_app(tmp: Path, **overrides: Any) -> Flask:
    return create_app(crawl.config(tmp, **overrides))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    app = make_app(tmp_path_factory.mktemp("security"))
    yield crawl.site(app)
    app.extensions["canhgiac.store"].dispose()


# -- headers ------------------------------------------------------------------------------------


def csp_directives(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def header_problems(visit: Visit) -> list[str]:
    where = f"{visit.method} {visit.url} ({visit.status})"
    problems = []
    csp = visit.header("Content-Security-Policy")
    if not csp:
        return [f"{where}: no Content-Security-Policy"]
    directives = csp_directives(csp)
    lowered = csp.lower()
    for bad in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'"):
        if bad in lowered:
            problems.append(f"{where}: CSP allows {bad}")
    if directives.get("frame-ancestors") not in (["'none'"], ["'self'"]):
        problems.append(f"{where}: CSP frame-ancestors is {directives.get('frame-ancestors')}")
    for name in ("script-src", "style-src", "default-src"):
        sources = directives.get(name, directives.get("default-src", []))
        if any(s in ("*", "http:", "https:", "data:") for s in sources):
            problems.append(f"{name} allows {sources}")
    if directives.get("object-src") != ["'none'"]:
        problems.append(f"{where}: CSP object-src is not 'none'")
    if visit.header("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: X-Content-Type-Options is not nosniff")
    if visit.header("Referrer-Policy") not in REFERRER_POLICIES:
        problems.append(f"{where}: Referrer-Policy is {visit.header('Referrer-Policy')}")
    return problems


def test_the_crawl_reaches_every_page(site: Site) -> None:
    """Every GET page of the app is reached from the home page or a start page, so the checks
    below see it. (A new kind of endpoint that is not a page goes into NOT_PAGES.)"""
    adapter = site.app.url_map.bind("localhost")
    reached = set()
    for visit in site.crawl.visits:
        try:
            endpoint, _ = adapter.match(urlsplit(visit.url).path, method=visit.method)
        except Exception:  # noqa: BLE001 - a 404 page is a visit too
            continue
        reached.add(endpoint)
    pages = {
        rule.endpoint for rule in site.app.url_map.iter_rules() if "GET" in (rule.methods or ())
    }
    assert sorted(pages - reached - NOT_PAGES) == []


def test_security_headers_on_every_response(site: Site) -> None:
    assert len(site.crawl.pages()) > 30
    problems = [p for visit in site.crawl.visits for p in header_problems(visit)]
    assert problems == []


def test_security_headers_on_errors_files_and_json(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    @app.get("/test-crash")
    def crash() -> str:
        raise RuntimeError("a bug")

    client = app.test_client()
    page = client.get("/q/demo-otp")
    css = re.search(r'href="(/static/app\.css[^"]*)"', page.get_data(as_text=True))
    assert css
    responses = {
        "404": client.get("/no-such-page"),
        "405": client.get("/q/demo-otp/start"),
        "403 cross-site": client.post("/q/demo-otp/start", headers={"Origin": "null"}),
        "413": client.post("/q/demo-otp/start", data={"x": "y" * 70_000}),
        "500": client.get("/test-crash"),
        "static": client.get(html.unescape(css.group(1))),
        "json": client.get("/healthz"),
    }
    expected = {"404": 404, "405": 405, "403 cross-site": 403, "413": 413, "500": 500}
    problems = []
    for name, response in responses.items():
        assert response.status_code == expected.get(name, 200), name
        visit = Visit("GET", name, response.status_code, response.mimetype, list(response.headers))
        problems += header_problems(visit)
        response.close()
    assert problems == []


def test_the_policy_itself(site: Site) -> None:
    csp = site.crawl.pages()[0].header("Content-Security-Policy")
    assert csp is not None
    directives = csp_directives(csp)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]


# -- cookies ------------------------------------------------------------------------------------


def parse_cookie(header: str) -> tuple[str, dict[str, str]]:
    first, *attributes = [p.strip() for p in header.split(";")]
    name = first.split("=", 1)[0]
    attrs = {}
    for a in attributes:
        key, _, value = a.partition("=")
        attrs[key.lower()] = value
    return name, attrs


def cookies_of(visits: list[Visit]) -> list[tuple[str, dict[str, str]]]:
    return [parse_cookie(c) for v in visits for c in v.cookies]


def cookie_problems(cookies: list[tuple[str, dict[str, str]]], secure: bool) -> list[str]:
    problems = []
    for name, attrs in cookies:
        if "httponly" not in attrs:
            problems.append(f"{name}: not HttpOnly")
        if attrs.get("samesite", "").lower() not in ("lax", "strict"):
            problems.append(f"{name}: SameSite is {attrs.get('samesite')!r}")
        if ("secure" in attrs) != secure:
            problems.append(f"{name}: Secure is {'secure' in attrs}, expected {secure}")
    return problems


def test_every_cookie_is_httponly_and_samesite(site: Site) -> None:
    cookies = cookies_of(site.crawl.visits)
    names = {name for name, _ in cookies}
    assert {"session", "lang"} <= names
    if site.live_code:
        assert any(n.startswith("cg_") for n in names), names  # the phone's place
    assert cookie_problems(cookies, secure=False) == []


@pytest.mark.parametrize("how", ["config", "environment"])
def test_cookies_are_secure_behind_https(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "config":
        app = make_app(tmp_path, SESSION_COOKIE_SECURE=True)
    else:
        monkeypatch.setenv("CANHGIAC_SESSION_COOKIE_SECURE", "true")
        app = make_app(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    try:
        found = crawl.site(app)
        cookies = cookies_of(found.crawl.visits)
        assert {"session", "lang"} <= {name for name, _ in cookies}
        assert cookie_problems(cookies, secure=True) == []
    finally:
        app.extensions["canhgiac.store"].dispose()


# -- CSRF ---------------------------------------------------------------------------------------


def database(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: to show that a refused form changed nothing."""
    engine = app.extensions["canhgiac.store"].engine
    tables = sa.MetaData()
    tables.reflect(engine)
    with engine.connect() as conn:
        return {
            name: sorted(tuple(map(repr, row)) for row in conn.execute(table.select()))
            for name, table in tables.tables.items()
        }


def endpoint(app: Flask, action: str) -> str:
    return app.url_map.bind("localhost").match(urlsplit(action).path, method="POST")[0]


def test_every_post_form_carries_a_token_and_works_with_it(site: Site) -> None:
    assert len(site.crawl.forms) >= 5
    by_origin = 0
    for sent in site.crawl.forms:
        if endpoint(site.app, sent.form.action) in BY_ORIGIN:
            assert "csrf_token" not in sent.form.hidden, sent.form.action
            by_origin += 1
        else:
            assert "csrf_token" in sent.form.hidden, sent.form.action
        if sent.status:  # 0: not sent (logging out)
            assert sent.status < 400, (sent.form.action, sent.status)
    assert by_origin >= 1


def test_a_form_without_a_token_is_refused_from_another_site(site: Site) -> None:
    """The quiz start and answer forms (no token) refuse what the browser says another site
    sent, with the error page in Vietnamese, and change nothing; from this site, or from no
    browser, a quiz starts."""
    forms = [s for s in site.crawl.forms if endpoint(site.app, s.form.action) in BY_ORIGIN]
    assert forms
    client = site.app.test_client()
    before = database(site.app)
    failures = []
    for sent in forms:
        data = crawl.form_data(sent.form, {})
        for headers in CROSS_SITE:
            response = client.post(sent.form.action, data=data, headers=headers)
            text = response.get_data(as_text=True)
            if response.status_code != 403 or f"<h1>{REFUSED_TITLE_VI}</h1>" not in text:
                failures.append(f"{sent.form.action} with {headers}: {response.status_code}")
    assert failures == []
    assert database(site.app) == before
    action = next(s.form.action for s in forms if endpoint(site.app, s.form.action) == "quiz.start")
    for headers in (
        {"Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://localhost"},
        {},
    ):
        assert client.post(action, headers=headers).status_code == 303, headers


def test_every_post_form_is_refused_without_a_valid_token(site: Site) -> None:
    """Each form as the page has it, but with no token, a made-up one, and a real one from
    another browser: 400, the "page has expired" page, and nothing changed."""
    client = site.client
    stranger = site.app.test_client()
    other_token = crawl.parse(stranger.get("/t/login").get_data(as_text=True)).forms[0]
    foreign = other_token.hidden["csrf_token"]
    before = database(site.app)
    failures = []
    for sent in site.crawl.forms:
        if endpoint(site.app, sent.form.action) in BY_ORIGIN:
            continue  # see test_a_form_without_a_token_is_refused_from_another_site
        data = crawl.form_data(sent.form, {})
        good = data.get("csrf_token", "")
        for label, token in (("none", None), ("made up", good[::-1]), ("foreign", foreign)):
            sent_data = MultiDict([(k, v) for k, v in data.items(multi=True) if k != "csrf_token"])
            if token is not None:
                sent_data.add("csrf_token", token)
            response = client.post(sent.form.action, data=sent_data)
            text = response.get_data(as_text=True)
            if response.status_code != 400 or CSRF_TITLE_VI not in text:
                failures.append(f"{sent.form.action} with {label} token: {response.status_code}")
    assert failures == []
    assert database(site.app) == before


def test_every_post_route_is_refused_without_a_token(site: Site) -> None:
    """Also the POST routes no form leads to (yet)."""
    values = site.crawl.path_values(site.app)
    client = site.app.test_client()
    before = database(site.app)
    failures = []
    for rule in site.app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()):
            continue
        args = {name: sorted(values.get(name, {"1"}))[0] for name in rule.arguments}
        try:
            path = site.app.url_map.bind("localhost").build(rule.endpoint, args, method="POST")
        except Exception:  # noqa: BLE001 - a converter that refuses the value: use a plain one
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)
        by_origin = rule.endpoint in BY_ORIGIN
        headers = {"Sec-Fetch-Site": "cross-site"} if by_origin else {}
        response = client.post(path, data={"n": "1"}, headers=headers)
        if response.status_code != (403 if by_origin else 400):
            failures.append(f"{rule.endpoint} {path}: {response.status_code}")
    assert failures == []
    assert database(site.app) == before


# -- Markdown from content ----------------------------------------------------------------------

EVIL_BODY = """\
        <script>alert(1)</script>

        [a](javascript:alert(2)) [b](JaVaScRiPt:alert(3)) [c](java&#x09;script:alert(4))
        [d](%20javascript:alert(5)) [e](data:text/html;base64,PHNjcmlwdD4=) [f](vbscript:x)
        <img src=x onerror=alert(6)> <a href="javascript:alert(7)">raw</a>
        <iframe src="https://evil.example/"></iframe> <style>body{display:none}</style>
        ![a picture](https://evil.example/x.png) <svg onload=alert(8)></svg>

        [a real link](https://bidv.com.vn) and **bold**
"""


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.in_main = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.in_main = True
        if self.in_main:
            self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main = False


def dangerous(tags: list[tuple[str, dict[str, str]]]) -> list[str]:
    found = []
    for tag, attrs in tags:
        if tag in {"script", "iframe", "object", "embed", "style", "img", "svg", "form", "base"}:
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}>")
            bare = re.sub(r"[\x00-\x20\x7f]+", "", unquote(value)).lower()
            if name in ("href", "src", "action") and bare.startswith(
                ("javascript:", "vbscript:", "data:", "file:")
            ):
                found.append(f"<{tag} {name}={value}>")
            if name in ("href", "src") and "evil.example" in value:
                found.append(f"<{tag} {name}={value}>")
    return found


def test_markdown_from_content_is_sanitised_on_the_lesson_page(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, content)
    lesson = content / "lessons" / "demo-otp.yaml"
    text = lesson.read_text(encoding="utf-8")
    quote = '        "Chị đọc giúp em **mã OTP** để hoàn phí nhé."\n'
    english = '        "Please read me the **OTP code** so we can refund the fee."\n'
    assert quote in text and english in text
    text = text.replace(quote, quote + "\n" + EVIL_BODY).replace(
        english, english + "\n" + EVIL_BODY
    )
    text = text.replace("  vi: Giữ bí mật mã OTP\n", "  vi: Giữ mã <script>alert(9)</script>\n")
    lesson.write_text(text, encoding="utf-8")
    app = create_app(crawl.config(tmp_path, CONTENT=str(content)))
    client = app.test_client()
    pages = {}
    for lang in ("vi", "en"):
        page = pages[lang] = client.get(f"/l/demo-otp?lang={lang}").get_data(as_text=True)
        parser = _Tags()
        parser.feed(page)
        assert dangerous(parser.tags) == []
        prose = page.split('<div class="prose">', 1)[1].split("</div>", 1)[0]
        assert '<a href="https://bidv.com.vn"' in prose
        assert "<strong>bold</strong>" in prose
        assert "&lt;script&gt;" in prose  # shown as text, never run
    # Plain texts (a title) are escaped by the templates.
    assert "<h1>Giữ mã &lt;script&gt;alert(9)&lt;/script&gt;</h1>" in pages["vi"]
    app.extensions["canhgiac.store"].dispose()


# -- YAML through `canhgiac validate` -----------------------------------------------------------


def validate(content: Path) -> tuple[int, str]:
    """Run the real command, as a trainer does; a hang (an expanding bomb, a 50 MB read) fails
    on the timeout."""
    command = Path(sys.executable).with_name("canhgiac")
    argv = [str(command)] if command.exists() else [sys.executable, "-m", "canhgiac.cli"]
    result = subprocess.run(
        [*argv, "validate", "--content", str(content)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONUTF8": "1"},
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def test_validate_refuses_a_yaml_alias_bomb(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, content)
    # A billion laughs: nine levels of nine aliases each (387,420,489 strings if expanded).
    bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    (content / "quizzes" / "bomb.yaml").write_text(bomb, encoding="utf-8")
    assert validate(content) == (
        1,
        "quizzes/bomb.yaml:1: anchors and aliases are not allowed (found anchor '&a')\n",
    )


def test_validate_refuses_a_50_mb_file(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, content)
    with open(content / "lessons" / "huge.yaml", "wb") as f:  # sparse where it can be
        f.truncate(50 * 1024 * 1024)
    assert validate(content) == (
        1,
        "lessons/huge.yaml:1: the file is too large (51,200 KB; the limit is 1,024 KB)\n",
    )
