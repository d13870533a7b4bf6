"""The store: anonymous quiz attempts and answers, in SQLite (default) or PostgreSQL.

Nothing personal is kept: an attempt is a random id, the quiz, the language, the `src` label of
the leaflet or market that brought the resident in, and the answers. The schema is versioned
with Alembic migrations (canhgiac/migrations), which run the same on both databases.
"""

from __future__ import annotations

import secrets
import select
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

MIGRATIONS = Path(__file__).parent / "migrations"
EXTENSION_KEY = "canhgiac.store"

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


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = sa.create_engine(url)
    sa.event.listen(engine, "checkout", _drop_if_closed)
    return engine


def _drop_if_closed(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
    """Hand out no pooled connection that the server has closed (a restart, an idle timeout,
    pg_terminate_backend): the pool then opens a new one.

    Instead of `pool_pre_ping`'s `SELECT 1` at every checkout, a round trip that cost a fifth
    of a quiz page's or answer's server CPU (docs/performance.md), this looks at the socket:
    an idle connection has nothing to read unless the server closed it or sent a notice, and
    either way a new connection is the safe choice. go-sql-driver/mysql checks connections
    the same way before reusing them.
    """
    if dbapi_connection.closed or dbapi_connection.broken:
        raise sa.exc.DisconnectionError("the connection is closed")
    if _readable(dbapi_connection.fileno()):
        raise sa.exc.DisconnectionError("the server closed the connection")


def _readable(fd: int) -> bool:
    """Whether the socket has something to read, without waiting."""
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([fd], [], [], 0)[0])
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


class CompiledStatement:
    """A statement that every quiz start, page or answer runs, compiled once for the engine's
    dialect and run on the pooled DBAPI connection: SQLAlchemy still writes the SQL and says
    how to convert each parameter and column (its type's bind and result processors), but its
    work per statement (a cache lookup, an execution context, a result object) is left out.
    Measured in a loop, that work was half of the attempt read on SQLite (0.09 ms against
    0.04) and 0.12 ms of CPU out of 0.25 on PostgreSQL. Errors are raised as SQLAlchemy's
    (IntegrityError for a duplicate, ...); a connection the error shows is broken is not used
    again."""

    def __init__(self, statement: sa.Select[Any] | sa.Insert, dialect: sa.Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.dialect = dialect
        self.sql = str(compiled)
        #: The order of the parameters for a positional paramstyle (SQLite's "?"), else None.
        self.names = compiled.positiontup
        self.binds = {
            name: process
            for name, bind in compiled.binds.items()
            if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        self.processors = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.exported_columns
        )

    def rows(self, conn: sa.Connection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run it; the rows as the driver returns them (see `convert`), none for a statement
        that returns none."""
        given = {
            name: value if value is None or name not in self.binds else self.binds[name](value)
            for name, value in params.items()
        }
        values = given if self.names is None else tuple(given[n] for n in self.names)
        dbapi = conn.connection
        cursor = None
        try:
            cursor = dbapi.cursor()
            cursor.execute(self.sql, values)
            return [] if cursor.description is None else list(cursor.fetchall())
        except self.dialect.loaded_dbapi.Error as exc:
            broken = self.dialect.is_disconnect(exc, dbapi.dbapi_connection, cursor)
            if broken:
                conn.invalidate(exc)
            raise sa.exc.DBAPIError.instance(
                self.sql,
                values,
                exc,
                self.dialect.loaded_dbapi.Error,
                connection_invalidated=broken,
                dialect=self.dialect,
            ) from exc
        finally:
            if cursor is not None:
                cursor.close()

    def convert(self, row: tuple[Any, ...], start: int, stop: int) -> list[Any]:
        """The row's columns start to stop as SQLAlchemy would return them."""
        return [
            value if process is None or value is None else process(value)
            for value, process in zip(row[start:stop], self.processors[start:stop], strict=True)
        ]


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        # The quiz's reads and writes on PostgreSQL: each statement committed as it ends
        # (autocommit), which saves the BEGIN and COMMIT round trips of every page read, quiz
        # start and answer; `direct.begin()` then emits nothing. SQLite's driver already reads
        # without a transaction, and a write's transaction is cheap (and setting autocommit on
        # it would cost a PRAGMA per use).
        self.direct = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.engine.dialect.name == "postgresql"
            else self.engine
        )
        dialect = self.engine.dialect
        self._attempt_read = CompiledStatement(_ATTEMPT_AND_ANSWERS, dialect)
        self._insert_attempt = CompiledStatement(_INSERT_ATTEMPT, dialect)
        self._insert_answer = CompiledStatement(_INSERT_ANSWER, dialect)
        self._insert_answer_of_quiz = CompiledStatement(_INSERT_ANSWER_OF_QUIZ, dialect)

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
        with self.direct.begin() as conn:
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
            with self.direct.begin() as conn:
                self._finish_if_complete(conn, attempt_id, utcnow())
            attempt, found = self._attempt_and_answers(attempt_id)
        return attempt, found

    def _attempt_and_answers(self, attempt_id: str) -> tuple[Attempt | None, dict[str, Answer]]:
        read = self._attempt_read
        with self.direct.connect() as conn:
            rows = read.rows(conn, {"attempt_id": attempt_id})
        if not rows:
            return None, {}
        # The attempt's columns, then the answer's (_ATTEMPT_AND_ANSWERS), read by position:
        # a page reads every answer of the attempt, and by name costs a lookup per column.
        # The attempt's are the same in every row: converted once, from the first. The
        # answer's are strings and integers, as every driver returns them (`correct` too, on
        # SQLite: read with bool()), so they need no conversion.
        width = len(_ATTEMPT_COLUMNS)
        attempt = Attempt(
            **dict(zip(_ATTEMPT_COLUMNS, read.convert(rows[0], 0, width), strict=True))
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
            with self.direct.begin() as conn:
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

    @staticmethod
    def _finish_if_complete(conn: sa.Connection, attempt_id: str, now: datetime) -> None:
        conn.execute(_FINISH_IF_COMPLETE, {"attempt_id": attempt_id, "now": now})


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


# The statements of every quiz start, question, answer and result page, built once.
#: A new attempt: the columns a start sets (the others are NULL until it is finished).
_INSERT_ATTEMPT = attempts.insert().values(
    {
        name: sa.bindparam(name, type_=attempts.c[name].type)
        for name in ("id", "quiz_id", "lang", "src", "seed", "question_count", "started_at")
    }
)
_ATTEMPT_ID = sa.bindparam("attempt_id", type_=sa.String)
#: The attempt's columns, then one row per answer (or one row of NULLs when none).
_ATTEMPT_COLUMNS = tuple(c.name for c in attempts.c)
_ATTEMPT_AND_ANSWERS = (
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


_INSERT_ANSWER = _insert_answer(of_quiz=False)
_INSERT_ANSWER_OF_QUIZ = _insert_answer(of_quiz=True)
#: Finish and score the attempt once every question is answered.
_FINISH_IF_COMPLETE = (
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


def init_app(app: Flask) -> None:
    """Open the store for the app; create the SQLite database on first run; refuse to run on an
    out-of-date schema."""
    url = app.config["DATABASE_URL"]
    store = Store(url)
    store.check_schema(create_if_empty=url.startswith("sqlite"))
    app.extensions[EXTENSION_KEY] = store


def get_store() -> Store:
    return current_app.extensions[EXTENSION_KEY]  # type: ignore[no-any-return]


# The live-session tables share this metadata (canhgiac/live/tables.py). Importing them here
# keeps `metadata` complete wherever the store is used, e.g. when migrations are compared to it.
from .live import tables as _live_tables  # noqa: E402, F401
