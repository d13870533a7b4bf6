"""Every aggregate of the results pages, computed by the database.

All queries are SQLAlchemy Core expressions that compile to plain SQL on SQLite and on
PostgreSQL alike: COUNT, SUM, CASE, GROUP BY and a join, with no dialect switch. They return a
few rows each (one per quiz, week, source label or question), never the attempts themselves;
Python only adds up those rows (quizzes into topics) and turns sums into percentages.

An attempt belongs to a period by its `started_at` (indexed). "Finished" counts attempts of the
period that were finished, whenever that was.

Week numbers are computed in SQL, portably: SQLAlchemy compiles EXTRACT(epoch) and
EXTRACT(second) for each database (STRFTIME('%s') and STRFTIME('%S') on SQLite), so
``CAST(epoch - second AS BIGINT)`` is the start of the attempt's minute in whole seconds since
1970 on both; subtracting the period's first instant and dividing (integer division, both
operands non-negative integers) by the seconds of a week gives the week number. Period bounds
fall on whole hours, so cutting seconds off never moves an attempt across a boundary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from ..content.model import FLAG_PREFIX
from ..live.tables import live_sessions
from ..store import answers, attempts
from .discrimination import ItemSums
from .period import SECONDS_PER_WEEK, Period

__all__ = [
    "LiveSessionRow",
    "QuestionStats",
    "Totals",
    "percent",
    "live_sessions_of",
    "question_stats",
    "quiz_totals",
    "source_quiz_totals",
    "source_totals",
    "weekly_totals",
    "wrong_choices",
]


def percent(part: int, whole: int) -> int | None:
    """part / whole as a whole percentage, rounded half up, exactly (integers only)."""
    if whole <= 0:
        return None
    return (200 * part + whole) // (2 * whole)


@dataclass(frozen=True)
class Totals:
    """Attempts of a group (a quiz, a week, a source...).

    ``right`` and ``questions`` add up the score and the number of questions of the finished
    attempts: the average score is right / questions, which for one quiz is the mean score in
    percent, and across quizzes weighs each quiz by its length.
    """

    started: int = 0
    finished: int = 0
    right: int = 0
    questions: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.started + other.started,
            self.finished + other.finished,
            self.right + other.right,
            self.questions + other.questions,
        )

    @property
    def average(self) -> int | None:
        """Average score of the finished attempts, in whole percent."""
        return percent(self.right, self.questions)


def total(items: Iterable[Totals]) -> Totals:
    result = Totals()
    for item in items:
        result = result + item
    return result


@dataclass(frozen=True)
class QuestionStats:
    """One question over the attempts of a period: every recorded answer counts for the share
    right; only finished attempts count for the discrimination sums."""

    answered: int = 0
    right: int = 0
    sums: ItemSums = field(default_factory=ItemSums)

    @property
    def wrong(self) -> int:
        return self.answered - self.right

    @property
    def share_right(self) -> int | None:
        return percent(self.right, self.answered)


# -- building blocks ----------------------------------------------------------------------


def in_period(period: Period) -> sa.ColumnElement[bool]:
    return sa.and_(attempts.c.started_at >= period.start, attempts.c.started_at < period.end)


def _totals_columns(t: sa.FromClause) -> list[sa.ColumnElement[int]]:
    """started, finished, right, questions over the rows of ``t`` (attempts or a subquery with
    its finished_at, score and question_count)."""
    finished = t.c.finished_at.is_not(None)
    return [
        sa.func.count().label("started"),
        sa.func.count(t.c.finished_at).label("finished"),
        sa.func.coalesce(
            sa.func.sum(sa.case((finished, sa.func.coalesce(t.c.score, 0)), else_=0)), 0
        ).label("right"),
        sa.func.coalesce(sa.func.sum(sa.case((finished, t.c.question_count), else_=0)), 0).label(
            "questions"
        ),
    ]


def _totals(row: sa.Row) -> Totals:
    return Totals(int(row.started), int(row.finished), int(row.right), int(row.questions))


def week_number(period: Period, column: sa.ColumnElement[object]) -> sa.ColumnElement[int]:
    """The week of the period (0, 1, ...) that a timestamp of the period falls in."""
    minute_start = sa.cast(
        sa.extract("epoch", column) - sa.extract("second", column), sa.BigInteger
    )
    return (minute_start - sa.literal(period.start_epoch, sa.BigInteger)) // SECONDS_PER_WEEK


# -- queries --------------------------------------------------------------------------------


def quiz_totals(conn: sa.Connection, period: Period) -> dict[str, Totals]:
    """Totals per quiz id."""
    query = (
        sa.select(attempts.c.quiz_id, *_totals_columns(attempts))
        .where(in_period(period))
        .group_by(attempts.c.quiz_id)
    )
    return {row.quiz_id: _totals(row) for row in conn.execute(query)}


def weekly_totals(conn: sa.Connection, period: Period) -> dict[int, Totals]:
    """Totals per week number (weeks without attempts are missing)."""
    rows = (
        sa.select(
            week_number(period, attempts.c.started_at).label("week"),
            attempts.c.finished_at,
            attempts.c.score,
            attempts.c.question_count,
        )
        .where(in_period(period))
        .subquery("period_attempts")
    )
    query = sa.select(rows.c.week, *_totals_columns(rows)).group_by(rows.c.week)
    return {int(row.week): _totals(row) for row in conn.execute(query)}


def source_totals(conn: sa.Connection, period: Period) -> dict[str | None, Totals]:
    """Totals per `src` label (None: attempts that came without a label)."""
    query = (
        sa.select(attempts.c.src, *_totals_columns(attempts))
        .where(in_period(period))
        .group_by(attempts.c.src)
    )
    return {row.src: _totals(row) for row in conn.execute(query)}


def source_quiz_totals(conn: sa.Connection, period: Period) -> dict[tuple[str | None, str], Totals]:
    """Totals per (`src` label, quiz id): which leaflet brought people in at which place."""
    query = (
        sa.select(attempts.c.src, attempts.c.quiz_id, *_totals_columns(attempts))
        .where(in_period(period))
        .group_by(attempts.c.src, attempts.c.quiz_id)
    )
    return {(row.src, row.quiz_id): _totals(row) for row in conn.execute(query)}


def question_stats(
    conn: sa.Connection, period: Period, quiz_id: str | None = None
) -> dict[tuple[str, str], QuestionStats]:
    """Per (quiz id, question id): answers, right answers and the discrimination sums over
    finished attempts (see discrimination.py). One quiz, or every quiz when quiz_id is None."""
    right = answers.c.correct.is_(True)
    finished = attempts.c.finished_at.is_not(None)
    x = sa.case((right, 1), else_=0)
    rest = sa.func.coalesce(attempts.c.score, 0) - x
    query = (
        sa.select(
            attempts.c.quiz_id,
            answers.c.question_id,
            sa.func.count().label("answered"),
            sa.func.sum(x).label("right"),
            sa.func.sum(sa.case((finished, 1), else_=0)).label("n"),
            sa.func.sum(sa.case((sa.and_(finished, right), 1), else_=0)).label("sx"),
            sa.func.sum(sa.case((finished, rest), else_=0)).label("sy"),
            sa.func.sum(sa.case((sa.and_(finished, right), rest), else_=0)).label("sxy"),
            sa.func.sum(sa.case((finished, rest * rest), else_=0)).label("syy"),
        )
        .select_from(answers.join(attempts, attempts.c.id == answers.c.attempt_id))
        .where(in_period(period))
        .group_by(attempts.c.quiz_id, answers.c.question_id)
    )
    if quiz_id is not None:
        query = query.where(attempts.c.quiz_id == quiz_id)
    found = {}
    for row in conn.execute(query):
        sums = ItemSums(int(row.n), int(row.sx), int(row.sy), int(row.sxy), int(row.syy))
        found[(row.quiz_id, row.question_id)] = QuestionStats(
            int(row.answered), int(row.right), sums
        )
    return found


def wrong_choices(
    conn: sa.Connection, period: Period, quiz_id: str | None = None
) -> dict[tuple[str, str], list[tuple[frozenset[str], int]]]:
    """Per (quiz id, question id): each wrong answer given (the set of choice keys ticked)
    with how many gave it, most chosen first (ties in key order)."""
    query = (
        sa.select(
            attempts.c.quiz_id,
            answers.c.question_id,
            answers.c.choices,
            sa.func.count().label("times"),
        )
        .select_from(answers.join(attempts, attempts.c.id == answers.c.attempt_id))
        .where(in_period(period), answers.c.correct.is_(False))
        .group_by(attempts.c.quiz_id, answers.c.question_id, answers.c.choices)
    )
    if quiz_id is not None:
        query = query.where(attempts.c.quiz_id == quiz_id)
    merged: dict[tuple[str, str], dict[frozenset[str], int]] = {}
    for row in conn.execute(query):
        # A scenario answer also lists the parts tapped ("f:<part>"); what was wrong is its
        # verdict, so answers that differ only in the parts tapped count as one.
        keys = frozenset(k for k in row.choices.split(",") if k and not k.startswith(FLAG_PREFIX))
        counts = merged.setdefault((row.quiz_id, row.question_id), {})
        counts[keys] = counts.get(keys, 0) + int(row.times)
    found: dict[tuple[str, str], list[tuple[frozenset[str], int]]] = {}
    for question, counts in merged.items():
        found[question] = sorted(counts.items(), key=lambda item: (-item[1], sorted(item[0])))
    return found


@dataclass(frozen=True)
class LiveSessionRow:
    id: str
    quiz_id: str
    kind: str  # "none", "before" or "after"
    status: str
    created_at: datetime


def live_sessions_of(conn: sa.Connection, period: Period, trainer_id: int) -> list[LiveSessionRow]:
    """The live sessions a trainer created in the period, newest first (the live-session
    reports are the trainer's own: canhgiac/web/trainer_reports.py)."""
    query = (
        sa.select(
            live_sessions.c.id,
            live_sessions.c.quiz_id,
            live_sessions.c.kind,
            live_sessions.c.status,
            live_sessions.c.created_at,
        )
        .where(
            live_sessions.c.trainer_id == trainer_id,
            live_sessions.c.created_at >= period.start,
            live_sessions.c.created_at < period.end,
        )
        .order_by(live_sessions.c.created_at.desc(), live_sessions.c.id)
    )
    return [LiveSessionRow(**row._mapping) for row in conn.execute(query)]
