"""The purge the site runs itself (canhgiac/live/autopurge.py): when it runs, what it deletes,
what happens when the database is down, and the settings that control it. A real server
running it is in test_serve.py."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from live_helpers import old_session, people

from canhgiac import create_app
from canhgiac.config import ConfigError
from canhgiac.live import autopurge
from canhgiac.live.autopurge import RETRY_SECONDS, AutoPurge
from canhgiac.live.retention import Purged
from canhgiac.store import Store


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_it_purges_at_once_then_once_per_period(store: Store) -> None:
    engine = store.engine
    first = old_session(engine)
    clock = Clock()
    state = AutoPurge(engine, 30, 24 * 3600, logging.getLogger("test"), clock)
    assert state.due()
    done = state.run()
    assert done is not None and (done.sessions, done.participants) == (1, 1)
    assert people(engine, first) == 0
    second = old_session(engine, trainer="minh")
    clock.now += 24 * 3600 - 1
    assert not state.due()
    assert state.run() is None  # not yet: the second session keeps its people
    assert people(engine, second) == 1
    clock.now += 1
    done = state.run()
    assert done is not None and done.sessions == 1
    assert people(engine, second) == 0


def test_it_keeps_what_is_younger_than_the_retention_period(store: Store) -> None:
    recent = old_session(store.engine, days=29)
    done = AutoPurge(store.engine, 30, 3600, logging.getLogger("test")).run()
    assert done == Purged(0, 0, 0, 0)
    assert people(store.engine, recent) == 1


def test_a_failed_purge_is_logged_and_tried_again_ten_minutes_later(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A database file that is not a database: every statement fails.
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    engine = sa.create_engine(f"sqlite:///{broken}")
    clock = Clock()
    state = AutoPurge(engine, 30, 24 * 3600, logging.getLogger("canhgiac.test"), clock)
    with caplog.at_level(logging.WARNING, logger="canhgiac.test"):
        assert state.run() is None
    assert [r.getMessage() for r in caplog.records] == [
        "the automatic purge failed, trying again in 10 minutes: DatabaseError"
    ]
    clock.now += RETRY_SECONDS - 1
    assert not state.due()
    clock.now += 1
    assert state.due()
    engine.dispose()


def test_one_thread_of_a_process_purges_at_a_time(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, finish = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow_purge(engine: sa.Engine, days: int) -> Purged:
        calls.append(days)
        started.set()
        finish.wait(10)
        return Purged(0, 0, 0, 0)

    monkeypatch.setattr(autopurge, "purge", slow_purge)
    state = AutoPurge(store.engine, 30, 3600, logging.getLogger("test"))
    first = threading.Thread(target=state.run)
    first.start()
    assert started.wait(10)
    assert state.run() is None  # the other thread is purging: this one does not wait
    finish.set()
    first.join(10)
    assert calls == [30]


def test_the_site_purges_after_answering_a_request(
    app_config: dict[str, Any], database_url: str
) -> None:
    app_config["DATABASE_URL"] = database_url
    store = Store(database_url)
    store.upgrade()
    session_id = old_session(store.engine)
    app = create_app(app_config)
    try:
        response = app.test_client().get("/")
        assert response.status_code == 200
        assert people(store.engine, session_id) == 1  # not while the page is being sent
        response.close()  # what the server does once the page is sent
        assert people(store.engine, session_id) == 0
        assert not app.extensions[autopurge.EXTENSION_KEY].due()
    finally:
        app.extensions["canhgiac.store"].dispose()
        store.dispose()


def test_zero_hours_turns_it_off(app_config: dict[str, Any]) -> None:
    app_config["PURGE_EVERY_HOURS"] = 0
    app = create_app(app_config)
    try:
        engine = app.extensions["canhgiac.store"].engine
        session_id = old_session(engine)
        app.test_client().get("/").close()
        assert autopurge.EXTENSION_KEY not in app.extensions
        assert people(engine, session_id) == 1
    finally:
        app.extensions["canhgiac.store"].dispose()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"RETENTION_DAYS": 0},
            "RETENTION_DAYS must be a whole number of days, 1 or more (not 0)",
        ),
        (
            {"RETENTION_DAYS": "30"},
            "RETENTION_DAYS must be a whole number of days, 1 or more (not '30')",
        ),
        (
            {"PURGE_EVERY_HOURS": -1},
            "PURGE_EVERY_HOURS must be a number of hours, 0 or more (not -1)",
        ),
        (
            {"PURGE_EVERY_HOURS": "daily"},
            "PURGE_EVERY_HOURS must be a number of hours, 0 or more (not 'daily')",
        ),
    ],
)
def test_wrong_settings_stop_the_start_with_a_message(
    app_config: dict[str, Any], settings: dict[str, object], message: str
) -> None:
    app_config.update(settings)
    with pytest.raises(ConfigError) as err:
        create_app(app_config)
    assert str(err.value) == message


def test_the_settings_from_the_environment(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANHGIAC_RETENTION_DAYS", "7")
    monkeypatch.setenv("CANHGIAC_PURGE_EVERY_HOURS", "0.5")
    app = Flask("probe")
    app.config.from_prefixed_env("CANHGIAC")
    assert autopurge.settings(app) == (7, 0.5)
