"""The store's tables (attempts and answers; the live sessions' are in canhgiac/live/tables.py,
on the same metadata), and the statements every quiz start, question, answer and result page
runs, built once. The schema is versioned with Alembic migrations (canhgiac/migrations); a test
checks that they build exactly these tables.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

attempts = sa.Table(
    "attempts",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("quiz_id", sa.String(64), nullable=False),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("src", sa.String(64), nullable=True),
    sa.Column("seed", sa.Integer, nullable=False),
    sa.Column("question_count", sa.Integer, nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Column("score", sa.Integer, nullable=True),
    sa.Index("ix_attempts_quiz_started", "quiz_id", "started_at"),
    sa.Index("ix_attempts_started", "started_at"),
    sa.Index("ix_attempts_src", "src"),
)

answers = sa.Table(
    "answers",
    metadata,
    sa.Column(
        "attempt_id",
        sa.String(32),
        sa.ForeignKey("attempts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("question_id", sa.String(64), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("choices", sa.String(200), nullable=False),
    sa.Column("correct", sa.Boolean, nullable=False),
    sa.Column("answered_at", sa.DateTime, nullable=False),
    # Credit in percent: 100 for a right answer, 0 for a wrong one, in between for partial
    # credit (a scenario whose verdict is right but whose red flags were not all found).
    sa.Column("credit", sa.SmallInteger, nullable=False, server_default="0"),
)


#: A new attempt: the columns a start sets (the others are NULL until it is finished).
INSERT_ATTEMPT = attempts.insert().values(
    {
        name: sa.bindparam(name, type_=attempts.c[name].type)
        for name in ("id", "quiz_id", "lang", "src", "seed", "question_count", "started_at")
    }
)
_ATTEMPT_ID = sa.bindparam("attempt_id", type_=sa.String)
#: The attempt's columns, then one row per answer (or one row of NULLs when none).
ATTEMPT_COLUMNS = tuple(c.name for c in attempts.c)
ATTEMPT_AND_ANSWERS = (
    # Not the answers' times: no page shows them, and reading SQLite's text dates is slow.
    sa.select(
        attempts,
        answers.c.question_id,
        answers.c.position,
        answers.c.choices,
        answers.c.correct,
        answers.c.credit,
    )
    .select_from(attempts.outerjoin(answers, answers.c.attempt_id == attempts.c.id))
    .where(attempts.c.id == _ATTEMPT_ID)
    .order_by(answers.c.position)
)


def _insert_answer(*, of_quiz: bool) -> sa.Insert:
    """The answer, only while its attempt is open (unfinished), and with `of_quiz` only if the
    attempt is of that quiz. Returns, if stored, the question id, how many other answers the
    attempt has (`others`: what this statement sees; counted without this question's row,
    which SQLite's RETURNING would see and PostgreSQL's would not) and its question count."""
    attempt_is = [attempts.c.id == _ATTEMPT_ID, attempts.c.finished_at.is_(None)]
    if of_quiz:
        attempt_is.append(attempts.c.quiz_id == sa.bindparam("quiz_id", type_=sa.String))
    return (
        answers.insert()
        .from_select(
            [
                "attempt_id",
                "question_id",
                "position",
                "choices",
                "correct",
                "answered_at",
                "credit",
            ],
            sa.select(
                _ATTEMPT_ID,
                sa.bindparam("question_id", type_=sa.String),
                sa.bindparam("position", type_=sa.Integer),
                sa.bindparam("choices", type_=sa.String),
                sa.bindparam("correct", type_=sa.Boolean),
                sa.bindparam("answered_at", type_=sa.DateTime),
                sa.bindparam("credit", type_=sa.SmallInteger),
            ).where(sa.exists().where(*attempt_is)),
        )
        .returning(
            answers.c.question_id,
            sa.select(sa.func.count())
            .select_from(answers)
            .where(
                answers.c.attempt_id == _ATTEMPT_ID,
                answers.c.question_id != sa.bindparam("question_id", type_=sa.String),
            )
            .scalar_subquery()
            .label("others"),
            sa.select(attempts.c.question_count)
            .where(attempts.c.id == _ATTEMPT_ID)
            .scalar_subquery()
            .label("question_count"),
        )
    )


INSERT_ANSWER = _insert_answer(of_quiz=False)
INSERT_ANSWER_OF_QUIZ = _insert_answer(of_quiz=True)
#: Finish and score the attempt once every question is answered.
FINISH_IF_COMPLETE = (
    attempts.update()
    .where(
        attempts.c.id == _ATTEMPT_ID,
        attempts.c.finished_at.is_(None),
        sa.select(sa.func.count())
        .select_from(answers)
        .where(answers.c.attempt_id == _ATTEMPT_ID)
        .scalar_subquery()
        >= attempts.c.question_count,
    )
    .values(
        finished_at=sa.bindparam("now", type_=sa.DateTime),
        score=sa.select(sa.func.count())
        .select_from(answers)
        .where(answers.c.attempt_id == _ATTEMPT_ID, answers.c.correct.is_(True))
        .scalar_subquery(),
    )
)


# The live-session tables share this metadata (canhgiac/live/tables.py). Importing them here
# keeps `metadata` complete wherever the store is used, e.g. when migrations are compared to it.
from .live import tables as _live_tables  # noqa: E402, F401
