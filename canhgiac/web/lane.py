"""The attempt lane: a resident's question pages and answers, served in front of Flask.

A quiz attempt is most of what the site does on a market day: every resident opens ten or so
question pages and sends as many answers. Through Flask each costs its fixed cost per request
(the request and session objects, every hook) and a template's rendering, several times what
the pages kept for everyone (pages.py) cost. This WSGI middleware does the ordinary cases
itself, by the same rules as the quiz's views (attempt.py), and hands everything else to Flask:

- **A question page** (GET, no query string). It shows the quiz's content, the attempt's order
  of the choices and, once answered, its answer and where to go next; two attempts with the
  same of those (`attempt.question_view`) get the same page but for the attempt id in its
  links. So once Flask has made a page for one view, the lane keeps it (headers, and the body
  with the attempt id taken out) and serves it to the next attempt with that view: it reads
  the attempt from the database as the view does, puts its id back in and compresses.
- **An answer** (POST of a well-formed form, from this site). It checks what the view checks,
  stores the answer the same way (Store.record_answer checks the attempt is open and of this
  quiz) and answers 303 with the headers Flask gave its own last 303.

Anything else goes to Flask untouched: a forged or cross-site form, an empty answer, a stale
attempt, another browser's attempt, a query string, a database error, and every first time.
Pages are kept per view, language, static files, host and script root, bounded (least
recently used first out), and never in debug mode.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

import brotli
from flask import Flask
from werkzeug.exceptions import HTTPException

from ..store import EXTENSION_KEY as STORE_KEY
from ..store import AttemptFinished
from .attempt import QuestionView, Refused, answer_from_form, question_view, remembered
from .origin import cross_site
from .pages import KeptPages, Pages, choose_encoding, kept_headers, off, send

#: Set in the WSGI environ by `offer`: (the view, the attempt id, the page).
OFFER_MARK = "canhgiac.attempt_page"
#: Question pages kept per worker process: about 6 kB each.
MAX_PAGES = 2048
#: An answer form is a few choices and flags; a bigger body goes to Flask.
MAX_FORM_BYTES = 4096
#: Stands for the attempt id in a kept page (no page has a NUL in it).
ATTEMPT_MARK = b"\x00attempt\x00"
#: Comes before each choice of a question page and after the last, where the lane cuts it.
CHOICE_MARK = "\x00choice\x00"
#: The question address, as the quiz's routes match it (anything odd goes to Flask).
QUESTION_PATH = re.compile(r"/q/([^/]+)/a/([^/]+)/([1-9][0-9]{0,3})")
FORM_TYPE = "application/x-www-form-urlencoded"
#: Headers of Flask's answer to an answer that the lane does not repeat.
NOT_REPEATED = frozenset({"date", "content-length", "location", "set-cookie"})

ResponseStarter = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], ResponseStarter], Iterable[bytes]]


def offer(environ: dict[str, Any], view: QuestionView | None, attempt_id: str, page: str) -> str:
    """Offer the lane Flask's question page (quiz.question), made with CHOICE_MARK before each
    choice and after the last; returns the page to send, without the marks."""
    if view is not None:
        environ[OFFER_MARK] = (view, attempt_id, page)
    return page.replace(CHOICE_MARK, "")


@dataclass(frozen=True)
class KeptPage:
    """A question page for one view: Flask's status and headers, and the page in pieces, the
    attempt id taken out: before the choices, each choice by its key, after them."""

    status: str
    headers: tuple[tuple[str, str], ...]
    head: bytes
    choices: dict[str, bytes]
    tail: bytes
    #: A page without marks (a scenario) is whole in `head`, its choices in this order.
    order: tuple[str, ...] = ()

    def fits(self, order: tuple[str, ...]) -> bool:
        """Whether the page can show the choices in this order."""
        if not self.choices:
            return order == self.order
        return len(order) == len(self.choices) and set(order) == set(self.choices)

    def body(self, order: tuple[str, ...], attempt_id: str) -> bytes:
        if not self.choices:
            return self.head.replace(ATTEMPT_MARK, attempt_id.encode("ascii"))
        parts = [self.head, *(self.choices[key] for key in order), self.tail]
        return b"".join(parts).replace(ATTEMPT_MARK, attempt_id.encode("ascii"))


def keep(
    status: str,
    headers: tuple[tuple[str, str], ...],
    view: QuestionView,
    attempt_id: str,
    page: str,
) -> KeptPage | None:
    """The page in pieces (see KeptPage), or None when it cannot be cut into them."""
    if "\x00" in page.replace(CHOICE_MARK, ""):
        return None
    pieces = [
        part.encode("utf-8").replace(attempt_id.encode("ascii"), ATTEMPT_MARK)
        for part in page.split(CHOICE_MARK)
    ]
    if len(pieces) == 1:  # no marks: the page serves only attempts with the same order
        return KeptPage(status, headers, pieces[0], {}, b"", view.order)
    if len(pieces) != len(view.order) + 2:
        return None
    choices = dict(zip(view.order, pieces[1:-1], strict=True))
    return KeptPage(status, headers, pieces[0], choices, pieces[-1])


def init_app(app: Flask) -> None:
    kept: KeptPages = app.wsgi_app  # type: ignore[assignment]
    app.wsgi_app = AttemptLane(app, kept)  # type: ignore[method-assign]


class AttemptLane:
    """WSGI middleware in front of KeptPages (see the module)."""

    def __init__(self, flask_app: Flask, app: KeptPages, *, size: int = MAX_PAGES) -> None:
        self.flask_app = flask_app
        self.app: WSGIApp = app
        self.kept = app
        self.pages = Pages(size)
        #: The headers of Flask's last 303 to an answer, once it has sent one.
        self.see_other: tuple[tuple[str, str], ...] | None = None
        config = flask_app.config
        self.br_quality = int(config.get("COMPRESS_BR_LEVEL", 4))
        self.br_window = int(config.get("COMPRESS_BR_WINDOW", 22))
        self.gzip_level = int(config.get("COMPRESS_LEVEL", 6))

    def __call__(self, environ: dict[str, Any], start_response: ResponseStarter) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method in ("GET", "POST") and not environ.get("QUERY_STRING"):
            match = QUESTION_PATH.fullmatch(environ.get("PATH_INFO", ""))
            if match is not None and not off(self.flask_app):
                if method == "GET":
                    return self._page(environ, start_response, match)
                return self._answer(environ, start_response, match)
        return self.app(environ, start_response)

    # -- what both look at --------------------------------------------------------------------

    def _attempt_id(self, environ: dict[str, Any], attempt_id: str) -> str | None:
        """The attempt id, if this browser's session names it (Flask's own session reading)."""
        app = self.flask_app
        session = app.session_interface.open_session(app, app.request_class(environ))
        if session is None or attempt_id not in remembered(session):
            return None
        return attempt_id

    # -- question pages -----------------------------------------------------------------------

    def _page(
        self, environ: dict[str, Any], start_response: ResponseStarter, match: re.Match[str]
    ) -> Iterable[bytes]:
        quiz_id, attempt_id, n = match.group(1), match.group(2), int(match.group(3))
        quiz = self.flask_app.extensions["canhgiac.catalog"].quizzes.get(quiz_id)
        if quiz is None or self._attempt_id(environ, attempt_id) is None:
            return self.app(environ, start_response)
        try:
            attempt, answers = self.flask_app.extensions[STORE_KEY].attempt_and_answers(attempt_id)
        except Exception:  # the database is down: Flask answers with its error page
            return self.app(environ, start_response)
        view = None if attempt is None else question_view(quiz, attempt, n, answers)
        if view is None:
            return self.app(environ, start_response)
        key = (
            view.page,
            self.kept.language(environ),
            self.kept.static_state(),
            environ.get("SCRIPT_NAME", ""),
            environ.get("HTTP_HOST", ""),
            environ.get("wsgi.url_scheme", "http"),
        )
        kept: KeptPage | None = self.pages.get(key)
        if kept is None or not kept.fits(view.order):
            return self._page_and_keep(environ, start_response, key, view, attempt_id)
        body = kept.body(view.order, attempt_id)
        coding = choose_encoding(environ.get("HTTP_ACCEPT_ENCODING", ""))
        return send(start_response, kept.status, kept.headers, coding, self._encode(body, coding))

    def _encode(self, body: bytes, coding: str) -> bytes:
        """A page made for one attempt, compressed as Flask-Compress does (fast settings)."""
        if coding == "br":
            return brotli.compress(
                body, quality=self.br_quality, lgwin=self.br_window, mode=brotli.MODE_TEXT
            )
        if coding == "gzip":
            return gzip.compress(body, compresslevel=self.gzip_level, mtime=0)
        return body

    def _page_and_keep(
        self,
        environ: dict[str, Any],
        start_response: ResponseStarter,
        key: Hashable,
        view: Hashable,
        attempt_id: str,
    ) -> Iterable[bytes]:
        seen: dict[str, Any] = {}

        def starter(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, *exc_info)

        body = self.app(environ, starter)
        offered = environ.get(OFFER_MARK)
        # Kept only when Flask showed the view the lane read (no answer came in between).
        if offered is not None and offered[0] == view and offered[1] == attempt_id:
            headers = kept_headers(seen.get("status", ""), seen.get("headers", []))
            kept = None
            if headers is not None:
                kept = keep(seen["status"], headers, view, attempt_id, offered[2])
            if kept is not None:
                self.pages.put(key, kept)
        return body

    # -- answers ------------------------------------------------------------------------------

    def _answer(
        self, environ: dict[str, Any], start_response: ResponseStarter, match: re.Match[str]
    ) -> Iterable[bytes]:
        headers = self.see_other
        form = _small_form(environ) if headers is not None else None
        stored = False
        if form is not None:
            stored = self._store(environ, match, form)
        if not stored:
            return self._answer_by_flask(environ, start_response)
        location = quote(environ.get("SCRIPT_NAME", "").rstrip("/") + environ["PATH_INFO"])
        assert headers is not None
        start_response(
            "303 SEE OTHER",
            [*headers, ("Location", location), ("Content-Length", "0")],
        )
        return [b""]

    def _store(
        self, environ: dict[str, Any], match: re.Match[str], form: list[tuple[str, str]]
    ) -> bool:
        """Store the answer of an ordinary form; False (nothing stored) for anything else."""
        app = self.flask_app
        try:
            if cross_site(app.request_class(environ)):
                return False
        except HTTPException:  # a host TRUSTED_HOSTS does not allow: Flask refuses it
            return False
        quiz_id, attempt_id, n = match.group(1), match.group(2), int(match.group(3))
        quiz = app.extensions["canhgiac.catalog"].quizzes.get(quiz_id)
        if quiz is None or n > len(quiz.questions) or self._attempt_id(environ, attempt_id) is None:
            return False
        question = quiz.questions[n - 1]
        raw = [value for name, value in form if name == "choice"]
        flags = [value for name, value in form if name == "flag"]
        try:
            given = answer_from_form(question, raw, flags)
        except Refused:
            return False
        if given is None:
            return False
        keys, credit = given
        try:
            app.extensions[STORE_KEY].record_answer(
                attempt_id,
                question.id,
                position=n,
                choices=keys,
                correct=question.is_correct(keys),
                credit=credit,
                quiz_id=quiz.id,
            )
        except (AttemptFinished, KeyError):
            return False  # Flask tries again and refuses it (record_answer keeps a first answer)
        except Exception:  # the database is down: Flask tries again and shows its error page
            return False
        return True

    def _answer_by_flask(
        self, environ: dict[str, Any], start_response: ResponseStarter
    ) -> Iterable[bytes]:
        """Flask's answer; the headers of a plain 303 are noted for the lane's own."""

        def starter(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            if status.startswith("303 ") and not any(n.lower() == "set-cookie" for n, _ in headers):
                self.see_other = tuple((n, v) for n, v in headers if n.lower() not in NOT_REPEATED)
            return start_response(status, headers, *exc_info)

        return self.app(environ, starter)


def _small_form(environ: dict[str, Any]) -> list[tuple[str, str]] | None:
    """The fields of a small urlencoded ASCII form, or None for anything else. What was read is
    put back, for Flask to read again."""
    if environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() != FORM_TYPE:
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    if not 0 < length <= MAX_FORM_BYTES:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        return None
    if len(body) != length:
        return None
    return parse_qsl(text, keep_blank_values=True)
