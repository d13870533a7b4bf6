"""The store: anonymous quiz attempts and answers, in SQLite (default) or PostgreSQL.

Nothing personal is kept: an attempt is a random id, the quiz, the language, the `src` label of
the leaflet or market that brought the resident in, and the answers. The schema is versioned
with Alembic migrations (canhgiac/migrations), which run the same on both databases. The tables
and the statements run most are in schema.py, the engine and its compiled statements in
engine.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import PoolProxiedConnection

from .engine import CompiledStatement, checked_out, make_engine
from .schema import (
    ATTEMPT_AND_ANSWERS,
    ATTEMPT_COLUMNS,
    FINISH_IF_COMPLETE,
    INSERT_ANSWER,
    INSERT_ANSWER_OF_QUIZ,
    INSERT_ATTEMPT,
    answers,
    attempts,
)

MIGRATIONS = Path(__file__).parent / "migrations"
EXTENSION_KEY = "canhgiac.store"


class StoreError(Exception):
    """The database cannot be used as it is; the message says what to do."""


class AttemptFinished(Exception):
    """An answer arrived for an attempt that is already finished."""


def utcnow() -> datetime:
    """Naive UTC, the one time format the store keeps (the same on SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Attempt:
    id: str
    quiz_id: str
    lang: str
    src: str | None
    seed: int
    question_count: int
    started_at: datetime
    finished_at: datetime | None
    score: int | None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


@dataclass(frozen=True)
class Answer:
    question_id: str
    position: int
    choices: frozenset[str]
    correct: bool
    credit: int = 0


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        # The quiz's reads and writes on PostgreSQL: each statement committed as it ends
        # (autocommit), which saves the BEGIN and COMMIT round trips of every page read, quiz
        # start and answer. SQLite's driver already reads without a transaction, and a
        # write's transaction is cheap (and setting autocommit on it would cost a PRAGMA per
        # use). The hot statements run on the pool's connection (`_hot`, engine.checked_out);
        # the rest on `direct`, SQLAlchemy's Connection set the same way.
        self._autocommit = self.engine.dialect.name == "postgresql"
        self.direct = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self._autocommit
            else self.engine
        )
        dialect = self.engine.dialect
        self._attempt_read = CompiledStatement(ATTEMPT_AND_ANSWERS, dialect)
        self._insert_attempt = CompiledStatement(INSERT_ATTEMPT, dialect)
        self._insert_answer = CompiledStatement(INSERT_ANSWER, dialect)
        self._insert_answer_of_quiz = CompiledStatement(INSERT_ANSWER_OF_QUIZ, dialect)
        self._finish = CompiledStatement(FINISH_IF_COMPLETE, dialect)

    def _hot(self, *, write: bool) -> AbstractContextManager[PoolProxiedConnection]:
        """The pool's connection for the statements every quiz page, start and answer runs."""
        return checked_out(self.engine, autocommit=self._autocommit, write=write)

    # -- schema ---------------------------------------------------------------------------
    def _alembic(self, connection: sa.Connection) -> AlembicConfig:
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = connection
        return cfg

    def schema_revision(self) -> tuple[str | None, str]:
        """(the database's revision or None when empty, the newest revision)."""
        with self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
            head = ScriptDirectory.from_config(self._alembic(conn)).get_current_head()
        assert head is not None
        return current, head

    def upgrade(self) -> tuple[str | None, str]:
        """Apply every pending migration. Returns (revision before, revision after)."""
        before, head = self.schema_revision()
        with self.engine.begin() as conn:
            command.upgrade(self._alembic(conn), "head")
        return before, head

    def check_schema(self, *, create_if_empty: bool) -> None:
        current, head = self.schema_revision()
        if current == head:
            return
        if current is None and create_if_empty:
            self.upgrade()
            return
        state = "has no tables yet" if current is None else f"is at revision {current}"
        raise StoreError(
            f"the database schema is out of date (it {state}, the code needs {head}): "
            "run `canhgiac db upgrade`"
        )

    def dispose(self) -> None:
        self.engine.dispose()

    # -- attempts -------------------------------------------------------------------------
    def create_attempt(
        self, quiz_id: str, *, lang: str, src: str | None, question_count: int
    ) -> Attempt:
        attempt = Attempt(
            id=secrets.token_urlsafe(16),
            quiz_id=quiz_id,
            lang=lang,
            src=src,
            seed=secrets.randbelow(2**31),
            question_count=question_count,
            started_at=utcnow(),
            finished_at=None,
            score=None,
        )
        with self._hot(write=True) as conn:
            self._insert_attempt.rows(
                conn,
                {
                    "id": attempt.id,
                    "quiz_id": quiz_id,
                    "lang": lang,
                    "src": src,
                    "seed": attempt.seed,
                    "question_count": question_count,
                    "started_at": attempt.started_at,
                },
            )
        return attempt

    def attempt(self, attempt_id: str) -> Attempt | None:
        return self.attempt_and_answers(attempt_id)[0]

    def answers(self, attempt_id: str) -> dict[str, Answer]:
        return self.attempt_and_answers(attempt_id)[1]

    def attempt_and_answers(self, attempt_id: str) -> tuple[Attempt | None, dict[str, Answer]]:
        """The attempt (None if unknown) and its answers, in one query: what every question,
        answer and result page reads."""
        attempt, found = self._attempt_and_answers(attempt_id)
        open_ = attempt is not None and attempt.finished_at is None
        if open_ and len(found) >= attempt.question_count:  # type: ignore[union-attr]
            # Every question answered, but the finish did not run (see record_answer).
            with self._hot(write=True) as conn:
                self._finish_if_complete(conn, attempt_id, utcnow())
            attempt, found = self._attempt_and_answers(attempt_id)
        return attempt, found

    def _attempt_and_answers(self, attempt_id: str) -> tuple[Attempt | None, dict[str, Answer]]:
        read = self._attempt_read
        with self._hot(write=False) as conn:
            rows = read.rows(conn, {"attempt_id": attempt_id})
        if not rows:
            return None, {}
        # The attempt's columns, then the answer's (ATTEMPT_AND_ANSWERS), read by position:
        # a page reads every answer of the attempt, and by name costs a lookup per column.
        # The attempt's are the same in every row: converted once, from the first. The
        # answer's are strings and integers, as every driver returns them (`correct` too, on
        # SQLite: read with bool()), so they need no conversion.
        width = len(ATTEMPT_COLUMNS)
        attempt = Attempt(
            **dict(zip(ATTEMPT_COLUMNS, read.convert(rows[0], 0, width), strict=True))
        )
        found = {
            question_id: Answer(question_id, position, stored_keys(keys), bool(correct), credit)
            for question_id, position, keys, correct, credit in (r[width:] for r in rows)
            if question_id is not None
        }
        return attempt, found

    def record_answer(
        self,
        attempt_id: str,
        question_id: str,
        *,
        position: int,
        choices: Iterable[str],
        correct: bool,
        credit: int | None = None,
        quiz_id: str | None = None,
    ) -> tuple[Answer, bool]:
        """Store one answer; returns (the stored answer, whether this call stored it).

        Idempotent: a second answer to the same question keeps the first. When the last
        question is answered, the attempt is finished and scored.
        Raises AttemptFinished for a finished attempt and KeyError for an unknown one (or,
        with ``quiz_id``, one of another quiz): the checks are in the insert itself, so the
        caller need not read the attempt first.
        ``credit`` (0-100) defaults to 100 for a right answer and 0 for a wrong one.

        The insert returns how many other answers the attempt had and how many questions it
        has, so the finish (a second statement, a round trip on PostgreSQL) runs only for the
        last two answers of an attempt, not for every one.

        On PostgreSQL the insert and the finish are two statements, each committed as it ends
        (no BEGIN/COMMIT round trips). That is also what makes the finish right when the last
        two answers of an attempt come at once (two tabs): in one transaction each, under READ
        COMMITTED, neither would see the other's answer and the attempt would stay open; here
        both see that they are among the last two, and whichever finish runs last sees both
        answers. Should the process die between the two statements (or three tabs send the
        last three answers at once), the next read of the attempt finishes it
        (attempt_and_answers). On SQLite both are one transaction, and writers take turns.
        """
        if credit is None:
            credit = 100 if correct else 0
        if not 0 <= credit <= 100:
            raise ValueError(f"credit must be 0-100, not {credit}")
        now = utcnow()
        keys = ",".join(sorted(set(choices)))
        values = {
            "attempt_id": attempt_id,
            "question_id": question_id,
            "position": position,
            "choices": keys,
            "correct": correct,
            "answered_at": now,
            "credit": credit,
        }
        if quiz_id is None:
            statement = self._insert_answer
        else:
            statement, values["quiz_id"] = self._insert_answer_of_quiz, quiz_id
        try:
            with self._hot(write=True) as conn:
                inserted = statement.rows(conn, values)
                created = bool(inserted)
                if created:
                    _question_id, others, question_count = inserted[0]
                    if others + 2 >= question_count:
                        self._finish_if_complete(conn, attempt_id, now)
        except IntegrityError:
            created = False
        if created:
            # Stored just now, as given: no need to read it back.
            stored = Answer(question_id, position, stored_keys(keys), bool(correct), credit)
            return stored, True
        with self.direct.connect() as conn:
            row = conn.execute(
                answers.select().where(
                    answers.c.attempt_id == attempt_id, answers.c.question_id == question_id
                )
            ).first()
            if row is None:
                found = conn.execute(
                    sa.select(attempts.c.quiz_id).where(attempts.c.id == attempt_id)
                ).first()
                if found is None or quiz_id not in (None, found.quiz_id):
                    raise KeyError(attempt_id)
                raise AttemptFinished(attempt_id)
        return _answer(row), created

    def _finish_if_complete(
        self, conn: PoolProxiedConnection, attempt_id: str, now: datetime
    ) -> None:
        self._finish.rows(conn, {"attempt_id": attempt_id, "now": now})


@lru_cache(maxsize=4096)
def stored_keys(stored: str) -> frozenset[str]:
    """The choice keys of an answer as stored ("a,c"); answers repeat, and every page of an
    attempt reads all of its answers."""
    return frozenset(k for k in stored.split(",") if k)


def _answer(row: sa.Row) -> Answer:
    return Answer(
        question_id=row.question_id,
        position=row.position,
        choices=stored_keys(row.choices),
        correct=bool(row.correct),
        credit=row.credit,
    )


def init_app(app: Flask) -> None:
    """Open the store for the app; create the SQLite database on first run; refuse to run on an
    out-of-date schema."""
    url = app.config["DATABASE_URL"]
    store = Store(url)
    store.check_schema(create_if_empty=url.startswith("sqlite"))
    app.extensions[EXTENSION_KEY] = store


def get_store() -> Store:
    return current_app.extensions[EXTENSION_KEY]  # type: ignore[no-any-return]
