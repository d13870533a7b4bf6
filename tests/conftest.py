"""Shared fixtures: a read-only demo content tree (tests/data/content) and an app per test with
its own instance folder and SQLite database in tmp_path."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, request, request_started
from flask.testing import FlaskClient, FlaskCliRunner

from canhgiac import create_app
from canhgiac.store import Store

TESTS = Path(__file__).parent
DEMO_CONTENT = TESTS / "data" / "content"
PROJECT_ROOT = TESTS.parent

#: Set by .ci/with-postgres: a throw-away PostgreSQL server on loopback.
POSTGRES_URL = os.environ.get("CANHGIAC_TEST_POSTGRES_URL")
#: Set by .ci/run: PostgreSQL tests must run, not skip.
REQUIRE_POSTGRES = os.environ.get("CANHGIAC_REQUIRE_POSTGRES") == "1"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, then a new PostgreSQL database per test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("CANHGIAC_REQUIRE_POSTGRES=1 but no PostgreSQL server was started")
        pytest.skip("no PostgreSQL server: run the tests through .ci/with-postgres")
    name = f"canhgiac_test_{secrets.token_hex(6)}"
    admin = sa.create_engine(
        POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A store on that database, migrated to the newest schema."""
    s = Store(database_url)
    s.upgrade()
    yield s
    s.dispose()


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    """Settings for the test app; tests may change them before using `app`."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-0123456789",
        "INSTANCE_PATH": tmp_path / "instance",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "CONTENT": str(DEMO_CONTENT),
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)
    yield app
    app.extensions["canhgiac.store"].dispose()


@pytest.fixture
def app_on_database(database_url: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    """The app on SQLite, then on PostgreSQL: a module whose `app` fixture returns it runs
    each of its tests, and its client, on both."""
    Store(database_url).upgrade()
    app = create_app({**app_config, "DATABASE_URL": database_url})
    yield app
    app.extensions["canhgiac.store"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def flask_requests(app: Flask) -> Iterator[list[str]]:
    """The paths of the requests that reached Flask (not kept pages or the attempt lane)."""
    paths: list[str] = []

    def record(sender: Flask, **_extra: Any) -> None:
        paths.append(request.full_path.rstrip("?"))

    request_started.connect(record, app)
    yield paths
    request_started.disconnect(record, app)
