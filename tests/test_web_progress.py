"""An attempt's progress carried by the browser in a signed cookie (canhgiac/web/progress.py):
the attempt lane serves the attempt's pages from it without reading the database, the same
pages as Flask's, and reads the database when the browser has no usable copy."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from canhgiac import create_app
from canhgiac.content import load_catalog
from canhgiac.store import Answer, Attempt, get_store
from canhgiac.web import progress
from canhgiac.web.pages import Pages
from canhgiac.web.progress import NOT_CARRIED, read_entry

from conftest import PROJECT_ROOT
from test_web_lane import PLAIN, attributes, choices_on, lane_of, progress_of, start


@pytest.fixture
def app(app_on_database: Flask) -> Flask:
    """The app on SQLite, then on PostgreSQL (for every test here, and its client)."""
    return app_on_database


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


def entries(app: Flask, client: FlaskClient) -> progress.Entries:
    """The progress the client's cookie carries."""
    found = client.get_cookie(progress.COOKIE)
    return progress_of(app, f"{progress.COOKIE}={found.value if found else ''}")


def set_progress(app: Flask, client: FlaskClient, carried: dict[str, str]) -> None:
    """Give the client a progress cookie with these entries, signed as the app signs it."""
    signer = app.extensions[progress.EXTENSION_KEY].signer()
    client.set_cookie(progress.COOKIE, signer.sign("!".join(carried.values())).decode())


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
    found = entries(app, client)
    assert len(found) == 6
    with app.app_context():
        for attempt_id, entry in found.items():
            attempt, answers = get_store().attempt_and_answers(attempt_id)
            read = read_entry(entry)
            assert attempt is not None and read is not None and read[1] == attempt.seed
            assert list(read[4]) == [
                (a.position, ",".join(sorted(a.choices)), int(a.correct), a.credit)
                for a in sorted(answers.values(), key=lambda a: a.position)
            ]


def test_an_answer_lost_on_the_way_keeps_the_first_one(app: Flask, client: FlaskClient) -> None:
    """An answer stored whose 303 never reached the phone (its cookie not saved): the copy
    shows the question again; the second answer keeps the first, and the copy then carries
    the first."""
    first = start(client, "demo-otp")
    attempt_id = first.split("/")[4]
    values = choices_on(client, first)
    before = client.get_cookie(progress.COOKIE)
    assert before is not None
    assert client.post(first, data={"choice": values[0]}).status_code == 303
    client.set_cookie(progress.COOKIE, before.value)  # the response was lost
    assert 'class="verdict' not in client.get(first, headers=PLAIN).get_data(as_text=True)
    assert client.post(first, data={"choice": values[1]}).status_code == 303
    read = read_entry(entries(app, client)[attempt_id])
    assert read is not None and [a[:2] for a in read[4]] == [(1, values[0])]
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
    carried = dict(entries(app, client))
    id_, written, seed, fingerprint, rest = carried[attempt_id].split("~", 4)
    if spoil == "old":
        written = str(int(written) - progress.MAX_AGE - 1)
    elif spoil == "fingerprint":
        fingerprint = str(int(fingerprint) + 1)
    elif spoil == "position":
        rest += f"~99*{values[0]}*1*100"
    carried[attempt_id] = "~".join([id_, written, seed, fingerprint, rest])
    if spoil == "shape":
        carried[attempt_id] = f"{attempt_id}~{written}~{seed}"
    elif spoil == "none":
        del carried[attempt_id]
    set_progress(app, client, carried)
    reads.clear()
    assert client.get(first, headers=PLAIN).get_data(as_text=True) == good
    assert reads == [attempt_id]
    # The next answer is stored all the same; a usable entry is not made from what the
    # database holds, and a spoilt one is not carried on.
    second = first[:-1] + "2"
    assert client.post(second, data={"choice": choices_on(client, second)[0]}).status_code == 303
    assert entries(app, client).get(attempt_id) in (None, carried.get(attempt_id))
    assert stored_count(app, attempt_id) == 2


def stored_count(app: Flask, attempt_id: str) -> int:
    with app.app_context():
        return len(get_store().attempt_and_answers(attempt_id)[1])


def test_a_forged_copy_is_not_used(app: Flask, client: FlaskClient, reads: list[str]) -> None:
    """A copy not signed by the app, or one for an attempt this browser did not start."""
    first = start(client, "demo-otp")
    attempt_id = first.split("/")[4]
    values = choices_on(client, first)
    assert client.post(first, data={"choice": values[0]}).status_code == 303
    good = client.get(first, headers=PLAIN).get_data(as_text=True)
    entry = entries(app, client)[attempt_id]
    client.set_cookie(progress.COOKIE, entry + ".forged-signature")
    reads.clear()
    assert client.get(first, headers=PLAIN).get_data(as_text=True) == good
    assert reads == [attempt_id]
    # Another browser with a copy of this one's progress, but not its session.
    other = app.test_client()
    set_progress(app, other, {attempt_id: entry})
    assert other.get(first, headers=PLAIN).status_code == 400


def test_the_cookie_stays_small(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A browser that starts many attempts carries the progress of the newest only (by the
    second they were written in), the one answered last first of all."""
    monkeypatch.setattr(progress, "MAX_CHARS", 600)  # fewer than the session remembers
    ids = []
    for _ in range(30):
        first = start(client, "demo-otp")
        ids.append(first.split("/")[4])
        answer_all(client, first, 3)
    value = client.get_cookie(progress.COOKIE)
    assert value is not None and len(value.value) <= 600 + 40
    found = entries(app, client)
    assert 5 <= len(found) < 10  # entries of three answers: 70-80 characters
    assert ids[-1] in found and set(found) <= set(ids[-20:])


def test_the_cookie_holds_ten_finished_attempts_of_the_longest_shipped_quiz() -> None:
    """What the module promises: a finished attempt of 15 questions, answered right or
    wrong, in about 145 characters, and MAX_CHARS holds ten of them."""
    catalog, _warnings = load_catalog(PROJECT_ROOT)
    quiz = max(catalog.quizzes.values(), key=lambda q: len(q.questions))
    assert len(quiz.questions) == 15
    now = time.time()
    attempts = [
        Attempt(f"{n:022d}", quiz.id, "vi", "cho-1", 2**31 - n, 15, NOT_CARRIED, None, None)
        for n in range(20)
    ]
    remembered = [a.id for a in attempts]
    carried: progress.Entries = {}
    for attempt in attempts:
        carried = progress.started(carried, remembered, attempt, quiz, now)
        for n, question in enumerate(quiz.questions, 1):
            # the longest key of the question, right and wrong in turn
            keys = frozenset({max((c.key for c in question.choices), key=len)})
            answer = Answer(question.id, n, keys, n % 2 == 0)
            carried = progress.answered(carried, remembered, attempt.id, quiz, answer, now) or {}
    assert max(len(entry) for entry in carried.values()) <= 150
    assert len(carried) == 10 and list(carried) == remembered[:-11:-1]
    found = progress.snapshot(carried, attempts[-1].id, quiz, now)
    assert found is not None and found[0].finished and found[0].score == 7


def test_an_entry_is_written_short_and_read_back() -> None:
    """An answer names its position only after a gap, and its credit only when it is not 100
    for a right answer and 0 for a wrong one."""
    given = (
        (1, "a", 1, 100),
        (2, "b,f:x", 0, 0),
        (3, "c", 0, 50),
        (5, "", 1, 100),
        (6, "d", 1, 100),
    )
    written = progress._entry("x", 1, 2, 3, "cho", given)
    assert written == "x~1~2~3~cho~a*1~b+f:x*0~c*0*50~5**1*100~d*1"
    assert read_entry(written) == (1, 2, 3, "cho", given)


def test_entries_are_only_for_remembered_attempts_written_lately(app: Flask) -> None:
    quiz = app.extensions["canhgiac.catalog"].quizzes["demo-otp"]
    now = time.time()
    carried: progress.Entries = {}
    with app.app_context():
        a, b, c = (
            get_store().create_attempt(quiz.id, lang="vi", src="cho", question_count=3)
            for _ in range(3)
        )
    remembered = [a.id, b.id]
    carried = progress.started(carried, remembered, a, quiz, now - 10)
    carried = progress.started(carried, remembered, b, quiz, now)
    carried = progress.started(carried, remembered, c, quiz, now)  # not remembered
    assert list(carried) == [b.id, a.id]  # newest first
    later = now + progress.MAX_AGE - 5  # "a" is then too old, and dropped at the next write
    assert progress.snapshot(carried, a.id, quiz, later) is None
    found = progress.snapshot(carried, b.id, quiz, later)
    assert found is not None and found[0].src == "cho" and found[1] == {}
    # An attempt without a usable entry gets none.
    assert progress.answered(carried, remembered, a.id, quiz, _answer(quiz), later) is None
    carried = progress.answered(carried, remembered, b.id, quiz, _answer(quiz), later) or {}
    assert list(carried) == [b.id]
    found = progress.snapshot(carried, b.id, quiz, later)
    assert found is not None and list(found[1].values()) == [_answer(quiz)]
    assert not found[0].finished


def test_a_copy_of_every_answer_is_finished_and_scored(app: Flask) -> None:
    quiz = app.extensions["canhgiac.catalog"].quizzes["demo-otp"]
    now = time.time()
    with app.app_context():
        attempt = get_store().create_attempt(quiz.id, lang="vi", src=None, question_count=3)
    carried = progress.started({}, [attempt.id], attempt, quiz, now)
    for n, correct in ((3, True), (1, False), (2, True)):
        answer = Answer(quiz.questions[n - 1].id, n, frozenset({"x", "y"}), correct, 0)
        carried = progress.answered(carried, [attempt.id], attempt.id, quiz, answer, now) or {}
    found = progress.snapshot(carried, attempt.id, quiz, now)
    assert found is not None
    assert found[0].finished and found[0].score == 2 and found[0].src is None
    assert [(a.position, a.choices) for a in found[1].values()] == [
        (n, frozenset({"x", "y"})) for n in (1, 2, 3)
    ]


def test_the_cookie_has_the_session_cookies_attributes(app_config: dict[str, Any]) -> None:
    app = create_app(
        {
            **app_config,
            "SESSION_COOKIE_SECURE": True,
            "SESSION_COOKIE_SAMESITE": "Strict",
            "SESSION_COOKIE_DOMAIN": "canhgiac.example.org",
            "APPLICATION_ROOT": "/xa",
        }
    )
    header = app.extensions[progress.EXTENSION_KEY].cookie({"x": "x~1~2~3~"})
    assert sorted(attributes(header)) == [
        "Domain=canhgiac.example.org",
        "HttpOnly",
        "Max-Age=3600",
        "Path=/xa",
        "SameSite=Strict",
        "Secure",
    ]
    deleted = app.extensions[progress.EXTENSION_KEY].cookie({})
    assert deleted.startswith(f"{progress.COOKIE}=;") and "Max-Age=0" in attributes(deleted)


def _answer(quiz: Any) -> Answer:
    return Answer(quiz.questions[0].id, 1, frozenset({"b"}), True, 100)


@pytest.mark.parametrize(
    ("entry", "read"),
    [
        ("Ab_-9~1700000000~12~34~cho-1", (1700000000, 12, 34, "cho-1", ())),
        ("x~1~2~3~~1*a+f:x*1*100~2**0*0", (1, 2, 3, "", ((1, "a,f:x", 1, 100), (2, "", 0, 0)))),
        (
            "x~1~2~3~~a*1~3*b*0*0~c*0*40",
            (1, 2, 3, "", ((1, "a", 1, 100), (3, "b", 0, 0), (4, "c", 0, 40))),
        ),
        ("x~1~2~3~~1*1*1", (1, 2, 3, "", ((1, "1", 1, 1),))),  # keys, correct, credit
        ("x~1~2~3", None),  # a field missing
        ("x~1~2~3~~a", None),  # an answer without its correctness
        ("x~1~2~3~~1*a*1", None),  # keys, correct, credit: "a" is not correct
        ("x~1~2~3~~2*a*1*100*1", None),  # five fields
        ("x~1~2~3~~1*a*2*100", None),  # right is 0 or 1
        ("x~1~2~3~a b", None),  # a space: quoted in a cookie
        ('x~1~2~3~~1*"a"*1*100', None),  # a quote
        ("x~1~2~3~~1*a,b*1*100", None),  # keys are joined by +, a comma is quoted
        ("x~one~2~3~", None),
    ],
)
def test_an_entry_is_read_only_whole(entry: str, read: object) -> None:
    assert read_entry(entry) == read


def test_the_cookie_expires_an_hour_after_it_was_written(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    cookies = app.extensions[progress.EXTENSION_KEY]
    entries = {"x": "x~1~2~3~"}
    first = cookies.cookie(entries)
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)
    later = cookies.cookie(entries)
    assert first.split(";", 1)[0] == later.split(";", 1)[0]
    assert "Expires=Wed, 18 May 2033 04:33:20 GMT" in later  # 2,000,000,000 s + 1 hour
    assert "Expires=Wed, 18 May 2033 04:33:20 GMT" not in first
