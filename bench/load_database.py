"""The load benchmark's databases (bench/load.py): what they are, their server's processes,
PostgreSQL databases made and dropped for a run, and the answers read back to be checked."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from load_figures import _stat

# The kit's modules are imported where they are used: the client processes, started with
# `spawn`, import this module too (through bench/load.py) and need none of them.


@contextmanager
def connected(url: str, *, autocommit: bool = False) -> Iterator[sa.Connection]:
    """A connection to the database at `url`, its engine disposed of afterwards."""
    from canhgiac.store import make_engine

    engine = make_engine(url)
    try:
        options = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
        with engine.execution_options(**options).connect() as conn:
            yield conn
    finally:
        engine.dispose()


def live_responses(url: str, session_id: str) -> tuple[dict[tuple[str, str], str], int]:
    from canhgiac.live.tables import participants, responses

    with connected(url) as conn:
        rows = conn.execute(
            sa.select(participants.c.nickname, responses.c.question_id, responses.c.choices)
            .join(participants, participants.c.id == responses.c.participant_id)
            .where(participants.c.session_id == session_id)
        ).all()
    return {(r.nickname, r.question_id): r.choices for r in rows}, len(rows)


def database_version(url: str) -> str:
    with connected(url) as conn:
        if url.startswith("sqlite"):
            version = conn.execute(sa.text("select sqlite_version()")).scalar()
            return f"SQLite {version} (WAL)"
        version = conn.execute(sa.text("show server_version")).scalar()
        return f"PostgreSQL {str(version).split()[0]}"


def database_roots(url: str) -> list[int]:
    """The PostgreSQL server's main process (its CPU is the database's), when it is local."""
    if not url.startswith("postgresql"):
        return []
    with connected(url) as conn:
        backend = int(conn.execute(sa.text("select pg_backend_pid()")).scalar_one())
        fields = _stat(backend)  # while this backend lives: its parent is the server
    return [int(fields[1])] if fields else []


# -- PostgreSQL databases ----------------------------------------------------------------------


def create_postgres(server_url: str) -> str:
    name = f"canhgiac_load_{secrets.token_hex(4)}"
    with connected(server_url, autocommit=True) as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return server_url.rsplit("/", 1)[0] + "/" + name


def drop_postgres(server_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with connected(server_url, autocommit=True) as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# -- the answers, read back ----------------------------------------------------------------------

#: (attempt id, question position) -> (choice keys as stored, right)
StoredAnswers = dict[tuple[str, int], tuple[str, bool]]


def quiz_answers(url: str) -> tuple[StoredAnswers, dict[str, Any]]:
    """Every stored quiz answer, and every attempt (its row) by id."""
    from canhgiac.store import answers, attempts

    with connected(url) as conn:
        stored = {
            (r.attempt_id, r.position): (r.choices, bool(r.correct))
            for r in conn.execute(
                sa.select(
                    answers.c.attempt_id, answers.c.position, answers.c.choices, answers.c.correct
                )
            )
        }
        started = {r.id: r for r in conn.execute(sa.select(attempts))}
    return stored, started


@dataclass(frozen=True)
class QuizTally:
    acknowledged: int  # answers acknowledged (a question answered twice counts once)
    attempts: int  # attempts with an acknowledged answer
    stored: int
    lost: int  # acknowledged, not stored
    changed: int  # stored with other choices than the first acknowledged
    unacknowledged: int  # stored, never acknowledged (a response the client did not get)
    wrong_score: int  # attempts with every answer acknowledged, not finished with their score


def tally_quiz(
    acknowledged: Iterable[tuple[str, int, str]],
    stored: StoredAnswers,
    started: Mapping[str, Any],
    quizzes: Mapping[str, Any],
) -> QuizTally:
    """The acknowledged answers (attempt id, position, keys; the first of a question is the
    one that counts) against the stored ones and the attempts' finish and score."""
    told: dict[tuple[str, int], str] = {}
    for attempt_id, n, keys in acknowledged:
        told.setdefault((attempt_id, n), keys)
    per_attempt: Counter[str] = Counter(a for a, _ in told)
    wrong_score = 0
    for attempt_id, answered in per_attempt.items():
        row = started.get(attempt_id)
        if row is None or answered < row.question_count:
            continue
        quiz = quizzes[row.quiz_id]
        right = sum(
            1
            for n, q in enumerate(quiz.questions, start=1)
            if q.is_correct(frozenset(k for k in told[(attempt_id, n)].split(",") if k))
        )
        if row.finished_at is None or row.score != right:
            wrong_score += 1
    return QuizTally(
        acknowledged=len(told),
        attempts=len(per_attempt),
        stored=len(stored),
        lost=sum(1 for k in told if k not in stored),
        changed=sum(1 for k, keys in told.items() if k in stored and stored[k][0] != keys),
        unacknowledged=sum(1 for k in stored if k not in told),
        wrong_score=wrong_score,
    )


def tally_live(
    acknowledged: Mapping[tuple[str, str], str], stored: Mapping[tuple[str, str], str], rows: int
) -> tuple[int, int]:
    """(lost, double-counted) of a live session's acknowledged answers, by (nickname,
    question): lost if not stored; double-counted if stored more than once (`rows` counts
    every stored row), stored for a phone that was not acknowledged, or stored with other
    choices than the first acknowledged (a second answer that replaced the first)."""
    lost = sum(1 for k in acknowledged if k not in stored)
    changed = sum(1 for k, c in acknowledged.items() if k in stored and stored[k] != c)
    return lost, rows - len(set(stored) & set(acknowledged)) + changed
