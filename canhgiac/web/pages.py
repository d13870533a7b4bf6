"""Pages that are the same for every reader of a language are rendered once, then kept.

The home page, the lessons and the quiz introductions (the page a leaflet's QR code opens) show
only the content (loaded once at start, unchanged while the site runs) in the reader's
language; rendering them is most of what they cost. Two layers keep them:

- `shared_page(render)`, inside Flask: a page is rendered once per path and query string (the
  language links keep the query), language, script root and state of the static files (their
  fingerprints are in the page). A page whose rendering touched the session (a CSRF token,
  anything personal) is never kept.
- `KeptPages`, a WSGI middleware in front of Flask: once Flask has answered a GET with such a
  page, with status 200 and no cookie to set, the whole answer (its headers, and its body
  compressed once with brotli and gzip at their best settings) is served again to the same
  address, host, `lang` cookie and static files without running Flask at all. A resident
  scanning a leaflet at a busy market costs the server little more than a static file, and
  gets a smaller page.

Both are bounded (least recently used first out), so odd query strings cannot fill the
memory, and both are off in debug mode, where templates are reloaded when edited.
"""

from __future__ import annotations

import gzip
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import brotli
from flask import Flask, current_app, request, session
from werkzeug.http import parse_accept_header, parse_cookie

from .i18n import COOKIE, current_language

EXTENSION_KEY = "canhgiac.pages"
#: Set in the WSGI environ by `shared_page` to the page it served when it is the same for
#: everyone (the body of the answer, before any compression).
SHARED_MARK = "canhgiac.shared"
#: Pages kept per worker process (the shipped content has 27 such pages in each of 2 languages).
MAX_PAGES = 512
#: Distinct Cookie headers whose cookies are kept parsed, per worker process.
MAX_COOKIE_HEADERS = 1024
#: How often, at most, the static folder is looked at for changed files (seconds).
STATIC_CHECK_SECONDS = 1.0
#: Headers never kept: the server adds the date, the body's size and encoding depend on the
#: reader.
NOT_KEPT = frozenset({"date", "content-length", "content-encoding", "vary"})


class Pages:
    """A bounded, thread-safe store, the least recently used dropped first."""

    def __init__(self, size: int = MAX_PAGES) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def get_many(self, keys: Iterable[Hashable]) -> list[Any]:
        """Each key's page (None where there is none), under one taking of the lock."""
        with self._lock:
            pages = self._pages
            found = []
            for key in keys:
                page = pages.get(key)
                if page is not None:
                    pages.move_to_end(key)
                found.append(page)
            return found

    def put(self, key: Hashable, page: Any) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)


class StaticState:
    """The names and modification times of the app's static files, looked at once a second at
    most (a deploy that changes a stylesheet changes the pages that link to it)."""

    def __init__(self, app: Flask, interval: float = STATIC_CHECK_SECONDS) -> None:
        self.app = app
        self.interval = interval
        self._state: tuple[tuple[str, int], ...] = ()
        self._mtimes: dict[str, int] = {}
        self._checked: float | None = None

    def __call__(self) -> tuple[tuple[str, int], ...]:
        now = time.monotonic()
        if self._checked is None or now - self._checked >= self.interval:
            state = _scan(self.app.static_folder)
            self._state, self._mtimes = state, dict(state)
            self._checked = now
        return self._state

    def mtime_ns(self, name: str) -> int | None:
        """The modification time of a file directly in the static folder, as last seen."""
        self()
        return self._mtimes.get(name)


def _scan(folder: str | None) -> tuple[tuple[str, int], ...]:
    if not folder:
        return ()
    try:
        with os.scandir(folder) as entries:
            return tuple(sorted((e.name, e.stat().st_mtime_ns) for e in entries))
    except OSError:
        return ()


@dataclass
class Kit:
    """What the app keeps: rendered pages, the whole answers, the static files' state."""

    pages: Pages
    answers: KeptPages
    static_state: StaticState


def init_app(app: Flask) -> None:
    state = StaticState(app)
    answers = KeptPages(app, app.wsgi_app, static_state=state)
    app.extensions[EXTENSION_KEY] = Kit(Pages(), answers, state)
    app.wsgi_app = answers  # type: ignore[method-assign]


def off(app: Flask) -> bool:
    """Whether keeping is off: in debug mode, or when templates reload when edited."""
    return bool(app.debug or app.jinja_env.auto_reload)


def shared_page(render: Callable[[], str]) -> str:
    """`render()`, or the page it gave for the same address, language and static files."""
    kit: Kit | None = current_app.extensions.get(EXTENSION_KEY)
    if kit is None or off(current_app):
        return render()
    pages = kit.pages
    key = (
        request.path,
        request.query_string,
        request.script_root,
        current_language(),
        kit.static_state(),
    )
    page = pages.get(key)
    if page is not None:
        request.environ[SHARED_MARK] = page
        return page  # type: ignore[no-any-return]
    # The session object itself: reading through the `session` proxy marks it as read.
    own = session._get_current_object()  # type: ignore[attr-defined]
    own.accessed = False
    page = render()
    if not own.accessed:
        pages.put(key, page)
        request.environ[SHARED_MARK] = page
    own.accessed = True
    return page


# -- the middleware ------------------------------------------------------------------------


@dataclass(frozen=True)
class Kept:
    """One answer as Flask gave it: status, headers, and the body in each encoding."""

    status: str
    headers: tuple[tuple[str, str], ...]
    bodies: dict[str, bytes]


def encode(body: bytes) -> dict[str, bytes]:
    """The body as is, and compressed once at the best settings (the page is kept)."""
    return {
        "identity": body,
        "br": brotli.compress(body, quality=11, mode=brotli.MODE_TEXT),
        "gzip": gzip.compress(body, compresslevel=9, mtime=0),
    }


#: The encodings a kept page is kept in, in the order they are offered.
KEPT_CODINGS = ("br", "gzip")


@lru_cache(maxsize=64)
def choose_encoding(accept: str, offered: tuple[str, ...] = KEPT_CODINGS) -> str:
    """The first of `offered` that the reader takes, else the page as is (worked out once per
    distinct header: a browser sends the same one with every request). A kept page offers br
    (at its best, smaller than the others) and gzip; a page made per request, what
    Flask-Compress offers (lane.py)."""
    if not accept:
        return "identity"
    taken = parse_accept_header(accept)
    for coding in offered:
        if taken.quality(coding) > 0:
            return coding
    return "identity"


def cookie(environ: dict[str, Any], name: str) -> str | None:
    """A cookie of the request, as `request.cookies.get(name)` reads it. The Cookie header is
    parsed once per distinct header (a browser sends the same one with every request, and the
    lane and the kept pages each look at it)."""
    header = environ.get("HTTP_COOKIE")
    return _cookies(header).get(name) if header else None


@lru_cache(maxsize=MAX_COOKIE_HEADERS)
def _cookies(header: str) -> Mapping[str, str]:
    return MappingProxyType(dict(parse_cookie(header)))


ResponseStarter = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], ResponseStarter], Iterable[bytes]]
#: An answer's headers as kept: (name, value) pairs.
Headers = tuple[tuple[str, str], ...]


class KeptPages:
    """WSGI middleware: serves a kept shared page without running Flask (see the module)."""

    def __init__(
        self,
        flask_app: Flask,
        app: WSGIApp,
        *,
        static_state: Callable[[], Hashable],
        size: int = MAX_PAGES,
    ) -> None:
        self.flask_app = flask_app
        self.app = app
        self.languages = tuple(flask_app.config["LANGUAGES"])
        self.static_state = static_state
        self.pages = Pages(size)

    def language(self, environ: dict[str, Any]) -> str | None:
        """The `lang` cookie's language, if it names one of the site's (the page's language
        when the address has no `?lang=`)."""
        lang = cookie(environ, COOKIE)
        if lang is not None:
            lang = lang.strip().lower()
            if lang not in self.languages:
                lang = None
        return lang

    def key(self, environ: dict[str, Any]) -> Hashable:
        return (
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("SCRIPT_NAME", ""),
            environ.get("HTTP_HOST", ""),
            environ.get("wsgi.url_scheme", "http"),
            self.language(environ),
            self.static_state(),
        )

    def __call__(self, environ: dict[str, Any], start_response: ResponseStarter) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or off(self.flask_app):
            return self.app(environ, start_response)
        key = self.key(environ)
        kept: Kept | None = self.pages.get(key)
        if kept is not None:
            coding = choose_encoding(environ.get("HTTP_ACCEPT_ENCODING", ""))
            return send(start_response, kept.status, kept.headers, coding, kept.bodies[coding])
        return self._answer_and_keep(environ, start_response, key)

    def _answer_and_keep(
        self, environ: dict[str, Any], start_response: ResponseStarter, key: Hashable
    ) -> Iterable[bytes]:
        body, seen = answer_seen(self.app, environ, start_response)
        page = environ.get(SHARED_MARK)
        if isinstance(page, str):
            kept = _keepable(seen.get("status", ""), seen.get("headers", []), page)
            if kept is not None:
                self.pages.put(key, kept)
        return body


def answer_seen(
    app: WSGIApp,
    environ: dict[str, Any],
    start_response: ResponseStarter,
) -> tuple[Iterable[bytes], dict[str, Any]]:
    """The app's answer, and its status and headers as it started it (`status`, `headers`)."""
    seen: dict[str, Any] = {}

    def starter(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
        seen["status"], seen["headers"] = status, headers
        return start_response(status, headers, *exc_info)

    return app(environ, starter), seen


def send(
    start_response: ResponseStarter,
    status: str,
    kept: Headers,
    coding: str,
    body: bytes,
) -> list[bytes]:
    """Answer with a kept answer's status and headers and `body`, in `coding`."""
    headers = [*kept, ("Vary", "Cookie, Accept-Encoding")]
    headers.append(("Content-Length", str(len(body))))
    if coding != "identity":
        headers.append(("Content-Encoding", coding))
    start_response(status, headers)
    return [body]


def kept_headers(status: str, headers: list[tuple[str, str]]) -> Headers | None:
    """The headers of an answer that may be served again, or None when it may not be (a cookie
    to set, not a plain 200 HTML page)."""
    if not status.startswith("200 "):
        return None
    names = {name.lower(): value for name, value in headers}
    if "set-cookie" in names or not names.get("content-type", "").startswith("text/html"):
        return None
    return tuple((n, v) for n, v in headers if n.lower() not in NOT_KEPT)


def _keepable(status: str, headers: list[tuple[str, str]], page: str) -> Kept | None:
    """The answer to keep, or None when it is not the same for everyone. Its body is the page
    shared_page served: the body Flask sent, in whatever encoding this reader took, is that
    page compressed."""
    kept = kept_headers(status, headers)
    if kept is None:
        return None
    return Kept(status, kept, encode(page.encode("utf-8")))
