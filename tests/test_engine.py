"""The engine under the store on real databases, SQLite and PostgreSQL: SQLite's settings, the
compiled statements' errors, and the pool's connections (reused, never one the server closed)."""

from __future__ import annotations

import select
import socket

import pytest
import sqlalchemy as sa

from canhgiac.engine import _readable
from canhgiac.schema import answers
from canhgiac.store import Store, utcnow


def test_sqlite_runs_in_wal_mode(store: Store) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def connections_opened(store: Store) -> list[int]:
    """A list that grows by one each time the store opens a database connection."""
    opened: list[int] = []
    sa.event.listen(store.engine, "connect", lambda *_: opened.append(1))
    return opened


def test_pooled_connections_are_reused(store: Store) -> None:
    opened = connections_opened(store)
    a = store.create_attempt("otp", lang="vi", src=None, question_count=2)
    for n in (1, 2):
        store.record_answer(a.id, f"q{n}", position=n, choices=["a"], correct=True)
        store.attempt_and_answers(a.id)
    assert len(opened) <= 1  # SQLite may keep its first connection from upgrade()


def test_connections_the_server_closed_are_not_handed_out(store: Store) -> None:
    """A PostgreSQL restart, an idle timeout or pg_terminate_backend closes the pool's idle
    connections; the next requests get new ones instead of an error (no pre-ping)."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    a = store.create_attempt("otp", lang="vi", src=None, question_count=2)
    with store.direct.connect() as one, store.direct.connect() as two:  # two in the pool
        pids = {conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() for conn in (one, two)}
    admin = sa.create_engine(store.engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for pid in pids:
            # waits until the backend has gone
            terminate = sa.text("SELECT pg_terminate_backend(:p, 10000)")
            assert conn.execute(terminate, {"p": pid}).scalar()
    admin.dispose()
    opened = connections_opened(store)
    for _ in range(3):
        assert store.attempt_and_answers(a.id)[0] == a
    store.record_answer(a.id, "q1", position=1, choices=["a"], correct=True)
    assert list(store.answers(a.id)) == ["q1"]
    assert len(opened) == 2  # each closed one replaced as the pool came to it
    for _ in range(3):
        store.attempt_and_answers(a.id)
    assert len(opened) == 2  # and the new ones are kept


@pytest.mark.parametrize("with_poll", [True, False])
def test_a_socket_with_something_to_read_is_seen(
    monkeypatch: pytest.MonkeyPatch, with_poll: bool
) -> None:
    if not with_poll:
        monkeypatch.delattr(select, "poll", raising=False)  # as on Windows
    ours, server = socket.socketpair()
    with ours, server:
        assert not _readable(ours.fileno())
        server.close()  # the server goes away
        assert _readable(ours.fileno())


def test_a_failed_read_raises_sqlalchemys_error(store: Store) -> None:
    """The attempt read runs on the driver's connection (CompiledStatement): a failure is
    still a SQLAlchemy error, which the app's handlers know, and a connection that is not
    broken goes on serving."""
    a = store.create_attempt("otp", lang="vi", src=None, question_count=2)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE answers RENAME TO answers_away")
    opened = connections_opened(store)
    with pytest.raises(sa.exc.DBAPIError) as err:
        store.attempt_and_answers(a.id)
    assert "answers" in str(err.value) and not err.value.connection_invalidated
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE answers_away RENAME TO answers")
    assert store.attempt_and_answers(a.id) == (a, {})
    assert opened == []  # the same connection


def test_a_connection_lost_during_a_read_is_not_used_again(store: Store) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    a = store.create_attempt("otp", lang="vi", src=None, question_count=2)
    with store._hot(write=False) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
        cursor.close()
        admin = sa.create_engine(store.engine.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:p, 10000)"), {"p": pid})
        admin.dispose()
        with pytest.raises(sa.exc.OperationalError) as err:
            store._attempt_read.rows(conn, {"attempt_id": a.id})
        assert err.value.connection_invalidated
    opened = connections_opened(store)
    assert store.attempt_and_answers(a.id) == (a, {})
    assert len(opened) == 1  # a new connection instead of the lost one


def test_a_hot_write_is_one_transaction_on_sqlite_and_undone_by_an_error(store: Store) -> None:
    """SQLite: the statements of a write are one transaction, rolled back when one fails (the
    answer and the finish); PostgreSQL commits each as it ends (autocommit)."""
    a = store.create_attempt("otp", lang="vi", src=None, question_count=2)
    with pytest.raises(RuntimeError), store._hot(write=True) as conn:
        store._finish.rows(conn, {"attempt_id": a.id, "now": a.started_at})  # nothing to do
        store._insert_answer.rows(conn, answer_values(a.id, "q1", 1))
        raise RuntimeError("the next statement failed")
    kept = store.answers(a.id)
    assert list(kept) == ([] if store.engine.dialect.name == "sqlite" else ["q1"])


def test_the_pool_gets_its_connections_back_as_they_were(store: Store) -> None:
    """After the hot statements' autocommit (PostgreSQL), a transaction through SQLAlchemy on
    the same pooled connection is still one, and is rolled back on an error."""
    opened = connections_opened(store)
    a = store.create_attempt("otp", lang="vi", src=None, question_count=3)
    store.record_answer(a.id, "q1", position=1, choices=["a"], correct=True)
    with pytest.raises(RuntimeError), store.engine.begin() as conn:
        conn.execute(answers.insert().values(answer_values(a.id, "q2", 2)))
        raise RuntimeError("the transaction fails")
    assert list(store.answers(a.id)) == ["q1"]
    assert len(opened) <= 1  # the same pooled connection throughout (SQLite: maybe a new one)


def test_a_connection_whose_autocommit_cannot_be_undone_is_not_pooled_again(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    a = store.create_attempt("otp", lang="vi", src=None, question_count=2)
    dialect = store.engine.dialect

    def refuse(_dbapi_connection: object) -> None:
        raise RuntimeError("cannot set it back")

    with monkeypatch.context() as patch:
        patch.setattr(dialect, "reset_isolation_level", refuse)
        assert store.attempt_and_answers(a.id) == (a, {})  # the read itself is done
    opened = connections_opened(store)
    with pytest.raises(RuntimeError), store.engine.begin() as conn:
        conn.execute(answers.insert().values(answer_values(a.id, "q1", 1)))
        raise RuntimeError("the transaction fails")
    assert store.answers(a.id) == {}
    assert len(opened) == 1  # a new connection, not the one left in autocommit


def answer_values(attempt_id: str, question_id: str, position: int) -> dict[str, object]:
    return {
        "attempt_id": attempt_id,
        "question_id": question_id,
        "position": position,
        "choices": "a",
        "correct": True,
        "answered_at": utcnow(),
        "credit": 100,
    }
