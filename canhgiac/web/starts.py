"""Quiz starts, served in front of Flask by the attempt lane (lane.py).

A market day starts an attempt per resident: the quiz intro's form posts to /q/<id>/start, and
the view (quiz.start) creates the attempt, remembers its id in the signed session, writes its
first progress entry (progress.py) and answers 303 to question 1. Through Flask that costs
about three times what an answer costs the lane. The lane does the ordinary start itself, by
the same rules:

- a small urlencoded form from this site (origin.py), with only its `src` field, to a quiz
  that exists;
- the attempt created as the view creates it (Store.create_attempt), in the language the view
  takes for a start (the `lang` cookie, else the site's first), with the `src` label cleaned
  as the view cleans it;
- the session saved by Flask's own session interface (its serializer, its cookie's name and
  attributes), from what the browser's session held (signed.py) and the attempt's id, and
  kept as saved for the browser's next request (Sessions.saved);
- the progress cookie as the view writes it;
- the 303 with the headers Flask gave its own last 303 to a start.

Anything else goes to Flask untouched: a cross-site or odd form, an unknown quiz, a database
error, and the first start.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from flask import Flask

from ..store import EXTENSION_KEY as STORE_KEY
from .attempt import SESSION_KEY, clean_src, remember
from .pages import KeptPages, ResponseStarter, cookie
from .posted import SeeOther, from_this_site, small_form
from .progress import COOKIE as PROGRESS_COOKIE
from .progress import Progress, started
from .signed import Sessions


class Starts:
    """The lane's part for quiz starts (see the module)."""

    def __init__(
        self, flask_app: Flask, app: KeptPages, sessions: Sessions, progress: Progress
    ) -> None:
        self.flask_app = flask_app
        self.app = app
        self.sessions = sessions
        self.progress = progress
        #: Flask's 303 to a start.
        self.see_other = SeeOther(app)

    def __call__(
        self, environ: dict[str, Any], start_response: ResponseStarter, quiz_id: str
    ) -> Iterable[bytes]:
        made = None if self.see_other.headers is None else self._start(environ, quiz_id)
        if made is None:
            return self.see_other.by_flask(environ, start_response)
        location, cookies = made
        return self.see_other.send(start_response, cookies, location)

    def _start(
        self, environ: dict[str, Any], quiz_id: str
    ) -> tuple[str, list[tuple[str, str]]] | None:
        """Start an attempt for an ordinary form: the 303's place and cookies. None (nothing
        stored) for anything else."""
        app = self.flask_app
        form = small_form(environ)
        if form is None or len(form) != 1 or form[0][0] != "src":
            return None
        if not from_this_site(app, environ):
            return None
        quiz = app.extensions["canhgiac.catalog"].quizzes.get(quiz_id)
        if quiz is None:
            return None
        lang = self.app.language(environ) or app.config["LANGUAGES"][0]
        try:
            attempt = app.extensions[STORE_KEY].create_attempt(
                quiz.id, lang=lang, src=clean_src(form[0][1]), question_count=len(quiz.questions)
            )
        except Exception:  # the database is down: Flask tries again and shows its error page
            return None
        interface = app.session_interface
        session = interface.session_class(self.sessions.read(environ).data)  # type: ignore[attr-defined]
        session[SESSION_KEY] = remember(session, attempt.id)
        saved = app.response_class()
        now = time.time()
        interface.save_session(app, session, saved)
        cookies = [("Set-Cookie", value) for value in saved.headers.getlist("Set-Cookie")]
        for _name, value in cookies:
            self.sessions.saved(value, session, now)
        entries = self.progress.read(cookie(environ, PROGRESS_COOKIE))
        written = started(entries, session[SESSION_KEY], attempt, quiz, now)
        cookies.append(("Set-Cookie", self.progress.cookie(written)))
        root = environ.get("SCRIPT_NAME", "").rstrip("/")
        return quote(f"{root}/q/{quiz.id}/a/{attempt.id}/1"), cookies
