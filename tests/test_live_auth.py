"""Trainer accounts: names, hashed passwords, verification, removal."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from canhgiac.live import auth, service
from canhgiac.live.tables import live_sessions, trainers
from canhgiac.store import Store


@pytest.fixture
def engine(database_url: str):  # type: ignore[no-untyped-def]
    store = Store(database_url)
    store.upgrade()
    yield store.engine
    store.dispose()


def test_passwords_are_stored_hashed(engine) -> None:  # type: ignore[no-untyped-def]
    added = auth.add_trainer(engine, "Lan.Nguyen", "mat-khau-123")
    assert added.name == "lan.nguyen"
    with engine.connect() as conn:
        stored = conn.execute(sa.select(trainers.c.password_hash)).scalar_one()
    assert "mat-khau-123" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    assert "password_hash" not in repr(added) and stored not in repr(added)


def test_verify(engine) -> None:  # type: ignore[no-untyped-def]
    auth.add_trainer(engine, "lan", "mat-khau-123")
    assert auth.verify(engine, "lan", "mat-khau-123").name == "lan"
    assert auth.verify(engine, " LAN ", "mat-khau-123").name == "lan"
    assert auth.verify(engine, "lan", "mat-khau-124") is None
    assert auth.verify(engine, "minh", "mat-khau-123") is None
    assert auth.verify(engine, "bad name!", "mat-khau-123") is None
    assert auth.verify(engine, "lan", "x" * 10_000) is None


@pytest.mark.parametrize("name", ["", " ", "-lan", "lan nguyen", "lân", "a" * 65, "lan/1"])
def test_bad_names_are_refused(engine, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(auth.TrainerError):
        auth.add_trainer(engine, name, "mat-khau-123")


def test_short_passwords_and_duplicates_are_refused(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(auth.TrainerError, match="too short"):
        auth.add_trainer(engine, "lan", "short")
    auth.add_trainer(engine, "lan", "mat-khau-123")
    with pytest.raises(auth.TrainerError, match="exists already"):
        auth.add_trainer(engine, "LAN", "mat-khau-456")
    with pytest.raises(auth.TrainerError):
        auth.set_password(engine, "minh", "mat-khau-456")


def test_a_new_password_changes_the_fingerprint(engine) -> None:  # type: ignore[no-untyped-def]
    before = auth.add_trainer(engine, "lan", "mat-khau-123")
    auth.set_password(engine, "lan", "mat-khau-456")
    after = auth.find_trainer(engine, "lan")
    assert after.fingerprint != before.fingerprint
    assert auth.verify(engine, "lan", "mat-khau-456") is not None
    assert auth.verify(engine, "lan", "mat-khau-123") is None


def test_removing_a_trainer_ends_and_keeps_their_sessions(engine) -> None:  # type: ignore[no-untyped-def]
    lan = auth.add_trainer(engine, "lan", "mat-khau-123")
    minh = auth.add_trainer(engine, "minh", "mat-khau-123")
    mine = service.create_session(engine, trainer_id=lan.id, quiz_id="otp", question_count=3)
    theirs = service.create_session(engine, trainer_id=minh.id, quiz_id="otp", question_count=3)
    assert [(t.name, n) for t, n in auth.list_trainers(engine)] == [("lan", 1), ("minh", 1)]
    assert auth.remove_trainer(engine, "lan") == 1
    kept = service.get_session(engine, mine.id)
    assert kept.ended and kept.trainer_id is None and kept.open_code is None
    assert service.get_session(engine, theirs.id).status == "lobby"
    assert [t.name for t, _ in auth.list_trainers(engine)] == ["minh"]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(live_sessions)).scalar() == 2
    with pytest.raises(auth.TrainerError):
        auth.remove_trainer(engine, "lan")
