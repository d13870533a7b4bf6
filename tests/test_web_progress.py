"""An attempt's progress carried in the browser's signed session (canhgiac/web/progress.py):
the attempt lane serves the attempt's pages from it without reading the database, the same
pages as Flask's, and reads the database when the session has no usable copy."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from canhgiac import create_app
from canhgiac.store import Answer, Store, get_store
from canhgiac.web import progress
from canhgiac.web.pages import Pages

from test_web_lane import PLAIN, choices_on, lane_of, session_of, start


@pytest.fixture
def app(database_url: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    """The app on SQLite, then on PostgreSQL (for every test here, and its client)."""
    Store(database_url).upgrade()
    app = create_app({**app_config, "DATABASE_URL": database_url})
    yield app
    app.extensions["canhgiac.store"].dispose()


@pytest.fixture
def reads(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The attempts read from the database, in turn."""
    store = app.extensions["canhgiac.store"]
    read = store.attempt_and_answers
    done: list[str] = []

    def counted(attempt_id: str) -> Any:
        done.append(attempt_id)
        return read(attempt_id)

    monkeypatch.setattr(store, "attempt_and_answers", counted)
    return done


def session(app: Flask, client: FlaskClient) -> dict[str, Any]:
    found = client.get_cookie("session")
    assert found is not None
    return session_of(app, f"session={found.value}")


def answer_all(client: FlaskClient, first: str, count: int, pick: int = 0) -> list[str]:
    """Answer every question (the `pick`th choice shown); returns the question addresses."""
    paths = [first[:-1] + str(n) for n in range(1, count + 1)]
    for path in paths:
        values = choices_on(client, path)
        assert client.post(path, data={"choice": values[pick % len(values)]}).status_code == 303
    return paths


def test_an_attempt_is_served_from_its_session_without_reading_it(
    app: Flask, client: FlaskClient, flask_requests: list[str], reads: list[str]
) -> None:
    """Question, feedback and result pages of an attempt answered in this browser, each the
    page Flask makes for it, without a database read once their pieces are kept."""
    lane = lane_of(app)
    paths: list[str] = []
    for quiz, pick in (("demo-otp", 0), ("demo-qr", 1), ("demo-otp", 1)):
        first = start(client, quiz)
        count = len(app.extensions["canhgiac.catalog"].quizzes[quiz].questions)
        unanswered = start(client, quiz)
        paths += [unanswered, *answer_all(client, first, count, pick), first[:-1] + "result"]
    made_by_flask = {}
    for path in paths:
        lane.pages = Pages()  # nothing kept: Flask makes each page (reading the database)
        made_by_flask[path] = client.get(path, headers=PLAIN)
        assert made_by_flask[path].status_code == 200 and flask_requests[-1] == path
    lane.pages = Pages()
    for path in paths:  # the first page of each kind by Flask again, kept in pieces
        client.get(path, headers=PLAIN)
    flask_requests.clear()
    reads.clear()
    for path in paths:
        response = client.get(path, headers=PLAIN)
        assert response.status_code == 200
        assert response.get_data(as_text=True) == made_by_flask[path].get_data(as_text=True)
    assert flask_requests == [] and reads == []
    # The database has what the session carries: the attempts are finished and scored.
    entries = session(app, client)[progress.SESSION_KEY]
    with app.app_context():
        for attempt_id, entry in entries.items():
            attempt, answers = get_store().attempt_and_answers(attempt_id)
            assert attempt is not None and entry[1] == attempt.seed
            assert entry[4] == [
                [a.position, ",".join(sorted(a.choices)), int(a.correct), a.credit]
                for a in sorted(answers.values(), key=lambda a: a.position)
            ]


def test_an_answer_lost_on_the_way_keeps_the_first_one(app: Flask, client: FlaskClient) -> None:
    """An answer stored whose 303 never reached the phone (its cookie not saved): the session
    shows the question again; the second answer keeps the first, and the session then
    carries the first."""
    first = start(client, "demo-otp")
    attempt_id = first.split("/")[4]
    values = choices_on(client, first)
    before = client.get_cookie("session")
    assert before is not None
    assert client.post(first, data={"choice": values[0]}).status_code == 303
    client.set_cookie("session", before.value)  # the response was lost
    assert 'class="verdict' not in client.get(first, headers=PLAIN).get_data(as_text=True)
    assert client.post(first, data={"choice": values[1]}).status_code == 303
    carried = session(app, client)[progress.SESSION_KEY][attempt_id][4]
    assert carried[0][:2] == [1, values[0]]
    with app.app_context():
        _attempt, answers = get_store().attempt_and_answers(attempt_id)
    assert [a.choices for a in answers.values()] == [frozenset({values[0]})]
    feedback = client.get(first, headers=PLAIN).get_data(as_text=True)
    assert 'class="verdict' in feedback  # the feedback of the first answer, not the form
    lane_of(app).pages = Pages()  # Flask makes it from the database
    assert client.get(first, headers=PLAIN).get_data(as_text=True) == feedback


@pytest.mark.parametrize(
    "spoil",
    [
        "old",  # written more than MAX_AGE ago
        "fingerprint",  # for the quiz's questions before a change
        "shape",  # not an entry (an older version of the kit)
        "position",  # an answer to a question the quiz does not have
        "none",  # no entry: a session from before this version
    ],
)
def test_without_a_usable_copy_the_page_is_read_from_the_database(
    app: Flask, client: FlaskClient, flask_requests: list[str], reads: list[str], spoil: str
) -> None:
    first = start(client, "demo-otp")
    attempt_id = first.split("/")[4]
    values = choices_on(client, first)
    assert client.post(first, data={"choice": values[0]}).status_code == 303
    good = client.get(first, headers=PLAIN).get_data(as_text=True)
    data = session(app, client)
    entry = data[progress.SESSION_KEY][attempt_id]
    if spoil == "old":
        entry[0] -= progress.MAX_AGE + 1
    elif spoil == "fingerprint":
        entry[2] += 1
    elif spoil == "shape":
        data[progress.SESSION_KEY][attempt_id] = {"answers": entry[4]}
    elif spoil == "position":
        entry[4].append([99, values[0], 1, 100])
    else:
        del data[progress.SESSION_KEY]
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    client.set_cookie("session", serializer.dumps(data))
    reads.clear()
    assert client.get(first, headers=PLAIN).get_data(as_text=True) == good
    assert reads == [attempt_id]
    # The next answer is stored all the same; a usable entry is not made from what the
    # database holds, and a spoilt one is not carried on.
    second = first[:-1] + "2"
    assert client.post(second, data={"choice": choices_on(client, second)[0]}).status_code == 303
    kept = session(app, client).get(progress.SESSION_KEY, {}).get(attempt_id)
    assert kept is None or kept == data[progress.SESSION_KEY][attempt_id]


def test_the_session_stays_small(app: Flask, client: FlaskClient) -> None:
    """A browser that starts many attempts carries the progress of the newest only (by the
    second they were written in), the one answered last first of all."""
    ids = []
    for _ in range(30):
        first = start(client, "demo-otp")
        ids.append(first.split("/")[4])
        answer_all(client, first, 3)
    value = client.get_cookie("session")
    assert value is not None and len(value.value) < 2500
    entries = session(app, client)[progress.SESSION_KEY]
    assert 5 <= len(entries) < 20
    assert ids[-1] in entries and set(entries) <= set(ids[-20:])


def test_entries_are_only_for_remembered_attempts_written_lately(app: Flask) -> None:
    quiz = app.extensions["canhgiac.catalog"].quizzes["demo-otp"]
    now = time.time()
    data: dict[str, Any] = {"attempts": ["a", "b"]}
    with app.app_context():
        store = get_store()
        for name in ("a", "b", "c"):
            attempt = store.create_attempt(quiz.id, lang="vi", src="cho", question_count=3)
            data["attempts"] = [attempt.id if x == name else x for x in data["attempts"]]
            progress.started(data, attempt, quiz, now - 10 if name == "a" else now)
    entries = data[progress.SESSION_KEY]
    assert list(entries) == data["attempts"][::-1]  # newest first; "c" is not remembered
    later = now + progress.MAX_AGE - 5  # "a" is then too old, and dropped at the next write
    (a_id, b_id) = data["attempts"]
    assert progress.snapshot(data, a_id, quiz, later) is None
    carried = progress.snapshot(data, b_id, quiz, later)
    assert carried is not None and carried[0].src == "cho" and carried[1] == {}
    progress.answered(data, a_id, quiz, _answer(quiz), later)  # not usable: nothing written
    assert list(data[progress.SESSION_KEY]) == [b_id, a_id]
    progress.answered(data, b_id, quiz, _answer(quiz), later)
    assert list(data[progress.SESSION_KEY]) == [b_id]
    carried = progress.snapshot(data, b_id, quiz, later)
    assert carried is not None and list(carried[1].values()) == [_answer(quiz)]


def _answer(quiz: Any) -> Answer:
    return Answer(quiz.questions[0].id, 1, frozenset({"b"}), True, 100)
