"""The session logic, as plain functions over an engine: no process memory, so any worker can
serve any request of any session.

A session moves lobby → open (question n takes answers) → closed → revealed → open (n + 1) …
→ ended. Every move is one conditional UPDATE (compare-and-set on the status and the question
number), so a double click or a second device never moves it twice, and each bumps `version`,
which phones and projectors poll. The timer is a `close_at` time: answers after it are refused,
and the first read after it closes the question (no background thread).

Content (questions, right answers) is not known here: the web layer checks a question against
the catalog and passes its id and whether the answer is right. Joining and answering are in
phones.py, the counts of a running session in counts.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..store import utcnow
from .tables import live_sessions

LOBBY, OPEN, CLOSED, REVEALED, ENDED = "lobby", "open", "closed", "revealed", "ended"
STATUSES = (LOBBY, OPEN, CLOSED, REVEALED, ENDED)
KINDS = ("none", "before", "after")
#: Join codes: six digits, never starting with 0 (people drop a leading zero).
CODE_DIGITS = 6
#: The longest timer a trainer can set on a question, in seconds.
MAX_TIMER = 600


@dataclass(frozen=True)
class LiveSession:
    id: str
    code: str
    open_code: str | None
    trainer_id: int | None
    quiz_id: str
    question_count: int
    seed: int
    kind: str
    compare_with: str | None
    leaderboard: bool
    status: str
    position: int
    close_at: datetime | None
    version: int
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    purged_at: datetime | None

    @property
    def ended(self) -> bool:
        return self.status == ENDED

    @property
    def accepting(self) -> bool:
        """Whether the current question takes answers (the timer is checked on read)."""
        return self.status == OPEN

    def seconds_left(self, now: datetime | None = None) -> int | None:
        if self.status != OPEN or self.close_at is None:
            return None
        left = (self.close_at - (now or utcnow())).total_seconds()
        return max(0, int(left + 0.999))


def _session(row: sa.Row) -> LiveSession:
    return session_from(dict(row._mapping))


def session_from(values: dict) -> LiveSession:  # type: ignore[type-arg]
    values["leaderboard"] = bool(values["leaderboard"])
    return LiveSession(**values)


# -- sessions -----------------------------------------------------------------------------


def create_session(
    engine: Engine,
    *,
    trainer_id: int,
    quiz_id: str,
    question_count: int,
    kind: str = "none",
    leaderboard: bool = False,
    compare_with: str | None = None,
) -> LiveSession:
    """A new session in the lobby, with a join code no other open session has."""
    if kind not in KINDS:
        raise ValueError(f"unknown session kind {kind!r}")
    if question_count < 1:
        raise ValueError("a session needs at least one question")
    now = utcnow()
    for _ in range(50):
        code = str(10 ** (CODE_DIGITS - 1) + secrets.randbelow(9 * 10 ** (CODE_DIGITS - 1)))
        values = {
            "id": secrets.token_hex(8),
            "code": code,
            "open_code": code,
            "trainer_id": trainer_id,
            "quiz_id": quiz_id,
            "question_count": question_count,
            "seed": secrets.randbelow(2**31),
            "kind": kind,
            "compare_with": compare_with,
            "leaderboard": leaderboard,
            "status": LOBBY,
            "position": 0,
            "version": 1,
            "created_at": now,
        }
        try:
            with engine.begin() as conn:
                conn.execute(live_sessions.insert().values(**values))
        except IntegrityError:
            continue  # the code is taken by an open session: draw another
        found = get_session(engine, values["id"])
        assert found is not None
        return found
    raise RuntimeError("no free join code: too many open sessions")


def get_session(engine: Engine, session_id: str) -> LiveSession | None:
    """The session, with its timer applied: a question whose time is up is closed here."""
    with engine.connect() as conn:
        row = conn.execute(live_sessions.select().where(live_sessions.c.id == session_id)).first()
    if row is None:
        return None
    found = _session(row)
    now = utcnow()
    if found.status == OPEN and found.close_at is not None and found.close_at <= now:
        _move(
            engine,
            found.id,
            when=[
                live_sessions.c.status == OPEN,
                live_sessions.c.position == found.position,
                live_sessions.c.close_at <= now,
            ],
            values={"status": CLOSED},
        )
        return get_session(engine, session_id)
    return found


def sessions_with_code(engine: Engine, code: str) -> list[LiveSession]:
    """Sessions that used this join code: the open one first, then the latest ended ones."""
    with engine.connect() as conn:
        ids = conn.execute(
            sa.select(live_sessions.c.id)
            .where(live_sessions.c.code == code)
            .order_by(live_sessions.c.open_code.is_(None), live_sessions.c.created_at.desc())
            .limit(5)
        ).scalars()
        found = [get_session(engine, x) for x in ids]
    return [s for s in found if s is not None]


def open_session(engine: Engine, code: str) -> LiveSession | None:
    with engine.connect() as conn:
        session_id = conn.execute(
            sa.select(live_sessions.c.id).where(live_sessions.c.open_code == code)
        ).scalar()
    return get_session(engine, session_id) if session_id else None


def sessions_of(engine: Engine, trainer_id: int) -> list[LiveSession]:
    with engine.connect() as conn:
        rows = conn.execute(
            live_sessions.select()
            .where(live_sessions.c.trainer_id == trainer_id)
            .order_by(live_sessions.c.created_at.desc(), live_sessions.c.id)
        ).all()
    return [_session(r) for r in rows]


def _move(engine: Engine, session_id: str, *, when: list, values: dict) -> bool:  # type: ignore[type-arg]
    """One conditional change of a session; True when it happened (False: someone else made
    it first, or it does not apply any more)."""
    with engine.begin() as conn:
        result = conn.execute(
            live_sessions.update()
            .where(live_sessions.c.id == session_id, *when)
            .values(version=live_sessions.c.version + 1, **values)
        )
    return result.rowcount == 1


def start(engine: Engine, session_id: str) -> bool:
    return _move(
        engine,
        session_id,
        when=[live_sessions.c.status == LOBBY],
        values={"status": OPEN, "position": 1, "started_at": utcnow(), "close_at": None},
    )


def next_question(engine: Engine, session_id: str, position: int) -> bool:
    """Move from question `position` to the next one, which opens for answers."""
    return _move(
        engine,
        session_id,
        when=[
            live_sessions.c.status.in_((OPEN, CLOSED, REVEALED)),
            live_sessions.c.position == position,
            live_sessions.c.position < live_sessions.c.question_count,
        ],
        values={"status": OPEN, "position": position + 1, "close_at": None},
    )


def close_answers(
    engine: Engine, session_id: str, position: int, *, seconds: int | None = None
) -> bool:
    """Close answers to question `position` now, or in `seconds` (the timer)."""
    when = [live_sessions.c.status == OPEN, live_sessions.c.position == position]
    if seconds:
        if not 0 < seconds <= MAX_TIMER:
            raise ValueError(f"timer must be 1-{MAX_TIMER} seconds")
        close_at = utcnow() + timedelta(seconds=seconds)
        return _move(engine, session_id, when=when, values={"close_at": close_at})
    return _move(engine, session_id, when=when, values={"status": CLOSED, "close_at": None})


def reveal(engine: Engine, session_id: str, position: int) -> bool:
    """Show the results of question `position` (answers close if they were open)."""
    return _move(
        engine,
        session_id,
        when=[live_sessions.c.status.in_((OPEN, CLOSED)), live_sessions.c.position == position],
        values={"status": REVEALED, "close_at": None},
    )


def end(engine: Engine, session_id: str) -> bool:
    """End the session: nobody joins or answers any more, and its join code is free again."""
    return _move(
        engine,
        session_id,
        when=[live_sessions.c.status != ENDED],
        values={"status": ENDED, "ended_at": utcnow(), "open_code": None, "close_at": None},
    )


def set_options(
    engine: Engine,
    session_id: str,
    *,
    kind: str,
    leaderboard: bool,
    compare_with: str | None = None,
) -> bool:
    if kind not in KINDS:
        raise ValueError(f"unknown session kind {kind!r}")
    return _move(
        engine,
        session_id,
        when=[],
        values={"kind": kind, "leaderboard": leaderboard, "compare_with": compare_with},
    )
