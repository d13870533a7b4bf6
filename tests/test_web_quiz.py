"""The self-paced quiz, used as a resident would: links and forms only, JavaScript off."""

from __future__ import annotations

import random
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from canhgiac.store import Store, attempts, get_store, utcnow
from canhgiac.web.quiz import MAX_REMEMBERED

from forms import Browser, other_host, parse

QUIZ = "demo-otp"
TITLE_400 = "Đường dẫn hoặc biểu mẫu này không dùng được"
PLEASE_CHOOSE = "Hãy chọn một câu trả lời."


def store_of(app: Flask) -> Store:
    with app.app_context():
        return get_store()


def attempt_id_of(url: str) -> str:
    match = re.search(r"/q/[a-z0-9-]+/a/([^/]+)/", url)
    assert match, url
    return match.group(1)


def start(browser: Browser, quiz: str = QUIZ, query: str = "") -> str:
    """Open the quiz intro, press Start; returns the attempt id."""
    browser.get(f"/q/{quiz}{query}")
    browser.submit("/start")
    assert browser.url.endswith("/1"), browser.url
    return attempt_id_of(browser.url)


def count_attempts(app: Flask) -> int:
    with store_of(app).engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(attempts)).scalar_one()


# -- the whole quiz -----------------------------------------------------------------------


def test_whole_quiz_without_javascript(app: Flask, client: FlaskClient) -> None:
    b = Browser(client)
    b.get("/")
    b.click("Bạn có giữ được mã OTP?")
    assert b.url == "/q/demo-otp"
    assert "3 câu hỏi, mỗi trang một câu." in b.text
    assert count_attempts(app) == 0  # nothing is created on GET

    b.submit("/start")
    attempt_id = attempt_id_of(b.url)
    assert b.url == f"/q/demo-otp/a/{attempt_id}/1"
    assert b.response.history[0].status_code == 303
    assert "Câu 1/3" in b.text

    # 1: single choice, answered right
    b.submit(choose=["Cúp máy"])
    assert b.response.history[0].status_code == 303
    assert b.url == f"/q/demo-otp/a/{attempt_id}/1"
    assert "Đúng rồi!" in b.text
    b.click("Câu tiếp theo")
    assert b.url.endswith("/2")
    assert "Chọn tất cả đáp án đúng." in b.text

    # 2: multiple choice, only one of the two right choices ticked: wrong
    b.submit(choose=["Hỏi mã OTP"])
    assert "Chưa đúng." in b.text
    b.click("Câu tiếp theo")
    assert b.url.endswith("/3")
    assert b.page.forms[0].labels() == ["Đúng", "Sai"]

    # 3: true/false, right
    b.submit(choose=["Sai"])
    assert "Đúng rồi!" in b.text
    assert "Câu tiếp theo" not in b.text
    b.click("Xem kết quả")
    assert b.url == f"/q/demo-otp/a/{attempt_id}/result"
    assert "Bạn trả lời đúng 2/3 câu" in b.text

    store = store_of(app)
    attempt = store.attempt(attempt_id)
    assert attempt is not None
    assert attempt.finished and attempt.score == 2 and attempt.question_count == 3
    assert attempt.lang == "vi" and attempt.src is None
    answers = store.answers(attempt_id)
    assert {k: (sorted(a.choices), a.correct, a.position) for k, a in answers.items()} == {
        "goi-dien": (["a"], True, 1),
        "dau-hieu": (["a"], False, 2),
        "dung-sai": (["false"], True, 3),
    }


def answer_all(b: Browser, answers: list[list[str]]) -> None:
    """Answer every question in turn, then open the result page."""
    for n, choice in enumerate(answers, start=1):
        b.submit(choose=choice)
        b.click("Câu tiếp theo" if n < len(answers) else "Xem kết quả")


def test_all_right_and_all_wrong_messages(client: FlaskClient) -> None:
    b = Browser(client)
    start(b)
    answer_all(b, [["Cúp máy"], ["Hỏi mã OTP", "Giục làm ngay"], ["Sai"]])
    assert "Bạn trả lời đúng 3/3 câu" in b.text
    assert "Xuất sắc! Bạn đã nhận ra các thủ đoạn này." in b.text

    start(b)
    answer_all(b, [["Đọc mã OTP"], ["Thông báo số dư không có đường link"], ["Đúng"]])
    assert "Bạn trả lời đúng 0/3 câu" in b.text
    assert "Cảm ơn bạn đã luyện tập." in b.text


def test_result_page_review(app: Flask, client: FlaskClient) -> None:
    b = Browser(client)
    start(b, query="?src=cho-giao-phong")
    answer_all(b, [["Đọc mã OTP"], ["Hỏi mã OTP", "Giục làm ngay"], ["Sai"]])
    text = b.text
    assert "<h1>Kết quả của bạn</h1>" in text
    assert '<p class="score">Bạn trả lời đúng 2/3 câu</p>' in text
    assert "Làm tốt lắm! Hãy đọc lại phần giải thích bên dưới cho những câu chưa đúng." in text
    review = text.split('<ol class="review">')[1]
    for prompt in (
        "Một người tự xưng nhân viên ngân hàng gọi và hỏi mã OTP. Bạn làm gì?",
        "Dấu hiệu nào là lừa đảo?",
        "Ngân hàng có thể gọi điện hỏi mã OTP.",
    ):
        assert prompt in review
    assert "<strong>Bạn đã chọn:</strong>\nĐọc mã OTP</p>" in review
    assert "<strong>Đáp án đúng:</strong>\nCúp máy</p>" in review
    assert "Không bao giờ đọc mã OTP cho ai. Hãy cúp máy." in review
    assert review.count("Chưa đúng.") == 1 and review.count("Đúng rồi!") == 2
    # the lesson's key points: the do list, then the red flags
    remember = text.split("<h2>Hãy ghi nhớ</h2>")[1].split("</section>")[0]
    assert remember.index("Cúp máy") < remember.index("Hỏi mã OTP")
    page = b.page
    assert page.link("Đọc lại bài học") == "/l/demo-otp"
    assert page.link("Xem thêm bài học và bài trắc nghiệm") == "/"

    # "Try again" starts a new attempt from the same leaflet
    again = page.form("/start")
    assert again.hidden["src"] == "cho-giao-phong"
    b.submit("/start")
    new_id = attempt_id_of(b.url)
    store = store_of(app)
    assert store.attempt(new_id).src == "cho-giao-phong"  # type: ignore[union-attr]
    assert store.answers(new_id) == {}


def test_result_before_the_end_goes_to_the_first_unanswered(client: FlaskClient) -> None:
    b = Browser(client)
    attempt_id = start(b)
    b.submit(choose=["Cúp máy"])
    response = client.get(f"/q/demo-otp/a/{attempt_id}/result")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/q/demo-otp/a/{attempt_id}/2"


# -- choices: order and feedback ----------------------------------------------------------


def test_choice_order_is_stable_within_an_attempt(app: Flask, client: FlaskClient) -> None:
    b = Browser(client)
    attempt_id = start(b)
    first = b.page.forms[0].labels()
    b.get(b.url)
    assert b.page.forms[0].labels() == first
    # and it is the documented shuffle of the attempt's seed
    attempt = store_of(app).attempt(attempt_id)
    assert attempt is not None
    keys = ["a", "b", "c"]
    random.Random(f"{attempt.seed}:goi-dien").shuffle(keys)
    assert [f.value for f in b.page.forms[0].options()] == keys


def test_choice_order_differs_between_attempts(client: FlaskClient) -> None:
    b = Browser(client)
    orders = set()
    for _ in range(10):
        start(b)
        orders.add(tuple(b.page.forms[0].labels()))
    assert len(orders) > 1
    assert all(
        sorted(o) == sorted(["Cúp máy", "Đọc mã OTP", "Hỏi tên người gọi rồi đọc mã"])
        for o in orders
    )


def test_question_page_markup(client: FlaskClient) -> None:
    b = Browser(client)
    start(b)
    form = b.page.forms[0]
    assert form.method == "post"
    assert [f.type for f in form.options()] == ["radio"] * 3
    assert all(f.label for f in form.options())  # every control has a label
    assert "csrf_token" not in form.hidden  # checked by origin: see test_security.py
    assert '<progress max="3" value="1"' in b.text
    assert "Chọn tất cả đáp án đúng." not in b.text
    b.get(b.url[:-1] + "2")
    assert [f.type for f in b.page.forms[0].options()] == ["checkbox"] * 3
    assert "Câu 2/3" in b.text


def test_feedback_right_after_a_wrong_answer(client: FlaskClient) -> None:
    b = Browser(client)
    attempt_id = start(b)
    b.submit(choose=["Đọc mã OTP"])
    text = b.text
    assert not b.page.forms  # no form any more: the feedback is shown
    assert '<p class="verdict verdict-wrong"><span aria-hidden="true">✗</span> Chưa đúng.</p>' in (
        text
    )
    outcomes = text.split('<ul class="outcomes">')[1].split("</ul>")[0]
    items = {
        re.search(r'<span class="text">(.*?)</span>', li).group(1): li  # type: ignore[union-attr]
        for li in outcomes.split("<li")[1:]
    }
    chosen, right, other = (
        items["Đọc mã OTP"],
        items["Cúp máy"],
        items["Hỏi tên người gọi rồi đọc mã"],
    )
    assert "is-wrong" in chosen and "✗" in chosen and "Bạn đã chọn" in chosen
    assert "Kẻ gian sẽ lấy tiền của bạn." in chosen
    assert "is-correct" in right and "✓" in right and "Đáp án đúng" in right
    assert "Ngân hàng không hỏi OTP." in right
    assert "Bạn đã chọn" not in right
    assert "Tên có thể bịa ra." not in text  # why of a choice neither chosen nor right
    assert "Bạn đã chọn" not in other and "Đáp án đúng" not in other
    assert "<h2>Giải thích</h2>" in text
    assert "Không bao giờ đọc mã OTP cho ai. Hãy cúp máy." in text
    assert b.page.link("Câu tiếp theo") == f"/q/demo-otp/a/{attempt_id}/2"


def test_feedback_in_english(client: FlaskClient) -> None:
    b = Browser(client)
    start(b, query="?lang=en")
    b.submit(choose=["Hang up"])
    assert '<span aria-hidden="true">✓</span> Right!</p>' in b.text
    assert "Banks never ask for the OTP." in b.text
    assert "<h2>Explanation</h2>" in b.text
    assert b.page.link("Next question").endswith("/2")


def test_no_choice_asks_kindly(app: Flask, client: FlaskClient) -> None:
    b = Browser(client)
    attempt_id = start(b)
    b.submit()
    assert b.response.status_code == 400
    assert f'<p class="alert" id="missing" role="alert">{PLEASE_CHOOSE}</p>' in b.text
    assert b.page.forms[0].options()  # the question again, ready to answer
    assert store_of(app).answers(attempt_id) == {}
    b.submit(choose=["Cúp máy"])
    assert b.response.status_code == 200 and "Đúng rồi!" in b.text


def test_no_choice_in_english(client: FlaskClient) -> None:
    b = Browser(client)
    start(b, query="?lang=en")
    b.submit()
    assert b.response.status_code == 400
    assert '<p class="alert" id="missing" role="alert">Please choose an answer.</p>' in b.text
    # the language switch leads back to the question (a GET), not to the POST
    assert b.page.link("Tiếng Việt") == f"{b.url}?lang=vi"


def test_resubmitting_an_answered_question_changes_nothing(app: Flask, client: FlaskClient) -> None:
    b = Browser(client)
    attempt_id = start(b)
    form = b.page.forms[0]
    b.submit(choose=["Đọc mã OTP"])
    before = store_of(app).answers(attempt_id)
    # the back button, then another choice
    response = form.submit(client, b.url, choose=["Cúp máy"])
    assert response.status_code == 303
    assert response.headers["Location"] == f"/q/demo-otp/a/{attempt_id}/1"
    assert store_of(app).answers(attempt_id) == before
    assert before["goi-dien"].choices == {"b"} and not before["goi-dien"].correct


def test_attempt_pages_are_not_stored_by_the_browser(client: FlaskClient) -> None:
    b = Browser(client)
    start(b)
    assert "no-store" in b.response.headers["Cache-Control"]


# -- forged requests ----------------------------------------------------------------------


@pytest.fixture
def started(app: Flask, client: FlaskClient) -> tuple[Browser, str]:
    b = Browser(client)
    attempt_id = start(b)
    return b, attempt_id


def post(client: FlaskClient, url: str, choices: list[str]):  # type: ignore[no-untyped-def]
    return client.post(url, data=MultiDict([("choice", c) for c in choices]))


@pytest.mark.parametrize(
    ("path", "choices"),
    [
        ("/q/demo-otp/a/{id}/0", ["a"]),
        ("/q/demo-otp/a/{id}/4", ["a"]),
        ("/q/demo-otp/a/{id}/1", ["z"]),
        ("/q/demo-otp/a/{id}/1", ["a", "b"]),
        ("/q/demo-otp/a/{id}/1", ["true"]),
        ("/q/demo-otp/a/{id}/1", ["a", "a"]),
        ("/q/demo-otp/a/{id}/2", ["a", "a"]),
        ("/q/demo-otp/a/{id}/2", ["a", ""]),
        ("/q/demo-otp/a/{id}/3", ["true", "false"]),
        ("/q/demo-otp/a/{id}/3", ["a"]),
        ("/q/demo-otp/a/unknown-attempt/1", ["a"]),
        ("/q/demo-qr/a/{id}/1", ["true"]),  # an attempt of another quiz
    ],
)
def test_forged_answers_are_refused(
    app: Flask, started: tuple[Browser, str], path: str, choices: list[str]
) -> None:
    b, attempt_id = started
    store = store_of(app)
    before = (store.attempt(attempt_id), store.answers(attempt_id), count_attempts(app))
    response = post(b.client, path.format(id=attempt_id), choices)
    assert response.status_code == 400
    assert f"<h1>{TITLE_400}</h1>" in response.get_data(as_text=True)
    assert (store.attempt(attempt_id), store.answers(attempt_id), count_attempts(app)) == before


def test_attempt_of_another_browser_is_refused(app: Flask, started: tuple[Browser, str]) -> None:
    b, attempt_id = started
    other = Browser(app.test_client())
    other.get("/q/demo-otp")
    other.submit("/start")  # a quiz of its own
    url = f"/q/demo-otp/a/{attempt_id}/1"
    response = post(other.client, url, ["a"])
    assert response.status_code == 400
    assert f"<h1>{TITLE_400}</h1>" in response.get_data(as_text=True)
    assert other.client.get(url).status_code == 400
    assert other.client.get(f"/q/demo-otp/a/{attempt_id}/result").status_code == 400
    assert store_of(app).answers(attempt_id) == {}


def test_answer_to_a_finished_attempt_is_refused(app: Flask, started: tuple[Browser, str]) -> None:
    b, attempt_id = started
    store = store_of(app)
    with store.engine.begin() as conn:  # e.g. finished while this page was open
        conn.execute(
            attempts.update()
            .where(attempts.c.id == attempt_id)
            .values(finished_at=utcnow(), score=0)
        )
    before = store.attempt(attempt_id)
    response = post(b.client, f"/q/demo-otp/a/{attempt_id}/1", ["a"])
    assert response.status_code == 400
    assert store.answers(attempt_id) == {}
    assert store.attempt(attempt_id) == before


def test_unknown_quiz_is_404(started: tuple[Browser, str]) -> None:
    b, attempt_id = started
    assert post(b.client, f"/q/nope/a/{attempt_id}/1", ["a"]).status_code == 404
    assert b.client.get("/q/nope").status_code == 404
    assert b.client.post("/q/nope/start").status_code == 404


def test_get_checks(started: tuple[Browser, str]) -> None:
    b, attempt_id = started
    get = b.client.get
    assert get(f"/q/demo-otp/a/{attempt_id}/0").status_code == 404
    assert get(f"/q/demo-otp/a/{attempt_id}/4").status_code == 404
    assert get(f"/q/demo-otp/a/{attempt_id}/x").status_code == 404
    assert get("/q/demo-otp/a/unknown-attempt/1").status_code == 400
    assert get(f"/q/demo-qr/a/{attempt_id}/1").status_code == 400
    assert get(f"/q/demo-qr/a/{attempt_id}/result").status_code == 400


def test_session_remembers_the_last_attempts(client: FlaskClient) -> None:
    b = Browser(client)
    first = start(b)
    for _ in range(MAX_REMEMBERED):
        last = start(b)
    with client.session_transaction() as session:
        assert len(session["attempts"]) == MAX_REMEMBERED
        assert session["attempts"][-1] == last
    assert client.get(f"/q/demo-otp/a/{first}/1").status_code == 400
    assert client.get(f"/q/demo-otp/a/{last}/1").status_code == 200


# -- the leaflet label --------------------------------------------------------------------


def test_src_label_is_stored(app: Flask, client: FlaskClient) -> None:
    b = Browser(client)
    b.get("/q/demo-otp?src=cho-giao-phong")
    assert b.page.form("/start").hidden["src"] == "cho-giao-phong"
    b.submit("/start")
    attempt = store_of(app).attempt(attempt_id_of(b.url))
    assert attempt is not None and attempt.src == "cho-giao-phong"


@pytest.mark.parametrize(
    "label", ["Cho-Giao-Phong", "-cho", "chợ", "cho giao", "a" * 65, "x<script>", ""]
)
def test_invalid_src_label_is_dropped(app: Flask, client: FlaskClient, label: str) -> None:
    b = Browser(client)
    b.get("/q/demo-otp")
    form = b.page.form("/start")
    assert "csrf_token" not in form.hidden  # see test_security.py: checked by origin
    data = MultiDict([("src", label)])
    b.submit("/start", data=data)
    attempt = store_of(app).attempt(attempt_id_of(b.url))
    assert attempt is not None and attempt.src is None
    b.get(f"/q/demo-otp?src={label}")
    assert b.page.form("/start").hidden["src"] == ""


def test_attempt_language_is_the_current_language(app: Flask, client: FlaskClient) -> None:
    b = Browser(client)
    attempt_id = start(b, query="?lang=en")
    assert store_of(app).attempt(attempt_id).lang == "en"  # type: ignore[union-attr]
    assert "Question 1 of 3" in b.text


def test_start_needs_post(client: FlaskClient) -> None:
    assert client.get("/q/demo-otp/start").status_code == 405


# -- weight -------------------------------------------------------------------------------


def test_question_page_weighs_under_30_kb(client: FlaskClient) -> None:
    b = Browser(client)
    start(b)
    b.get(b.url[:-1] + "2")  # the longest page: a multiple-choice question
    page = b.page
    total = len(b.response.data)
    assert page.assets, "the stylesheet should be referenced"
    for url in page.assets:
        if url.startswith("data:"):
            continue
        asset = client.get(url)
        assert asset.status_code == 200, url
        total += len(asset.data)
    assert total < 30 * 1024
    assert not [u for u in page.all_urls if other_host(u)]
    assert not re.search(r"<script(?![^>]*\bsrc=)", b.text)  # no inline script
    assert "<style" not in b.text and "style=" not in b.text


def test_static_assets_are_cacheable_for_long(client: FlaskClient) -> None:
    html = client.get("/q/demo-otp").get_data(as_text=True)
    css = [u for u in parse(html).assets if u.startswith("/static/")]
    assert css and "?v=" in css[0]
    response = client.get(css[0])
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
