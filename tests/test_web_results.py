"""The trainer's results pages: every figure of a known set of attempts on the pages (parsed
HTML) and in the CSV files, small numbers hidden, periods, access for trainers only."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from results_data import EXPECTED, FROM, TO, Spec, fill

from canhgiac.live import auth, service
from canhgiac.live.tables import live_sessions
from canhgiac.results.privacy import MIN_ATTEMPTS, Cell, cell, show
from canhgiac.store import Store, get_store

from forms import Browser, parse

QUERY = f"?from={FROM}&to={TO}"
MASKED = "dưới 5"


# -- helpers ------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Tables by id: the header row, then each row, as whitespace-normalised cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self.figures: dict[str, str] = {}
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._dt: list[str] | None = None
        self._dd: list[str] | None = None
        self._last_dt = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id"):
            self._table = self.tables.setdefault(str(a["id"]), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag == "dt":
            self._dt = []
        elif tag == "dd":
            self._dd = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._table is not None and self._cell is not None:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "dt" and self._dt is not None:
            self._last_dt = " ".join("".join(self._dt).split())
            self._dt = None
        elif tag == "dd" and self._dd is not None:
            self.figures[self._last_dt] = " ".join("".join(self._dd).split())
            self._dd = None

    def handle_data(self, data: str) -> None:
        for part in (self._cell, self._dt, self._dd):
            if part is not None:
                part.append(data)


def tables_of(html: str) -> _Tables:
    parser = _Tables()
    parser.feed(html)
    parser.close()
    return parser


def body(table: list[list[str]]) -> list[tuple[str, ...]]:
    return [tuple(row) for row in table[1:]]


def csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def svgs(html: str) -> list[ElementTree.Element]:
    found = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    return [ElementTree.fromstring(svg) for svg in found]


def item_titles(svg: ElementTree.Element) -> list[str]:
    """The tooltip of each bar, column or point: "label: figure"."""
    ns = "{http://www.w3.org/2000/svg}"
    return ["".join(g.find(f"{ns}title").itertext()) for g in svg.iter(f"{ns}g")]


def log_in(app: Flask, client: FlaskClient, name: str = "lan") -> auth.Trainer:
    with app.app_context():
        trainer = auth.add_trainer(get_store().engine, name, "mật khẩu dài 123")
    with client.session_transaction() as session:
        session[auth.SESSION_KEY] = [trainer.id, trainer.fingerprint]
    return trainer


@pytest.fixture
def store(app: Flask) -> Store:
    with app.app_context():
        store = get_store()
    fill(store)
    return store


@pytest.fixture
def trainer(app: Flask, client: FlaskClient, store: Store) -> auth.Trainer:
    return log_in(app, client)


def get(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


# -- access -------------------------------------------------------------------------------

URLS = [
    "/trainer/results",
    "/trainer/results/topics.csv",
    "/trainer/results/weeks.csv",
    "/trainer/results/quizzes.csv",
    "/trainer/results/q/demo-otp",
    "/trainer/results/q/demo-otp/questions.csv",
    "/trainer/results/sources",
    "/trainer/results/sources.csv",
    "/trainer/results/sources-quizzes.csv",
    "/trainer/results/report.pdf",
]


@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitors_are_sent_to_the_login(
    client: FlaskClient, store: Store, url: str
) -> None:
    response = client.get(url + QUERY)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/t/login?next=")
    assert "Thanh toán" not in response.get_data(as_text=True)


def test_a_forged_or_stale_login_is_refused(app: Flask, client: FlaskClient, store: Store) -> None:
    trainer = log_in(app, client)
    with client.session_transaction() as session:
        session[auth.SESSION_KEY] = [trainer.id, "0" * 16]
    assert client.get("/trainer/results").status_code == 302


def test_log_in_through_the_login_page(app: Flask, client: FlaskClient, store: Store) -> None:
    with app.app_context():
        auth.add_trainer(get_store().engine, "lan", "mật khẩu dài 123")
    b = Browser(client)
    b.get("/trainer/results" + QUERY)
    assert b.url.startswith("/t/login")
    form = b.page.forms[0]
    data = form.data()
    data["name"] = "lan"
    data["password"] = "mật khẩu dài 123"
    b.submit(data=data)
    b.get("/trainer/results" + QUERY)
    assert b.url == "/trainer/results" + QUERY
    assert "<h1>Kết quả</h1>" in b.text


# -- the overview -------------------------------------------------------------------------


def test_overview_shows_every_figure(client: FlaskClient, trainer: auth.Trainer) -> None:
    html = get(client, "/trainer/results" + QUERY)
    found = tables_of(html)
    started, finished, average = EXPECTED["summary"]
    assert found.figures == {
        "Lượt làm bài đã bắt đầu": started,
        "Lượt làm bài đã hoàn thành": finished,
        "Điểm trung bình": average,
    }
    assert found.tables["topics"][0] == [
        "Chủ đề",
        "Lượt làm bài đã bắt đầu",
        "Lượt làm bài đã hoàn thành",
        "Điểm trung bình (%)",
    ]
    assert body(found.tables["topics"]) == EXPECTED["topics"]
    assert body(found.tables["weeks"]) == EXPECTED["weeks"]
    assert body(found.tables["quizzes"]) == EXPECTED["quizzes"]
    # links to each quiz's page keep the period
    page = parse(html)
    assert page.link("Bạn có giữ được mã OTP?") == "/trainer/results/q/demo-otp" + QUERY
    assert page.link("Theo nguồn") == "/trainer/results/sources" + QUERY
    assert page.link("PDF") == "/trainer/results/report.pdf" + QUERY
    assert "Các con số tính từ dưới 5 lượt làm bài không được hiển thị" in html


def test_overview_charts_carry_the_figures(client: FlaskClient, trainer: auth.Trainer) -> None:
    html = get(client, "/trainer/results" + QUERY)
    charts = svgs(html)
    assert len(charts) == 3
    ns = "{http://www.w3.org/2000/svg}"
    for svg in charts:
        assert svg.get("role") == "img"
        assert svg.find(f"{ns}title") is not None
        assert svg.find(f"{ns}desc") is not None
    texts = [["".join(t.itertext()) for t in svg.iter(f"{ns}text")] for svg in charts]
    assert {"58%", "67%", "Thanh toán an toàn", "Lừa đảo trực tuyến"} <= set(texts[0])
    assert texts[0][0] == "Điểm trung bình theo chủ đề (%)"
    assert texts[1][0] == "Lượt làm bài bắt đầu mỗi tuần"
    assert MASKED in texts[1]  # written where the hidden week's column would be
    weeks = [f"{label}: {started}" for label, started, _f, _a in EXPECTED["weeks"]]
    assert item_titles(charts[1]) == weeks
    averages = [f"{label}: {average}" for label, _s, _f, average in EXPECTED["weeks"]]
    assert item_titles(charts[2]) == [averages[0], averages[3]]  # shown weeks only
    assert item_titles(charts[0]) == ["Thanh toán an toàn: 58%", "Lừa đảo trực tuyến: 67%"]


def test_overview_csv_files(client: FlaskClient, trainer: auth.Trainer) -> None:
    response = client.get("/trainer/results/topics.csv" + QUERY)
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="canhgiac-topics-2026-11-01_2026-11-28.csv"'
    )
    assert csv_rows(response.data) == [
        ["Chủ đề", "Lượt làm bài đã bắt đầu", "Lượt làm bài đã hoàn thành", "Điểm trung bình (%)"],
        ["Thanh toán an toàn", "9", "8", "58"],
        ["Lừa đảo trực tuyến", "6", "6", "67"],
    ]
    weeks = csv_rows(client.get("/trainer/results/weeks.csv" + QUERY).data)
    assert weeks[1:] == [[label, s, f, a.rstrip("%")] for label, s, f, a in EXPECTED["weeks"]]
    quizzes = csv_rows(client.get("/trainer/results/quizzes.csv" + QUERY).data)
    assert quizzes[0] == [
        "Trắc nghiệm",
        "Chủ đề",
        "Lượt làm bài đã bắt đầu",
        "Lượt làm bài đã hoàn thành",
        "Điểm trung bình (%)",
    ]
    assert quizzes[1:] == [[*row[:-1], row[-1].rstrip("%")] for row in EXPECTED["quizzes"]]


def test_english(client: FlaskClient, trainer: auth.Trainer) -> None:
    html = get(client, "/trainer/results" + QUERY + "&lang=en")
    found = tables_of(html)
    assert found.figures == {
        "Quizzes started": "15",
        "Quizzes finished": "14",
        "Average score": "61%",
    }
    assert body(found.tables["weeks"])[1] == (
        "08/11/2026 – 14/11/2026",
        "fewer than 5",
        "fewer than 5",
        "fewer than 5",
    )
    rows = csv_rows(client.get("/trainer/results/sources.csv" + QUERY).data)
    assert rows[0] == ["Source label", "Quizzes started", "Quizzes finished", "Average score (%)"]
    assert rows[-1] == ["(no label)", "fewer than 5", "fewer than 5", "fewer than 5"]


# -- one quiz -----------------------------------------------------------------------------

QUESTIONS = [
    # #, question, answers, right, most chosen wrong answer, its share, discrimination, review
    (
        "1",
        "Một người tự xưng nhân viên ngân hàng gọi và hỏi mã OTP. Bạn làm gì?",
        "9",
        "78%",
        MASKED,
        MASKED,
        "-0,06",
        "người có kết quả tốt lại sai câu này nhiều hơn người có kết quả kém",
    ),
    ("2", "Dấu hiệu nào là lừa đảo?", "8", "38%", "Hỏi mã OTP", "60%", "0,47", ""),
    ("3", "Ngân hàng có thể gọi điện hỏi mã OTP.", "8", "50%", MASKED, MASKED, "0,00", ""),
]


def test_quiz_page_question_by_question(client: FlaskClient, trainer: auth.Trainer) -> None:
    html = get(client, "/trainer/results/q/demo-otp" + QUERY)
    found = tables_of(html)
    assert found.figures == {
        "Lượt làm bài đã bắt đầu": "9",
        "Lượt làm bài đã hoàn thành": "8",
        "Điểm trung bình": "58%",
    }
    assert body(found.tables["questions"]) == QUESTIONS
    assert "1 câu hỏi cần xem lại." in html
    texts = ["".join(t.itertext()) for t in svgs(html)[0].iter("{http://www.w3.org/2000/svg}text")]
    assert {"Câu 1", "Câu 2", "Câu 3", "78%", "38%", "50%"} <= set(texts)

    rows = csv_rows(client.get("/trainer/results/q/demo-otp/questions.csv" + QUERY).data)
    assert rows[0] == [
        "#",
        "Câu hỏi",
        "Số câu trả lời",
        "Trả lời đúng (%)",
        "Đáp án sai được chọn nhiều nhất",
        "Tỉ lệ trong các câu trả lời sai (%)",
        "Chỉ số phân loại",
        "Cần xem lại",
    ]
    assert rows[1:] == [
        [n, q, a, r.rstrip("%"), w, s.rstrip("%"), d.replace(",", "."), flag]
        for n, q, a, r, w, s, d, flag in QUESTIONS
    ]


def test_quiz_page_flags_questions_almost_everyone_gets_right(
    client: FlaskClient, trainer: auth.Trainer
) -> None:
    found = tables_of(get(client, "/trainer/results/q/demo-qr" + QUERY))
    assert body(found.tables["questions"]) == [
        # everyone right: no wrong answer, no discrimination index
        ("1", "Nên kiểm tra tên người nhận trước khi chuyển.", "6", "100%", "—", "—", "—",
         "hầu như ai cũng trả lời đúng"),
        # 4 wrong answers: the wrong answer is hidden
        # every finished attempt got question 1 right: rest scores all equal, no index
        ("2", "Bạn nhận được mã QR lạ trong tin nhắn. Bạn làm gì?", "6", "33%", MASKED, MASKED,
         "—", ""),
    ]  # fmt: skip


def test_quiz_page_flags_questions_almost_everyone_gets_wrong(
    app: Flask, client: FlaskClient, trainer: auth.Trainer
) -> None:
    with app.app_context():
        store = get_store()
    december = tuple(
        Spec(f"D{i}", "demo-qr", "cho-c", datetime(2026, 12, 1, 9, i), ("false", "b"))
        for i in range(10)
    )
    fill(store, december)
    found = tables_of(get(client, "/trainer/results/q/demo-qr?from=2026-12-01&to=2026-12-01"))
    assert body(found.tables["questions"]) == [
        ("1", "Nên kiểm tra tên người nhận trước khi chuyển.", "10", "0%", "Sai", "100%", "—",
         "hầu như ai cũng trả lời sai"),
        ("2", "Bạn nhận được mã QR lạ trong tin nhắn. Bạn làm gì?", "10", "0%", "Quét thử",
         "100%", "—", "hầu như ai cũng trả lời sai"),
    ]  # fmt: skip


def test_unknown_quiz(client: FlaskClient, trainer: auth.Trainer) -> None:
    get(client, "/trainer/results/q/no-such-quiz" + QUERY, 404)
    get(client, "/trainer/results/q/no-such-quiz/questions.csv" + QUERY, 404)
    get(client, "/trainer/results/q/Bad_Id" + QUERY, 404)


def test_a_quiz_gone_from_the_content_keeps_its_attempts(
    app: Flask, client: FlaskClient, trainer: auth.Trainer
) -> None:
    with app.app_context():
        store = get_store()
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE attempts SET quiz_id = 'old-quiz' WHERE quiz_id = 'demo-qr'"))
    found = tables_of(get(client, "/trainer/results" + QUERY))
    assert body(found.tables["topics"]) == [
        ("Thanh toán an toàn", "9", "8", "58%"),
        ("Bài trắc nghiệm không còn trong nội dung", "6", "6", "67%"),
        ("Lừa đảo trực tuyến", "0", "0", "—"),  # no attempts left for demo-qr
    ]
    assert body(found.tables["quizzes"])[1:] == [
        ("Mã QR", "Lừa đảo trực tuyến", "0", "0", "—"),
        ("old-quiz", "Bài trắc nghiệm không còn trong nội dung", "6", "6", "67%"),
    ]
    quiz = tables_of(get(client, "/trainer/results/q/old-quiz" + QUERY))
    assert [row[1] for row in body(quiz.tables["questions"])] == ["ma-la", "ten"]


# -- sources ------------------------------------------------------------------------------


def test_sources_page_and_csv(client: FlaskClient, trainer: auth.Trainer) -> None:
    html = get(client, "/trainer/results/sources" + QUERY)
    found = tables_of(html)
    assert body(found.tables["sources"]) == EXPECTED["sources"]
    assert body(found.tables["sources-quizzes"]) == EXPECTED["sources-quizzes"]
    assert item_titles(svgs(html)[0]) == [f"{row[0]}: {row[1]}" for row in EXPECTED["sources"]]

    rows = csv_rows(client.get("/trainer/results/sources.csv" + QUERY).data)
    assert rows[1:] == [[*row[:-1], row[-1].rstrip("%")] for row in EXPECTED["sources"]]
    rows = csv_rows(client.get("/trainer/results/sources-quizzes.csv" + QUERY).data)
    assert rows[0][:2] == ["Nhãn nguồn", "Trắc nghiệm"]
    assert rows[1:] == [[*row[:-1], row[-1].rstrip("%")] for row in EXPECTED["sources-quizzes"]]


# -- small numbers ------------------------------------------------------------------------


def test_a_period_with_fewer_than_five_attempts_hides_everything(
    client: FlaskClient, trainer: auth.Trainer
) -> None:
    query = "?from=2026-11-08&to=2026-11-14"  # A7, A8, A9 only
    found = tables_of(get(client, "/trainer/results" + query))
    assert found.figures == {
        "Lượt làm bài đã bắt đầu": MASKED,
        "Lượt làm bài đã hoàn thành": MASKED,
        "Điểm trung bình": MASKED,
    }
    # hidden averages do not decide the order: topics keep their usual order
    assert body(found.tables["topics"]) == [
        ("Lừa đảo trực tuyến", "0", "0", "—"),
        ("Thanh toán an toàn", MASKED, MASKED, MASKED),
    ]
    quiz = tables_of(get(client, "/trainer/results/q/demo-otp" + query))
    for row in body(quiz.tables["questions"]):
        assert row[2:7] == (MASKED,) * 5
        assert row[7] == ""  # no flag from hidden figures
    csv_text = client.get("/trainer/results/q/demo-otp/questions.csv" + query).data.decode()
    assert "1,Một người" in csv_text
    assert csv_text.count(MASKED) == 15
    sources = csv_rows(client.get("/trainer/results/sources.csv" + query).data)
    assert sources[1:] == [["cho-b", MASKED, MASKED, MASKED]]


def test_the_masking_helper(app: Flask) -> None:
    with app.test_request_context("/"):
        for base in range(1, MIN_ATTEMPTS):
            hidden = cell("percent", 50, base)
            assert hidden.masked and hidden.value is None
            assert show(hidden) == show(hidden, "csv") == "dưới 5"
            assert show(cell("count", base, base)) == "dưới 5"
        assert show(cell("count", 5, 5)) == "5"
        assert show(cell("count", 1234, 1234)) == "1.234"
        assert show(cell("count", 1234, 1234), "csv") == "1234"
        assert show(cell("count", 0, 0)) == "0"
        assert show(cell("percent", None, 0)) == "—"
        assert show(cell("percent", 67, 6)) == "67%"
        assert show(cell("percent", 67, 6), "csv") == "67"
        assert show(cell("index", -0.0612, 8)) == "-0,06"
        assert show(cell("index", 0.4714, 8), "csv") == "0.47"
        assert show(cell("text", "Hỏi mã OTP", 3)) == "dưới 5"
        assert show(Cell("text", "=1+1")) == "=1+1"
    with app.test_request_context("/?lang=en"):
        assert show(cell("count", 2, 2)) == "fewer than 5"
        assert show(cell("count", 1234, 1234)) == "1,234"
        assert show(cell("index", -0.0612, 8)) == "-0.06"


def test_csv_neutralises_formulas(app: Flask) -> None:
    from canhgiac.results.csv import table_csv
    from canhgiac.results.privacy import text_cell
    from canhgiac.results.tables import Column, Table

    table = Table(
        "t",
        "T",
        (Column("=title", numeric=False), Column("n")),
        ((text_cell("=HYPERLINK(1)"), cell("index", -0.5, 9)), (text_cell("@x"), Cell("count", 3))),
    )
    with app.test_request_context("/"):
        rows = list(csv.reader(io.StringIO(table_csv(table)[1:])))
    assert rows == [["'=title", "n"], ["'=HYPERLINK(1)", "-0.50"], ["'@x", "3"]]


# -- periods ------------------------------------------------------------------------------


def test_default_period_is_the_last_30_days(app: Flask, client: FlaskClient) -> None:
    log_in(app, client)
    with app.app_context():
        store = get_store()
    now = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=7)  # local time
    recent = tuple(
        Spec(f"R{i}", "demo-qr", "gan-day", now - timedelta(days=d), ("true", "a"))
        for i, d in enumerate((0, 1, 2, 3, 29, 31))
    )
    fill(store, recent)
    html = get(client, "/trainer/results")
    found = tables_of(html)
    assert found.figures["Lượt làm bài đã bắt đầu"] == "5"
    today = now.date()
    first = today - timedelta(days=29)
    assert f'name="from" type="date" value="{first.isoformat()}"' in html
    assert f'name="to" type="date" value="{today.isoformat()}"' in html
    assert '<strong aria-current="true">30 ngày qua</strong>' in html


@pytest.mark.parametrize(
    "query",
    [
        "?from=2026-11-31",
        "?from=01%2F11%2F2026",
        "?to=soon",
        "?from=2026-11-28&to=2026-11-01",
        "?from=2020-01-01&to=2026-01-01",
    ],
)
def test_bad_dates_give_a_400_page(client: FlaskClient, trainer: auth.Trainer, query: str) -> None:
    for url in ("/trainer/results", "/trainer/results/sources.csv", "/trainer/results/q/demo-otp"):
        html = get(client, url + query, 400)
        assert "<h1>Không dùng được những ngày này</h1>" in html
    html = get(client, "/trainer/results" + query + "&lang=en", 400)
    assert "<h1>These dates cannot be used</h1>" in html


def test_period_form_keeps_the_dates(client: FlaskClient, trainer: auth.Trainer) -> None:
    b = Browser(client)
    b.get("/trainer/results/sources" + QUERY)
    form = b.page.form("/trainer/results/sources")
    assert form.method == "get"
    data = form.data()
    assert (data["from"], data["to"]) == (FROM, TO)
    data["from"], data["to"] = "2026-11-22", "2026-11-28"
    b.submit("/trainer/results/sources", data=data)
    assert b.url == "/trainer/results/sources?from=2026-11-22&to=2026-11-28"
    assert body(tables_of(b.text).tables["sources"]) == [
        ("to-roi", "5", "5", "70%"),
        ("(không có nhãn)", MASKED, MASKED, MASKED),
    ]


# -- the pages themselves -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/trainer/results", "/trainer/results/q/demo-otp", "/trainer/results/sources"]
)
def test_pages_follow_the_content_security_policy(
    client: FlaskClient, trainer: auth.Trainer, url: str
) -> None:
    response = client.get(url + QUERY)
    html = response.get_data(as_text=True)
    assert "no-store" in response.headers["Cache-Control"]
    assert "<script" not in html
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert parse(html).assets[-1].startswith("/static/results.css?v=")


# -- live sessions ------------------------------------------------------------------------


def test_overview_links_the_trainers_live_sessions(
    app: Flask, client: FlaskClient, trainer: auth.Trainer
) -> None:
    with app.app_context():
        engine = get_store().engine
        other = auth.add_trainer(engine, "minh", "mật khẩu dài 456")
        before = service.create_session(
            engine, trainer_id=trainer.id, quiz_id="demo-otp", question_count=3, kind="before"
        )
        after = service.create_session(
            engine, trainer_id=trainer.id, quiz_id="demo-otp", question_count=3, kind="after"
        )
        outside = service.create_session(
            engine, trainer_id=trainer.id, quiz_id="demo-qr", question_count=2
        )
        theirs = service.create_session(
            engine, trainer_id=other.id, quiz_id="demo-qr", question_count=2
        )
    when = {
        before.id: datetime(2026, 11, 3, 2, 0),  # 09:00 local
        after.id: datetime(2026, 11, 3, 4, 0),  # 11:00 local
        outside.id: datetime(2026, 12, 3, 4, 0),
        theirs.id: datetime(2026, 11, 4, 4, 0),
    }
    with engine.begin() as conn:
        for session_id, created in when.items():
            conn.execute(
                live_sessions.update()
                .where(live_sessions.c.id == session_id)
                .values(created_at=created)
            )
    html = get(client, "/trainer/results" + QUERY)
    page = parse(html)
    reports = [link for link in page.links if "/t/s/" in link.href]
    assert [(link.href, link.text) for link in reports] == [
        (f"/t/s/{after.id}/report", "Báo cáo và so sánh trước/sau"),
        (f"/t/s/{before.id}/report", "Báo cáo buổi học"),
    ]
    assert "03/11/2026 11:00" in html
    # the links work for this trainer
    report = client.get(reports[0].href)
    assert report.status_code == 200
    assert "Trước và sau buổi tập huấn" in report.get_data(as_text=True)


def test_no_live_sessions(client: FlaskClient, trainer: auth.Trainer) -> None:
    html = get(client, "/trainer/results" + QUERY)
    assert "Bạn không tổ chức buổi học trực tiếp nào trong khoảng thời gian này." in html


def test_results_on_postgresql_too(database_url: str, app_config: dict[str, Any]) -> None:
    """The overview and a quiz page on both databases (the queries' own tests cover the rest)."""
    from canhgiac import create_app

    Store(database_url).upgrade()
    app_config["DATABASE_URL"] = database_url
    app = create_app(app_config)
    try:
        with app.app_context():
            fill(get_store())
        client = app.test_client()
        log_in(app, client)
        found = tables_of(get(client, "/trainer/results" + QUERY))
        assert tuple(found.figures.values()) == EXPECTED["summary"]
        assert body(found.tables["weeks"]) == EXPECTED["weeks"]
        quiz = tables_of(get(client, "/trainer/results/q/demo-otp" + QUERY))
        assert body(quiz.tables["questions"]) == QUESTIONS
        sources = tables_of(get(client, "/trainer/results/sources" + QUERY))
        assert body(sources.tables["sources"]) == EXPECTED["sources"]
    finally:
        app.extensions["canhgiac.store"].dispose()
