"""The self-paced quiz: intro, one question per page with feedback right after it, a result.

Paths are short because they go into QR codes. Everything works with plain links and forms
(post/redirect/get); the attempt ids a browser started are kept in its signed session, so one
person cannot answer for another; the progress of the attempts it is doing is in a cookie of
its own (progress.py). Any forged input gets a 400 page and stores nothing.

What a page shows and what an answer form may say are worked out in attempt.py, which the
attempt lane in front of Flask (lane.py) uses too: it serves most quiz starts (starts.py),
question pages, answers and result pages without reaching these views.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from .. import get_catalog
from ..content.model import Quiz, scenario_answer
from ..store import Answer, Attempt, AttemptFinished, get_store
from . import lane, progress
from .attempt import (
    MAX_REMEMBERED,
    RESULT,
    SESSION_KEY,
    Refused,
    ShownChoice,
    answer_from_form,
    clean_src,
    first_unanswered,
    grade_of,
    next_after,
    question_view,
    record,
    remember,
    remembered,
    result_view,
    reviewed,
    shown,
)
from .i18n import current_language
from .origin import refuse_cross_site
from .pages import shared_page
from .progress import get_progress
from .scenarios import sc_text

__all__ = ["MAX_REMEMBERED", "ShownChoice", "bp", "clean_src", "score_message"]

bp = Blueprint("quiz", __name__)
bp.add_app_template_filter(sc_text, "sc_text")


# -- helpers ------------------------------------------------------------------------------


def _quiz_or_404(quiz_id: str) -> Quiz:
    quiz = get_catalog().quizzes.get(quiz_id)
    if quiz is None:
        abort(404)
    return quiz  # type: ignore[no-any-return]


def _remember(attempt_id: str) -> None:
    session[SESSION_KEY] = remember(session, attempt_id)


def _attempt_or_400(quiz: Quiz, attempt_id: str) -> tuple[Attempt, dict[str, Answer]]:
    """The attempt, if this browser started it for this quiz, and its answers."""
    if attempt_id not in remembered(session):
        abort(400)
    attempt, answers = get_store().attempt_and_answers(attempt_id)
    if attempt is None or attempt.quiz_id != quiz.id:
        abort(400)
    return attempt, answers


def _progress() -> progress.Entries:
    """The attempts' progress the browser carries (progress.py)."""
    return get_progress().read(request.cookies.get(progress.COOKIE))


def _question_url(quiz: Quiz, attempt: Attempt, n: int) -> str:
    return url_for(".question", quiz_id=quiz.id, attempt_id=attempt.id, n=n)


def _result_url(quiz: Quiz, attempt: Attempt) -> str:
    return url_for(".result", quiz_id=quiz.id, attempt_id=attempt.id)


def _see_other(url: str) -> BaseResponse:
    """303 to `url` (an answer's post/redirect/get), with no body to make or send."""
    return Response(status=303, headers={"Location": url})


# -- pages --------------------------------------------------------------------------------


@bp.after_request
def no_store(response: Response) -> Response:
    """Attempt pages are personal and change once answered: the back button must fetch them
    again (and show the feedback) rather than a stale form."""
    if request.endpoint != "quiz.intro":
        response.cache_control.no_store = True
    return response


@bp.get("/q/<quiz_id>")
def intro(quiz_id: str) -> str:
    quiz = _quiz_or_404(quiz_id)
    lesson = get_catalog().lessons.get(quiz.lesson) if quiz.lesson else None
    src = clean_src(request.args.get("src"))
    return shared_page(
        lambda: render_template("quiz_intro.html", quiz=quiz, lesson=lesson, src=src)
    )


@bp.post("/q/<quiz_id>/start")
def start(quiz_id: str) -> BaseResponse:
    """Start an attempt. The form is on a kept page, without a CSRF token (web/__init__.py
    exempts this view): cross-site posts are refused by origin.py instead."""
    refuse_cross_site()
    quiz = _quiz_or_404(quiz_id)
    attempt = get_store().create_attempt(
        quiz.id,
        lang=current_language(),
        src=clean_src(request.form.get("src")),
        question_count=len(quiz.questions),
    )
    _remember(attempt.id)
    response = _see_other(_question_url(quiz, attempt, 1))
    written = progress.started(_progress(), remembered(session), attempt, quiz, time.time())
    response.headers.add("Set-Cookie", get_progress().cookie(written))
    return response


def _render_question(
    quiz: Quiz,
    attempt: Attempt,
    n: int,
    answers: dict[str, Answer],
    *,
    missing: bool = False,
    tapped: frozenset[str] = frozenset(),
    choice_mark: str = "",
) -> str:
    question = quiz.questions[n - 1]
    answer = answers.get(question.id)
    if answer is not None and question.scenario is not None:
        tapped = scenario_answer(answer.choices)[1]
    following = next_after(quiz, attempt, n, answers)
    next_url = next_label = None
    if following == RESULT:
        next_url, next_label = _result_url(quiz, attempt), gettext("See your result")
    elif isinstance(following, int):
        next_url, next_label = _question_url(quiz, attempt, following), gettext("Next question")
    return render_template(
        "question.html",
        quiz=quiz,
        attempt=attempt,
        n=n,
        total=len(quiz.questions),
        question=question,
        choices=shown(attempt, question, answer),
        answer=answer,
        grade=grade_of(question, answer),
        tapped=tapped,
        missing=missing,
        action=_question_url(quiz, attempt, n),
        next_url=next_url,
        next_label=next_label,
        choice_mark=Markup(choice_mark),
    )


@bp.get("/q/<quiz_id>/a/<attempt_id>/<int:n>")
def question(quiz_id: str, attempt_id: str, n: int) -> str | BaseResponse:
    quiz = _quiz_or_404(quiz_id)
    attempt, answers = _attempt_or_400(quiz, attempt_id)
    if not 1 <= n <= len(quiz.questions):
        abort(404)
    if attempt.finished and quiz.questions[n - 1].id not in answers:
        return redirect(_result_url(quiz, attempt))
    # The page serves every attempt with the same view (lane.py): its choices marked, to be
    # put in each attempt's order, and its id put in its links.
    page = _render_question(quiz, attempt, n, answers, choice_mark=lane.CHOICE_MARK)
    return lane.offer(request.environ, question_view(quiz, attempt, n, answers), attempt, page)


@bp.post("/q/<quiz_id>/a/<attempt_id>/<int:n>")
def answer(quiz_id: str, attempt_id: str, n: int) -> tuple[str, int] | BaseResponse:
    """Store an answer. The attempt is not read first: the insert itself checks that it is
    open and of this quiz (Store.record_answer). A resubmit (the back button) keeps the first
    answer and shows its feedback; a form sent with nothing chosen is shown again. The form
    carries no CSRF token: another site's post is refused by origin.py (and would not carry
    the session cookie that names the attempt). lane.py stores the answers of well-formed
    forms without Flask, by the same rules (attempt.answer_from_form)."""
    refuse_cross_site()
    quiz = _quiz_or_404(quiz_id)
    if attempt_id not in remembered(session) or not 1 <= n <= len(quiz.questions):
        abort(400)
    question = quiz.questions[n - 1]
    flags = request.form.getlist("flag")
    try:
        given = answer_from_form(question, request.form.getlist("choice"), flags)
    except Refused:
        abort(400)
    if given is None:
        attempt, answers = _attempt_or_400(quiz, attempt_id)
        if question.id in answers:
            return _see_other(_question_url(quiz, attempt, n))
        if attempt.finished:
            abort(400)
        page = _render_question(quiz, attempt, n, answers, missing=True, tapped=frozenset(flags))
        return page, 400
    try:
        stored = record(get_store(), quiz, n, attempt_id, *given)
    except (AttemptFinished, KeyError):
        abort(400)
    response = _see_other(url_for(".question", quiz_id=quiz.id, attempt_id=attempt_id, n=n))
    now = time.time()
    written = progress.answered(_progress(), remembered(session), attempt_id, quiz, stored, now)
    if written is not None:
        response.headers.add("Set-Cookie", get_progress().cookie(written))
    return response


def score_message(score: int, total: int) -> str:
    """A kind word that fits the score; never a telling-off."""
    if total and score >= total:
        return gettext(
            "Excellent! You can spot these tricks. Share what you learned with your family "
            "and neighbours."
        )
    if score * 2 >= total:
        return gettext("Well done! Read the explanations below again for the questions you missed.")
    return gettext(
        "Thank you for practising. These tricks fool many people. Read the lesson and try "
        "again: each time you practise, you become safer."
    )


@bp.get("/q/<quiz_id>/a/<attempt_id>/result")
def result(quiz_id: str, attempt_id: str) -> str | BaseResponse:
    quiz = _quiz_or_404(quiz_id)
    attempt, answers = _attempt_or_400(quiz, attempt_id)
    if not attempt.finished:
        return redirect(_question_url(quiz, attempt, first_unanswered(quiz, answers) or 1))
    score = attempt.score or 0
    total = attempt.question_count
    lesson = get_catalog().lessons.get(quiz.lesson) if quiz.lesson else None
    page = render_template(
        "result.html",
        quiz=quiz,
        attempt=attempt,
        score=score,
        total=total,
        message=score_message(score, total),
        review=reviewed(quiz, answers),
        lesson=lesson,
        item_mark=Markup(lane.ITEM_MARK),
        src_mark=Markup(lane.SRC_MARK),
    )
    # Served again in pieces (lane.py): the page around the reviews, and each review.
    return lane.offer(request.environ, result_view(quiz, attempt, answers), attempt, page)
