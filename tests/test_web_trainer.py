"""The trainer's side of live sessions: login and its limit, CSRF on every form, starting and
running a session, the projector view, show of hands, reports, CSV, before/after."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from live_helpers import (
    PASSWORD,
    RIGHT,
    TRAINER,
    WRONG,
    Phone,
    add_trainer,
    control,
    engine_of,
    login,
    session_of,
    start_session,
)

from canhgiac.live import auth, ratelimit
from canhgiac.printing.qr import qr_svg


@pytest.fixture
def trainer(app: Flask, client: FlaskClient):  # type: ignore[no-untyped-def]
    add_trainer(app)
    return login(client)


def post_form(browser, action_end: str, **chosen: list[str]):  # type: ignore[no-untyped-def]
    form = next(f for f in browser.page.forms if f.action.endswith(action_end))
    data = form.data(chosen or None)
    return browser._arrive(
        form.submit(browser.client, browser.url, data=data, follow_redirects=True)
    )


def run_question(app: Flask, trainer, session_id: str, phones, answers) -> None:  # type: ignore[no-untyped-def]
    for phone, texts in zip(phones, answers, strict=True):
        phone.reload()
        phone.answer(texts)
    control(trainer, session_id, "reveal")


# -- login --------------------------------------------------------------------------------


def test_the_trainer_area_asks_for_a_login(app: Flask, client: FlaskClient) -> None:
    add_trainer(app)
    response = client.get("/t/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/t/login?next=/t/"
    page = client.get("/t/login?next=/t/").get_data(as_text=True)
    assert "Đăng nhập cho người hướng dẫn" in page
    b = login(client, TRAINER, "wrong password")
    assert "Tên hoặc mật khẩu không đúng." in b.text
    b = login(client, "nobody", PASSWORD)
    assert "Tên hoặc mật khẩu không đúng." in b.text
    b = login(client, "Lan.Nguyen", PASSWORD)  # names are not case-sensitive
    assert b.url == "/t/"
    assert "Đã đăng nhập: lan.nguyen" in b.text
    b.submit("/t/logout")
    assert b.url == "/t/login"
    assert client.get("/t/").status_code == 302


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        ("/t/s/abc/report", "/t/s/abc/report"),
        ("/trainer/results?from=2026-11-01", "/trainer/results?from=2026-11-01"),
        ("https://evil.example/t/", "/t/"),
        ("//evil.example/t/", "/t/"),
        ("/q/demo-otp", "/t/"),
        ("/t/\\evil", "/t/"),
    ],
)
def test_after_login_only_trainer_pages_are_followed(
    app: Flask, client: FlaskClient, target: str, landing: str
) -> None:
    add_trainer(app)
    b = login(client)
    b.submit("/t/logout")
    form = b.page.form("/t/login")
    data = form.data({"name": [TRAINER], "password": [PASSWORD], "next": [target]})
    response = client.post("/t/login", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == landing


def test_login_attempts_are_limited(app: Flask, client: FlaskClient) -> None:
    add_trainer(app)
    for _ in range(ratelimit.LOGIN.attempts):
        b = login(client, TRAINER, "guess-guess")
        assert b.response.status_code == 200
    b = login(client, TRAINER, PASSWORD)  # even the right password waits now
    assert b.response.status_code == 429
    assert "Bạn đã thử quá nhiều lần" in b.text
    assert "Hãy chờ 15 phút rồi thử lại." in b.text
    assert client.get("/t/").status_code == 302
    # in English too
    client.get("/?lang=en")
    b = login(client, TRAINER, PASSWORD)
    assert "Too many attempts" in b.text
    # the same name from another client is not blocked
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert login(other).url == "/t/"


def test_every_trainer_form_needs_its_csrf_token(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id, _code = start_session(trainer)
    client = trainer.client
    posts = [
        "/t/login",
        "/t/logout",
        "/t/sessions",
        f"/t/s/{session_id}/start",
        f"/t/s/{session_id}/next",
        f"/t/s/{session_id}/close",
        f"/t/s/{session_id}/reveal",
        f"/t/s/{session_id}/end",
        f"/t/s/{session_id}/options",
        f"/t/s/{session_id}/hands/1",
    ]
    for path in posts:
        response = client.post(path, data={"n": "0", "quiz": "demo-otp", "kind": "none"})
        assert response.status_code == 400, path
        assert "Trang này đã hết hạn" in response.get_data(as_text=True)
    assert session_of(app, session_id).status == "lobby"
    assert len(trainer.get("/t/").get_data(as_text=True).split('class="session-item"')) == 2


def test_a_trainer_sees_and_runs_only_their_own_sessions(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id, _code = start_session(trainer)
    add_trainer(app, "minh", "mat-khau-cua-minh")
    other = login(app.test_client(), "minh", "mat-khau-cua-minh")
    for path in ("", "/screen", "/state", "/report", "/report.csv", "/hands/1", "/options"):
        assert other.client.get(f"/t/s/{session_id}{path}").status_code == 403, path
    token = other.page.forms[0].hidden["csrf_token"]
    for action in ("start", "next", "close", "reveal", "end", "options", "hands/1"):
        response = other.client.post(
            f"/t/s/{session_id}/{action}", data={"csrf_token": token, "n": "0"}
        )
        assert response.status_code == 403, action
    assert session_of(app, session_id).status == "lobby"
    assert other.client.get("/t/s/0000000000000000").status_code == 404
    assert "Đang diễn ra" not in other.get("/t/").get_data(as_text=True)


def test_a_changed_password_or_a_removed_account_logs_out(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    assert trainer.client.get("/t/").status_code == 200
    auth.set_password(engine_of(app), TRAINER, "a-brand-new-password")
    assert trainer.client.get("/t/").status_code == 302
    b = login(trainer.client, TRAINER, "a-brand-new-password")
    assert b.url == "/t/"
    session_id, _code = start_session(b)
    assert auth.remove_trainer(engine_of(app), TRAINER) == 1
    assert trainer.client.get("/t/").status_code == 302
    assert session_of(app, session_id).status == "ended"


# -- running a session --------------------------------------------------------------------


def test_the_projector_view_shows_the_qr_code_the_number_and_the_address(
    app: Flask,
    app_config,
    client: FlaskClient,  # type: ignore[no-untyped-def]
) -> None:
    app.config["PUBLIC_URL"] = "https://canhgiac.example.org/"
    add_trainer(app)
    b = login(client)
    session_id, code = start_session(b)
    screen = b.get(f"/t/s/{session_id}/screen").get_data(as_text=True)
    assert str(qr_svg(f"https://canhgiac.example.org/j/{code}")) in screen
    assert '<p class="join-address">canhgiac.example.org/j</p>' in screen
    assert f'<p class="join-code">{code}</p>' in screen
    assert '<span data-count="joined">0</span>' in screen
    assert "<form" not in screen.split('<main id="main">')[1]  # read-only: no controls
    assert '<meta http-equiv="refresh" content="5">' in screen
    Phone(app).join(code)
    screen = b.get(f"/t/s/{session_id}/screen").get_data(as_text=True)
    assert '<span data-count="joined">1</span>' in screen
    state = b.client.get(f"/t/s/{session_id}/state")
    assert state.json == {
        "id": session_id,
        "v": 1,
        "phase": "lobby",
        "n": 0,
        "joined": 1,
        "answered": 0,
    }
    again = b.client.get(
        f"/t/s/{session_id}/state", headers={"If-None-Match": state.headers["ETag"]}
    )
    assert again.status_code == 304
    Phone(app).join(code)
    assert (
        b.client.get(
            f"/t/s/{session_id}/state", headers={"If-None-Match": state.headers["ETag"]}
        ).json["joined"]
        == 2
    )


def test_a_double_click_moves_the_session_once(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id, _code = start_session(trainer)
    control(trainer, session_id, "start")
    control(trainer, session_id, "reveal")
    trainer.get(f"/t/s/{session_id}")
    form = next(f for f in trainer.page.forms if f.action.endswith("/next"))
    for _ in range(2):  # the second click carries the old question number
        assert form.submit(trainer.client, trainer.url).status_code == 303
    assert session_of(app, session_id).position == 2


def test_without_a_projector_the_control_page_has_everything(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id, code = start_session(trainer)
    page = trainer.text
    assert '<svg class="qr-code"' in page and code in page
    assert 'name="viewport"' in page
    phone = Phone(app)
    phone.join(code)
    control(trainer, session_id, "start")
    assert "Một người tự xưng nhân viên ngân hàng gọi" in trainer.text  # the question to read
    assert '<span class="letter">A</span>' in trainer.text
    run_question(app, trainer, session_id, [phone], [RIGHT[1]])
    assert '<ul class="bars">' in trainer.text
    assert 'class="bar-fill"' in trainer.text


def test_a_show_of_hands_adds_to_the_results(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id, code = start_session(trainer)
    phone = Phone(app)
    phone.join(code)
    control(trainer, session_id, "start")
    run_question(app, trainer, session_id, [phone], [RIGHT[1]])
    trainer.click("Thêm số người giơ tay")
    assert trainer.url == f"/t/s/{session_id}/hands/1"
    form = trainer.page.form("/hands/1")
    labels = {f.label.split(" (")[0]: f.name for f in form.fields if f.name.startswith("hands-")}
    right = next(name for label, name in labels.items() if label.endswith("Cúp máy"))
    wrong = next(name for label, name in labels.items() if label.endswith("Đọc mã OTP"))
    bad = form.data({right: ["-3"]})
    assert form.submit(trainer.client, trainer.url, data=bad).status_code == 400
    data = form.data({right: ["5"], wrong: ["2"]})
    trainer._arrive(form.submit(trainer.client, trainer.url, data=data, follow_redirects=True))
    assert trainer.url == f"/t/s/{session_id}"
    assert "1 qua điện thoại, 5 giơ tay" in trainer.text
    assert "0 qua điện thoại, 2 giơ tay" in trainer.text
    report = trainer.get(f"/t/s/{session_id}/report").get_data(as_text=True)
    assert "Đúng 6/8" in report  # 1 phone + 5 hands right of 1 + 7
    assert "đã cộng số giơ tay" in report


def test_the_leaderboard_is_off_by_default_and_shown_at_the_end_when_on(
    app: Flask,
    trainer,  # type: ignore[no-untyped-def]
) -> None:
    for leaderboard in (False, True):
        session_id, code = start_session(trainer, leaderboard=leaderboard)
        phone = Phone(app)
        phone.join(code, "Rùa Biển Xanh")
        control(trainer, session_id, "start")
        run_question(app, trainer, session_id, [phone], [RIGHT[1]])
        assert "Rùa Biển Xanh" not in trainer.text  # never during the session
        control(trainer, session_id, "end")
        phone.reload()
        for text in (trainer.text, phone.text):
            assert ("Bảng xếp hạng" in text) is leaderboard
            assert ("Rùa Biển Xanh</span> <span" in text) is leaderboard


def test_options_turn_the_leaderboard_on_and_mark_a_check(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id, _code = start_session(trainer)
    # The control page refreshes itself while waiting: it holds no field to fill in.
    assert '<meta http-equiv="refresh"' in trainer.text
    assert not [f for form in trainer.page.forms for f in form.fields if f.type != "hidden"]
    trainer.click("Trước hoặc sau buổi tập huấn, bảng xếp hạng")
    assert trainer.url == f"/t/s/{session_id}/options"
    assert '<meta http-equiv="refresh"' not in trainer.text
    post_form(trainer, "/options", kind=["before"], leaderboard=["on"])
    found = session_of(app, session_id)
    assert (found.kind, found.leaderboard) == ("before", True)
    assert "Kiểm tra trước tập huấn" in trainer.text
    trainer.get(f"/t/s/{session_id}/options")
    post_form(trainer, "/options", kind=["none"], leaderboard=[])
    found = session_of(app, session_id)
    assert (found.kind, found.leaderboard) == ("none", False)
    token = trainer.page.forms[0].hidden["csrf_token"]
    bad = trainer.client.post(
        f"/t/s/{session_id}/options", data={"csrf_token": token, "kind": "sometimes"}
    )
    assert bad.status_code == 400


# -- reports ------------------------------------------------------------------------------


def finished_session(app: Flask, trainer, kind: str, answers: dict[int, list[list[str]]]):  # type: ignore[no-untyped-def]
    session_id, code = start_session(trainer, kind=kind)
    phones = [Phone(app) for _ in answers[1]]
    for phone in phones:
        phone.join(code)
    control(trainer, session_id, "start")
    for n in sorted(answers):
        if n > 1:
            control(trainer, session_id, "next")
        run_question(app, trainer, session_id, phones, answers[n])
    control(trainer, session_id, "end")
    return session_id


def test_the_report_and_its_csv(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id = finished_session(
        app,
        trainer,
        "none",
        {
            1: [RIGHT[1], WRONG[1], WRONG[1]],
            2: [RIGHT[2], RIGHT[2], WRONG[2]],
            3: [RIGHT[3], RIGHT[3], RIGHT[3]],
        },
    )
    home = trainer.get("/t/").get_data(as_text=True)
    assert f"/t/s/{session_id}/report" in home and "Các buổi đã qua và báo cáo" in home
    trainer.click("Báo cáo")
    assert trainer.url == f"/t/s/{session_id}/report"
    page = trainer.text
    assert "<strong>3</strong> đã tham gia" in page
    assert "<strong>67%</strong> đúng trung bình" in page  # 6 of 9
    hardest = page.split("Những câu khó nhất")[1].split("</ol>")[0]
    assert hardest.index("Một người tự xưng") < hardest.index("Dấu hiệu nào")
    wrong = page.split("Những đáp án sai được chọn nhiều nhất")[1].split("</ul>")[0]
    assert "<strong>2</strong> × “Đọc mã OTP”" in wrong
    assert "Đúng 1/3" in page and "Đúng 3/3" in page

    response = trainer.client.get(f"/t/s/{session_id}/report.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["question_id"] for r in rows] == ["goi-dien", "dau-hieu", "dung-sai"]
    assert [(r["answered"], r["right"], r["share_right_percent"]) for r in rows] == [
        ("3", "1", "33"),
        ("3", "2", "67"),
        ("3", "3", "100"),
    ]
    assert rows[0]["question"].startswith("Một người tự xưng")
    assert re.fullmatch(r"[A-C]=\d; [A-C]=\d; [A-C]=\d", rows[0]["choices_phones"])
    assert "nick" not in text.lower() and "Cá" not in text


def test_before_and_after_a_training_are_compared(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    finished_session(app, trainer, "before", {1: [WRONG[1], WRONG[1]], 2: [RIGHT[2], WRONG[2]]})
    after = finished_session(
        app, trainer, "after", {1: [RIGHT[1], RIGHT[1]], 2: [RIGHT[2], RIGHT[2]]}
    )
    page = trainer.get(f"/t/s/{after}/report").get_data(as_text=True)
    table = page.split("Trước và sau buổi tập huấn")[1].split("</table>")[0]
    cells = re.findall(r"<td>([^<]*)</td>", table)
    # people, average, question 1, question 2, question 3: before, after
    assert cells[:8] == ["2", "2", "17%", "67%", "0%", "100%", "50%", "100%"]


def test_an_after_session_without_a_before_one_says_so(app: Flask, trainer) -> None:  # type: ignore[no-untyped-def]
    session_id, _code = start_session(trainer, kind="after")
    page = trainer.get(f"/t/s/{session_id}/report").get_data(as_text=True)
    assert "Chưa có buổi kiểm tra trước tập huấn nào của bài này để so sánh." in page
