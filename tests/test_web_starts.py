"""Quiz starts served by the attempt lane (canhgiac/web/starts.py): the attempt, the session,
the progress cookie and the 303 as the quiz's view makes them; anything odd reaches Flask."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from canhgiac.store import Attempt, attempts, get_store
from canhgiac.web import progress
from canhgiac.web.attempt import MAX_REMEMBERED

from test_web_lane import PLAIN, attributes, lane_of, progress_of

QUESTION_1 = re.compile(r"/q/demo-otp/a/([A-Za-z0-9_-]{22})/1")
#: Headers every 303 to a start carries, the lane's as Flask's.
SAME = (
    "Content-Type",
    "Cache-Control",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Vary",
    "Content-Length",
)


@pytest.fixture
def app(app_on_database: Flask) -> Flask:
    """The app on SQLite, then on PostgreSQL (for every test here, and its client)."""
    return app_on_database


def post_start(client: FlaskClient, data: Any = None, **kwargs: Any) -> TestResponse:
    return client.post("/q/demo-otp/start", data={"src": ""} if data is None else data, **kwargs)


def started_id(response: TestResponse) -> str:
    assert response.status_code == 303
    match = QUESTION_1.fullmatch(response.headers["Location"])
    assert match is not None, response.headers["Location"]
    return match.group(1)


def set_cookie(response: TestResponse, name: str) -> str:
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    return header


def session_of(app: Flask, response: TestResponse) -> dict[str, Any]:
    """The session a response saves, as Flask reads it."""
    name = app.config["SESSION_COOKIE_NAME"]
    value = set_cookie(response, name).split(";", 1)[0].split("=", 1)[1]
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return serializer.loads(value)  # type: ignore[no-any-return]


def stored(app: Flask, attempt_id: str) -> Attempt:
    with app.app_context():
        attempt = get_store().attempt(attempt_id)
    assert attempt is not None
    return attempt


def count_attempts(app: Flask) -> int:
    with app.extensions["canhgiac.store"].engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(attempts)).scalar_one())


def test_a_start_from_the_lane_is_the_one_flask_makes(
    app: Flask, client: FlaskClient, flask_requests: list[str]
) -> None:
    by_flask = post_start(client, {"src": "cho-giao-phong"})
    assert flask_requests == ["/q/demo-otp/start"]
    by_lane = post_start(client, {"src": "cho-giao-phong"})
    assert flask_requests == ["/q/demo-otp/start"]  # the second never reached Flask
    first, second = started_id(by_flask), started_id(by_lane)
    assert first != second
    for name in SAME:
        assert by_lane.headers.get(name) == by_flask.headers.get(name), name
    assert by_lane.data == by_flask.data == b""
    # Its cookies: the session names both attempts, the progress cookie carries both.
    assert session_of(app, by_flask) == {"attempts": [first]}
    assert session_of(app, by_lane) == {"attempts": [first, second]}
    session_cookie = app.config["SESSION_COOKIE_NAME"]
    for name in (session_cookie, progress.COOKIE):
        lane_attributes = attributes(set_cookie(by_lane, name))
        assert lane_attributes == attributes(set_cookie(by_flask, name)), name
    assert set(progress_of(app, set_cookie(by_lane, progress.COOKIE))) == {first, second}
    # The attempts, stored alike.
    one, two = stored(app, first), stored(app, second)
    assert (one.quiz_id, one.lang, one.src, one.question_count, one.finished) == (
        two.quiz_id,
        two.lang,
        two.src,
        two.question_count,
        two.finished,
    )
    assert (two.lang, two.src) == ("vi", "cho-giao-phong")
    # Their first questions: Flask makes the first's, the lane serves the second's.
    assert client.get(by_flask.headers["Location"], headers=PLAIN).status_code == 200
    flask_requests.clear()
    page = client.get(by_lane.headers["Location"], headers=PLAIN)
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    assert flask_requests == []


def test_the_session_keeps_what_else_it_holds_and_forgets_the_oldest_attempt(
    app: Flask, client: FlaskClient, flask_requests: list[str]
) -> None:
    with client.session_transaction() as session:
        session["other"] = {"kept": [1, "two"]}
    ids = [started_id(post_start(client)) for _ in range(MAX_REMEMBERED + 2)]
    assert flask_requests == ["/q/demo-otp/start"]
    last = post_start(client)
    ids.append(started_id(last))
    assert session_of(app, last) == {
        "other": {"kept": [1, "two"]},
        "attempts": ids[-MAX_REMEMBERED:],
    }
    assert set(progress_of(app, set_cookie(last, progress.COOKIE))) <= set(ids[-MAX_REMEMBERED:])
    # The attempt forgotten first is no longer this browser's.
    assert client.get(f"/q/demo-otp/a/{ids[0]}/1").status_code == 400
    assert client.get(f"/q/demo-otp/a/{ids[-1]}/1").status_code == 200


@pytest.mark.parametrize(("cookie", "lang"), [("en", "en"), (" EN ", "en"), ("fr", "vi")])
def test_the_attempt_is_in_the_language_flask_takes(
    app: Flask, client: FlaskClient, flask_requests: list[str], cookie: str, lang: str
) -> None:
    client.set_cookie("lang", cookie)
    by_flask, by_lane = started_id(post_start(client)), started_id(post_start(client))
    assert flask_requests == ["/q/demo-otp/start"]
    assert stored(app, by_flask).lang == stored(app, by_lane).lang == lang


def test_a_forged_or_stale_session_starts_afresh_as_in_flask(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = started_id(post_start(client))
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    assert cookie is not None
    client.set_cookie(name, cookie.value[:-2] + ("AA" if not cookie.value.endswith("AA") else "BB"))
    forged = post_start(client)
    assert session_of(app, forged) == {"attempts": [started_id(forged)]}
    assert client.get(f"/q/demo-otp/a/{first}/1").status_code == 400
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    stale = post_start(client)
    assert session_of(app, stale) == {"attempts": [started_id(stale)]}


@pytest.mark.parametrize(
    ("data", "headers", "status", "src"),
    [
        ({"src": "cho-1", "more": "x"}, {}, 303, "cho-1"),  # a field no intro form has
        ({"src": ["cho-1", "cho-2"]}, {}, 303, "cho-1"),
        ({}, {}, 303, None),  # no src at all
        ("src=chợ".encode(), {}, 303, None),  # not ASCII
        ({"src": "x" * 5000}, {}, 303, None),  # too big for the lane
        ({"src": "cho-1"}, {"Sec-Fetch-Site": "cross-site"}, 403, None),
        ({"src": "cho-1"}, {"Origin": "https://evil.example"}, 403, None),
    ],
)
def test_an_odd_start_reaches_flask(
    app: Flask,
    client: FlaskClient,
    flask_requests: list[str],
    data: dict[str, Any] | bytes,
    headers: dict[str, str],
    status: int,
    src: str | None,
) -> None:
    post_start(client)
    flask_requests.clear()
    form = {"content_type": "application/x-www-form-urlencoded"} if isinstance(data, bytes) else {}
    response = post_start(client, data, headers=headers, **form)
    assert flask_requests == ["/q/demo-otp/start"]
    assert response.status_code == status
    if status == 303:
        assert stored(app, started_id(response)).src == src
    else:
        assert "Set-Cookie" not in response.headers
        assert count_attempts(app) == 1


def test_an_unknown_quiz_and_a_bad_src_label(
    app: Flask, client: FlaskClient, flask_requests: list[str]
) -> None:
    post_start(client)
    flask_requests.clear()
    assert client.post("/q/no-such-quiz/start", data={"src": ""}).status_code == 404
    assert flask_requests == ["/q/no-such-quiz/start"]
    flask_requests.clear()
    response = post_start(client, {"src": "Not A Label!"})
    assert flask_requests == []  # the lane cleans it as the view does
    assert stored(app, started_id(response)).src is None


def test_a_database_error_reaches_flask(
    app: Flask, client: FlaskClient, flask_requests: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    started_id(post_start(client))
    flask_requests.clear()
    store = app.extensions["canhgiac.store"]

    def down(*_args: Any, **_kwargs: Any) -> Attempt:
        raise ConnectionError("the database is down")

    monkeypatch.setattr(store, "create_attempt", down)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the error page a resident sees
    response = post_start(client)
    assert flask_requests == ["/q/demo-otp/start"]  # Flask tried again
    assert response.status_code == 500
    assert "Set-Cookie" not in response.headers
    assert count_attempts(app) == 1


def test_under_a_script_root_and_in_debug_mode(
    app: Flask, client: FlaskClient, flask_requests: list[str]
) -> None:
    mounted = "http://localhost/kit"
    by_flask = post_start(client, base_url=mounted)
    by_lane = post_start(client, base_url=mounted)
    assert flask_requests == ["/q/demo-otp/start"]
    for response in (by_flask, by_lane):
        assert re.fullmatch(r"/kit/q/demo-otp/a/[A-Za-z0-9_-]{22}/1", response.headers["Location"])
    app.debug = True
    flask_requests.clear()
    started_id(post_start(client))
    assert flask_requests == ["/q/demo-otp/start"]


def test_a_host_trusted_hosts_does_not_name_reaches_flask(
    app: Flask, client: FlaskClient, flask_requests: list[str]
) -> None:
    """With TRUSTED_HOSTS set, Flask refuses (400) any other Host, and so does the lane: it
    stores no start and no answer for one."""
    app.config["TRUSTED_HOSTS"] = ["localhost"]
    first = post_start(client, headers={"Sec-Fetch-Site": "same-origin"})
    attempt_id = started_id(first)
    post_start(client, headers={"Sec-Fetch-Site": "same-origin"})  # the lane's, now
    flask_requests.clear()
    other = {"Sec-Fetch-Site": "same-origin", "Host": "evil.example"}
    assert post_start(client, headers=other).status_code == 400
    answer = client.post(f"/q/demo-otp/a/{attempt_id}/1", data={"choice": "a"}, headers=other)
    assert answer.status_code == 400
    assert flask_requests == ["/q/demo-otp/start", f"/q/demo-otp/a/{attempt_id}/1"]
    assert count_attempts(app) == 2
    with app.app_context():
        assert get_store().answers(attempt_id) == {}


def test_a_session_the_lane_saved_is_kept_as_flask_reads_it(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The browser's next request to this worker finds the session it was just given without
    checking and decoding it again: what Flask reads from the cookie, signed no later."""
    with client.session_transaction() as session:
        session["other"] = {"kept": [1, "two"], "pair": (3, "four")}
    post_start(client)  # Flask's
    interface = app.session_interface
    serializer = interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    before = time.time()
    by_lane = post_start(client)
    name = app.config["SESSION_COOKIE_NAME"]
    value = set_cookie(by_lane, name).split(";", 1)[0].split("=", 1)[1]
    data, signed = serializer.loads(value, return_timestamp=True)
    assert data["other"]["pair"] == (3, "four")
    sessions = lane_of(app).sessions
    checked: list[str] = []
    monkeypatch.setattr(
        interface, "get_signing_serializer", lambda app: checked.append("checked") or serializer
    )
    environ = {"HTTP_COOKIE": f"{name}={value}"}
    kept = sessions.read(environ)
    assert checked == []
    assert kept.data == data and kept.attempts == {started_id(by_lane), *data["attempts"]}
    assert int(before) <= kept.signed_at <= signed.timestamp()
    # Another worker, which did not save it, checks it and reads the same.
    other = type(sessions)(app)
    found = other.read(environ)
    assert checked == ["checked"]
    assert found.data == kept.data and found.signed_at == signed.timestamp()
