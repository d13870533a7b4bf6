"""The purge of live sessions: after the retention period, nicknames, tokens and per-person
answers are deleted and only each session's aggregate counts are kept (in `live_counts`, read
by `report.stored`), so its report reads the same before and after. Run by `canhgiac purge`
and by each server process (`autopurge`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..store import utcnow
from . import ratelimit
from .report import Aggregate, compute
from .service import ENDED
from .tables import live_counts, live_sessions, participants, responses


@dataclass(frozen=True)
class Purged:
    sessions: int
    participants: int
    responses: int
    counters: int


def purge(engine: Engine, days: int, now: datetime | None = None) -> Purged:
    """Delete nicknames, tokens and per-person answers of sessions started more than `days`
    days ago, keeping their aggregate counts. A session still open then is ended first.
    Several purges may run at once (a cron job on each of several servers, the automatic
    purge of each worker): each session is purged by one of them only."""
    if days < 0:
        raise ValueError("days cannot be negative")
    now = now or utcnow()
    with engine.connect() as conn:
        ids = (
            conn.execute(
                sa.select(live_sessions.c.id).where(
                    live_sessions.c.created_at < now - timedelta(days=days),
                    live_sessions.c.purged_at.is_(None),
                )
            )
            .scalars()
            .all()
        )
    sessions = people = answers = 0
    for session_id in ids:
        done = purge_session(engine, session_id, now)
        if done is not None:
            sessions += 1
            people += done[0]
            answers += done[1]
    counters = ratelimit.forget_expired(engine, now)
    return Purged(sessions, people, answers, counters)


def purge_session(engine: Engine, session_id: str, now: datetime) -> tuple[int, int] | None:
    """Purge one session: (participants, answers) deleted, or None when another purge did it
    first. Its counts are written from the per-person rows, so a session already purged must
    not be purged again: that would write counts of nobody over the kept ones."""
    this = live_sessions.c.id == session_id
    with engine.begin() as conn:
        # First a write, so that on SQLite the whole transaction holds the write lock; on
        # PostgreSQL the row lock makes a second purge wait, then find it purged.
        claimed = conn.execute(
            live_sessions.update()
            .where(this, live_sessions.c.purged_at.is_(None))
            .values(
                status=ENDED,
                open_code=None,
                close_at=None,
                ended_at=sa.func.coalesce(live_sessions.c.ended_at, now),
                purged_at=now,
                version=live_sessions.c.version + 1,
            )
        ).rowcount
        if not claimed:
            return None
        rows = _rollup_rows(session_id, compute(conn, session_id))
        conn.execute(live_counts.delete().where(live_counts.c.session_id == session_id))
        conn.execute(live_counts.insert(), rows)
        answers = conn.execute(
            responses.delete().where(responses.c.session_id == session_id)
        ).rowcount
        people = conn.execute(
            participants.delete().where(participants.c.session_id == session_id)
        ).rowcount
    return people, answers


def _rollup_rows(session_id: str, agg: Aggregate) -> list[dict[str, object]]:
    def row(kind: str, question: str, key: str, count: int) -> dict[str, object]:
        return {
            "session_id": session_id,
            "kind": kind,
            "question_id": question,
            "key": key,
            "count": count,
        }

    rows = [row("joined", "", "", agg.joined)]
    rows += [row("score", "", str(s), n) for s, n in sorted(agg.scores.items())]
    rows += [row("answered", q, "", n) for q, n in sorted(agg.answered.items())]
    rows += [row("right", q, "", n) for q, n in sorted(agg.right.items())]
    rows += [
        row("choice", q, k, n)
        for q, counts in sorted(agg.choices.items())
        for k, n in sorted(counts.items())
    ]
    return rows
