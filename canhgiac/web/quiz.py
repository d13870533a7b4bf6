"""The self-paced quiz: intro, one question per page with feedback right after it, a result.

Paths are short because they go into QR codes. Everything works with plain links and forms
(post/redirect/get); the attempt ids a browser started are kept in its signed session, so one
person cannot answer for another. Any forged input gets a 400 page and stores nothing.

A scenario question (a message to judge, see templates/_scenario.html) posts its verdict as
`choice` (scam or safe) and every part marked as suspicious as `flag` (a part id); it is stored
as the verdict plus "f:<part id>" keys, with the partial credit of Scenario.grade.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from flask import Blueprint, Response, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response as BaseResponse

from .. import get_catalog
from ..content.model import (
    FALSE_KEY,
    SAFE_KEY,
    SCAM_KEY,
    TRUE_KEY,
    Choice,
    Grade,
    Question,
    Quiz,
    scenario_answer,
    scenario_keys,
)
from ..store import Answer, Attempt, AttemptFinished, get_store
from .i18n import current_language
from .origin import refuse_cross_site
from .pages import shared_page
from .scenarios import sc_text

bp = Blueprint("quiz", __name__)
bp.add_app_template_filter(sc_text, "sc_text")

#: A leaflet or place label from the QR code, e.g. `?src=cho-giao-phong`.
SRC_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
SESSION_KEY = "attempts"
#: How many attempt ids a browser remembers (the oldest are forgotten first).
MAX_REMEMBERED = 20


@dataclass(frozen=True)
class ShownChoice:
    """A choice as shown on a question page, with what the reader did with it."""

    choice: Choice
    chosen: bool

    @property
    def key(self) -> str:
        return self.choice.key

    @property
    def correct(self) -> bool:
        return self.choice.correct

    @property
    def show_why(self) -> bool:
        return self.choice.why is not None and (self.chosen or self.correct)


@dataclass(frozen=True)
class Reviewed:
    """One question on the result page."""

    n: int
    question: Question
    choices: list[ShownChoice]
    answer: Answer | None

    @property
    def chosen(self) -> list[Choice]:
        return [c.choice for c in self.choices if c.chosen]

    @property
    def right(self) -> list[Choice]:
        return [c.choice for c in self.choices if c.correct]

    @property
    def grade(self) -> Grade | None:
        """For an answered scenario: the red flags found, missed and tapped wrongly."""
        return grade_of(self.question, self.answer)


def grade_of(question: Question, answer: Answer | None) -> Grade | None:
    """The grade of a stored scenario answer (None for other questions or no answer)."""
    if question.scenario is None or answer is None:
        return None
    verdict, tapped = scenario_answer(answer.choices)
    return question.scenario.grade(verdict, tapped)


# -- helpers ------------------------------------------------------------------------------


def clean_src(value: str | None) -> str | None:
    """The `src` label when it is well formed, else None."""
    if value and SRC_PATTERN.fullmatch(value):
        return value
    return None


def _quiz_or_404(quiz_id: str) -> Quiz:
    quiz = get_catalog().quizzes.get(quiz_id)
    if quiz is None:
        abort(404)
    return quiz  # type: ignore[no-any-return]


def _remembered() -> list[str]:
    ids = session.get(SESSION_KEY)
    if not isinstance(ids, list):
        return []
    return [x for x in ids if isinstance(x, str)]


def _remember(attempt_id: str) -> None:
    ids = [x for x in _remembered() if x != attempt_id]
    ids.append(attempt_id)
    session[SESSION_KEY] = ids[-MAX_REMEMBERED:]


def _attempt_or_400(quiz: Quiz, attempt_id: str) -> tuple[Attempt, dict[str, Answer]]:
    """The attempt, if this browser started it for this quiz, and its answers."""
    if attempt_id not in _remembered():
        abort(400)
    attempt, answers = get_store().attempt_and_answers(attempt_id)
    if attempt is None or attempt.quiz_id != quiz.id:
        abort(400)
    return attempt, answers


def ordered_choices(attempt: Attempt, question: Question) -> list[Choice]:
    """The choices in this attempt's order: shuffled per attempt, stable within it.
    True/false questions always read True, then False; scenarios Scam, then Safe."""
    if question.type in ("truefalse", "scenario"):
        rank = {TRUE_KEY: 0, FALSE_KEY: 1, SCAM_KEY: 0, SAFE_KEY: 1}
        return sorted(question.choices, key=lambda c: rank.get(c.key, 2))
    choices = list(question.choices)
    random.Random(f"{attempt.seed}:{question.id}").shuffle(choices)
    return choices


def _shown(attempt: Attempt, question: Question, answer: Answer | None) -> list[ShownChoice]:
    chosen = answer.choices if answer else frozenset()
    return [ShownChoice(c, c.key in chosen) for c in ordered_choices(attempt, question)]


def _question_url(quiz: Quiz, attempt: Attempt, n: int) -> str:
    return url_for(".question", quiz_id=quiz.id, attempt_id=attempt.id, n=n)


def _result_url(quiz: Quiz, attempt: Attempt) -> str:
    return url_for(".result", quiz_id=quiz.id, attempt_id=attempt.id)


def _first_unanswered(quiz: Quiz, answers: dict[str, Answer], after: int = 0) -> int | None:
    """The number of the next unanswered question after `after`, wrapping around."""
    count = len(quiz.questions)
    for step in range(1, count + 1):
        n = (after + step - 1) % count + 1
        if quiz.questions[n - 1].id not in answers:
            return n
    return None


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
    return _see_other(_question_url(quiz, attempt, 1))


def _render_question(
    quiz: Quiz,
    attempt: Attempt,
    n: int,
    answers: dict[str, Answer],
    *,
    missing: bool = False,
    tapped: frozenset[str] = frozenset(),
) -> str:
    question = quiz.questions[n - 1]
    answer = answers.get(question.id)
    if answer is not None and question.scenario is not None:
        tapped = scenario_answer(answer.choices)[1]
    next_url = next_label = None
    if answer is not None:
        if attempt.finished:
            next_url, next_label = _result_url(quiz, attempt), gettext("See your result")
        else:
            following = _first_unanswered(quiz, answers, after=n)
            if following is not None:
                next_url = _question_url(quiz, attempt, following)
                next_label = gettext("Next question")
    return render_template(
        "question.html",
        quiz=quiz,
        attempt=attempt,
        n=n,
        total=len(quiz.questions),
        question=question,
        choices=_shown(attempt, question, answer),
        answer=answer,
        grade=grade_of(question, answer),
        tapped=tapped,
        missing=missing,
        action=_question_url(quiz, attempt, n),
        next_url=next_url,
        next_label=next_label,
    )


@bp.get("/q/<quiz_id>/a/<attempt_id>/<int:n>")
def question(quiz_id: str, attempt_id: str, n: int) -> str | BaseResponse:
    quiz = _quiz_or_404(quiz_id)
    attempt, answers = _attempt_or_400(quiz, attempt_id)
    if not 1 <= n <= len(quiz.questions):
        abort(404)
    if attempt.finished and quiz.questions[n - 1].id not in answers:
        return redirect(_result_url(quiz, attempt))
    return _render_question(quiz, attempt, n, answers)


@bp.post("/q/<quiz_id>/a/<attempt_id>/<int:n>")
def answer(quiz_id: str, attempt_id: str, n: int) -> tuple[str, int] | BaseResponse:
    """Store an answer. The attempt is not read first: the insert itself checks that it is
    open and of this quiz (Store.record_answer). A resubmit (the back button) keeps the first
    answer and shows its feedback; a form sent with nothing chosen is shown again. The form
    carries no CSRF token: another site's post is refused by origin.py (and would not carry
    the session cookie that names the attempt)."""
    refuse_cross_site()
    quiz = _quiz_or_404(quiz_id)
    if attempt_id not in _remembered() or not 1 <= n <= len(quiz.questions):
        abort(400)
    question = quiz.questions[n - 1]
    raw = request.form.getlist("choice")
    flags = request.form.getlist("flag")
    tapped = frozenset(flags)
    scenario = question.scenario
    if scenario is None and flags:
        abort(400)
    if scenario is not None and (len(tapped) != len(flags) or not tapped <= set(scenario.tappable)):
        abort(400)
    if not raw:
        attempt, answers = _attempt_or_400(quiz, attempt_id)
        if question.id in answers:
            return _see_other(_question_url(quiz, attempt, n))
        if attempt.finished:
            abort(400)
        return _render_question(quiz, attempt, n, answers, missing=True, tapped=tapped), 400
    keys = set(raw)
    known = {c.key for c in question.choices}
    if len(keys) != len(raw) or not keys <= known:
        abort(400)
    if question.type != "multiple" and len(keys) != 1:
        abort(400)
    credit = None
    if scenario is not None:
        (verdict,) = keys
        grade = scenario.grade(verdict, tapped)
        keys, credit = set(scenario_keys(verdict, tapped)), grade.credit
    try:
        get_store().record_answer(
            attempt_id,
            question.id,
            position=n,
            choices=keys,
            correct=question.is_correct(keys),
            credit=credit,
            quiz_id=quiz.id,
        )
    except (AttemptFinished, KeyError):
        abort(400)
    return _see_other(url_for(".question", quiz_id=quiz.id, attempt_id=attempt_id, n=n))


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
        return redirect(_question_url(quiz, attempt, _first_unanswered(quiz, answers) or 1))
    review = [
        Reviewed(n, q, _shown(attempt, q, answers.get(q.id)), answers.get(q.id))
        for n, q in enumerate(quiz.questions, start=1)
    ]
    score = attempt.score or 0
    total = attempt.question_count
    lesson = get_catalog().lessons.get(quiz.lesson) if quiz.lesson else None
    return render_template(
        "result.html",
        quiz=quiz,
        attempt=attempt,
        score=score,
        total=total,
        message=score_message(score, total),
        review=review,
        lesson=lesson,
    )
