"""The browser's signed session read outside Flask (canhgiac/web/signed.py), as Flask's own
session interface reads it."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.sessions import SecureCookieSession

from canhgiac.web.signed import NONE, Sessions

DATA = {"attempts": ["x", "y"], "trainer": ["t", "f"]}


def flask_writes(app: Flask, data: dict[str, Any]) -> str:
    """The Set-Cookie header Flask's session interface writes for this session."""
    session = SecureCookieSession(data)
    session.modified = True
    with app.test_request_context():
        response = app.response_class()
        app.session_interface.save_session(app, session, response)
    return str(response.headers["Set-Cookie"])


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
