"""The browser's signed session read outside Flask (canhgiac/web/signed.py), as Flask's own
session interface reads it."""

from __future__ import annotations

import time
from datetime import UTC
from typing import Any

import pytest
from flask import Flask
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSession
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from canhgiac.web.signed import NONE, PlainFirstSerializer, Sessions

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


#: Values a session may hold: JSON's own, and those Flask's serializer tags, nested.
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary(max_size=8)
    | st.builds(Markup, st.text(max_size=8))
    | st.uuids()
    | st.datetimes(timezones=st.just(UTC))
)
TAG_KEYS = st.sampled_from(sorted(TaggedJSONSerializer().tags))
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=4) | TAG_KEYS, inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8) | TAG_KEYS, VALUES, max_size=4))
def test_the_plain_first_serializer_writes_what_flask_writes(data: dict[str, Any]) -> None:
    """The same JSON as Flask's tagged serializer for any session, tagged or plain, and read
    back the same."""
    ours, flasks = PlainFirstSerializer(), TaggedJSONSerializer()
    assert ours.dumps(data) == flasks.dumps(data)
    assert flasks.loads(ours.dumps(data)) == flasks.loads(flasks.dumps(data))


def test_a_plain_session_is_not_tagged(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The session of a resident (attempt ids) is written without Flask's tagging, in the app
    context too (where Flask's JSON provider sorts the keys); one with a tuple is tagged."""
    ours = PlainFirstSerializer()
    assert isinstance(app.session_interface.serializer, PlainFirstSerializer)
    tagged: list[object] = []
    tag = TaggedJSONSerializer.tag
    monkeypatch.setattr(
        TaggedJSONSerializer, "tag", lambda self, value: tagged.append(value) or tag(self, value)
    )
    plain = {"b": ["x", "y"], "a": {"n": 1, "f": 0.5, "t": True, "none": None}}
    with app.app_context():
        assert ours.dumps(plain) == '{"a":{"f":0.5,"n":1,"none":null,"t":true},"b":["x","y"]}'
    assert ours.dumps(plain) == '{"b":["x","y"],"a":{"n":1,"f":0.5,"t":true,"none":null}}'
    assert tagged == []
    assert ours.dumps({"a": ("x",)}) == '{"a":{" t":["x"]}}'
    assert ours.dumps({" t": "x"}) == '{" di":{" t__":"x"}}'
    assert tagged != []
