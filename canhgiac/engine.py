"""The database engine the store runs on, and the statements it runs most: compiled once, run
on the pool's own connection (`checked_out`).

SQLite (the default, embedded) gets WAL mode and foreign keys on every connection; PostgreSQL
runs on psycopg 3, and the pool hands out no connection its server has closed.
"""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import PoolProxiedConnection


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = sa.create_engine(url)
    sa.event.listen(engine, "checkout", _drop_if_closed)
    return engine


def _drop_if_closed(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
    """Hand out no pooled connection that the server has closed (a restart, an idle timeout,
    pg_terminate_backend): the pool then opens a new one.

    Instead of `pool_pre_ping`'s `SELECT 1` at every checkout, a round trip that cost a fifth
    of a quiz page's or answer's server CPU (docs/performance.md), this looks at the socket:
    an idle connection has nothing to read unless the server closed it or sent a notice, and
    either way a new connection is the safe choice. go-sql-driver/mysql checks connections
    the same way before reusing them.
    """
    if dbapi_connection.closed or dbapi_connection.broken:
        raise sa.exc.DisconnectionError("the connection is closed")
    if _readable(dbapi_connection.fileno()):
        raise sa.exc.DisconnectionError("the server closed the connection")


def _readable(fd: int) -> bool:
    """Whether the socket has something to read, without waiting."""
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([fd], [], [], 0)[0])
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


class CompiledStatement:
    """A statement that every quiz start, page or answer runs, compiled once for the engine's
    dialect and run on the pooled DBAPI connection: SQLAlchemy still writes the SQL and says
    how to convert each parameter and column (its type's bind and result processors), but its
    work per statement (a cache lookup, an execution context, a result object) is left out.
    Measured in a loop, that work was half of the attempt read on SQLite (0.09 ms against
    0.04) and 0.12 ms of CPU out of 0.25 on PostgreSQL. Errors are raised as SQLAlchemy's
    (IntegrityError for a duplicate, ...); a connection the error shows is broken is not used
    again."""

    def __init__(
        self, statement: sa.Select[Any] | sa.Insert | sa.Update, dialect: sa.Dialect
    ) -> None:
        compiled = statement.compile(dialect=dialect)
        self.dialect = dialect
        self.sql = str(compiled)
        #: The order of the parameters for a positional paramstyle (SQLite's "?"), else None.
        self.names = compiled.positiontup
        self.binds = {
            name: process
            for name, bind in compiled.binds.items()
            if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        self.processors = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.exported_columns
        )

    def rows(self, conn: PoolProxiedConnection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run it on a connection from `checked_out`; the rows as the driver returns them (see
        `convert`), none for a statement that returns none."""
        given = {
            name: value if value is None or name not in self.binds else self.binds[name](value)
            for name, value in params.items()
        }
        values = given if self.names is None else tuple(given[n] for n in self.names)
        cursor = None
        try:
            cursor = conn.cursor()
            cursor.execute(self.sql, values)
            return [] if cursor.description is None else list(cursor.fetchall())
        except self.dialect.loaded_dbapi.Error as exc:
            broken = self.dialect.is_disconnect(exc, conn.dbapi_connection, cursor)
            if broken:
                conn.invalidate(exc)
            raise sa.exc.DBAPIError.instance(
                self.sql,
                values,
                exc,
                self.dialect.loaded_dbapi.Error,
                connection_invalidated=broken,
                dialect=self.dialect,
            ) from exc
        finally:
            if cursor is not None:
                cursor.close()

    def convert(self, row: tuple[Any, ...], start: int, stop: int) -> list[Any]:
        """The row's columns start to stop as SQLAlchemy would return them."""
        return [
            value if process is None or value is None else process(value)
            for value, process in zip(row[start:stop], self.processors[start:stop], strict=True)
        ]


@contextmanager
def checked_out(
    engine: Engine, *, autocommit: bool, write: bool
) -> Iterator[PoolProxiedConnection]:
    """The pool's own connection, for CompiledStatements. With `autocommit` (PostgreSQL), each
    statement is committed as it ends: no BEGIN and COMMIT round trips. Without it (SQLite), a
    `write` is committed at the end, its statements one transaction, rolled back by the pool
    on an error. SQLAlchemy's Connection, its transaction and its isolation setting for each
    use (the engine's `execution_options`) are left out: in a loop, an answer's insert went
    from 0.06-0.09 to 0.05-0.06 ms on SQLite and from 0.16-0.17 to 0.11-0.13 ms of client CPU
    on PostgreSQL. The connection goes back to the pool as it came out of it."""
    conn = engine.raw_connection()
    dialect = engine.dialect
    try:
        if autocommit:
            dialect.set_isolation_level(conn.dbapi_connection, "AUTOCOMMIT")
        yield conn
        if write and not autocommit:
            conn.commit()
    finally:
        if autocommit and conn.is_valid:
            try:
                dialect.reset_isolation_level(conn.dbapi_connection)
            except Exception as exc:  # noqa: BLE001 - never back to the pool in autocommit
                conn.invalidate(exc)
        conn.close()  # the pool rolls back what was not committed (its reset on return)
