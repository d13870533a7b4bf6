"""Live training sessions: trainers, sessions, participants, responses, show-of-hands counts,
aggregate counts kept after the purge, and rate-limit counters.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trainers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "live_sessions",
        sa.Column("id", sa.String(16), primary_key=True),
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
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("compare_with", sa.String(16), nullable=True),
        sa.Column("leaderboard", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("close_at", sa.DateTime, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("ended_at", sa.DateTime, nullable=True),
        sa.Column("purged_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_live_sessions_code", "live_sessions", ["code"])
    op.create_index("ix_live_sessions_trainer", "live_sessions", ["trainer_id", "created_at"])
    op.create_table(
        "live_participants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "session_id",
            sa.String(16),
            sa.ForeignKey("live_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("nickname", sa.String(24), nullable=False),
        sa.Column("joined_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_live_participants_session", "live_participants", ["session_id"])
    op.create_table(
        "live_responses",
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
    )
    op.create_index(
        "ix_live_responses_session_question", "live_responses", ["session_id", "question_id"]
    )
    op.create_table(
        "live_hand_counts",
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
    op.create_table(
        "live_counts",
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
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("window_start", sa.DateTime, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_limits")
    op.drop_table("live_counts")
    op.drop_table("live_hand_counts")
    op.drop_table("live_responses")
    op.drop_table("live_participants")
    op.drop_table("live_sessions")
    op.drop_table("trainers")
