"""The tables of live sessions, on the store's metadata (migration 0003_live_sessions).

Per-person data (participants and their responses) is deleted after RETENTION_DAYS by
`canhgiac purge`; what reports need survives in `live_counts` (aggregate counts, written when a
session ends) and `live_hand_counts` (show-of-hands counts typed in by the trainer).
"""

from __future__ import annotations

import sqlalchemy as sa

from ..schema import metadata

__all__ = [
    "hand_counts",
    "live_counts",
    "live_sessions",
    "participants",
    "rate_limits",
    "responses",
    "trainers",
]

trainers = sa.Table(
    "trainers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(256), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

live_sessions = sa.Table(
    "live_sessions",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    # The 6-digit join code; `open_code` holds it while the session is open (NULL once ended),
    # so a code is unique among open sessions and can be used again later.
    sa.Column("code", sa.String(6), nullable=False),
    sa.Column("open_code", sa.String(6), nullable=True, unique=True),
    sa.Column(
        "trainer_id",
        sa.Integer,
        sa.ForeignKey("trainers.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("quiz_id", sa.String(64), nullable=False),
    sa.Column("question_count", sa.Integer, nullable=False),
    # Shuffles the choices, the same order on every phone and on the projector.
    sa.Column("seed", sa.Integer, nullable=False),
    # "none", or the check "before" or "after" a training.
    sa.Column("kind", sa.String(8), nullable=False),
    # For an "after" session: the "before" session to compare with (NULL: the latest one).
    sa.Column("compare_with", sa.String(16), nullable=True),
    sa.Column("leaderboard", sa.Boolean, nullable=False),
    # lobby, open, closed, revealed, ended (see service.py).
    sa.Column("status", sa.String(10), nullable=False),
    # The current question, 1-based; 0 in the lobby.
    sa.Column("position", sa.Integer, nullable=False),
    # When answers to the current question close by themselves (the timer), else NULL.
    sa.Column("close_at", sa.DateTime, nullable=True),
    # Bumped on every change that phones and projectors must show.
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=True),
    sa.Column("ended_at", sa.DateTime, nullable=True),
    # When nicknames and per-person answers were deleted (`canhgiac purge`).
    sa.Column("purged_at", sa.DateTime, nullable=True),
    sa.Index("ix_live_sessions_code", "code"),
    sa.Index("ix_live_sessions_trainer", "trainer_id", "created_at"),
)

participants = sa.Table(
    "live_participants",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "session_id",
        sa.String(16),
        sa.ForeignKey("live_sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # sha256 of the random token in the phone's cookie; the token itself is never stored.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("nickname", sa.String(24), nullable=False),
    sa.Column("joined_at", sa.DateTime, nullable=False),
    sa.Index("ix_live_participants_session", "session_id"),
)

responses = sa.Table(
    "live_responses",
    metadata,
    sa.Column(
        "participant_id",
        sa.Integer,
        sa.ForeignKey("live_participants.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("question_id", sa.String(64), primary_key=True),
    sa.Column(
        "session_id",
        sa.String(16),
        sa.ForeignKey("live_sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("choices", sa.String(200), nullable=False),
    sa.Column("correct", sa.Boolean, nullable=False),
    sa.Column("answered_at", sa.DateTime, nullable=False),
    sa.Index("ix_live_responses_session_question", "session_id", "question_id"),
)

hand_counts = sa.Table(
    "live_hand_counts",
    metadata,
    sa.Column(
        "session_id",
        sa.String(16),
        sa.ForeignKey("live_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("question_id", sa.String(64), primary_key=True),
    sa.Column("choice", sa.String(16), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

#: Aggregate counts of an ended session, kept after the purge. Rows by `kind`:
#: joined ('', '') people who joined; score ('', 'N') people who answered something with N
#: right; answered (question, '') and right (question, '') per question; choice (question,
#: key) how many ticked that choice.
live_counts = sa.Table(
    "live_counts",
    metadata,
    sa.Column(
        "session_id",
        sa.String(16),
        sa.ForeignKey("live_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("question_id", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(16), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

#: Fixed-window counters against password and join-code guessing, shared by every worker.
#: `key` is a sha256 (of the purpose, the client and, for logins, the name): no raw address.
rate_limits = sa.Table(
    "rate_limits",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("window_start", sa.DateTime, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
)
