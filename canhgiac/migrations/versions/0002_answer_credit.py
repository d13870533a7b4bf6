"""Partial credit per answer (scenario questions: verdict plus red flags found).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("credit", sa.SmallInteger, nullable=False, server_default="0"))
    op.execute("UPDATE answers SET credit = 100 WHERE correct")


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("credit")
