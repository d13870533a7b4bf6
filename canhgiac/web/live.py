"""The resident's side of a live session: join with a code, then one phone page that follows
the trainer.

- `/j` (or `/j/<code>` from the QR code): the code and an optional nickname. Anyone may join
  at any time until the session ends, also in the middle.
- `/s/<code>`: the phone page. What it shows follows the session: waiting, the question's
  form, "answer received", the result and why, the final score.
- `/s/<code>/state`: a tiny JSON of the session's version for live.js to poll, with an ETag
  (304 when nothing changed). With JavaScript off, waiting pages refresh themselves; the
  question's form never does, so a half-chosen answer is never wiped.
- `/s/<code>/answer`: idempotent (a second submission keeps the first, without error); an
  answer after the question closed gets a polite 409 page and stores nothing; a forged one
  (another session, another question, an unknown choice) gets a 400.

The phone's place is a random token in an HttpOnly cookie per session (only its sha256 is
stored), so a reload, a dropped connection or a locked screen keeps the resident's score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from werkzeug.wrappers import Response as BaseResponse

from .. import get_catalog
from ..content.model import Question, Quiz
from ..live import phones, ratelimit, service
from ..live.names import MAX_NICKNAME
from ..live.phones import Participant
from ..live.phones import Response as Answer
from ..live.report import letters, shown_choices
from ..live.service import LiveSession
from ..store import get_store
from .attempt import ShownChoice
from .errors import Page, error_page
from .quiz import score_message

bp = Blueprint("live", __name__)

CODE = re.compile(r"[1-9][0-9]{5}")
COOKIE_PREFIX = "cg_"
#: How long a phone keeps its place: a long training day.
COOKIE_MAX_AGE = 24 * 60 * 60
#: Seconds between refreshes of a waiting page with JavaScript off.
REFRESH_WAITING = 5
REFRESH_REVEALED = 10


@dataclass(frozen=True)
class Lettered:
    letter: str
    shown: ShownChoice


# -- helpers shared with the trainer's pages ----------------------------------------------


def engine():  # type: ignore[no-untyped-def]
    return get_store().engine


def cookie_name(session_id: str) -> str:
    return f"{COOKIE_PREFIX}{session_id}"


def quiz_of(session: LiveSession) -> Quiz:
    quiz = get_catalog().quizzes.get(session.quiz_id)
    if quiz is None or len(quiz.questions) != session.question_count:
        abort(410)  # the quiz was removed or changed since the session started
    return quiz  # type: ignore[no-any-return]


def current_question(session: LiveSession, quiz: Quiz) -> Question | None:
    if 1 <= session.position <= len(quiz.questions):
        return quiz.questions[session.position - 1]
    return None


def lettered(session: LiveSession, question: Question, chosen: frozenset[str]) -> list[Lettered]:
    choices = shown_choices(session, question)
    return [
        Lettered(letter, ShownChoice(c, c.key in chosen))
        for letter, c in zip(letters(len(choices)), choices, strict=True)
    ]


def public_base() -> str:
    """The address phones use: PUBLIC_URL, else the one this page was asked on."""
    base = current_app.config.get("PUBLIC_URL") or request.host_url
    return str(base).rstrip("/")


def client_id() -> str:
    return request.remote_addr or "-"


def too_many(seconds: int) -> Page:
    minutes = max(1, (seconds + 59) // 60)
    return error_page(
        429,
        gettext("Too many attempts"),
        gettext("Please wait %(minutes)d minutes, then try again.", minutes=minutes),
        [("Retry-After", str(seconds))],
    )


def closed_page(back: str) -> Page:
    html = render_template(
        "live/closed.html",
        title=gettext("Answers for this question are closed"),
        back=back,
    )
    return html, 409, []


def state_response(payload: dict[str, object]) -> Response:
    """The JSON with an ETag; 304 when the poller has it already."""
    response = jsonify(payload)
    response.set_etag(
        f"{payload['id']}-{payload['v']}-{payload.get('joined', '')}-{payload.get('answered', '')}"
    )
    response.cache_control.no_cache = True
    response.cache_control.private = True
    return response.make_conditional(request)  # type: ignore[no-any-return]


# -- finding the phone's place --------------------------------------------------------------


def _tokens() -> dict[str, str]:
    found = {}
    for name, value in request.cookies.items():
        if name.startswith(COOKIE_PREFIX) and len(found) < 20:
            found[name.removeprefix(COOKIE_PREFIX)] = value
    return found


def mine(code: str) -> tuple[LiveSession, Participant] | None:
    """The session with this code that this phone joined, and its participant."""
    if not CODE.fullmatch(code):
        return None
    return phones.find_by_tokens(engine(), code, _tokens().values())


# -- pages --------------------------------------------------------------------------------


@bp.after_request
def no_store(response: Response) -> Response:
    """Phone pages change as the session moves: never show a stale one from the cache."""
    if request.endpoint != "live.state":
        response.cache_control.no_store = True
    return response


@bp.get("/j")
@bp.get("/j/<code>")
def join_form(code: str | None = None) -> str | BaseResponse:
    if code is not None:
        if not CODE.fullmatch(code):
            abort(404)
        found = mine(code)
        if found is not None and not found[0].ended:
            return redirect(url_for(".phone", code=code))
    return render_template("live/join.html", code=code or "", max_nickname=MAX_NICKNAME)


@bp.post("/j")
def join() -> str | BaseResponse | tuple[str, int] | Page:
    key = ratelimit.client_key(current_app.secret_key or "", ratelimit.JOIN, client_id())
    wait = ratelimit.retry_after(engine(), ratelimit.JOIN, key)
    if wait:
        return too_many(wait)
    code = "".join(request.form.get("code", "").split())
    nickname = request.form.get("nickname", "")
    session = service.open_session(engine(), code) if CODE.fullmatch(code) else None
    if session is None:
        ratelimit.hit(engine(), ratelimit.JOIN, key)
        page = render_template(
            "live/join.html",
            code=code[:12],
            nickname=nickname[:MAX_NICKNAME],
            max_nickname=MAX_NICKNAME,
            wrong_code=True,
        )
        return page, 404
    name = cookie_name(session.id)
    person, token, created = phones.join(engine(), session, request.cookies.get(name), nickname)
    response = redirect(url_for(".phone", code=code), code=303)
    if created:
        response.set_cookie(
            name,
            token,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
    return response


@bp.get("/s/<code>")
def phone(code: str) -> str | BaseResponse:
    found = mine(code)
    if found is None:
        if not CODE.fullmatch(code):
            abort(404)
        return redirect(url_for(".join_form", code=code))
    session, person = found
    return render_phone(session, person)


def render_phone(session: LiveSession, person: Participant, *, missing: bool = False) -> str:
    quiz = quiz_of(session)
    question = current_question(session, quiz)
    answers = phones.responses_of(engine(), person.id)
    answer: Answer | None = answers.get(question.id) if question else None
    choices = []
    if question is not None:
        choices = lettered(session, question, answer.choices if answer else frozenset())
    if session.ended:
        refresh = None
    elif session.status == service.REVEALED:
        refresh = REFRESH_REVEALED
    elif session.status == service.OPEN and answer is None:
        refresh = None  # a form being filled in: never refresh it away
    else:
        refresh = REFRESH_WAITING
    score = sum(1 for a in answers.values() if a.correct)
    board = []
    if session.ended and session.leaderboard and not session.purged_at:
        board = phones.leaderboard(engine(), session.id)
    lesson = get_catalog().lessons.get(quiz.lesson) if quiz.lesson else None
    return render_template(
        "live/phone.html",
        session=session,
        person=person,
        quiz=quiz,
        question=question,
        answer=answer,
        choices=choices,
        missing=missing,
        refresh=refresh,
        seconds_left=session.seconds_left(),
        score=score,
        total=session.question_count,
        message=score_message(score, session.question_count) if session.ended else "",
        board=board,
        lesson=lesson,
        poll_url=url_for(".state", code=session.code),
    )


@bp.get("/s/<code>/state")
def state(code: str) -> Response:
    found = mine(code)
    if found is None:
        abort(403)  # only the phones of this session see its state
    session = found[0]
    return state_response(
        {"id": session.id, "v": session.version, "phase": session.status, "n": session.position}
    )


@bp.post("/s/<code>/answer")
def answer(code: str) -> BaseResponse | tuple[str, int] | Page:
    found = mine(code)
    if found is None:
        abort(400)  # not a phone of this session
    session, person = found
    quiz = quiz_of(session)
    n = request.form.get("n", "")
    if not n.isdigit() or not 1 <= int(n) <= min(session.position, len(quiz.questions)):
        abort(400)
    question = quiz.questions[int(n) - 1]
    if request.form.get("q") != question.id:
        abort(400)
    raw = request.form.getlist("choice")
    keys = set(raw)
    if len(keys) != len(raw) or not keys <= {c.key for c in question.choices}:
        abort(400)
    if question.type != "multiple" and len(keys) > 1:
        abort(400)
    back = url_for(".phone", code=code)
    if not keys:
        if session.accepting and int(n) == session.position:
            return render_phone(session, person, missing=True), 400
        return closed_page(back)
    try:
        phones.answer(
            engine(),
            session.id,
            person.id,
            position=int(n),
            question_id=question.id,
            keys=keys,
            correct=question.is_correct(keys),
        )
    except phones.AnswersClosed:
        return closed_page(back)
    return redirect(back, code=303)
