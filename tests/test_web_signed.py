"""The browser's signed session read and written outside Flask (canhgiac/web/signed.py), as
Flask's own session interface reads and writes it."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.sessions import SecureCookieSession

from canhgiac import create_app
from canhgiac.web.signed import NONE, Sessions

DATA = {"attempts": ["x", "y"], "progress": {"y": [1, 2, 3, "", [[1, "a", 1, 100]]]}}


def flask_writes(app: Flask, data: dict[str, Any]) -> str:
    """The Set-Cookie header Flask's session interface writes for this session."""
    session = SecureCookieSession(data)
    session.modified = True
    with app.test_request_context():
        response = app.response_class()
        app.session_interface.save_session(app, session, response)
    return str(response.headers["Set-Cookie"])


def flask_reads(app: Flask, set_cookie: str) -> dict[str, Any]:
    """The session Flask opens for a request that sends the cookie of this header."""
    pair = set_cookie.split(";", 1)[0]
    with app.test_request_context(headers={"Cookie": pair}):
        session = app.session_interface.open_session(app, app.request_class({"HTTP_COOKIE": pair}))
    assert session is not None
    return dict(session)


def attributes(set_cookie: str) -> list[str]:
    return [part.strip() for part in set_cookie.split(";")[1:] if "Expires" not in part]


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_SAMESITE": "Strict"},
        {"SESSION_COOKIE_DOMAIN": "canhgiac.example.org", "SESSION_COOKIE_PATH": "/kit"},
        {
            "APPLICATION_ROOT": "/xa",
            "SESSION_COOKIE_NAME": "cg",
            "SESSION_COOKIE_PARTITIONED": True,
        },
    ],
)
def test_a_session_is_written_as_flask_writes_it(
    app_config: dict[str, Any], config: dict[str, Any]
) -> None:
    app = create_app({**app_config, **config})
    written = Sessions(app).write(dict(DATA))
    assert written is not None
    flask = flask_writes(app, dict(DATA))
    assert written.split("=", 1)[0] == flask.split("=", 1)[0]
    assert attributes(written) == attributes(flask)
    assert flask_reads(app, written) == DATA


def test_a_permanent_session_expires_as_flasks(app: Flask) -> None:
    data = {**DATA, "_permanent": True}
    written = Sessions(app).write(data)
    assert written is not None and "Expires=" in written
    assert "Expires=" in flask_writes(app, data)
    assert flask_reads(app, written) == data


def test_what_flask_wrote_is_read_and_kept(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = Sessions(app)
    cookie = flask_writes(app, dict(DATA)).split(";", 1)[0]
    environ = {"HTTP_COOKIE": cookie}
    session = sessions.read(environ)
    assert session.data == DATA and session.attempts == {"x", "y"}
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    monkeypatch.setattr(serializer, "loads", lambda *_a, **_k: pytest.fail("checked again"))
    assert sessions.read(environ) is session
    # Too old by now: refused, kept or not.
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert sessions.read(environ) is NONE


@pytest.mark.parametrize(
    "cookie",
    [
        "",
        "session=",
        "session=forged.value.here",
        "other=1",
    ],
)
def test_no_session_or_a_forged_one_reads_as_none(app: Flask, cookie: str) -> None:
    assert Sessions(app).read({"HTTP_COOKIE": cookie}) is NONE


def test_a_written_session_is_read_without_checking_it_again(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = Sessions(app)
    written = sessions.write(dict(DATA))
    assert written is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    monkeypatch.setattr(serializer, "loads", lambda *_a, **_k: pytest.fail("checked again"))
    assert sessions.read({"HTTP_COOKIE": written.split(";", 1)[0]}).data == DATA
