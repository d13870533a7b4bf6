"""Data care: exporting results as CSV and backing up the SQLite database.

Everything exported is anonymous: attempts carry a random id, the quiz, the language and the
`src` label, never a name or an address. PostgreSQL is backed up with its own tools (pg_dump);
see docs/deploy.md.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TextIO

import sqlalchemy as sa

from .store import Store, answers, attempts

EXPORT_COLUMNS = (
    "attempt_id",
    "quiz_id",
    "lang",
    "src",
    "started_at",
    "finished_at",
    "score",
    "question_count",
    "question_id",
    "position",
    "choices",
    "correct",
    "credit",
    "answered_at",
)


def export_rows(store: Store, since: datetime | None = None) -> Iterator[tuple[object, ...]]:
    """One row per answer, with its attempt, oldest first; attempts without answers give one
    row with empty answer columns. Streams from the database (no list in memory)."""
    query = (
        sa.select(
            attempts.c.id,
            attempts.c.quiz_id,
            attempts.c.lang,
            attempts.c.src,
            attempts.c.started_at,
            attempts.c.finished_at,
            attempts.c.score,
            attempts.c.question_count,
            answers.c.question_id,
            answers.c.position,
            answers.c.choices,
            answers.c.correct,
            answers.c.credit,
            answers.c.answered_at,
        )
        .select_from(attempts.outerjoin(answers, answers.c.attempt_id == attempts.c.id))
        .order_by(attempts.c.started_at, attempts.c.id, answers.c.position)
    )
    if since is not None:
        query = query.where(attempts.c.started_at >= since)
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=1000).execute(query)
        for row in result:
            yield tuple(row)


def write_export(store: Store, out: TextIO, since: datetime | None = None) -> int:
    """Write the CSV export; returns the number of data rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for row in export_rows(store, since):
        writer.writerow(
            [
                ""
                if v is None
                else (
                    v.isoformat(sep=" ")
                    if isinstance(v, datetime)
                    else int(v)
                    if isinstance(v, bool)
                    else v
                )
                for v in row
            ]
        )
        count += 1
    return count


def backup_sqlite(url: str, target: Path) -> Path:
    """Copy a live SQLite database safely (SQLite's online backup API, consistent even while
    the site is answering). Refuses to overwrite an existing file."""
    database = sa.engine.make_url(url).database
    if not url.startswith("sqlite") or not database or database == ":memory:":
        raise ValueError("backup works on a SQLite database file; use pg_dump for PostgreSQL")
    if target.exists():
        raise FileExistsError(f"{target} exists already; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(database) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return target
