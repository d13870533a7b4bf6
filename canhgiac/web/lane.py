"""The attempt lane: a resident's quiz start, question pages, answers and result, served in
front of Flask.

A quiz attempt is most of what the site does on a market day: every resident starts one, opens
fifteen or so question pages, sends as many answers and reads a result. Through Flask each
costs its fixed cost per request (the request and session objects, every hook) and a
template's rendering, several times what the pages kept for everyone (pages.py) cost. This
WSGI middleware does the ordinary cases itself, by the same rules as the quiz's views
(attempt.py), and hands everything else to Flask:

- **Question and result pages** (GET, no query string). It takes the attempt and its answers
  from the progress cookie, where the browser carries them while the attempt is being done
  (progress.py), or else reads them as the view does, and works out what the page shows of
  them (attempt.question_view, attempt.result_view). Pages are kept in pieces that attempts
  share (pieces.py): a question page by all it shows but the order of its choices, which are
  put in each attempt's order; a result page's frame by the score, and each question's review
  by what it shows of the answer. Once Flask has made a page, the next attempt whose page has
  the same pieces gets it without Flask, its id put back in its links and compressed as
  Flask-Compress compresses such pages (coding.py): zstd (level 1) for a browser that takes
  it, as current Chrome and Firefox do, else brotli (quality 2). A result page whose frame is
  kept but not every review gets the missing reviews rendered here, with the macro the result
  page renders them with (templates/_review.html), in the request's language; only a frame not
  kept yet sends the page to Flask.
- **An answer** (POST of a small, well-formed form from this site). It checks what the view
  checks, stores the answer the same way (Store.record_answer checks the attempt is open and
  of this quiz), adds it as stored to the progress cookie, and answers 303 with the headers
  Flask gave its own last 303.
- **A quiz start** (POST of the intro's form to /q/<id>/start): starts.py.

The browser's signed session is read as Flask reads it (signed.py); a cookie whose signature
was checked is kept (bounded), its age checked each time. Anything else goes to Flask
untouched: a forged or cross-site form, an empty answer, a finished or unfinished attempt
where the view redirects, another browser's attempt, a query string, a database error, and
the first page of each kind. Kept pieces depend on the language, static files, host and
script root too; they are bounded (least recently used first out) and never kept in debug
mode.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Hashable, Iterable, Mapping
from typing import Any
from urllib.parse import quote

from flask import Flask

from ..content.model import Quiz
from ..store import EXTENSION_KEY as STORE_KEY
from ..store import Answer, Attempt, AttemptFinished
from .attempt import (
    RESULT,
    QuestionView,
    Refused,
    ResultView,
    answer_from_form,
    question_view,
    record,
    result_view,
    reviewed,
)
from .coding import Encoder
from .pages import (
    Headers,
    KeptPages,
    Pages,
    ResponseStarter,
    answer_seen,
    cookie,
    kept_headers,
    off,
    send,
)
from .pieces import (
    CHOICE_MARK,
    ITEM_MARK,
    OFFER_MARK,
    SRC_MARK,
    Frame,
    QuestionPage,
    cut,
    offer,
    question_page,
    result_page,
    unmarked,
)
from .posted import SeeOther, from_this_site, small_form
from .progress import COOKIE as PROGRESS_COOKIE
from .progress import EXTENSION_KEY as PROGRESS_KEY
from .progress import Progress, answered, snapshot
from .signed import Sessions
from .starts import Starts

__all__ = ["CHOICE_MARK", "ITEM_MARK", "SRC_MARK", "AttemptLane", "init_app", "offer"]

#: Pages and pieces kept per worker process (a question page is about 6 kB, a review 1 kB).
MAX_PAGES = 4096
#: What pages depend on besides the attempt, numbered (see AttemptLane._page_of): so many
#: at most, then numbered anew.
MAX_NUMBERS = 1024
#: The addresses of a question and of a result, as the quiz's routes match them (anything
#: odd goes to Flask).
QUESTION_PATH = re.compile(r"/q/([^/]+)/a/([^/]+)/([1-9][0-9]{0,3}|result)")
#: The address a quiz's intro form posts to, to start an attempt.
START_PATH = re.compile(r"/q/([^/]+)/start")
#: Where the macro that renders a question's review on the result page is.
REVIEW_TEMPLATE = "_review.html"


def init_app(app: Flask) -> None:
    kept: KeptPages = app.wsgi_app  # type: ignore[assignment]
    app.wsgi_app = AttemptLane(app, kept)  # type: ignore[method-assign]


class AttemptLane:
    """WSGI middleware in front of KeptPages (see the module)."""

    def __init__(self, flask_app: Flask, app: KeptPages, *, size: int = MAX_PAGES) -> None:
        self.flask_app = flask_app
        self.app = app
        self.pages = Pages(size)
        self.sessions = Sessions(flask_app)
        self.progress: Progress = flask_app.extensions[PROGRESS_KEY]
        self.starts = Starts(flask_app, app, self.sessions, self.progress)
        #: Flask's 303 to an answer.
        self.see_other = SeeOther(app)
        self.encoder = Encoder(flask_app.config)
        self._numbers: dict[tuple[Hashable, ...], int] = {}
        self._counter = itertools.count()

    def __call__(self, environ: dict[str, Any], start_response: ResponseStarter) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method in ("GET", "POST") and not environ.get("QUERY_STRING"):
            path = environ.get("PATH_INFO", "")
            match = QUESTION_PATH.fullmatch(path)
            if match is not None and not off(self.flask_app):
                if method == "GET":
                    return self._page(environ, start_response, match)
                if match.group(3) != RESULT:
                    return self._answer(environ, start_response, match)
            elif method == "POST" and not off(self.flask_app):
                start = START_PATH.fullmatch(path)
                if start is not None:
                    return self.starts(environ, start_response, start.group(1))
        return self.app(environ, start_response)

    # -- what pages and answers look at -------------------------------------------------------

    def _page_of(self, environ: dict[str, Any]) -> int:
        """What else than the attempt its pages depend on, as a number that stands for it in
        every kept piece's key (hashed once per request, not once per piece)."""
        depends = (
            self.app.language(environ),
            self.app.static_state(),
            environ.get("SCRIPT_NAME", ""),
            environ.get("HTTP_HOST", ""),
            environ.get("wsgi.url_scheme", "http"),
        )
        number = self._numbers.get(depends)
        if number is None:
            if len(self._numbers) >= MAX_NUMBERS:  # Host is the client's to say
                self._numbers.clear()
            # Never a number given before: a piece kept under it may still be there.
            number = self._numbers.setdefault(depends, next(self._counter))
        return number

    # -- question and result pages ------------------------------------------------------------

    def _page(
        self, environ: dict[str, Any], start_response: ResponseStarter, match: re.Match[str]
    ) -> Iterable[bytes]:
        quiz_id, attempt_id, which = match.groups()
        quiz = self.flask_app.extensions["canhgiac.catalog"].quizzes.get(quiz_id)
        session = self.sessions.read(environ)
        if quiz is None or attempt_id not in session.attempts:
            return self.app(environ, start_response)
        page_of = self._page_of(environ)
        entries = self.progress.read(cookie(environ, PROGRESS_COOKIE))
        carried = snapshot(entries, attempt_id, quiz, time.time())
        if carried is not None:  # the attempt as the browser carries it
            body = self._made(environ, page_of, quiz, which, *carried)[1]
            if body is not None:
                return self._send(environ, start_response, body)
        try:
            attempt, answers = self.flask_app.extensions[STORE_KEY].attempt_and_answers(attempt_id)
        except Exception:  # the database is down: Flask answers with its error page
            return self.app(environ, start_response)
        if attempt is None:
            return self.app(environ, start_response)
        view, body = self._made(environ, page_of, quiz, which, attempt, answers)
        if view is None:
            return self.app(environ, start_response)
        if body is None:
            return self._page_and_keep(environ, start_response, view, attempt_id, page_of)
        return self._send(environ, start_response, body)

    def _made(
        self,
        environ: dict[str, Any],
        page_of: int,
        quiz: Quiz,
        which: str,
        attempt: Attempt,
        answers: Mapping[str, Answer],
    ) -> tuple[QuestionView | ResultView | None, tuple[str, Headers, bytes] | None]:
        """What the page shows of the attempt (None: the view shows no such page) and the page
        from its kept pieces (None: not kept)."""
        if which == RESULT:
            result = result_view(quiz, attempt, answers)
            if result is None:
                return None, None
            return result, self._result_body(environ, page_of, result, attempt, quiz, answers)
        question = question_view(quiz, attempt, int(which), answers)
        if question is None:
            return None, None
        return question, self._question_body(page_of, question, attempt)

    def _send(
        self,
        environ: dict[str, Any],
        start_response: ResponseStarter,
        body: tuple[str, Headers, bytes],
    ) -> Iterable[bytes]:
        status, headers, page = body
        coding = self.encoder.choose(environ.get("HTTP_ACCEPT_ENCODING", ""))
        return send(start_response, status, headers, coding, self.encoder.encode(page, coding))

    def _question_body(
        self, page_of: int, view: QuestionView, attempt: Attempt
    ) -> tuple[str, Headers, bytes] | None:
        kept: QuestionPage | None = self.pages.get(("question", view.page, page_of))
        if kept is None or not kept.fits(view.order):
            return None
        return kept.frame.status, kept.frame.headers, kept.body(view.order, attempt)

    def _result_body(
        self,
        environ: dict[str, Any],
        page_of: int,
        view: ResultView,
        attempt: Attempt,
        quiz: Quiz,
        answers: Mapping[str, Answer],
    ) -> tuple[str, Headers, bytes] | None:
        """The page from its kept frame and reviews, the reviews not yet kept rendered here;
        None when the frame is not kept (Flask makes the page)."""
        frame: Frame | None = self.pages.get(("result", view.head, page_of))
        if frame is None:
            return None
        items: list[bytes | None] = self.pages.get_many(
            [("review", item, page_of) for item in view.items]
        )
        missing = [i for i, piece in enumerate(items) if piece is None]
        if missing:
            made = self._reviews(environ, quiz, answers, missing, attempt.id)
            if made is None:
                return None
            for i, piece in zip(missing, made, strict=True):
                self.pages.put(("review", view.items[i], page_of), piece)
                items[i] = piece
        return frame.status, frame.headers, frame.around(items, attempt)  # type: ignore[arg-type]

    def _reviews(
        self,
        environ: dict[str, Any],
        quiz: Quiz,
        answers: Mapping[str, Answer],
        wanted: list[int],
        attempt_id: str,
    ) -> list[bytes] | None:
        """Reviews of these questions (by index), rendered with the macro the result page
        renders them with, in the request's language, as pieces; None if that failed."""
        app = self.flask_app
        review = reviewed(quiz, answers)
        try:
            with app.request_context(environ):
                macro = app.jinja_env.get_template(REVIEW_TEMPLATE).module.review_item  # type: ignore[attr-defined]
                made = [cut(str(macro(review[i])), ITEM_MARK, attempt_id) for i in wanted]
        except Exception:  # noqa: BLE001 - Flask makes the page and shows its error, if any
            return None
        if any(parts is None or len(parts) != 1 or not unmarked(parts) for parts in made):
            return None  # a NUL or a mark of their own (cut), the attempt id: Flask makes it
        return [parts[0] for parts in made]  # type: ignore[index]

    def _page_and_keep(
        self,
        environ: dict[str, Any],
        start_response: ResponseStarter,
        view: QuestionView | ResultView,
        attempt_id: str,
        page_of: int,
    ) -> Iterable[bytes]:
        """Flask's page; kept in pieces when it shows the view the lane read (no answer came
        in between) and may be served again (a plain 200 page, no cookie set)."""
        body, seen = answer_seen(self.app, environ, start_response)
        offered = environ.get(OFFER_MARK)
        if offered is None or offered[0] != view or offered[1] != attempt_id:
            return body
        status = seen.get("status", "")
        headers = kept_headers(status, seen.get("headers", []))
        if headers is None:
            return body
        if isinstance(view, QuestionView):
            kept = question_page(status, headers, view, attempt_id, offered[2])
            if kept is not None:
                self.pages.put(("question", view.page, page_of), kept)
            return body
        cut = result_page(status, headers, view, attempt_id, offered[2])
        if cut is not None:
            frame, items = cut
            self.pages.put(("result", view.head, page_of), frame)
            for item, piece in zip(view.items, items, strict=True):
                self.pages.put(("review", item, page_of), piece)
        return body

    # -- answers ------------------------------------------------------------------------------

    def _answer(
        self, environ: dict[str, Any], start_response: ResponseStarter, match: re.Match[str]
    ) -> Iterable[bytes]:
        form = small_form(environ) if self.see_other.headers is not None else None
        stored = None if form is None else self._store(environ, match, form)
        if stored is None:
            return self.see_other.by_flask(environ, start_response)
        location = quote(environ.get("SCRIPT_NAME", "").rstrip("/") + environ["PATH_INFO"])
        return self.see_other.send(start_response, stored, location)

    def _store(
        self, environ: dict[str, Any], match: re.Match[str], form: list[tuple[str, str]]
    ) -> list[tuple[str, str]] | None:
        """Store the answer of an ordinary form and return the headers that save its attempt's
        progress (progress.py); None (nothing stored) for anything else."""
        app = self.flask_app
        if not from_this_site(app, environ):
            return None
        quiz_id, attempt_id, n = match.group(1), match.group(2), int(match.group(3))
        quiz = app.extensions["canhgiac.catalog"].quizzes.get(quiz_id)
        session = self.sessions.read(environ)
        if quiz is None or n > len(quiz.questions) or attempt_id not in session.attempts:
            return None
        question = quiz.questions[n - 1]
        raw = [value for name, value in form if name == "choice"]
        flags = [value for name, value in form if name == "flag"]
        try:
            given = answer_from_form(question, raw, flags)
        except Refused:
            return None
        if given is None:
            return None
        try:
            stored = record(app.extensions[STORE_KEY], quiz, n, attempt_id, *given)
        except (AttemptFinished, KeyError):
            return None  # Flask tries again and refuses it (record_answer keeps a first answer)
        except Exception:  # the database is down: Flask tries again and shows its error page
            return None
        entries = self.progress.read(cookie(environ, PROGRESS_COOKIE))
        written = answered(entries, session.attempts, attempt_id, quiz, stored, time.time())
        if written is None:
            return []  # no progress carried for this attempt: nothing to save
        return [("Set-Cookie", self.progress.cookie(written))]
