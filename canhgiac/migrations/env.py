"""Alembic environment: migrations run on the connection the store hands over, on SQLite and
PostgreSQL alike (batch mode lets ALTERs work on SQLite)."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
