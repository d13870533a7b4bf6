"""Scenario questions on the web: the mock of every channel, taking one with JavaScript off,
scoring with partial credit, the feedback lists, forged input, the result page, the weight
budget, and the reusable macros of templates/_scenario.html.

The content is tests/data/scenarios: the quiz demo-canh-bao holds one scenario per channel
(sms, chat, call, web, payment, email; the payment one is safe), then a true/false question.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from canhgiac import get_catalog
from canhgiac.store import Store, attempts, get_store, utcnow

from forms import Browser, other_host, parse

QUIZ = "demo-canh-bao"
TESTS = Path(__file__).parent
SCENARIOS = TESTS / "data" / "scenarios"
TITLE_400 = "Đường dẫn hoặc biểu mẫu này không dùng được"
CHANNELS = {1: "sms", 2: "chat", 3: "call", 4: "web", 5: "payment", 6: "email"}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["CONTENT"] = str(SCENARIOS)
    return app_config


def store_of(app: Flask) -> Store:
    with app.app_context():
        return get_store()


def start(b: Browser, query: str = "") -> str:
    b.get(f"/q/{QUIZ}{query}")
    b.submit("/start")
    match = re.search(r"/a/([^/]+)/1$", b.url)
    assert match, b.url
    return match.group(1)


def answer(b: Browser, verdict: str | None, flags: list[str]) -> None:
    """Submit the scenario on the page: `verdict` (scam/safe) and the parts ticked, the way a
    browser with JavaScript off sends them."""
    form = b.page.forms[0]
    assert {f.value for f in form.options("flag")} >= set(flags)
    chosen = {"flag": flags}
    if verdict is not None:
        chosen["choice"] = [verdict]
    b.submit(data=form.data(chosen))


def figure(html: str) -> str:
    """The mock on a page."""
    match = re.search(r'<figure class="sc .*?</figure>', html, re.DOTALL)
    assert match, "no scenario mock on the page"
    return match.group()


def part(html: str, part_id: str) -> str:
    """The markup of one part of the mock, up to the next part."""
    match = re.search(rf'<span class="sc-w[^"]*" data-part="{part_id}">(.*?)</span>\n', html, re.S)
    assert match, part_id
    return match.group(1)


def section(html: str, heading: str) -> str:
    """The list under an <h3> of the feedback (up to the next heading or the section end)."""
    rest = html.split(f"{heading}</h3>", 1)[1]
    return re.split(r"<h3>|</section>", rest, maxsplit=1)[0]


# -- the mock of every channel ------------------------------------------------------------


def test_every_channel_is_drawn_with_an_example_label(client: FlaskClient) -> None:
    b = Browser(client)
    start(b)
    for n, channel in CHANNELS.items():
        b.get(b.url.rsplit("/", 1)[0] + f"/{n}")
        mock = figure(b.text)
        assert mock.startswith(f'<figure class="sc sc-{channel} sc-form">'), channel
        assert '<span class="sc-ex">Ví dụ minh họa</span>' in mock
        assert "<a " not in mock and "<img" not in mock and "href" not in mock  # no links, no logos
        # every part the other side says, and the sender line, can be marked
        form = b.page.forms[0]
        question = get_catalog_question(client, n)
        assert [f.value for f in form.options("flag")] == list(question.scenario.tappable)
        assert all(f.type == "checkbox" and f.label for f in form.options("flag"))
        assert [(f.value, f.label) for f in form.options()] == [
            ("scam", "Lừa đảo"),
            ("safe", "An toàn"),
        ]


def get_catalog_question(client: FlaskClient, n: int):  # type: ignore[no-untyped-def]
    with client.application.app_context():
        return get_catalog().quizzes[QUIZ].questions[n - 1]


def open_question(client: FlaskClient, n: int, query: str = "") -> str:
    b = Browser(client)
    start(b, query)
    b.get(b.url.rsplit("/", 1)[0] + f"/{n}")
    return b.text


def test_sms_is_a_thread_of_bubbles(client: FlaskClient) -> None:
    mock = figure(open_question(client, 1))
    assert (
        '<figcaption class="sc-cap"><span class="sc-ex">Ví dụ minh họa</span> Tin nhắn SMS' in mock
    )
    assert "Ngân hàng của bạn" in part(mock, "sender")
    # the old balance notice, then the fake text (new: true) in a bubble of its own
    bubbles = re.findall(r'<p class="sc-msg sc-them">(.*?)</p>', mock, re.S)
    assert [re.findall(r'data-part="([a-z-]+)"', x) for x in bubbles] == [["cu"], ["khoa", "link"]]
    # the fake address looks like a link but is text
    assert '<span class="sc-url">vcb-xacthuc[.]top</span>' in part(mock, "link")


def test_chat_has_an_avatar_letter_and_the_residents_own_bubble(client: FlaskClient) -> None:
    text = open_question(client, 2)
    mock = figure(text)
    assert '<span class="sc-av" aria-hidden="true">H</span>' in mock
    assert "Cháu Hà" in part(mock, "sender")
    assert '<p class="sc-msg sc-me">' in mock
    mine = part(mock, "hoi")
    assert "Có chuyện gì vậy cháu?" in mine and "<input" not in mine  # never a flag
    assert '<p class="sc-ctx">Tài khoản Zalo của cháu Hà nhắn cho bạn.</p>' in text


def test_call_is_a_transcript_of_turns(client: FlaskClient) -> None:
    text = open_question(client, 3)
    mock = figure(text)
    assert "Cuộc gọi" in mock and "Số lạ" in part(mock, "sender")
    turns = re.findall(r'<b class="sc-who">(.*?)</b>', mock)
    assert turns == ["Số lạ:", "Bạn:", "Số lạ:"]
    assert '<h1 class="prompt">Người gọi này có phải công an thật không?</h1>' in text


def test_web_page_has_its_address_bar(client: FlaskClient) -> None:
    mock = figure(open_question(client, 4))
    head = mock.split('<div class="sc-head">')[1].split("</div>")[0]
    assert 'for="flag-sender"' in head and "bhxh[.]co" in head
    assert "Trang web" in mock
    field = part(mock, "mk")
    assert '<span class="sc-k">Mật khẩu ngân hàng</span>' in field


def test_payment_screen_has_payee_and_amount(client: FlaskClient) -> None:
    mock = figure(open_question(client, 5))
    assert "Màn hình chuyển tiền" in mock and "Xác nhận chuyển tiền" in part(mock, "sender")
    assert '<span class="sc-w sc-field" data-part="ten">' in mock
    assert '<span class="sc-k">Người nhận</span> <span class="sc-v">NGUYEN MINH ANH</span>' in mock
    assert '<span class="sc-k">Số tiền</span> <span class="sc-v">15.000.000 VND</span>' in mock


def test_email_has_from_and_subject(client: FlaskClient) -> None:
    mock = figure(open_question(client, 6))
    assert "Thư điện tử" in mock and '<span class="sc-sub">Từ:</span>' in mock
    assert "Ban quà tặng &lt;uudai@quatang[.]xyz&gt;" in part(mock, "sender")
    assert '<span class="sc-k">Tiêu đề</span>' in part(mock, "tieude")


def test_mock_in_english(client: FlaskClient) -> None:
    text = open_question(client, 3, "?lang=en")
    mock = figure(text)
    assert '<span class="sc-ex">Example</span> Phone call' in mock
    assert re.findall(r'<b class="sc-who">(.*?)</b>', mock) == [
        "Unknown number:",
        "You:",
        "Unknown number:",
    ]
    assert "Tap anything that looks wrong to mark it; tap again to unmark." in text
    assert '<legend class="sc-ask">Is it a scam or safe?</legend>' in text
    assert ">Scam</label>" in text and ">Safe</label>" in text


# -- taking a scenario with JavaScript off --------------------------------------------------


def test_scenario_without_javascript(app: Flask, client: FlaskClient) -> None:
    b = Browser(client)
    attempt_id = start(b)
    assert "Câu 1/7" in b.text
    # the verdict, one flag found, one missed, and the old balance notice marked wrongly
    answer(b, "scam", ["link", "cu"])
    assert b.response.history[0].status_code == 303
    assert b.url.endswith(f"/{attempt_id}/1")
    text = b.text
    assert not b.page.forms
    assert (
        '<p class="verdict verdict-right"><span aria-hidden="true">✓</span> Đúng rồi! '
        "Đây là lừa đảo.</p>"
    ) in text
    assert "<strong>Bạn đã chọn:</strong>\nLừa đảo</p>" in text
    mock = figure(text)
    assert mock.startswith('<figure class="sc sc-sms sc-reveal">')
    # every red flag outlined with its number and a word, not by colour alone
    assert '<span class="sc-p is-flag is-found"><b class="sc-num">⚠ 2</b>' in part(mock, "link")
    assert "✓ Bạn đã tìm thấy" in part(mock, "link")
    assert '<span class="sc-p is-flag is-missed"><b class="sc-num">⚠ 1</b>' in part(mock, "khoa")
    assert "Bạn bỏ sót" in part(mock, "khoa")
    assert '<span class="sc-p is-wrong"><b class="sc-num">✗</b>' in part(mock, "cu")
    assert "Chọn nhầm" in part(mock, "cu")
    assert "is-" not in part(mock, "sender")
    # the lists: found, missed, wrong taps, each with why
    assert '<p class="sc-count">Bạn tìm thấy 1/2 dấu hiệu lừa đảo.</p>' in text
    found = section(text, "✓ Bạn đã tìm thấy")
    assert "⚠ 2" in found and "Tin ngân hàng thật không có link." in found
    assert "vcb-xacthuc[.]top" in found
    missed = section(text, "Bạn bỏ sót")
    assert "⚠ 1" in missed and "Dọa khóa để bạn vội." in missed
    wrong = section(text, "✗ Chọn nhầm")
    assert "TK 012x: +500.000 VND" in wrong and "Chỗ này không phải dấu hiệu lừa đảo." in wrong
    assert "<h2>Giải thích</h2>" in text and "Đừng bấm link." in text

    stored = store_of(app).answers(attempt_id)["sms-khoa"]
    assert stored.choices == {"scam", "f:link", "f:cu"}
    assert stored.correct and stored.credit == 50  # 50 + 50 x max(0, 1 - 1) / 2

    b.click("Câu tiếp theo")
    answer(b, "scam", ["muon", "tk"])  # chat: both flags, nothing wrong
    assert '<p class="sc-count">Bạn tìm thấy 2/2 dấu hiệu lừa đảo.</p>' in b.text
    assert "Bạn bỏ sót" not in b.text and "Chọn nhầm" not in b.text
    b.click("Câu tiếp theo")
    answer(b, "safe", ["chuyen"])  # call: the wrong verdict
    assert "Chưa đúng. Đây là lừa đảo." in b.text
    b.click("Câu tiếp theo")
    answer(b, "scam", ["sender"])  # web: the address bar is a red flag
    assert "Thanh địa chỉ: bhxh[.]co" in section(b.text, "✓ Bạn đã tìm thấy")
    b.click("Câu tiếp theo")
    answer(b, "safe", ["tien"])  # payment: safe, one wrong tap
    assert "Đúng rồi! Đây là ví dụ an toàn." in b.text
    assert "Không có dấu hiệu lừa đảo: đây là ví dụ thật, an toàn." in b.text
    assert "Số tiền: 15.000.000 VND" in section(b.text, "✗ Chọn nhầm")
    b.click("Câu tiếp theo")
    answer(b, "scam", [])  # email: the verdict alone
    b.click("Câu tiếp theo")
    b.submit(choose=["Sai"])
    b.click("Xem kết quả")
    assert "Bạn trả lời đúng 6/7 câu" in b.text

    answers = store_of(app).answers(attempt_id)
    assert {k: (a.correct, a.credit) for k, a in answers.items()} == {
        "sms-khoa": (True, 50),
        "zalo-muon": (True, 100),
        "goi-cong-an": (False, 0),
        "web-bhxh": (True, 75),
        "chuyen-tien": (True, 75),
        "thu-qua": (True, 50),
        "dung-sai": (True, 100),
    }
    assert store_of(app).attempt(attempt_id).score == 6  # type: ignore[union-attr]


def test_result_page_reviews_scenarios(client: FlaskClient) -> None:
    b = Browser(client)
    start(b)
    for verdict, flags in [
        ("scam", ["link"]),
        ("scam", []),
        ("safe", []),
        ("scam", ["sender", "mk"]),
        ("safe", []),
        ("scam", ["anh"]),
    ]:
        answer(b, verdict, flags)
        b.click("Câu tiếp theo")
    b.submit(choose=["Sai"])
    b.click("Xem kết quả")
    text = b.text
    assert any("scenario.css" in url for url in b.page.assets)
    review = text.split('<ol class="review">')[1]
    items = review.split('<li class="reviewed')[1:]
    first = items[0]
    assert '<span class="sc-ex">Ví dụ minh họa</span> Tin nhắn SMS · Ngân hàng của bạn' in first
    assert "<strong>Bạn đã chọn:</strong>\nLừa đảo</p>" in first
    assert "<strong>Dấu hiệu lừa đảo:</strong> Bạn tìm thấy 1/2 dấu hiệu lừa đảo." in first
    assert "Dọa khóa để bạn vội." in first and "Tin ngân hàng thật không có link." in first
    assert "Tài khoản Zalo của cháu Hà nhắn cho bạn." in items[1]  # the context
    assert "Bạn tìm thấy" not in items[4]  # a safe example has no flags to count
    assert "Bạn tìm thấy" not in items[6]  # nor has a true/false question


def test_missing_verdict_keeps_the_marks(app: Flask, client: FlaskClient) -> None:
    b = Browser(client)
    attempt_id = start(b)
    answer(b, None, ["khoa", "link"])
    assert b.response.status_code == 400
    assert '<p class="alert" id="missing" role="alert">Hãy chọn một câu trả lời.</p>' in b.text
    form = b.page.forms[0]
    assert [f.value for f in form.options("flag") if f.checked] == ["khoa", "link"]
    assert store_of(app).answers(attempt_id) == {}
    b.submit(data=form.data({"choice": ["scam"]}))  # the marks are sent again
    stored = store_of(app).answers(attempt_id)["sms-khoa"]
    assert stored.choices == {"scam", "f:khoa", "f:link"} and stored.credit == 100


def test_resubmitting_keeps_the_first_answer(app: Flask, client: FlaskClient) -> None:
    b = Browser(client)
    attempt_id = start(b)
    form = b.page.forms[0]
    answer(b, "safe", [])
    response = form.submit(client, b.url, data=form.data({"choice": ["scam"], "flag": ["link"]}))
    assert response.status_code == 303
    stored = store_of(app).answers(attempt_id)["sms-khoa"]
    assert stored.choices == {"safe"} and not stored.correct and stored.credit == 0


# -- forged input -------------------------------------------------------------------------


@pytest.fixture
def started(client: FlaskClient) -> tuple[Browser, str]:
    b = Browser(client)
    attempt_id = start(b)
    return b, attempt_id


@pytest.mark.parametrize(
    ("n", "fields"),
    [
        (1, [("choice", "scam"), ("flag", "nope")]),  # no such part
        (1, [("choice", "scam"), ("flag", "link"), ("flag", "link")]),  # the same part twice
        (1, [("choice", "scam"), ("flag", "")]),
        (2, [("choice", "scam"), ("flag", "hoi")]),  # the resident's own words
        (1, [("choice", "maybe")]),  # not scam or safe
        (1, [("choice", "scam"), ("choice", "safe")]),
        (1, [("choice", "f:link")]),  # a stored key sent as a verdict
        (1, [("choice", "a")]),
        (7, [("choice", "false"), ("flag", "sender")]),  # flags on a true/false question
        (8, [("choice", "scam")]),
    ],
)
def test_forged_answers_are_refused(
    app: Flask, started: tuple[Browser, str], n: int, fields: list[tuple[str, str]]
) -> None:
    b, attempt_id = started
    response = b.client.post(f"/q/{QUIZ}/a/{attempt_id}/{n}", data=MultiDict(fields))
    assert response.status_code == 400
    assert f"<h1>{TITLE_400}</h1>" in response.get_data(as_text=True)
    assert store_of(app).answers(attempt_id) == {}


def test_marks_on_a_finished_attempt_are_refused(app: Flask, started: tuple[Browser, str]) -> None:
    b, attempt_id = started
    store = store_of(app)
    with store.engine.begin() as conn:
        conn.execute(
            attempts.update()
            .where(attempts.c.id == attempt_id)
            .values(finished_at=utcnow(), score=0)
        )
    data = MultiDict([("choice", "scam"), ("flag", "link")])
    assert b.client.post(f"/q/{QUIZ}/a/{attempt_id}/1", data=data).status_code == 400
    assert store.answers(attempt_id) == {}


# -- small screens and weight -------------------------------------------------------------


def test_scenario_page_weighs_under_30_kb(client: FlaskClient) -> None:
    b = Browser(client)
    start(b)
    for n in CHANNELS:
        b.get(b.url.rsplit("/", 1)[0] + f"/{n}")
        total = len(b.response.data)
        assets = [u for u in b.page.assets if not u.startswith("data:")]
        assert any("scenario.css" in u for u in assets)
        for url in assets:
            asset = client.get(url)
            assert asset.status_code == 200, url
            total += len(asset.data)
        assert total < 30 * 1024, n
        assert not [u for u in b.page.all_urls if other_host(u)]
        assert not re.search(r"<script(?![^>]*\bsrc=)", b.text)  # no inline script
        assert "<style" not in b.text and "style=" not in b.text


def test_other_pages_do_not_load_the_scenario_styles(client: FlaskClient) -> None:
    b = Browser(client)
    start(b)
    b.get(b.url.rsplit("/", 1)[0] + "/7")  # the true/false question
    assert not any("scenario.css" in u for u in b.page.assets)
    b.get("/")
    assert not any("scenario.css" in u for u in b.page.assets)


def test_markup_fits_a_360_px_screen(client: FlaskClient) -> None:
    text = open_question(client, 4)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert "<table" not in figure(text)
    css = (Path(__file__).parents[1] / "static" / "scenario.css").read_text(encoding="utf-8")
    # nothing wider than a 360 px phone: no fixed widths in pixels, no nowrap on message text
    assert not re.findall(r"(?:^|[;{\s])(?:min-)?width:\s*\d{3,}px", css)
    assert not re.search(r"\.sc-(?:msg|v|p)\s*\{[^}]*white-space:\s*nowrap", css)
    assert "overflow-wrap: anywhere" in css  # long fake addresses wrap
    # every control has a label, and the label of a mark is the part itself (the tap target)
    form = parse(text).forms[0]
    for f in form.options("flag") + form.options("choice"):
        assert f.label, f
    assert form.options("flag")[-1].label.startswith("Mật khẩu ngân hàng (ô để nhập)")


# -- the macros, as live sessions and other pages use them ----------------------------------


def render_macro(app: Flask, source: str, n: int, lang: str = "vi") -> str:
    with app.test_request_context(f"/?lang={lang}"):
        question = get_catalog().quizzes[QUIZ].questions[n - 1]
        return render_template_string(
            '{% from "_scenario.html" import mock, flag_list, verdict_line, red_flags %}' + source,
            question=question,
        )


def test_view_mode_is_the_message_only(app: Flask) -> None:
    html = render_macro(app, "{{ mock(question) }}", 1)
    assert html.lstrip().startswith('<figure class="sc sc-sms sc-view">')
    assert "<input" not in html and "<label" not in html and "sc-num" not in html
    assert "Tài khoản của quý khách sẽ bị khóa trong 24 giờ." in html


def test_reveal_mode_numbers_every_flag_for_a_projector(app: Flask) -> None:
    html = render_macro(app, '{{ mock(question, "reveal") }}{{ flag_list(question) }}', 3)
    assert html.count('class="sc-p is-flag"') == 2
    assert "is-found" not in html and "is-missed" not in html and "sc-tag" not in html
    assert '<b class="sc-num">⚠ 1</b> <span class="sc-v">Anh phải chuyển tiền' in html
    items = re.findall(r"<li>(.*?)</li>", html, re.S)
    assert len(items) == 2
    assert "⚠ 2" in items[1] and "Bắt giữ bí mật là dấu hiệu lừa đảo." in items[1]
    assert "<h2>Dấu hiệu lừa đảo</h2>" in html


def test_verdict_line_and_safe_example(app: Flask) -> None:
    assert render_macro(app, "{{ verdict_line(question) }}", 1) == "Đây là lừa đảo."
    assert render_macro(app, "{{ verdict_line(question) }}", 5, "en") == "This is a safe example."
    html = render_macro(app, "{{ flag_list(question) }}{{ red_flags(question) }}", 5, "en")
    assert "No red flags: this is a genuine example." in html and "<ol" not in html
