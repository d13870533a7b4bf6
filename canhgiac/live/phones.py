"""The residents' side of a session: joining (and finding one's place again), answering,
and what each phone answered.

A phone is known by a random token in its cookie; only the token's sha256 is stored. Answers
are idempotent: the primary key (participant, question) keeps the first one, and the insert
itself checks that the question takes answers, so nothing is stored after the close.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..store import utcnow
from .names import clean_nickname, generate_nickname
from .service import OPEN, LiveSession, get_session, session_from
from .tables import live_sessions, participants, responses


class AnswersClosed(Exception):
    """An answer arrived when its question no longer (or not yet) takes answers."""


class SessionEnded(Exception):
    """Someone tried to join a session that has ended."""


@dataclass(frozen=True)
class Participant:
    id: int
    session_id: str
    nickname: str
    joined_at: datetime


@dataclass(frozen=True)
class Response:
    question_id: str
    position: int
    choices: frozenset[str]
    correct: bool
    answered_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _response(row: sa.Row) -> Response:
    return Response(
        question_id=row.question_id,
        position=row.position,
        choices=frozenset(k for k in row.choices.split(",") if k),
        correct=bool(row.correct),
        answered_at=row.answered_at,
    )


def participant_for(engine: Engine, session_id: str, token: str | None) -> Participant | None:
    """The participant whose phone holds `token` (from its cookie) in this session."""
    if not token or len(token) > 200:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                participants.c.id,
                participants.c.session_id,
                participants.c.nickname,
                participants.c.joined_at,
            ).where(
                participants.c.token_hash == token_hash(token),
                participants.c.session_id == session_id,
            )
        ).first()
    return Participant(**row._mapping) if row else None


#: Built once: phones poll with it every few seconds.
_BY_TOKENS = (
    sa.select(
        live_sessions,
        participants.c.id.label("p_id"),
        participants.c.nickname.label("p_nickname"),
        participants.c.joined_at.label("p_joined_at"),
    )
    .join(participants, participants.c.session_id == live_sessions.c.id)
    .where(
        live_sessions.c.code == sa.bindparam("code"),
        participants.c.token_hash.in_(sa.bindparam("hashes", expanding=True)),
    )
    .order_by(live_sessions.c.created_at.desc())
    .limit(1)
)


def find_by_tokens(
    engine: Engine, code: str, tokens: Iterable[str]
) -> tuple[LiveSession, Participant] | None:
    """The session with this join code that a phone joined, found by the tokens in its
    cookies, with its participant: one query, as phones poll it every few seconds."""
    hashes = [token_hash(t) for t in tokens if t and len(t) <= 200]
    if not hashes:
        return None
    with engine.connect() as conn:
        row = conn.execute(_BY_TOKENS, {"code": code, "hashes": hashes}).first()
    if row is None:
        return None
    values = dict(row._mapping)
    person = Participant(
        values.pop("p_id"), values["id"], values.pop("p_nickname"), values.pop("p_joined_at")
    )
    session = session_from(values)
    if session.status == OPEN and session.close_at is not None and session.close_at <= utcnow():
        session = get_session(engine, session.id) or session  # the timer: close it now
    return session, person


def join(
    engine: Engine, session: LiveSession, token: str | None, nickname: str | None = None
) -> tuple[Participant, str, bool]:
    """Join a session, or find this phone's place again. Returns (participant, token,
    whether it is new). Anyone may join at any time until the session ends."""
    found = participant_for(engine, session.id, token)
    if found is not None:
        return found, token or "", False
    if session.ended:
        raise SessionEnded(session.id)
    name = clean_nickname(nickname) or generate_nickname()
    new_token = secrets.token_urlsafe(24)
    with engine.begin() as conn:
        conn.execute(
            participants.insert().values(
                session_id=session.id,
                token_hash=token_hash(new_token),
                nickname=name,
                joined_at=utcnow(),
            )
        )
    created = participant_for(engine, session.id, new_token)
    assert created is not None
    return created, new_token, True


def answer(
    engine: Engine,
    session_id: str,
    participant_id: int,
    *,
    position: int,
    question_id: str,
    keys: Iterable[str],
    correct: bool,
) -> tuple[Response, bool]:
    """Store one answer; returns (the stored answer, whether this call stored it).

    Idempotent: a second answer to the same question keeps the first and is not counted.
    Stored only while question `position` takes answers (checked in the same statement as
    the insert); otherwise, and when nothing was stored before, raises AnswersClosed.
    """
    now = utcnow()
    columns = ["participant_id", "question_id", "session_id", "position"]
    columns += ["choices", "correct", "answered_at"]
    accepting = sa.select(
        sa.literal(participant_id, sa.Integer),
        sa.literal(question_id),
        sa.literal(session_id),
        sa.literal(position, sa.Integer),
        sa.literal(",".join(sorted(set(keys)))),
        sa.literal(correct, sa.Boolean),
        sa.literal(now, sa.DateTime),
    ).where(
        sa.exists().where(
            live_sessions.c.id == session_id,
            live_sessions.c.status == OPEN,
            live_sessions.c.position == position,
            sa.or_(live_sessions.c.close_at.is_(None), live_sessions.c.close_at > now),
        ),
        sa.exists().where(
            participants.c.id == participant_id, participants.c.session_id == session_id
        ),
    )
    created = False
    try:
        with engine.begin() as conn:
            inserted = conn.execute(
                responses.insert()
                .from_select(columns, accepting)
                .returning(responses.c.question_id)
            ).first()
            created = inserted is not None
    except IntegrityError:
        created = False  # answered already: the first answer stays
    with engine.connect() as conn:
        row = conn.execute(
            responses.select().where(
                responses.c.participant_id == participant_id,
                responses.c.question_id == question_id,
                responses.c.session_id == session_id,
            )
        ).first()
    if row is None:
        raise AnswersClosed(question_id)
    return _response(row), created


def responses_of(engine: Engine, participant_id: int) -> dict[str, Response]:
    with engine.connect() as conn:
        rows = conn.execute(
            responses.select()
            .where(responses.c.participant_id == participant_id)
            .order_by(responses.c.position)
        ).all()
    return {r.question_id: _response(r) for r in rows}


def leaderboard(engine: Engine, session_id: str, limit: int = 10) -> list[tuple[str, int]]:
    """(nickname, right answers) of the best, earliest joined first among equals."""
    right = sa.func.sum(sa.case((responses.c.correct, 1), else_=0)).label("right")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(participants.c.nickname, right)
            .select_from(participants.join(responses))
            .where(participants.c.session_id == session_id)
            .group_by(participants.c.id, participants.c.nickname, participants.c.joined_at)
            .order_by(right.desc(), participants.c.joined_at, participants.c.id)
            .limit(limit)
        ).all()
    return [(r.nickname, int(r.right or 0)) for r in rows]
