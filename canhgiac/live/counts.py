"""Counts while a session runs: people joined and answering (the projector's counters), how
each question was answered (the bar chart), and the show-of-hands counts a trainer adds for
people without a phone."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .tables import hand_counts, live_sessions, participants, responses


@dataclass(frozen=True)
class QuestionCounts:
    """How a question was answered: phones per choice, people answering, right answers, and
    the show-of-hands counts the trainer added."""

    answered: int
    right: int
    phones: dict[str, int]
    hands: dict[str, int]

    def total(self, key: str) -> int:
        return self.phones.get(key, 0) + self.hands.get(key, 0)

    @property
    def most(self) -> int:
        keys = set(self.phones) | set(self.hands)
        return max((self.total(k) for k in keys), default=0)


def live_counts(engine: Engine, session_id: str, question_id: str | None) -> tuple[int, int]:
    """(people joined, people who answered `question_id`): the projector's counters."""
    with engine.connect() as conn:
        joined = conn.execute(
            sa.select(sa.func.count())
            .select_from(participants)
            .where(participants.c.session_id == session_id)
        ).scalar_one()
        answered = 0
        if question_id is not None:
            answered = conn.execute(
                sa.select(sa.func.count())
                .select_from(responses)
                .where(
                    responses.c.session_id == session_id,
                    responses.c.question_id == question_id,
                )
            ).scalar_one()
    return joined, answered


def question_counts(engine: Engine, session_id: str, question_id: str) -> QuestionCounts:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(responses.c.choices, responses.c.correct, sa.func.count().label("n"))
            .where(responses.c.session_id == session_id, responses.c.question_id == question_id)
            .group_by(responses.c.choices, responses.c.correct)
        ).all()
    phones: Counter[str] = Counter()
    answered = right = 0
    for row in rows:
        answered += row.n
        right += row.n if row.correct else 0
        for key in row.choices.split(","):
            if key:
                phones[key] += row.n
    hands = hand_counts_of(engine, session_id).get(question_id, {})
    return QuestionCounts(answered, right, dict(phones), hands)


def hand_counts_of(engine: Engine, session_id: str) -> dict[str, dict[str, int]]:
    """Show-of-hands counts by question and choice."""
    with engine.connect() as conn:
        rows = conn.execute(
            hand_counts.select().where(hand_counts.c.session_id == session_id)
        ).all()
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        found.setdefault(row.question_id, {})[row.choice] = row.count
    return found


def set_hand_counts(
    engine: Engine, session_id: str, question_id: str, counts: dict[str, int]
) -> None:
    """Replace the show-of-hands counts of a question (zeros are not stored)."""
    if any(n < 0 for n in counts.values()):
        raise ValueError("counts cannot be negative")
    with engine.begin() as conn:
        conn.execute(
            hand_counts.delete().where(
                hand_counts.c.session_id == session_id, hand_counts.c.question_id == question_id
            )
        )
        rows = [
            {"session_id": session_id, "question_id": question_id, "choice": k, "count": n}
            for k, n in sorted(counts.items())
            if n
        ]
        if rows:
            conn.execute(hand_counts.insert(), rows)
        conn.execute(
            live_sessions.update()
            .where(live_sessions.c.id == session_id)
            .values(version=live_sessions.c.version + 1)
        )
