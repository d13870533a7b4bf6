"""The attempt lane (canhgiac/web/lane.py): question pages and answers served in front of
Flask, by the same rules and with the same result as the quiz's views."""

from __future__ import annotations

import gzip
import random
import re
import time
from collections import defaultdict
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import brotli
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from canhgiac import create_app
from canhgiac.store import Store, get_store
from canhgiac.web import lane as lane_module
from canhgiac.web import progress
from canhgiac.web.attempt import result_view
from canhgiac.web.coding import zstd
from canhgiac.web.lane import AttemptLane
from canhgiac.web.pages import Pages
from canhgiac.web.progress import read_entry

from forms import parse

PLAIN = {"Accept-Encoding": "identity"}
#: What Chrome sends (since version 123).
CHROME = {"Accept-Encoding": "gzip, deflate, br, zstd"}
SCENARIOS = Path(__file__).parent / "data" / "scenarios"


@pytest.fixture
def app(app_on_database: Flask) -> Flask:
    """The app on SQLite, then on PostgreSQL (for every test here, and its client)."""
    return app_on_database


def lane_of(app: Flask) -> AttemptLane:
    lane = app.wsgi_app
    assert isinstance(lane, AttemptLane)
    return lane


def start(client: FlaskClient, quiz: str, src: str = "") -> str:
    """Start an attempt; returns its question 1 address."""
    response = client.post(f"/q/{quiz}/start", data={"src": src})
    assert response.status_code == 303
    return str(response.headers["Location"])


def choices_on(client: FlaskClient, path: str) -> list[str]:
    form = parse(client.get(path, headers=PLAIN).data).form()
    return [f.value for f in form.fields if f.name == "choice"]


def stored_answers(app: Flask, attempt_id: str) -> dict[str, frozenset[str]]:
    with app.app_context():
        _attempt, answers = get_store().attempt_and_answers(attempt_id)
    return {q: a.choices for q, a in answers.items()}


def progress_of(app: Flask, set_cookie: str) -> progress.Entries:
    """The entries of a progress cookie's Set-Cookie header, as the app reads them."""
    name, value = set_cookie.split(";", 1)[0].split("=", 1)
    assert name == progress.COOKIE
    return app.extensions[progress.EXTENSION_KEY].read(value)  # type: ignore[no-any-return]


def carried(app: Flask, set_cookie: str, attempt_id: str) -> list[tuple[int, str]]:
    """The answers (number, keys) a progress cookie's Set-Cookie header carries for an
    attempt."""
    read = read_entry(progress_of(app, set_cookie)[attempt_id])
    assert read is not None
    return [(n, keys) for n, keys, _correct, _credit in read[4]]


def attributes(set_cookie: str) -> list[str]:
    """A Set-Cookie header's attributes, but for the time it expires at."""
    return [p.strip() for p in set_cookie.split(";")[1:] if not p.strip().startswith("Expires=")]


def flask_then_lane(
    app: Flask, client: FlaskClient, flask_requests: list[str], paths: list[str]
) -> dict[str, TestResponse]:
    """Each page made by Flask with nothing kept, then all of them again in turn, the lane
    keeping pieces from one to the next: each the same, byte for byte and in the headers that
    matter. Returns Flask's pages; `flask_requests` then lists what reached Flask the second
    time."""
    lane = lane_of(app)
    made_by_flask = {}
    for path in paths:
        lane.pages = Pages()  # nothing kept: Flask makes each page
        made_by_flask[path] = client.get(path, headers=PLAIN)
        assert made_by_flask[path].status_code == 200 and flask_requests[-1] == path
    lane.pages = Pages()
    flask_requests.clear()
    for path in paths:
        response = client.get(path, headers=PLAIN)
        assert response.status_code == 200
        assert response.get_data(as_text=True) == made_by_flask[path].get_data(as_text=True)
        flask_headers = made_by_flask[path].headers
        for name in ("Content-Type", "Cache-Control", "Content-Security-Policy", "Vary"):
            assert response.headers[name] == flask_headers[name], name
    return made_by_flask


def test_each_attempt_gets_the_page_flask_makes_for_it(
    app: Flask, client: FlaskClient, flask_requests: list[str]
) -> None:
    """Many attempts, answered at random: every question page the lane serves is, byte for
    byte, the page Flask makes for that attempt; most of them never reach Flask."""
    rng = random.Random(7)
    pages: list[str] = []
    for quiz in ("demo-otp", "demo-qr", "demo-otp", "demo-qr") * 3:
        first = start(client, quiz)
        count = len(app.extensions["canhgiac.catalog"].quizzes[quiz].questions)
        paths = [first[:-1] + str(n) for n in range(1, count + 1)]
        pages += paths
        for path in rng.sample(paths, rng.randrange(count + 1)):
            values = choices_on(client, path)
            assert client.post(path, data={"choice": rng.choice(values)}).status_code == 303
    made_by_flask = flask_then_lane(app, client, flask_requests, pages)
    served = len(pages) - len(flask_requests)
    assert served >= len(pages) // 2, (served, len(pages))
    # The choices of a kept page are put in each attempt's own order.
    orders = {
        tuple(re.findall(r'id="choice-([^"]+)"', made_by_flask[p].get_data(as_text=True)))
        for p in pages
    }
    assert len(orders) > 3


def test_a_page_in_each_encoding(client: FlaskClient, flask_requests: list[str]) -> None:
    first, second = start(client, "demo-otp"), start(client, "demo-otp")
    plain = {}
    for path in (first, second):
        plain[path] = client.get(path, headers=PLAIN).data
    assert flask_requests.count(first) == 1 and second not in flask_requests[1:]
    for path in (first, second):
        br = client.get(path, headers={"Accept-Encoding": "br"})
        assert br.headers["Content-Encoding"] == "br"
        assert brotli.decompress(br.data) == plain[path]
        gz = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert gz.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(gz.data) == plain[path]
        assert gz.headers["Vary"] == "Cookie, Accept-Encoding"
    assert second not in flask_requests


def test_a_browser_that_takes_zstd_gets_it_from_the_lane_as_from_flask(
    app: Flask, client: FlaskClient, flask_requests: list[str]
) -> None:
    """Chrome and Firefox take zstd, which Flask-Compress offers first: the lane answers the
    same way."""
    path = start(client, "demo-otp")
    by_flask = client.get(path, headers=CHROME)
    assert flask_requests[-1] == path
    by_lane = client.get(path, headers=CHROME)
    assert flask_requests.count(path) == 1
    plain = client.get(path, headers=PLAIN).data
    for response in (by_flask, by_lane):
        assert response.headers["Content-Encoding"] == "zstd"
        assert zstd.decompress(response.data) == plain


@pytest.mark.parametrize(("offered", "coding"), [(["br", "gzip"], "br"), ("gzip, br", "gzip")])
def test_the_lane_offers_what_flask_compress_is_told_to(
    database_url: str, app_config: dict[str, Any], offered: object, coding: str
) -> None:
    Store(database_url).upgrade()
    app = create_app({**app_config, "DATABASE_URL": database_url, "COMPRESS_ALGORITHM": offered})
    client = app.test_client()
    path = start(client, "demo-otp")
    by_flask = client.get(path, headers=CHROME)
    by_lane = client.get(path, headers=CHROME)
    assert by_flask.headers["Content-Encoding"] == by_lane.headers["Content-Encoding"] == coding
    app.extensions["canhgiac.store"].dispose()


def test_an_answer_changes_the_page_at_once(client: FlaskClient, flask_requests: list[str]) -> None:
    path = start(client, "demo-otp")
    other = start(client, "demo-otp")
    assert "<form" in client.get(path).get_data(as_text=True)
    assert "<form" in client.get(other).get_data(as_text=True)  # from the lane
    assert other not in flask_requests
    value = choices_on(client, other)[0]
    assert client.post(other, data={"choice": value}).status_code == 303
    feedback = client.get(other, headers=PLAIN).get_data(as_text=True)
    assert "<form" not in feedback and "Giải thích" in feedback
    assert "<form" in client.get(path).get_data(as_text=True)


def test_answers_are_stored_as_flask_stores_them(
    app: Flask, client: FlaskClient, flask_requests: list[str]
) -> None:
    first = start(client, "demo-otp")
    attempt_id = first.split("/")[4]
    # The first answer goes to Flask; its 303 is the one the lane repeats.
    one = choices_on(client, first)[0]
    by_flask = client.post(first, data={"choice": one})
    assert flask_requests[-1] == first and by_flask.status_code == 303
    second = first[:-1] + "2"
    values = choices_on(client, second)
    flask_requests.clear()
    by_lane = client.post(second, data={"choice": values[:2]})
    assert by_lane.status_code == 303 and second not in flask_requests
    assert by_lane.headers["Location"] == second
    varying = ("Location", "Date", "Set-Cookie")
    assert {k: v for k, v in by_lane.headers.items() if k not in varying} == {
        k: v for k, v in by_flask.headers.items() if k not in varying
    }
    # Both save the attempt's progress, with the same cookie attributes.
    flask_cookie, lane_cookie = by_flask.headers["Set-Cookie"], by_lane.headers["Set-Cookie"]
    assert attributes(flask_cookie) == attributes(lane_cookie)
    assert "HttpOnly" in attributes(lane_cookie) and "Max-Age=3600" in attributes(lane_cookie)
    assert carried(app, flask_cookie, attempt_id) == [(1, one)]
    assert carried(app, lane_cookie, attempt_id) == [(1, one), (2, ",".join(sorted(values[:2])))]
    third = first[:-1] + "3"
    assert client.post(third, data={"choice": "true"}).status_code == 303
    assert third not in flask_requests
    assert stored_answers(app, attempt_id) == {
        "goi-dien": frozenset({one}),
        "dau-hieu": frozenset(values[:2]),
        "dung-sai": frozenset({"true"}),
    }
    with app.app_context():
        attempt, _answers = get_store().attempt_and_answers(attempt_id)
    assert attempt is not None and attempt.finished and attempt.score is not None


@pytest.mark.parametrize(
    ("data", "headers", "status"),
    [
        ({"choice": "nope"}, {}, 400),  # a choice the question does not have
        ({"choice": ["a", "a"]}, {}, 400),  # twice
        ({"choice": "a", "flag": "x"}, {}, 400),  # a red flag on a plain question
        ({"choice": "a"}, {"Sec-Fetch-Site": "cross-site"}, 403),
        ({"choice": "a"}, {"Origin": "https://evil.example"}, 403),
        ({}, {}, 400),  # nothing chosen: the question again, with a message
        ("choice=%C3%A1", {"Content-Type": "application/x-www-form-urlencoded"}, 400),
        (
            "choice=\xe1".encode("latin-1"),
            {"Content-Type": "application/x-www-form-urlencoded"},
            400,
        ),
        ("choice=a", {"Content-Type": "text/plain"}, 400),
    ],
)
def test_what_the_lane_does_not_store_flask_refuses(
    app: Flask,
    client: FlaskClient,
    flask_requests: list[str],
    data: Any,
    headers: dict[str, str],
    status: int,
) -> None:
    first = start(client, "demo-otp")
    attempt_id = first.split("/")[4]
    assert client.post(first, data={"choice": choices_on(client, first)[0]}).status_code == 303
    before = stored_answers(app, attempt_id)
    second = first[:-1] + "2"
    flask_requests.clear()
    response = client.post(second, data=data, headers=headers)
    assert response.status_code == status
    assert flask_requests == [second]  # Flask answered, with its page in the reader's language
    assert stored_answers(app, attempt_id) == before


def test_another_browsers_attempt_and_a_finished_one_reach_flask(
    app: Flask, client: FlaskClient, flask_requests: list[str]
) -> None:
    first = start(client, "demo-otp")
    for n, value in ((1, None), (2, None), (3, "true")):
        path = first[:-1] + str(n)
        value = value or choices_on(client, path)[0]
        assert client.post(path, data={"choice": value}).status_code == 303
    stranger = app.test_client()
    start(stranger, "demo-otp")
    flask_requests.clear()
    assert stranger.get(first).status_code == 400
    assert stranger.post(first[:-1] + "2", data={"choice": "a"}).status_code == 400
    # A page out of range is Flask's 404; an answer again, even in a finished attempt, keeps
    # the first and shows it (303), the lane's work as it is the view's.
    assert client.get(first[:-1] + "4").status_code == 404
    assert client.post(first[:-1] + "3", data={"choice": "false"}).status_code == 303
    assert flask_requests == [first, first[:-1] + "2", first[:-1] + "4"]
    assert stored_answers(app, first.split("/")[4])["dung-sai"] == frozenset({"true"})


def test_what_pages_depend_on_is_never_numbered_twice(
    app: Flask, client: FlaskClient, flask_requests: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pieces are kept under a number standing for the language, static files, host and
    script root. Forged Host headers cannot make the numbers grow without bound, and a number
    is never given again: no page is made of pieces kept for another language."""
    monkeypatch.setattr(lane_module, "MAX_NUMBERS", 3)
    lane = lane_of(app)
    path = start(client, "demo-otp")
    vietnamese = client.get(path, headers=PLAIN).get_data(as_text=True)
    assert client.get(path, headers=PLAIN).get_data(as_text=True) == vietnamese
    assert flask_requests.count(path) == 1  # the second from the lane
    base = {"SCRIPT_NAME": "", "wsgi.url_scheme": "http"}
    numbers = [lane._page_of({**base, "HTTP_HOST": f"forged-{n}.example"}) for n in range(2)]
    assert len(set(numbers)) == 2 and len(lane._numbers) == 3  # and Vietnamese on localhost
    client.set_cookie("lang", "en")
    english = client.get(path, headers=PLAIN).get_data(as_text=True)
    assert '<html lang="en">' in english and english != vietnamese
    assert len(lane._numbers) == 1
    again = [lane._page_of({**base, "HTTP_HOST": f"forged-{n}.example"}) for n in range(2)]
    assert not set(again) & set(numbers)


def test_the_lane_is_off_in_debug_mode(
    app: Flask, client: FlaskClient, flask_requests: list[str]
) -> None:
    app.debug = True
    path = start(client, "demo-otp")
    client.get(path)
    client.get(path)
    assert flask_requests.count(path) == 2
    assert len(lane_of(app).pages) == 0


def test_each_result_page_is_the_one_flask_makes(
    app: Flask, client: FlaskClient, flask_requests: list[str]
) -> None:
    """Finished attempts answered at random: the lane puts each result page together from
    the frame of its score and the review of each answer, byte for byte Flask's page."""
    rng = random.Random(11)
    results = []
    for k, quiz in enumerate(("demo-otp", "demo-qr") * 8):
        first = start(client, quiz, src=("", "cho-giao-phong", "truong-thcs")[k % 3])
        count = len(app.extensions["canhgiac.catalog"].quizzes[quiz].questions)
        for n in range(1, count + 1):
            path = first[:-1] + str(n)
            values = choices_on(client, path)
            assert client.post(path, data={"choice": rng.choice(values)}).status_code == 303
        results.append(first[:-1] + "result")
    made_by_flask = flask_then_lane(app, client, flask_requests, results)
    assert len({r.get_data() for r in made_by_flask.values()}) == len(results)  # each its own
    assert len(results) - len(flask_requests) >= len(results) // 3, flask_requests
    # Each with its own leaflet label in its "Try again" form, as Flask made it.
    sources = [parse(made_by_flask[p].data).form("/start").hidden["src"] for p in results]
    assert sources == [("", "cho-giao-phong", "truong-thcs")[k % 3] for k in range(len(results))]


@pytest.fixture
def scenario_content(app_config: dict[str, Any]) -> None:
    """Scenario questions (tests/data/scenarios): one per channel, then a true/false one."""
    app_config["CONTENT"] = str(SCENARIOS)


def test_the_lane_renders_the_reviews_it_lacks(
    scenario_content: None, app: Flask, client: FlaskClient, flask_requests: list[str]
) -> None:
    """Scenarios answered at random, red flags and all: once a score's frame is kept, the lane
    renders each review it lacks with the result page's own macro, and keeps it by what it
    shows (a scenario's review says how many red flags were found, not which). Every page is
    byte for byte Flask's, and only a score seen for the first time reaches Flask."""
    rng = random.Random(5)
    quiz = app.extensions["canhgiac.catalog"].quizzes["demo-canh-bao"]
    results = []
    for _ in range(14):
        first = start(client, quiz.id)
        for n in range(1, len(quiz.questions) + 1):
            path = first[:-1] + str(n)
            form = parse(client.get(path, headers=PLAIN).data).form()
            flags = [f.value for f in form.options("flag") if rng.random() < 0.5]
            verdict = rng.choice([f.value for f in form.options("choice")])
            assert client.post(path, data={"choice": verdict, "flag": flags}).status_code == 303
        results.append(first[:-1] + "result")
    made_by_flask = flask_then_lane(app, client, flask_requests, results)
    # Flask made the page of each score seen first, the lane all the others.
    scores = [
        re.findall(r'class="score">[^<]*<', made_by_flask[p].get_data(as_text=True))
        for p in results
    ]
    first_of_score = {str(s): p for p, s in reversed(list(zip(results, scores, strict=True)))}
    assert sorted(flask_requests) == sorted(first_of_score.values())
    assert len(flask_requests) < len(results) // 2
    # Answers that marked other red flags, but as many of them, shared a kept review.
    answers_of: dict[Hashable, set[frozenset[str]]] = defaultdict(set)
    with app.app_context():
        for path in results:
            attempt, answers = get_store().attempt_and_answers(path.split("/")[4])
            assert attempt is not None
            view = result_view(quiz, attempt, answers)
            assert view is not None
            for item, question in zip(view.items, quiz.questions, strict=True):
                answers_of[item].add(answers[question.id].choices)
    assert any(len(given) > 1 for given in answers_of.values())
    # In the language the reader chose, each review rendered in it.
    client.set_cookie("lang", "en")
    english = flask_then_lane(app, client, flask_requests, results)
    assert all("Your answers" in r.get_data(as_text=True) for r in english.values())
    assert len(flask_requests) == len(first_of_score)


def test_an_unfinished_attempts_result_leads_to_its_question(
    client: FlaskClient, flask_requests: list[str]
) -> None:
    first = start(client, "demo-otp")
    response = client.get(first[:-1] + "result")
    assert response.status_code == 302 and response.headers["Location"] == first
    assert flask_requests[-1] == first[:-1] + "result"


def test_a_session_is_checked_as_flask_checks_it(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = start(client, "demo-otp")
    assert client.get(first).status_code == 200
    assert client.get(first).status_code == 200  # its signature checked once, then kept
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    assert cookie is not None
    client.set_cookie(name, cookie.value[:-2] + ("AA" if not cookie.value.endswith("AA") else "BB"))
    assert client.get(first).status_code == 400  # a forged signature
    client.set_cookie(name, cookie.value)
    assert client.get(first).status_code == 200
    # Past the session's lifetime, the kept session is as stale as Flask finds the cookie.
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get(first).status_code == 400
