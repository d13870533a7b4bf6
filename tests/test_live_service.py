"""The live-session logic on real databases, SQLite and PostgreSQL: the schema, join codes,
moves, idempotent answers, the timer, counts, reports, the purge and the rate limits."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from live_helpers import age

from canhgiac.content.model import Choice, Question, Quiz, Text
from canhgiac.live import auth, counts, phones, ratelimit, service
from canhgiac.live.report import aggregate, build, csv_text
from canhgiac.live.retention import purge, purge_session
from canhgiac.live.tables import live_counts, live_sessions, participants, responses
from canhgiac.schema import metadata
from canhgiac.store import Store, utcnow

LIVE_TABLES = {
    "trainers",
    "live_sessions",
    "live_participants",
    "live_responses",
    "live_hand_counts",
    "live_counts",
    "rate_limits",
}


def question(qid: str, right: str, kind: str = "single") -> Question:
    return Question(
        id=qid,
        type=kind,
        prompt=Text.of(f"Câu {qid}?"),
        choices=tuple(Choice(k, Text.of(k.upper()), k in right) for k in "abc"),
        explanation=Text.of("Vì thế."),
    )


QUIZ = Quiz(
    id="otp",
    title=Text.of("OTP"),
    topic="payments",
    lesson=None,
    questions=(question("q1", "a"), question("q2", "b"), question("q3", "ab", "multiple")),
)


@pytest.fixture
def engine(store: Store):  # type: ignore[no-untyped-def]
    return store.engine


@pytest.fixture
def trainer_id(engine) -> int:  # type: ignore[no-untyped-def]
    return auth.add_trainer(engine, "lan", "mat-khau-123").id


def new_session(engine, trainer_id: int, **kw) -> service.LiveSession:  # type: ignore[no-untyped-def]
    return service.create_session(
        engine, trainer_id=trainer_id, quiz_id="otp", question_count=3, **kw
    )


def answer(engine, s, person, n: int, keys: str):  # type: ignore[no-untyped-def]
    q = QUIZ.questions[n - 1]
    return phones.answer(
        engine,
        s.id,
        person.id,
        position=n,
        question_id=q.id,
        keys=set(keys),
        correct=q.is_correct(set(keys)),
    )


# -- schema -------------------------------------------------------------------------------


def test_migrations_build_exactly_the_live_tables_the_code_uses(store: Store) -> None:
    assert set(metadata.tables) >= LIVE_TABLES
    with store.engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) >= LIVE_TABLES
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_the_live_migration_goes_down_and_up_again(store: Store) -> None:
    with store.engine.begin() as conn:
        command.downgrade(store._alembic(conn), "0002")
    with store.engine.connect() as conn:
        assert not LIVE_TABLES & set(sa.inspect(conn).get_table_names())
    store.upgrade()
    assert store.schema_revision()[0] == "0003"


# -- sessions -----------------------------------------------------------------------------


def test_join_codes_are_six_digits_and_unique_among_open_sessions(
    engine,
    trainer_id,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    first = new_session(engine, trainer_id)
    assert first.code.isdigit() and len(first.code) == 6 and first.code[0] != "0"
    assert (first.status, first.position, first.version) == ("lobby", 0, 1)
    assert first.kind == "none" and first.leaderboard is False
    # A code drawn twice while the first session is open: the second draw is used.
    taken = int(first.code) - 100000
    draws = iter([taken, 7, 123456 - 100000, 8])
    monkeypatch.setattr(service.secrets, "randbelow", lambda _n: next(draws))
    second = new_session(engine, trainer_id)
    assert second.code == "123456" and second.seed == 8
    monkeypatch.undo()
    # Once ended, a code is free again; a phone still finds its old session by the code.
    assert service.end(engine, first.id)
    assert service.open_session(engine, first.code) is None
    values = {c.name: getattr(first, c.name) for c in live_sessions.columns}
    values |= {"id": "f" * 16, "status": "lobby", "open_code": first.code, "ended_at": None}
    values["created_at"] = first.created_at + timedelta(seconds=1)
    with engine.begin() as conn:
        conn.execute(live_sessions.insert().values(**values))
    assert service.open_session(engine, first.code).id == "f" * 16
    assert [s.id for s in service.sessions_with_code(engine, first.code)] == ["f" * 16, first.id]
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(live_sessions.insert().values(**(values | {"id": "e" * 16})))


def test_moves_happen_once_and_in_order(engine, trainer_id) -> None:  # type: ignore[no-untyped-def]
    s = new_session(engine, trainer_id)
    assert not service.next_question(engine, s.id, 0)  # not started
    assert not service.reveal(engine, s.id, 0)
    assert service.start(engine, s.id)
    assert not service.start(engine, s.id)  # a second click
    assert service.reveal(engine, s.id, 1)
    assert service.next_question(engine, s.id, 1)
    assert not service.next_question(engine, s.id, 1)  # stale: already at 2
    assert service.close_answers(engine, s.id, 2)
    assert not service.close_answers(engine, s.id, 2)
    assert service.reveal(engine, s.id, 2)
    assert service.next_question(engine, s.id, 2)
    assert not service.next_question(engine, s.id, 3)  # the last question
    now = service.get_session(engine, s.id)
    assert (now.status, now.position, now.version) == ("open", 3, 7)
    assert service.end(engine, s.id)
    assert not service.end(engine, s.id)
    ended = service.get_session(engine, s.id)
    assert ended.ended and ended.open_code is None and ended.ended_at is not None


def test_concurrent_moves_from_two_devices_happen_once(engine, trainer_id) -> None:  # type: ignore[no-untyped-def]
    s = new_session(engine, trainer_id)
    service.start(engine, s.id)
    service.reveal(engine, s.id, 1)
    with ThreadPoolExecutor(8) as pool:
        done = list(pool.map(lambda _: service.next_question(engine, s.id, 1), range(8)))
    assert done.count(True) == 1
    assert service.get_session(engine, s.id).position == 2


# -- joining and answering ----------------------------------------------------------------


def test_join_finds_the_same_place_again_with_the_token(engine, trainer_id) -> None:  # type: ignore[no-untyped-def]
    s = new_session(engine, trainer_id)
    person, token, created = phones.join(engine, s, None, "  Cá   Heo\u200b ")
    assert created and person.nickname == "Cá Heo"
    again, same_token, created = phones.join(engine, s, token, "Another")
    assert (again, same_token, created) == (person, token, False)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(participants.c.token_hash)).scalar_one()
    assert token not in stored and stored == phones.token_hash(token)
    other, _, created = phones.join(engine, s, "forged-token", "")
    assert created and other.id != person.id and other.nickname  # a generated name
    assert phones.participant_for(engine, "another-session", token) is None
    service.end(engine, s.id)
    with pytest.raises(phones.SessionEnded):
        phones.join(engine, service.get_session(engine, s.id), None, "late")
    assert phones.join(engine, service.get_session(engine, s.id), token)[0] == person


def test_answers_are_idempotent_and_only_while_open(engine, trainer_id) -> None:  # type: ignore[no-untyped-def]
    s = new_session(engine, trainer_id)
    person, _, _ = phones.join(engine, s, None)
    with pytest.raises(phones.AnswersClosed):
        answer(engine, s, person, 1, "a")  # not started
    service.start(engine, s.id)
    stored, created = answer(engine, s, person, 1, "a")
    assert created and stored.correct and stored.choices == {"a"}
    stored, created = answer(engine, s, person, 1, "b")  # a second submission
    assert not created and stored.choices == {"a"}
    service.close_answers(engine, s.id, 1)
    late, _, _ = phones.join(engine, s, None)
    with pytest.raises(phones.AnswersClosed):
        answer(engine, s, late, 1, "a")
    assert answer(engine, s, person, 1, "a")[1] is False  # the kept answer, no error
    with pytest.raises(phones.AnswersClosed):
        answer(engine, s, person, 2, "b")  # not shown yet
    other = new_session(engine, trainer_id)
    service.start(engine, other.id)
    with pytest.raises(phones.AnswersClosed):  # a participant of another session
        phones.answer(
            engine, other.id, person.id, position=1, question_id="q1", keys={"a"}, correct=True
        )
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(responses)).scalar() == 1


def test_many_phones_answering_at_once_are_each_counted_once(engine, trainer_id) -> None:  # type: ignore[no-untyped-def]
    s = new_session(engine, trainer_id)
    people = [phones.join(engine, s, None)[0] for _ in range(20)]
    service.start(engine, s.id)
    jobs = [p for p in people for _ in range(3)]  # every phone submits three times
    with ThreadPoolExecutor(12) as pool:
        created = list(pool.map(lambda p: answer(engine, s, p, 1, "a")[1], jobs))
    assert created.count(True) == 20
    assert counts.live_counts(engine, s.id, "q1") == (20, 20)


def test_the_timer_closes_the_question_on_the_first_read_after_it(engine, trainer_id) -> None:  # type: ignore[no-untyped-def]
    s = new_session(engine, trainer_id)
    person, _, _ = phones.join(engine, s, None)
    service.start(engine, s.id)
    assert service.close_answers(engine, s.id, 1, seconds=30)
    ticking = service.get_session(engine, s.id)
    assert ticking.status == "open" and 29 <= ticking.seconds_left() <= 30
    with pytest.raises(ValueError):
        service.close_answers(engine, s.id, 1, seconds=service.MAX_TIMER + 1)
    with engine.begin() as conn:
        conn.execute(live_sessions.update().values(close_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(phones.AnswersClosed):
        answer(engine, s, person, 1, "a")
    closed = service.get_session(engine, s.id)
    assert closed.status == "closed" and closed.version == ticking.version + 1
    assert service.get_session(engine, s.id).version == closed.version  # closed once


# -- counts, reports, purge ---------------------------------------------------------------


def play(engine, trainer_id: int, kind: str = "none") -> service.LiveSession:  # type: ignore[no-untyped-def]
    """Three people: scores 3, 1 and 0; one more joins and answers nothing."""
    s = new_session(engine, trainer_id, kind=kind, leaderboard=True)
    people = [phones.join(engine, s, None, f"P{i}")[0] for i in range(4)]
    service.start(engine, s.id)
    for person, keys in zip(people, ("a", "a", "c"), strict=False):
        answer(engine, s, person, 1, keys)
    service.reveal(engine, s.id, 1)
    service.next_question(engine, s.id, 1)
    for person, keys in zip(people, ("b", "c", "c"), strict=False):
        answer(engine, s, person, 2, keys)
    service.next_question(engine, s.id, 2)
    for person, keys in zip(people, ("ab", "a"), strict=False):
        answer(engine, s, person, 3, keys)
    counts.set_hand_counts(engine, s.id, "q1", {"a": 4, "b": 1, "c": 0})
    counts.set_hand_counts(engine, s.id, "q3", {"a": 2, "b": 2})
    service.end(engine, s.id)
    return service.get_session(engine, s.id)


def test_counts_with_a_show_of_hands(engine, trainer_id) -> None:  # type: ignore[no-untyped-def]
    s = play(engine, trainer_id)
    q1 = counts.question_counts(engine, s.id, "q1")
    assert (q1.answered, q1.right, q1.phones, q1.hands) == (
        3,
        2,
        {"a": 2, "c": 1},
        {"a": 4, "b": 1},
    )
    assert q1.total("a") == 6 and q1.most == 6
    with pytest.raises(ValueError):
        counts.set_hand_counts(engine, s.id, "q1", {"a": -1})
    assert phones.leaderboard(engine, s.id) == [("P0", 3), ("P1", 1), ("P2", 0)]


def test_the_report(engine, trainer_id) -> None:  # type: ignore[no-untyped-def]
    s = play(engine, trainer_id)
    report = build(engine, s, QUIZ)
    assert (report.joined, report.answering) == (4, 3)
    assert report.distribution == [(0, 1), (1, 1), (2, 0), (3, 1)]
    assert report.average == pytest.approx(4 / 9)
    q1, q2, q3 = report.questions
    # hands count for a single-choice question: 2 + 4 right of 3 + 5
    assert (q1.answered, q1.right, q1.hands_added) == (8, 6, True)
    assert (q2.answered, q2.right) == (3, 1)
    # not for a multiple-choice one (a raised hand is one choice, not a combination)
    assert (q3.answered, q3.right) == (2, 1)
    assert [q.question_id for q in report.hardest] == ["q2", "q3", "q1"]
    top = report.wrong_answers[0]
    assert (top.question.question_id, top.line.key, top.line.total) == ("q2", "c", 2)
    text = csv_text(report, {"q1": "Câu q1?"})
    lines = text.removeprefix("\ufeff").split("\r\n")
    assert lines[0].startswith("session,quiz,kind,n,question_id,question,correct,answered,")
    assert lines[1].startswith(f"{s.id},otp,none,1,q1,Câu q1?,")
    assert lines[1].endswith(",8,6,75,A=2; B=0; C=1,A=4; B=1; C=0") or ",8,6,75," in lines[1]
    assert len(lines) == 5 and lines[4] == "" and "P0" not in text


def test_purge_keeps_the_aggregate_and_deletes_the_people(engine, trainer_id) -> None:  # type: ignore[no-untyped-def]
    old = play(engine, trainer_id)
    recent = play(engine, trainer_id)
    age(engine, old.id, 31)
    before = build(engine, service.get_session(engine, old.id), QUIZ)
    counts_before = aggregate(engine, old)
    ratelimit.hit(engine, ratelimit.JOIN, "k", now=utcnow() - timedelta(days=2))
    done = purge(engine, 30)
    assert (done.sessions, done.participants, done.responses, done.counters) == (1, 4, 8, 1)
    purged = service.get_session(engine, old.id)
    assert purged.purged_at is not None
    after = build(engine, purged, QUIZ)
    assert after.distribution == before.distribution
    assert after.questions == before.questions
    assert (after.joined, after.answering, after.average) == (4, 3, before.average)
    assert aggregate(engine, purged) == counts_before  # read from live_counts now
    assert phones.leaderboard(engine, old.id) == []
    assert phones.leaderboard(engine, recent.id) != []  # the recent session is untouched
    with engine.connect() as conn:
        kept = conn.execute(
            sa.select(sa.func.count())
            .select_from(live_counts)
            .where(live_counts.c.session_id == old.id)
        ).scalar()
    assert kept > 0
    assert purge(engine, 30).sessions == 0  # once only


def test_a_session_purged_already_is_not_purged_again(engine, trainer_id) -> None:  # type: ignore[no-untyped-def]
    old = play(engine, trainer_id)
    age(engine, old.id, 31)
    counts = aggregate(engine, old)
    assert purge(engine, 30).sessions == 1
    # A second purge that listed the session before the first one purged it: it must not
    # count the (deleted) people again and write those empty counts over the kept ones.
    assert purge_session(engine, old.id, utcnow()) is None
    assert aggregate(engine, service.get_session(engine, old.id)) == counts


def test_purges_running_at_once_purge_each_session_once(engine, trainer_id) -> None:  # type: ignore[no-untyped-def]
    olds = [play(engine, trainer_id) for _ in range(6)]
    for s in olds:
        age(engine, s.id, 31)
    counts = {s.id: aggregate(engine, s) for s in olds}
    assert all(c.joined == 4 for c in counts.values())
    gate = threading.Barrier(3)

    def run() -> int:
        gate.wait()
        return purge(engine, 30).sessions

    with ThreadPoolExecutor(3) as pool:
        done = list(pool.map(lambda _: run(), range(3)))
    assert sum(done) == 6
    for s in olds:
        assert aggregate(engine, service.get_session(engine, s.id)) == counts[s.id]


def test_purge_ends_a_forgotten_open_session_first(engine, trainer_id) -> None:  # type: ignore[no-untyped-def]
    s = new_session(engine, trainer_id)
    person, _, _ = phones.join(engine, s, None)
    service.start(engine, s.id)
    answer(engine, s, person, 1, "a")
    assert purge(engine, 0, now=utcnow() + timedelta(seconds=1)).sessions == 1
    found = service.get_session(engine, s.id)
    assert found.ended and found.open_code is None
    assert build(engine, found, QUIZ).questions[0].right == 1


# -- rate limits --------------------------------------------------------------------------


def test_rate_limits_count_failures_in_a_window(engine) -> None:  # type: ignore[no-untyped-def]
    limit = ratelimit.Limit("test", 3, timedelta(minutes=10))
    key = ratelimit.client_key("secret", limit, "127.0.0.1")
    assert key != ratelimit.client_key("secret", limit, "127.0.0.2")
    assert "127.0.0.1" not in key
    now = utcnow()
    for _ in range(3):
        assert ratelimit.retry_after(engine, limit, key, now) is None
        ratelimit.hit(engine, limit, key, now)
    assert ratelimit.retry_after(engine, limit, key, now) == 600
    later = now + timedelta(minutes=10, seconds=1)
    assert ratelimit.retry_after(engine, limit, key, later) is None
    ratelimit.hit(engine, limit, key, later)  # a new window
    assert ratelimit.retry_after(engine, limit, key, later) is None
    ratelimit.clear(engine, key)
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda _: ratelimit.hit(engine, limit, key, now), range(6)))
    assert ratelimit.retry_after(engine, limit, key, now) == 600
