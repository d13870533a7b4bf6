"""What an attempt's pages show and what an answer form may say, worked out without Flask.

The quiz's views (quiz.py) and the attempt lane in front of Flask (lane.py) both call these,
so a page or an answer is judged the same way whichever of them handles it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from ..content.model import (
    FALSE_KEY,
    FLAG_PREFIX,
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
from ..store import Answer, Attempt, Store

#: Where a browser's session keeps the ids of the attempts it started.
SESSION_KEY = "attempts"
#: How many attempt ids a browser remembers (the oldest are forgotten first).
MAX_REMEMBERED = 20
#: A leaflet or place label from the QR code, e.g. `?src=cho-giao-phong`.
SRC_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
#: What follows an answered question: the next unanswered one, or the result.
RESULT = "result"


class Refused(Exception):
    """An answer form no page of the kit sends: forged, or from a changed quiz (a 400)."""


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


def remembered(session: Mapping[str, object]) -> list[str]:
    """The attempt ids a browser's session names (whatever else a forged one holds)."""
    ids = session.get(SESSION_KEY)
    if not isinstance(ids, list):
        return []
    return [x for x in ids if isinstance(x, str)]


def clean_src(value: str | None) -> str | None:
    """The `src` label when it is well formed, else None."""
    if value and SRC_PATTERN.fullmatch(value):
        return value
    return None


def remember(session: Mapping[str, object], attempt_id: str) -> list[str]:
    """The attempt ids to keep in the session once this one has started: the newest last, the
    oldest forgotten first."""
    ids = [x for x in remembered(session) if x != attempt_id]
    ids.append(attempt_id)
    return ids[-MAX_REMEMBERED:]


def ordered_choices(attempt: Attempt, question: Question) -> list[Choice]:
    """The choices in this attempt's order: shuffled per attempt, stable within it.
    True/false questions always read True, then False; scenarios Scam, then Safe."""
    if question.type in ("truefalse", "scenario"):
        rank = {TRUE_KEY: 0, FALSE_KEY: 1, SCAM_KEY: 0, SAFE_KEY: 1}
        return sorted(question.choices, key=lambda c: rank.get(c.key, 2))
    order = _shuffled(attempt.seed, question.id, len(question.choices))
    return [question.choices[i] for i in order]


@lru_cache(maxsize=4096)
def _shuffled(seed: int, question_id: str, count: int) -> tuple[int, ...]:
    """Positions 0..count-1 shuffled by the attempt's seed and the question (a page's worth of
    hashing and Mersenne Twister seeding, done once per attempt and question)."""
    positions = list(range(count))
    random.Random(f"{seed}:{question_id}").shuffle(positions)
    return tuple(positions)


def shown(attempt: Attempt, question: Question, answer: Answer | None) -> list[ShownChoice]:
    """The choices in this attempt's order, each marked chosen or not."""
    return _marked(ordered_choices(attempt, question), answer)


def _marked(choices: Iterable[Choice], answer: Answer | None) -> list[ShownChoice]:
    chosen = answer.choices if answer else frozenset()
    return [ShownChoice(c, c.key in chosen) for c in choices]


def first_unanswered(quiz: Quiz, answers: Mapping[str, Answer], after: int = 0) -> int | None:
    """The number of the next unanswered question after `after`, wrapping around."""
    count = len(quiz.questions)
    for step in range(1, count + 1):
        n = (after + step - 1) % count + 1
        if quiz.questions[n - 1].id not in answers:
            return n
    return None


def next_after(
    quiz: Quiz, attempt: Attempt, n: int, answers: Mapping[str, Answer]
) -> int | str | None:
    """Where question n's page leads once answered: the next unanswered question, the result
    (RESULT) when the attempt is finished, or nowhere (not answered, or answered last of all
    and the finish not yet seen)."""
    if quiz.questions[n - 1].id not in answers:
        return None
    if attempt.finished:
        return RESULT
    return first_unanswered(quiz, answers, after=n)


class QuestionView(NamedTuple):
    """All that a question page shows of an attempt besides its id: `page`, the rest of the
    page but for the order of the choices, and `order`, the choices' keys in this attempt's
    order. lane.py keeps a page by `page` and puts its choices in `order`."""

    page: Hashable
    order: tuple[str, ...]


def question_view(
    quiz: Quiz, attempt: Attempt, n: int, answers: Mapping[str, Answer]
) -> QuestionView | None:
    """What question n's page shows of this attempt, or None when the address shows no page
    (another quiz's attempt, a question out of range, or an unanswered one of a finished
    attempt, which leads to the result)."""
    if attempt.quiz_id != quiz.id or not 1 <= n <= len(quiz.questions):
        return None
    question = quiz.questions[n - 1]
    answer = answers.get(question.id)
    if attempt.finished and answer is None:
        return None
    order = tuple(c.key for c in ordered_choices(attempt, question))
    return QuestionView((quiz.id, n, _stored(answer), next_after(quiz, attempt, n, answers)), order)


class ResultView(NamedTuple):
    """All that a result page shows of an attempt besides its id and `src` label: `head`, the
    page but for the questions reviewed, and `items`, what each question's review shows.
    lane.py keeps the page's head by `head` and each review by its item."""

    head: Hashable
    items: tuple[Hashable, ...]


def result_view(quiz: Quiz, attempt: Attempt, answers: Mapping[str, Answer]) -> ResultView | None:
    """What the result page shows of this attempt, or None when the address shows none
    (another quiz's attempt, or one not finished, which leads to its next question)."""
    if attempt.quiz_id != quiz.id or not attempt.finished:
        return None
    head = (quiz.id, attempt.score or 0, attempt.question_count)
    items = tuple(
        (quiz.id, n, _reviewed_as(q, answers.get(q.id)))
        for n, q in enumerate(quiz.questions, start=1)
    )
    return ResultView(head, items)


def _reviewed_as(question: Question, answer: Answer | None) -> Hashable:
    """What a question's review (templates/_review.html) shows of its answer: right or not,
    the choices chosen and, for a scenario, how many red flags were found (not which: the
    review lists the message's flags, whichever were marked; Scenario.grade's `found`). A key
    may tell apart answers whose reviews are the same (a question's stored keys, not those of
    its choices now), never the other way round."""
    if answer is None:
        return None
    scenario = question.scenario
    if scenario is None:
        return (answer.correct, answer.choices)
    keys = answer.choices  # the verdict and FLAG_PREFIX + each part tapped (scenario_answer)
    chosen = tuple(c.key for c in question.choices if c.key in keys)
    return (answer.correct, chosen, sum(1 for f in scenario.flags if FLAG_PREFIX + f.part in keys))


def reviewed(quiz: Quiz, answers: Mapping[str, Answer]) -> list[Reviewed]:
    """The questions on the result page, each with its choices in the quiz's own order (the
    same for every attempt, so that a review depends only on the answer)."""
    return [
        Reviewed(n, q, _marked(q.choices, answers.get(q.id)), answers.get(q.id))
        for n, q in enumerate(quiz.questions, start=1)
    ]


def _stored(answer: Answer | None) -> Hashable:
    return None if answer is None else (answer.choices, answer.correct, answer.credit)


def answer_from_form(
    question: Question, raw: list[str], flags: list[str]
) -> tuple[frozenset[str], int | None] | None:
    """The keys to store for a question's answer form and its credit (None: the default for
    right or wrong), or None when nothing was chosen. Raises Refused for a form no page sends.

    A scenario question (a message to judge, see templates/_scenario.html) posts its verdict
    as `choice` (scam or safe) and every part marked as suspicious as `flag` (a part id); it is
    stored as the verdict plus "f:<part id>" keys, with the partial credit of Scenario.grade.
    """
    tapped = frozenset(flags)
    scenario = question.scenario
    if scenario is None and flags:
        raise Refused("flags on a question without a message")
    if scenario is not None and (len(tapped) != len(flags) or not tapped <= set(scenario.tappable)):
        raise Refused("a flag twice, or one the message does not have")
    if not raw:
        return None
    keys = frozenset(raw)
    if len(keys) != len(raw) or not keys <= {c.key for c in question.choices}:
        raise Refused("a choice twice, or one the question does not have")
    if question.type != "multiple" and len(keys) != 1:
        raise Refused("more than one choice for a one-answer question")
    if scenario is None:
        return keys, None
    (verdict,) = keys
    return scenario_keys(verdict, tapped), scenario.grade(verdict, tapped).credit


def record(
    store: Store, quiz: Quiz, n: int, attempt_id: str, keys: frozenset[str], credit: int | None
) -> Answer:
    """Store the answer to question n that answer_from_form gave; returns the answer as stored
    (a second answer keeps the first). Raises AttemptFinished for a finished attempt and
    KeyError for an unknown one or one of another quiz (the insert itself checks:
    Store.record_answer)."""
    question = quiz.questions[n - 1]
    stored, _created = store.record_answer(
        attempt_id,
        question.id,
        position=n,
        choices=keys,
        correct=question.is_correct(keys),
        credit=credit,
        quiz_id=quiz.id,
    )
    return stored
