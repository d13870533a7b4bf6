"""Walk the app like a visitor who opens every link and sends every form once, to find its
pages, forms, field names and real path values without listing them by hand: new pages are
covered by the hardening and fuzzing tests (test_security.py, test_fuzz_web.py) as they land.

`site()` builds an app on a small content tree (tests/data/content plus the scenario demo, when
present) with a trainer logged in, a live session open and the same client joined to it, so
that the crawl also reaches the trainer's and the phones' pages.
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from forms import Field, Form, _Parser

TESTS = Path(__file__).parent
CONTENT_TREES = [TESTS / "data" / "content", TESTS / "data" / "scenarios"]

#: Not pages: files a link may point at (a PDF is rendered on demand, which is slow).
SKIP_SUFFIXES = (".pdf", ".png", ".csv", ".css", ".js", ".svg", ".ico", ".zip", ".txt")
#: A path segment that is a generated id (an attempt, a session): one shape for all of them.
ID_SEGMENT = re.compile(r"(?=[^/]*\d)[A-Za-z0-9_-]{12,}")
#: Forms the crawl never sends: logging out would hide the rest of the trainer's pages.
NEVER_SEND = re.compile(r"/logout$")
#: Forms sent only once everything else was seen: ending a session hides its other controls.
SEND_LAST = re.compile(r"/end$")

TRAINER = "kiem.tra"
PASSWORD = "mat-khau-kiem-tra-123"


def demo_content(folder: Path) -> Path:
    """A content tree made of the test trees (their ids do not clash)."""
    for part in ("lessons", "quizzes"):
        (folder / part).mkdir(parents=True, exist_ok=True)
    for tree in CONTENT_TREES:
        for part in ("lessons", "quizzes"):
            if (tree / part).is_dir():
                for path in (tree / part).glob("*.yaml"):
                    shutil.copy(path, folder / part / path.name)
    return folder


def config(tmp: Path, **overrides: Any) -> dict[str, Any]:
    """The app's settings: real CSRF protection, not in testing mode (errors become pages)."""
    if "CONTENT" not in overrides:
        overrides["CONTENT"] = str(demo_content(tmp / "content"))
    return {
        "SECRET_KEY": secrets.token_hex(32),
        "INSTANCE_PATH": tmp / "instance",
        "DATABASE_URL": f"sqlite:///{tmp / 'crawl.sqlite3'}",
        "PRINT_CACHE": str(tmp / "print-cache"),
        "WTF_CSRF_ENABLED": True,
        **overrides,
    }


class _FormParser(_Parser):
    """tests/forms.py's parser, which also reads <select> (its selected or first option) and
    <textarea>."""

    def __init__(self) -> None:
        super().__init__()
        self._select: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "select" and self._form is not None and a.get("name"):
            self._select = Field(a["name"], "select", "", id=a.get("id", ""))
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            if not self._select.checked or "selected" in a:
                self._select.value = a.get("value", "")
                self._select.checked = True
        elif tag == "textarea" and self._form is not None and a.get("name"):
            self._form.fields.append(Field(a["name"], "textarea", "", id=a.get("id", "")))
        else:
            super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        super().handle_endtag(tag)


def parse(html: str) -> Any:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.finish()


def shape(url: str) -> str:
    """The URL with generated ids replaced and only the names of its query keys."""
    parts = urlsplit(url)
    path = "/".join(ID_SEGMENT.sub("*", s) for s in parts.path.split("/"))
    keys = sorted({k.split("=")[0] for k in parts.query.split("&") if k})
    return path + ("?" + "&".join(keys) if keys else "")


@dataclass
class Visit:
    method: str
    url: str
    status: int
    content_type: str
    headers: list[tuple[str, str]]
    html: str = ""

    @property
    def cookies(self) -> list[str]:
        return [v for k, v in self.headers if k.lower() == "set-cookie"]

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


@dataclass
class SentForm:
    page: str  # the URL of the page the form is on
    form: Form
    status: int  # what sending it (with its token) gave


@dataclass
class Crawl:
    visits: list[Visit] = field(default_factory=list)
    forms: list[SentForm] = field(default_factory=list)  # POST forms, one per shape of action

    def pages(self) -> list[Visit]:
        return [v for v in self.visits if v.method == "GET" and v.html]

    def field_names(self) -> set[str]:
        return {f.name for s in self.forms for f in s.form.fields}

    def path_values(self, app: Flask) -> dict[str, set[str]]:
        """Every value each path argument took in the URLs visited (by argument name)."""
        adapter = app.url_map.bind("localhost")
        found: dict[str, set[str]] = {}
        urls = [v.url for v in self.visits] + [s.form.action for s in self.forms]
        for url in urls:
            path = urlsplit(url).path
            for method in ("GET", "POST"):
                try:
                    _, args = adapter.match(path, method=method)
                except (HTTPException, RequestRedirect):
                    continue
                for name, value in args.items():
                    found.setdefault(name, set()).add(str(value))
        return found


def form_data(form: Form, fill: dict[str, str]) -> MultiDict[str, str]:
    """What a person sends: the fields as they are, the first option of each group ticked
    (unless one is), text typed from `fill`."""
    picked: set[str] = set()
    pairs: list[tuple[str, str]] = []
    ticked = {f.name for f in form.fields if f.type in ("radio", "checkbox") and f.checked}
    for f in form.fields:
        if f.type in ("radio", "checkbox"):
            if f.checked or (f.name not in ticked and f.name not in picked):
                pairs.append((f.name, f.value))
                picked.add(f.name)
        elif f.name in fill and f.type not in ("hidden",):
            pairs.append((f.name, fill[f.name]))
        else:
            pairs.append((f.name, f.value))
    return MultiDict(pairs)


def crawl(
    client: FlaskClient,
    start: tuple[str, ...] = ("/",),
    *,
    fill: dict[str, str] | None = None,
    max_requests: int = 400,
) -> Crawl:
    """Open every same-site link (once per URL, again after a form led to it) and send every
    form (once per shape of its action; ending ones last), breadth first, from `start`."""
    fill = fill or {}
    result = Crawl()
    queue: deque[str] = deque(start)
    seen_urls: set[str] = set(start)
    sent: set[str] = set()

    last: list[tuple[str, Form]] = []

    def enqueue(url: str, base: str, *, again: bool = False) -> None:
        target = urljoin(base, url).split("#")[0]
        parts = urlsplit(target)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
            return
        if parts.path.endswith(SKIP_SUFFIXES):
            return
        local = parts.path + (f"?{parts.query}" if parts.query else "")
        if local not in seen_urls or again:
            seen_urls.add(local)
            queue.append(local)

    def send(url: str, form: Form) -> None:
        response = client.post(form.action, data=form_data(form, fill))
        result.forms.append(SentForm(url, form, response.status_code))
        record("POST", form.action, response)

    def record(method: str, url: str, response: Any) -> Visit:
        html = ""
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
        visit = Visit(
            method, url, response.status_code, response.mimetype, list(response.headers), html
        )
        result.visits.append(visit)
        if response.status_code in (301, 302, 303, 307, 308):
            # After a form, the page it leads to has changed: see it again.
            enqueue(response.headers["Location"], url, again=method == "POST")
        return visit

    while (queue or last) and len(result.visits) < max_requests:
        if not queue:
            send(*last.pop(0))
            continue
        url = queue.popleft()
        visit = record("GET", url, client.get(url))
        if not visit.html:
            continue
        page = parse(visit.html)
        for link in page.links:
            enqueue(link.href, url)
        for form in page.forms:
            action = urljoin(url, form.action or url)
            if form.method != "post":
                query = urlencode(list(form_data(form, fill).items(multi=True)))
                enqueue(f"{urlsplit(action).path}?{query}", url)
                continue
            key = shape(action)
            if key in sent:
                continue
            sent.add(key)
            form.action = urlsplit(action).path + (
                f"?{urlsplit(action).query}" if urlsplit(action).query else ""
            )
            if NEVER_SEND.search(urlsplit(action).path):
                result.forms.append(SentForm(url, form, 0))
            elif SEND_LAST.search(urlsplit(action).path):
                last.append((url, form))
            else:
                send(url, form)
    return result


@dataclass(repr=False)
class Site:
    app: Flask
    client: FlaskClient
    crawl: Crawl
    live_code: str | None

    def __repr__(self) -> str:  # short, for Hypothesis's report of a failing example
        return f"<Site: {len(self.crawl.visits)} responses, {len(self.crawl.forms)} forms>"


def add_trainer_and_session(app: Flask, client: FlaskClient) -> str | None:
    """Log the client in as a trainer and open a live session (when this build has them);
    returns its join code."""
    try:
        from canhgiac.live import auth, service
    except ImportError:  # pragma: no cover - before live sessions landed
        return None
    engine = app.extensions["canhgiac.store"].engine
    auth.add_trainer(engine, TRAINER, PASSWORD)
    # The open session belongs to another trainer, so the crawl does not run (and end) it
    # from the control pages before it has seen the phone's question form.
    other = auth.add_trainer(engine, "tap.huan.khac", PASSWORD)
    page = parse(client.get("/t/login").get_data(as_text=True))
    form = page.form("/t/login")
    response = client.post(
        "/t/login", data=form_data(form, {"name": TRAINER, "password": PASSWORD})
    )
    assert response.status_code == 303, response.status_code
    quiz = next(iter(app.extensions["canhgiac.catalog"].quizzes.values()))
    session = service.create_session(
        engine, trainer_id=other.id, quiz_id=quiz.id, question_count=len(quiz.questions)
    )
    service.start(engine, session.id)
    return session.code


def site(app: Flask) -> Site:
    """Crawl the app from the home page and the trainer's and live sessions' entry pages."""
    client = app.test_client()
    code = add_trainer_and_session(app, client)
    starts = ["/"]
    fill = {"name": "Nguyễn Văn A", "nickname": "Cô Ba"}
    if code:
        starts += ["/t/", "/j"]
        fill["code"] = code
    starts += [
        rule.rule
        for rule in app.url_map.iter_rules()
        if not rule.arguments
        and "GET" in (rule.methods or ())
        and rule.rule not in starts
        and not rule.rule.endswith(SKIP_SUFFIXES)
    ]
    return Site(app, client, crawl(client, tuple(starts), fill=fill), code)
