"""Live sessions from the residents' side, through the test client with JavaScript off: a
whole session with a trainer and three phones, late joins, reloads, double submissions,
answers after the close, forged answers, the state endpoint, limits and escaping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from live_helpers import (
    QUIZ,
    RIGHT,
    WRONG,
    Phone,
    add_trainer,
    control,
    engine_of,
    login,
    session_of,
    start_session,
)
from werkzeug.datastructures import MultiDict

from canhgiac import create_app
from canhgiac.live import ratelimit
from canhgiac.live.report import build
from canhgiac.live.retention import purge
from canhgiac.live.tables import participants, responses
from canhgiac.store import utcnow

from forms import parse

PROJECT_ROOT = Path(__file__).parent.parent  # the shipped content
REFRESH = '<meta http-equiv="refresh"'
CLOSED_TITLE = "Đã hết giờ trả lời câu này"


@pytest.fixture
def trainer(app: Flask, client: FlaskClient):  # type: ignore[no-untyped-def]
    add_trainer(app)
    return login(client)


def count(app: Flask, table: sa.Table) -> int:
    with engine_of(app).connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def bar_counts(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<span class="bar-count">(\d+)', html)]


# -- the whole session --------------------------------------------------------------------


def on_first_question(app: Flask, trainer) -> tuple[str, str, Phone]:  # type: ignore[no-untyped-def]
    """A session started by the trainer, one phone joined and showing its first question."""
    session_id, code = start_session(trainer)
    phone = Phone(app)
    phone.join(code)
    control(trainer, session_id, "start")
    phone.reload()
    return session_id, code, phone


def test_a_whole_session_with_a_trainer_and_three_phones(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id, code = start_session(trainer)
    lobby = trainer.text
    assert f'<p class="join-code">{code}</p>' in lobby
    assert '<svg class="qr-code"' in lobby  # the join QR code, inline
    assert "localhost/j" in lobby  # the join address
    assert REFRESH in lobby  # the lobby's count follows with JavaScript off

    phones = [Phone(app) for _ in range(3)]
    phones[0].join(code, "Bà Tư")
    phones[1].join(code, via_qr=False)  # typed the code at /j
    phones[2].join(code)
    for phone in phones:
        assert phone.browser.url == f"/s/{code}"
        assert "Bạn đã vào buổi!" in phone.text
        assert REFRESH in phone.text  # waiting: refresh by itself
    assert phones[0].nickname() == "Bà Tư"
    assert re.fullmatch(r"\S+( \S+)* \d\d", phones[1].nickname())  # e.g. "Cá Heo 27"
    trainer.get(f"/t/s/{session_id}")
    assert '<span data-count="joined">3</span>' in trainer.text

    # Question 1: two right, one wrong.
    control(trainer, session_id, "start")
    for phone in phones:
        phone.reload()
        assert "Câu 1/3" in phone.text
        assert REFRESH not in phone.text  # never refresh away a form being filled in
    phones[0].answer(RIGHT[1])
    phones[1].answer(RIGHT[1])
    phones[2].answer(WRONG[1])
    assert "Đã nhận câu trả lời của bạn." in phones[0].text
    assert REFRESH in phones[0].text
    trainer.get(f"/t/s/{session_id}")
    assert '<span data-count="answered">3</span>' in trainer.text
    control(trainer, session_id, "reveal")
    assert sorted(bar_counts(trainer.text)) == [0, 1, 2]
    assert "bar bar-right" in trainer.text
    assert "Không bao giờ đọc mã OTP cho ai." in trainer.text  # the explanation
    phones[0].reload()
    assert "Đúng rồi!" in phones[0].text
    assert "Ngân hàng không hỏi OTP." in phones[0].text  # why
    phones[2].reload()
    assert "Chưa đúng." in phones[2].text
    assert "Kẻ gian sẽ lấy tiền của bạn." in phones[2].text

    # Question 2 (multiple) closed by hand, then revealed.
    control(trainer, session_id, "next")
    for phone, texts in zip(phones, (RIGHT[2], WRONG[2], RIGHT[2]), strict=True):
        phone.reload()
        phone.answer(texts)
    trainer.get(f"/t/s/{session_id}")
    closing = [f for f in trainer.page.forms if f.action.endswith("/close")]
    trainer._arrive(closing[0].submit(trainer.client, trainer.url, follow_redirects=True))
    assert "Đã khóa trả lời" in trainer.text
    control(trainer, session_id, "reveal")

    # Question 3, then the end.
    control(trainer, session_id, "next")
    for phone, texts in zip(phones, (RIGHT[3], RIGHT[3], WRONG[3]), strict=True):
        phone.reload()
        phone.answer(texts)
    control(trainer, session_id, "reveal")
    trainer.get(f"/t/s/{session_id}")
    ending = [f for f in trainer.page.forms if "/end" in f.action]
    trainer._arrive(ending[0].submit(trainer.client, trainer.url, follow_redirects=True))
    summary = trainer.text
    assert "Kết quả buổi sinh hoạt" in summary
    assert "Những câu khó nhất" in summary
    assert "Bảng xếp hạng" not in summary  # off by default

    scores = {}
    for phone in phones:
        phone.reload()
        assert "Buổi sinh hoạt đã kết thúc" in phone.text
        assert REFRESH not in phone.text
        scores[phone.nickname()] = re.search(r"Bạn trả lời đúng (\d)/3 câu", phone.text).group(1)
    assert sorted(scores.values()) == ["1", "2", "3"]
    assert scores["Bà Tư"] == "3"

    quiz = app.extensions["canhgiac.catalog"].quizzes[QUIZ]
    report = build(engine_of(app), session_of(app, session_id), quiz)
    assert report.joined == 3
    assert report.distribution == [(0, 0), (1, 1), (2, 1), (3, 1)]
    assert [q.right for q in report.questions] == [2, 2, 2]
    assert [q.answered for q in report.questions] == [3, 3, 3]


# -- late join, reload, double submission -------------------------------------------------


def test_a_late_joiner_answers_the_current_question(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id, code = start_session(trainer)
    early = Phone(app)
    early.join(code)
    control(trainer, session_id, "start")
    early.reload()
    early.answer(RIGHT[1])
    control(trainer, session_id, "reveal")
    control(trainer, session_id, "next")

    late = Phone(app)  # arrives in the middle, at question 2
    late.join(code)
    assert "Câu 2/3" in late.text
    late.answer(RIGHT[2])
    assert "Đã nhận câu trả lời của bạn." in late.text
    control(trainer, session_id, "reveal")
    late.reload()
    assert "Đúng rồi!" in late.text
    assert "Điểm của bạn đến giờ: 1/3" in late.text


def test_a_reload_or_a_new_tab_keeps_the_place_and_the_score(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id, code = start_session(trainer)
    phone = Phone(app)
    phone.join(code, "Cá Chép Vàng")
    control(trainer, session_id, "start")
    phone.reload()
    phone.answer(RIGHT[1])
    control(trainer, session_id, "reveal")
    control(trainer, session_id, "next")

    # The phone drops and comes back: a reload, the QR code scanned again, the join form.
    phone.reload()
    assert "Câu 2/3" in phone.text
    phone.browser.get(f"/j/{code}")
    assert phone.browser.url == f"/s/{code}"
    phone.join(code, via_qr=False)
    assert phone.browser.url == f"/s/{code}"
    assert phone.nickname() == "Cá Chép Vàng"
    assert count(app, participants) == 1
    control(trainer, session_id, "reveal")
    phone.reload()
    assert "Điểm của bạn đến giờ: 1/3" in phone.text

    # Another phone without the cookie is someone else, with their own place.
    other = Phone(app)
    other.browser.get(f"/s/{code}")
    assert other.browser.url == f"/j/{code}"


def test_a_double_submission_is_counted_once(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id, code, phone = on_first_question(app, trainer)
    form = phone.browser.page.form("/answer")
    first = form.data({"choice": [phone.value("Cúp máy")]})
    second = form.data({"choice": [phone.value("Đọc mã OTP")]})
    client = phone.browser.client
    r1 = client.post(f"/s/{code}/answer", data=first)
    r2 = client.post(f"/s/{code}/answer", data=first)  # a double tap
    r3 = client.post(f"/s/{code}/answer", data=second)  # the back button, another choice
    assert [r.status_code for r in (r1, r2, r3)] == [303, 303, 303]
    assert count(app, responses) == 1
    control(trainer, session_id, "reveal")
    assert sorted(bar_counts(trainer.text)) == [0, 0, 1]
    phone.reload()
    assert "Đúng rồi!" in phone.text  # the first answer stays


def test_an_answer_after_the_close_is_refused_politely(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id, code, phone = on_first_question(app, trainer)
    form = phone.browser.page.form("/answer")
    data = form.data({"choice": [phone.value("Cúp máy")]})
    control(trainer, session_id, "close")
    response = phone.browser.client.post(f"/s/{code}/answer", data=data)
    assert response.status_code == 409
    assert f"<h1>{CLOSED_TITLE}</h1>" in response.get_data(as_text=True)
    assert count(app, responses) == 0
    # and in English
    response = phone.browser.client.post(f"/s/{code}/answer?lang=en", data=data)
    assert "Answers for this question are closed" in response.get_data(as_text=True)


def test_the_timer_closes_answers_by_itself(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id, code = start_session(trainer)
    phone = Phone(app)
    phone.join(code)
    control(trainer, session_id, "start")
    trainer.get(f"/t/s/{session_id}")
    timer = next(f for f in trainer.page.forms if f.action.endswith("/close?t=30"))
    trainer._arrive(timer.submit(trainer.client, trainer.url, follow_redirects=True))
    assert re.search(r'data-left="(29|30)"', trainer.text)
    phone.reload()
    assert re.search(r'Còn lại: <span data-left="(29|30)">', phone.text)
    form = phone.browser.page.form("/answer")
    data = form.data({"choice": [phone.value("Cúp máy")]})
    # Time passes: the close-at time is moved into the past.
    from canhgiac.live.tables import live_sessions

    with engine_of(app).begin() as conn:
        conn.execute(live_sessions.update().values(close_at=utcnow()))
    assert phone.browser.client.post(f"/s/{code}/answer", data=data).status_code == 409
    assert session_of(app, session_id).status == "closed"  # closed lazily on read
    assert count(app, responses) == 0


# -- forged and foreign answers -----------------------------------------------------------


def test_forged_or_foreign_answers_get_a_400_and_store_nothing(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_a, code_a = start_session(trainer)
    session_b, code_b = start_session(trainer, quiz="demo-qr")
    phone = Phone(app)
    phone.join(code_a)
    other = Phone(app)
    other.join(code_b)
    control(trainer, session_a, "start")
    control(trainer, session_b, "start")
    phone.reload()
    form = phone.browser.page.form("/answer")
    good = form.data({"choice": [phone.value("Cúp máy")]})
    client = phone.browser.client

    def changed(**fields: str | list[str]) -> MultiDict[str, str]:
        data = MultiDict(good)
        for key, value in fields.items():
            data.setlist(key, value if isinstance(value, list) else [value])
        return data

    forged = [
        (f"/s/{code_b}/answer", good),  # another session (this phone did not join it)
        (f"/s/{code_a}/answer", changed(q="dau-hieu")),  # another question than the n-th
        (f"/s/{code_a}/answer", changed(n="2", q="dau-hieu")),  # a question not shown yet
        (f"/s/{code_a}/answer", changed(n="9")),
        (f"/s/{code_a}/answer", changed(n="x")),
        (f"/s/{code_a}/answer", changed(choice="zz")),  # an unknown choice
        (f"/s/{code_a}/answer", changed(choice=["a", "a"])),
        (f"/s/{code_a}/answer", changed(choice=["a", "b"])),  # two on a single choice
        ("/s/999999/answer", good),
    ]
    for url, data in forged:
        response = client.post(url, data=data)
        assert response.status_code == 400, (url, data)
        assert "Đường dẫn hoặc biểu mẫu này không dùng được" in response.get_data(as_text=True)
    assert count(app, responses) == 0
    assert client.post(f"/s/{code_a}/answer", data=good).status_code == 303
    assert count(app, responses) == 1
    # no choice at all: the question again, asking for one
    phone2 = Phone(app)
    phone2.join(code_a)
    form = phone2.browser.page.form("/answer")
    response = phone2.browser.client.post(f"/s/{code_a}/answer", data=form.data())
    assert response.status_code == 400
    assert "Hãy chọn một câu trả lời." in response.get_data(as_text=True)


def test_an_answer_without_the_csrf_token_is_refused(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    _session_id, code, phone = on_first_question(app, trainer)
    form = phone.browser.page.form("/answer")
    data = form.data({"choice": [phone.value("Cúp máy")], "csrf_token": []})
    assert phone.browser.client.post(f"/s/{code}/answer", data=data).status_code == 400
    assert count(app, responses) == 0


# -- the state endpoint -------------------------------------------------------------------


def test_the_state_endpoint_is_tiny_and_answers_304_when_nothing_changed(
    app: Flask, trainer
) -> None:  # type: ignore[no-untyped-def]
    session_id, code = start_session(trainer)
    phone = Phone(app)
    phone.join(code)
    client = phone.browser.client
    first = client.get(f"/s/{code}/state")
    assert first.status_code == 200
    assert first.json == {"id": session_id, "v": 1, "phase": "lobby", "n": 0}
    assert len(first.data) < 100
    etag = first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    again = client.get(f"/s/{code}/state", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    control(trainer, session_id, "start")
    moved = client.get(f"/s/{code}/state", headers={"If-None-Match": etag})
    assert moved.status_code == 200
    assert moved.json["v"] == 2 and moved.json["phase"] == "open" and moved.json["n"] == 1
    # the page tells live.js where to poll, and which version it shows
    phone.reload()
    page = parse(phone.text)
    assert any(a.endswith(".js") or "/live.js" in a for a in page.assets)
    assert f'data-poll="/s/{code}/state" data-version="2"' in phone.text


def test_a_resident_cannot_reach_trainer_pages_or_another_sessions_state(
    app: Flask, trainer
) -> None:  # type: ignore[no-untyped-def]
    session_a, code_a = start_session(trainer)
    session_b, code_b = start_session(trainer)
    phone = Phone(app)
    phone.join(code_a)
    client = phone.browser.client
    assert client.get(f"/s/{code_b}/state").status_code == 403
    assert client.get(f"/s/{code_a}/state").status_code == 200
    for path in (
        "/t/",
        f"/t/s/{session_a}",
        f"/t/s/{session_a}/screen",
        f"/t/s/{session_a}/state",
        f"/t/s/{session_a}/report",
        f"/t/s/{session_a}/report.csv",
        f"/t/s/{session_a}/hands/1",
        f"/t/s/{session_a}/options",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/t/login"), path
    phone.browser.get("/j")
    token = phone.browser.page.form("/j").hidden["csrf_token"]
    for action in ("start", "next", "close", "reveal", "end", "options", "hands/1"):
        response = client.post(f"/t/s/{session_a}/{action}", data={"n": "0", "csrf_token": token})
        assert response.status_code == 302, action
        assert response.headers["Location"].startswith("/t/login"), action
        assert client.post(f"/t/s/{session_a}/{action}", data={"n": "0"}).status_code == 400
    assert session_of(app, session_a).status == "lobby"


# -- limits and escaping ------------------------------------------------------------------


def test_join_code_guessing_is_limited(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    _session_id, code = start_session(trainer)
    phone = Phone(app)
    phone.browser.get("/j")
    form = phone.browser.page.form("/j")
    client = phone.browser.client
    wrong = "100000" if code != "100000" else "100001"
    for _ in range(ratelimit.JOIN.attempts):
        response = client.post("/j", data=form.data({"code": [wrong]}))
        assert response.status_code == 404
        assert "Không có buổi nào đang mở với số này." in response.get_data(as_text=True)
    blocked = client.post("/j", data=form.data({"code": [code]}))
    assert blocked.status_code == 429
    assert "Bạn đã thử quá nhiều lần" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
    assert count(app, participants) == 0
    # another client (another address) is not blocked
    other = Phone(app)
    other.browser.client.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    other.join(code)
    assert other.browser.url == f"/s/{code}"


def test_nicknames_are_escaped_and_capped(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id, code = start_session(trainer, leaderboard=True)
    phone = Phone(app)
    phone.join(code, "  <script>alert(1)</script>\u200b\u0007 Bà   Tư rất dài tên quá đi mất  ")
    assert "<script>alert(1)" not in phone.text
    nick = phone.nickname()
    assert nick.startswith("&lt;script&gt;alert(1)&lt;")
    with engine_of(app).connect() as conn:
        stored = conn.execute(sa.select(participants.c.nickname)).scalar_one()
    assert len(stored) == 24
    assert stored == "<script>alert(1)</script"[:24]
    control(trainer, session_id, "start")
    phone.reload()
    phone.answer(RIGHT[1])
    trainer.get(f"/t/s/{session_id}")
    trainer._arrive(
        next(f for f in trainer.page.forms if f.action.endswith("/end")).submit(
            trainer.client, trainer.url, follow_redirects=True
        )
    )
    assert "Bảng xếp hạng" in trainer.text  # the trainer turned it on
    assert "&lt;script&gt;" in trainer.text and "<script>alert" not in trainer.text


def test_the_phone_page_is_light(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    _session_id, _code, phone = on_first_question(app, trainer)
    total = len(phone.browser.response.data)
    for asset in parse(phone.text).assets:
        if asset.startswith("/static/"):
            total += len(phone.browser.client.get(asset).data)
    assert total < 30 * 1024, total


def test_purge_keeps_the_report_and_forgets_the_people(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id, code = start_session(trainer, leaderboard=True)
    phones = [Phone(app) for _ in range(3)]
    for i, phone in enumerate(phones):
        phone.join(code, f"Sóc {i}")
    control(trainer, session_id, "start")
    for phone, texts in zip(phones, (RIGHT[1], RIGHT[1], WRONG[1]), strict=True):
        phone.reload()
        phone.answer(texts)
    control(trainer, session_id, "reveal")
    control(trainer, session_id, "end")
    before = trainer.get(f"/t/s/{session_id}/report").get_data(as_text=True)
    csv_before = trainer.client.get(f"/t/s/{session_id}/report.csv").data
    assert "Sóc 0" in before  # the leaderboard, while it exists

    done = purge(engine_of(app), 0, now=utcnow().replace(year=utcnow().year + 1))
    assert (done.sessions, done.participants, done.responses) == (1, 3, 3)
    assert count(app, participants) == 0 and count(app, responses) == 0
    after = trainer.get(f"/t/s/{session_id}/report").get_data(as_text=True)
    assert trainer.client.get(f"/t/s/{session_id}/report.csv").data == csv_before
    assert "Sóc 0" not in after
    assert "đã được xóa" in after

    def counts_only(html: str) -> str:
        html = re.sub(r'<section class="board">.*?</section>', "", html, flags=re.S)
        kept = html.split('<section class="summary">', 1)[1].split("<h2>Tùy chọn</h2>")[0]
        return " ".join(kept.split())

    assert counts_only(after) == counts_only(before)
    # the phone's cookie no longer finds anyone
    phones[0].browser.get(f"/s/{code}")
    assert phones[0].browser.url == f"/j/{code}"


def test_every_question_type_of_the_shipped_content_runs_live(app_config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The shipped quizzes (single, multiple, true/false and scam-or-safe scenarios) on the
    phone and on the projector, asked and revealed; scenario pages stay light too."""
    app_config["CONTENT"] = str(PROJECT_ROOT)
    app = create_app(app_config)
    try:
        quiz = app.extensions["canhgiac.catalog"].quizzes["otp-mat-khau-the"]
        add_trainer(app)
        trainer = login(app.test_client())
        session_id, code = start_session(trainer, quiz=quiz.id)
        phone = Phone(app)
        phone.join(code)
        for n, question in enumerate(quiz.questions, start=1):
            control(trainer, session_id, "start" if n == 1 else "next")
            phone.reload()
            first = phone.browser.page.form("/answer").options()[0].label.split(" ", 1)[1]
            size = len(phone.browser.response.data) + sum(
                len(phone.browser.client.get(a).data)
                for a in parse(phone.text).assets
                if a.startswith("/static/")
            )
            assert size < 30 * 1024, (question.id, size)
            phone.answer([first])
            assert "Đã nhận câu trả lời của bạn." in phone.text
            assert trainer.get(f"/t/s/{session_id}/screen").status_code == 200
            control(trainer, session_id, "reveal")
            phone.reload()
            assert "Giải thích" in phone.text
            if question.type == "scenario":
                assert 'class="sc ' in phone.text and 'class="sc ' in trainer.text
        control(trainer, session_id, "end")
        assert {q.type for q in quiz.questions} >= {"single", "multiple", "truefalse"}
        assert trainer.get(f"/t/s/{session_id}/report").status_code == 200
    finally:
        app.extensions["canhgiac.store"].dispose()
