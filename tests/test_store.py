"""The store on real databases, SQLite and PostgreSQL: schema migrations, attempts, idempotent
answers, scoring, and persistence across restarts."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from canhgiac.schema import metadata
from canhgiac.store import MIGRATIONS, AttemptFinished, Store, StoreError

#: The newest schema revision the code needs.
HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()


@pytest.fixture
def url(database_url: str) -> str:
    return database_url


def test_migrations_build_exactly_the_tables_the_code_uses(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_empty_database_is_created_on_first_run_only_when_allowed(url: str) -> None:
    s = Store(url)
    with pytest.raises(StoreError) as err:
        s.check_schema(create_if_empty=False)
    assert str(err.value) == (
        f"the database schema is out of date (it has no tables yet, the code needs {HEAD}): "
        "run `canhgiac db upgrade`"
    )
    s.check_schema(create_if_empty=True)
    assert s.schema_revision() == (HEAD, HEAD)
    s.dispose()


def test_outdated_schema_is_refused_with_the_command_to_run(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0000'")
    with pytest.raises(StoreError, match=r"it is at revision 0000.*run `canhgiac db upgrade`"):
        store.check_schema(create_if_empty=True)


def test_attempt_is_anonymous_and_readable(store: Store) -> None:
    a = store.create_attempt("otp", lang="vi", src="cho-giao-phong", question_count=3)
    assert len(a.id) >= 20
    got = store.attempt(a.id)
    assert got == a
    assert got.src == "cho-giao-phong"
    assert not got.finished
    assert store.attempt("nope") is None
    columns = {c.name for c in metadata.tables["attempts"].columns}
    assert columns == {
        "id",
        "quiz_id",
        "lang",
        "src",
        "seed",
        "question_count",
        "started_at",
        "finished_at",
        "score",
    }


def test_answers_are_idempotent_and_finish_the_attempt(store: Store) -> None:
    a = store.create_attempt("otp", lang="en", src=None, question_count=2)
    first, created = store.record_answer(a.id, "q1", position=1, choices=["b"], correct=False)
    assert created and first.choices == frozenset({"b"}) and not first.correct
    again, created = store.record_answer(a.id, "q1", position=1, choices=["a"], correct=True)
    assert not created
    assert again == first  # the first answer stands
    assert store.attempt(a.id).score is None

    _, created = store.record_answer(a.id, "q2", position=2, choices=["a", "c"], correct=True)
    assert created
    done = store.attempt(a.id)
    assert done.finished and done.score == 1
    assert list(store.answers(a.id)) == ["q1", "q2"]
    assert store.answers(a.id)["q2"].choices == frozenset({"a", "c"})

    with pytest.raises(AttemptFinished):
        store.record_answer(a.id, "q3", position=3, choices=["a"], correct=True)
    assert len(store.answers(a.id)) == 2


def finished_rows(store: Store, ids: list[str]) -> dict[str, tuple[bool, int | None]]:
    """(finished, score) per attempt, as stored: read directly, not through the store."""
    table = metadata.tables["attempts"]
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(table.c.id, table.c.finished_at, table.c.score).where(table.c.id.in_(ids))
        )
        return {r.id: (r.finished_at is not None, r.score) for r in rows}


@pytest.mark.parametrize("count", [2, 5])
def test_the_last_two_answers_at_once_finish_the_attempt(store: Store, count: int) -> None:
    """Two tabs answering an attempt's last two questions at the same moment: whichever
    finishes last sees both answers, so the attempt is finished and scored."""
    attempts = [
        store.create_attempt("otp", lang="vi", src=None, question_count=count) for _ in range(40)
    ]
    for a in attempts:
        for n in range(3, count + 1):
            store.record_answer(a.id, f"q{n}", position=n, choices=["a"], correct=True)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def answer(question: str, correct: bool) -> None:
        try:
            for a in attempts:
                barrier.wait(timeout=30)
                store.record_answer(a.id, question, position=1, choices=["a"], correct=correct)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            barrier.abort()

    tabs = [
        threading.Thread(target=answer, args=("q1", True)),
        threading.Thread(target=answer, args=("q2", False)),
    ]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join()
    assert errors == []
    ids = [a.id for a in attempts]
    assert finished_rows(store, ids) == {i: (True, count - 1) for i in ids}


def finishes_run(store: Store) -> list[str]:
    """A list that grows by one each time the store runs the finish (an UPDATE of attempts,
    a compiled statement run on the pool's connection)."""
    run: list[str] = []
    finish = store._finish
    assert finish.sql.lstrip().upper().startswith("UPDATE ATTEMPTS")
    rows = finish.rows

    def counted(conn, params):  # type: ignore[no-untyped-def]
        run.append(finish.sql)
        return rows(conn, params)

    finish.rows = counted  # type: ignore[method-assign]
    return run


@pytest.mark.parametrize("order", [[1, 2, 3, 4, 5], [5, 3, 1, 2, 4], [1]])
def test_the_finish_runs_for_the_last_two_answers_only(store: Store, order: list[int]) -> None:
    """In any order of answering, the attempt finishes with its last answer (read as stored,
    not through attempt_and_answers, which would finish it too); the finish statement runs
    for the last two answers only."""
    a = store.create_attempt("otp", lang="vi", src=None, question_count=len(order))
    run = finishes_run(store)
    for i, n in enumerate(order, start=1):
        assert finished_rows(store, [a.id]) == {a.id: (False, None)}
        store.record_answer(a.id, f"q{n}", position=n, choices=["a"], correct=n % 2 == 1)
        assert len(run) == min(i, max(0, i - len(order) + 2))
    assert finished_rows(store, [a.id]) == {a.id: (True, sum(n % 2 for n in order))}
    # a repeated answer stores nothing and runs no finish
    store.record_answer(a.id, f"q{order[0]}", position=order[0], choices=["b"], correct=False)
    assert len(run) == min(2, len(order))


def test_a_complete_attempt_left_open_is_finished_when_read(store: Store) -> None:
    """Should a server die between an answer and the finish, the next read finishes it."""
    a = store.create_attempt("otp", lang="vi", src=None, question_count=2)
    table = metadata.tables["answers"]
    with store.engine.begin() as conn:  # the answers, without the finish
        for n, correct in ((1, True), (2, True)):
            conn.execute(
                table.insert().values(
                    attempt_id=a.id,
                    question_id=f"q{n}",
                    position=n,
                    choices="a",
                    correct=correct,
                    answered_at=a.started_at,
                    credit=100,
                )
            )
    assert finished_rows(store, [a.id]) == {a.id: (False, None)}
    attempt, answers = store.attempt_and_answers(a.id)
    assert attempt.finished and attempt.score == 2 and list(answers) == ["q1", "q2"]
    assert finished_rows(store, [a.id]) == {a.id: (True, 2)}


def test_an_attempt_and_its_answers_are_read_together(store: Store) -> None:
    a = store.create_attempt("otp", lang="vi", src="loa", question_count=3)
    assert store.attempt_and_answers(a.id) == (a, {})
    store.record_answer(a.id, "q2", position=2, choices=["b"], correct=False)
    first, _ = store.record_answer(a.id, "q1", position=1, choices=["c", "a"], correct=True)
    attempt, answers = store.attempt_and_answers(a.id)
    assert attempt == a
    assert list(answers) == ["q1", "q2"]  # in question order
    assert answers["q1"] == first  # what record_answer returned is what was stored
    assert (store.attempt(a.id), store.answers(a.id)) == (attempt, answers)
    assert store.attempt_and_answers("nope") == (None, {})


def test_answer_to_unknown_attempt_is_refused(store: Store) -> None:
    with pytest.raises(KeyError):
        store.record_answer("missing", "q1", position=1, choices=["a"], correct=True)
    with store.engine.connect() as conn:
        assert (
            conn.execute(
                sa.select(sa.func.count()).select_from(metadata.tables["answers"])
            ).scalar()
            == 0
        )


def test_an_answer_given_for_another_quiz_is_refused(store: Store) -> None:
    a = store.create_attempt("otp", lang="vi", src=None, question_count=2)
    with pytest.raises(KeyError):
        store.record_answer(a.id, "q1", position=1, choices=["a"], correct=True, quiz_id="qr")
    assert store.answers(a.id) == {}
    stored, created = store.record_answer(
        a.id, "q1", position=1, choices=["a"], correct=True, quiz_id="otp"
    )
    assert created and store.answers(a.id) == {"q1": stored}
    # once answered, the same question of the same quiz keeps its first answer
    again, created = store.record_answer(
        a.id, "q1", position=1, choices=["b"], correct=False, quiz_id="otp"
    )
    assert (again, created) == (stored, False)


def test_data_survives_a_restart(url: str) -> None:
    s = Store(url)
    s.check_schema(create_if_empty=True)
    a = s.create_attempt("otp", lang="vi", src="loa-xa", question_count=1)
    s.record_answer(a.id, "q1", position=1, choices=["a"], correct=True)
    s.dispose()

    again = Store(url)
    again.check_schema(create_if_empty=False)
    assert again.attempt(a.id).score == 1
    assert again.attempt(a.id).src == "loa-xa"
    assert again.answers(a.id)["q1"].correct
    again.dispose()


def test_partial_credit_is_kept_per_answer(store: Store) -> None:
    a = store.create_attempt("scam-or-safe", lang="vi", src=None, question_count=3)
    store.record_answer(a.id, "q1", position=1, choices=["scam", "f:link"], correct=True, credit=60)
    store.record_answer(a.id, "q2", position=2, choices=["a"], correct=True)
    store.record_answer(a.id, "q3", position=3, choices=["b"], correct=False)
    got = store.answers(a.id)
    assert [got[q].credit for q in ("q1", "q2", "q3")] == [60, 100, 0]
    with pytest.raises(ValueError):
        store.record_answer(a.id, "q4", position=4, choices=["a"], correct=True, credit=101)


def test_upgrade_from_0001_gives_existing_answers_their_credit(url: str) -> None:
    s = Store(url)
    with s.engine.begin() as conn:
        command.upgrade(s._alembic(conn), "0001")
        conn.exec_driver_sql(
            "INSERT INTO attempts (id, quiz_id, lang, seed, question_count, started_at) "
            "VALUES ('old', 'otp', 'vi', 1, 2, '2026-01-01 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO answers (attempt_id, question_id, position, choices, correct, "
            "answered_at) VALUES ('old', 'q1', 1, 'a', true, '2026-01-01 00:00:00'), "
            "('old', 'q2', 2, 'b', false, '2026-01-01 00:00:00')"
        )
    assert s.schema_revision() == ("0001", HEAD)
    s.upgrade()
    assert {k: v.credit for k, v in s.answers("old").items()} == {"q1": 100, "q2": 0}
    s.dispose()
