"""The results aggregates, in SQL, on SQLite and on PostgreSQL: the same known attempts give
the same figures on both; periods are local days (UTC+7); weeks are cut in SQL."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from results_data import RIGHT, SPECS, Spec, fill, rows

from canhgiac.results import queries
from canhgiac.results.discrimination import ItemSums, item_rest_correlation
from canhgiac.results.period import MAX_DAYS, Period, PeriodError, parse_period
from canhgiac.results.queries import Totals, percent
from canhgiac.store import Store

PERIOD = Period(date(2026, 11, 1), date(2026, 11, 28))


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    store.upgrade()
    fill(store)
    yield store
    store.dispose()


@pytest.fixture
def conn(store: Store) -> Iterator[sa.Connection]:
    with store.engine.connect() as conn:
        yield conn


# -- the period ---------------------------------------------------------------------------


def test_period_bounds_are_local_days_in_utc() -> None:
    assert PERIOD.start == datetime(2026, 10, 31, 17, 0)
    assert PERIOD.end == datetime(2026, 11, 28, 17, 0)
    assert PERIOD.days == 28
    assert [(w.index, w.first, w.last) for w in PERIOD.weeks()] == [
        (0, date(2026, 11, 1), date(2026, 11, 7)),
        (1, date(2026, 11, 8), date(2026, 11, 14)),
        (2, date(2026, 11, 15), date(2026, 11, 21)),
        (3, date(2026, 11, 22), date(2026, 11, 28)),
    ]
    short = Period(date(2026, 11, 1), date(2026, 11, 9))
    assert [(w.first, w.last) for w in short.weeks()] == [
        (date(2026, 11, 1), date(2026, 11, 7)),
        (date(2026, 11, 8), date(2026, 11, 9)),
    ]
    assert Period(date(2026, 1, 1), date(2026, 1, 1), utc_offset_hours=0).start == datetime(
        2026, 1, 1
    )


def test_parse_period_defaults_and_errors() -> None:
    today = date(2026, 11, 28)
    assert parse_period({}, today=today) == Period(date(2026, 10, 30), today)
    assert parse_period({"from": "2026-11-01"}, today=today) == Period(date(2026, 11, 1), today)
    assert parse_period({"to": "2026-11-10"}, today=today) == Period(
        date(2026, 10, 12), date(2026, 11, 10)
    )
    assert parse_period({"from": " 2026-11-01 ", "to": "2026-11-01"}, today=today).days == 1
    for bad in (
        {"from": "01/11/2026"},
        {"from": "2026-11-31"},
        {"from": "20261101"},
        {"from": "2026-W44-1"},
        {"to": "yesterday"},
        {"from": "2026-11-02", "to": "2026-11-01"},
        {"from": "2020-01-01", "to": "2026-01-01"},
    ):
        with pytest.raises(PeriodError):
            parse_period(bad, today=today)
    longest = Period(date(2024, 1, 1), date(2025, 12, 31))
    assert longest.days == MAX_DAYS
    assert len(longest.weeks()) == 105


def test_percent_rounds_half_up_exactly() -> None:
    assert percent(1, 8) == 13  # 12.5
    assert percent(3, 8) == 38  # 37.5
    assert percent(2, 3) == 67
    assert percent(1, 3) == 33
    assert percent(0, 5) == 0
    assert percent(5, 5) == 100
    assert percent(1, 0) is None


# -- totals -------------------------------------------------------------------------------


def test_quiz_totals(conn: sa.Connection) -> None:
    assert queries.quiz_totals(conn, PERIOD) == {
        # started, finished, right answers and questions of the finished attempts
        "demo-otp": Totals(9, 8, 14, 24),
        "demo-qr": Totals(6, 6, 8, 12),
    }
    assert queries.quiz_totals(conn, PERIOD)["demo-otp"].average == 58
    assert queries.total(queries.quiz_totals(conn, PERIOD).values()) == Totals(15, 14, 22, 36)


def test_local_days_decide_the_period(conn: sa.Connection) -> None:
    # A1 started 2026-11-01 06:30 local, which is still 31 October in UTC: it counts.
    first_day = Period(date(2026, 11, 1), date(2026, 11, 1))
    assert queries.quiz_totals(conn, first_day) == {"demo-otp": Totals(1, 1, 3, 3)}
    # O1 started 31 October 23:00 local; O2 29 November 05:00 local (28 November in UTC).
    assert queries.quiz_totals(conn, Period(date(2026, 10, 31), date(2026, 10, 31))) == {
        "demo-otp": Totals(1, 1, 3, 3)
    }
    assert queries.quiz_totals(conn, Period(date(2026, 11, 29), date(2026, 11, 29))) == {
        "demo-otp": Totals(1, 1, 3, 3)
    }
    # In UTC (offset 0) the same attempt A1 falls on 31 October.
    utc = Period(date(2026, 10, 31), date(2026, 10, 31), utc_offset_hours=0)
    assert queries.quiz_totals(conn, utc)["demo-otp"].started == 2
    assert queries.quiz_totals(conn, Period(date(2027, 1, 1), date(2027, 1, 31))) == {}


def test_weekly_totals_cut_in_sql(conn: sa.Connection) -> None:
    assert queries.weekly_totals(conn, PERIOD) == {
        0: Totals(6, 6, 12, 18),  # A1 (Sunday 06:30) to A6 (Saturday 23:50)
        1: Totals(3, 2, 2, 6),  # A7 (Sunday 00:10), A8, A9 (unfinished)
        3: Totals(6, 6, 8, 12),
    }
    # A period starting on another day moves the weeks with it.
    later = Period(date(2026, 11, 5), date(2026, 11, 25))
    assert queries.weekly_totals(conn, later) == {
        0: Totals(5, 4, 4, 12),  # A5, A6, A7, A8, A9 (5-11 November)
        2: Totals(4, 4, 6, 8),  # B1-B4 (19-25 November)
    }


def test_week_boundaries_to_the_second(store: Store) -> None:
    """Attempts a second either side of a week boundary, with fractions of a second."""
    specs = (
        Spec("E1", "demo-qr", "edge", datetime(2026, 12, 7, 23, 59, 59, 999999), ("true",)),
        Spec("E2", "demo-qr", "edge", datetime(2026, 12, 8, 0, 0, 0), ("true",)),
        Spec("E3", "demo-qr", "edge", datetime(2026, 12, 8, 0, 0, 0, 500000), ("true",)),
        Spec("E4", "demo-qr", "edge", datetime(2026, 12, 14, 23, 59, 59, 500000), ("true",)),
        Spec("E5", "demo-qr", "edge", datetime(2026, 12, 1, 0, 0, 0), ("true",)),
        Spec("E6", "demo-qr", "edge", datetime(2026, 11, 30, 23, 59, 59, 900000), ("true",)),
    )
    fill(store, specs)
    december = Period(date(2026, 12, 1), date(2026, 12, 14))
    with store.engine.connect() as conn:
        weeks = queries.weekly_totals(conn, december)
    assert {w: t.started for w, t in weeks.items()} == {0: 2, 1: 3}


def test_source_totals(conn: sa.Connection) -> None:
    assert queries.source_totals(conn, PERIOD) == {
        "cho-a": Totals(6, 6, 12, 18),
        "cho-b": Totals(3, 2, 2, 6),
        "to-roi": Totals(5, 5, 7, 10),
        None: Totals(1, 1, 1, 2),
    }
    assert queries.source_quiz_totals(conn, PERIOD) == {
        ("cho-a", "demo-otp"): Totals(6, 6, 12, 18),
        ("cho-b", "demo-otp"): Totals(3, 2, 2, 6),
        ("to-roi", "demo-qr"): Totals(5, 5, 7, 10),
        (None, "demo-qr"): Totals(1, 1, 1, 2),
    }


# -- questions ----------------------------------------------------------------------------


def _in_period(spec: Spec) -> bool:
    return spec.name[0] in "AB"


def _expected_sums(quiz: str, question: str) -> ItemSums:
    """The discrimination sums worked out in Python from the specs."""
    order = list(RIGHT[quiz])
    xs, ys = [], []
    for spec in SPECS:
        if spec.quiz != quiz or not _in_period(spec) or len(spec.given) < len(order):
            continue
        marks = [RIGHT[quiz][q] == given for q, given in zip(order, spec.given, strict=True)]
        x = int(marks[order.index(question)])
        xs.append(x)
        ys.append(sum(marks) - x)
    return ItemSums(
        len(xs), sum(xs), sum(ys), sum(x * y for x, y in zip(xs, ys, strict=True)),
        sum(y * y for y in ys),
    )  # fmt: skip


def test_question_stats(conn: sa.Connection) -> None:
    stats = queries.question_stats(conn, PERIOD, "demo-otp")
    assert {q: (s.answered, s.right, s.share_right) for (_quiz, q), s in stats.items()} == {
        "goi-dien": (9, 7, 78),
        "dau-hieu": (8, 3, 38),
        "dung-sai": (8, 4, 50),
    }
    for (quiz, question), s in stats.items():
        assert quiz == "demo-otp"
        assert s.sums == _expected_sums(quiz, question)
    everything = queries.question_stats(conn, PERIOD)
    assert set(everything) == {
        ("demo-otp", "goi-dien"),
        ("demo-otp", "dau-hieu"),
        ("demo-otp", "dung-sai"),
        ("demo-qr", "ten"),
        ("demo-qr", "ma-la"),
    }
    assert (everything[("demo-qr", "ten")].answered, everything[("demo-qr", "ten")].right) == (6, 6)
    assert everything[("demo-qr", "ma-la")].share_right == 33


def test_discrimination_matches_pearson(conn: sa.Connection) -> None:
    """The index from the SQL sums equals statistics.correlation on the same numbers."""
    stats = queries.question_stats(conn, PERIOD, "demo-otp")
    order = list(RIGHT["demo-otp"])
    finished = [s for s in SPECS if s.quiz == "demo-otp" and _in_period(s) and len(s.given) == 3]
    for question in order:
        marks = [
            [RIGHT["demo-otp"][q] == g for q, g in zip(order, s.given, strict=True)]
            for s in finished
        ]
        xs = [float(m[order.index(question)]) for m in marks]
        ys = [float(sum(m) - m[order.index(question)]) for m in marks]
        r = item_rest_correlation(stats[("demo-otp", question)].sums)
        assert r == pytest.approx(statistics.correlation(xs, ys))
    assert round(item_rest_correlation(stats[("demo-otp", "dau-hieu")].sums), 2) == 0.47
    assert round(item_rest_correlation(stats[("demo-otp", "goi-dien")].sums), 2) == -0.06
    # Everyone right: undefined.
    everything = queries.question_stats(conn, PERIOD)
    assert item_rest_correlation(everything[("demo-qr", "ten")].sums) is None


def test_item_rest_correlation_edges() -> None:
    assert item_rest_correlation(ItemSums()) is None
    assert item_rest_correlation(ItemSums(1, 1, 2, 2, 4)) is None
    # x = 1, 1, 0, 0 with y = 3, 3, 0, 0: a perfect separation
    assert item_rest_correlation(ItemSums(4, 2, 6, 6, 18)) == pytest.approx(1.0)
    # x = 1, 1, 0, 0 with y = 0, 0, 3, 3: perfectly backwards
    assert item_rest_correlation(ItemSums(4, 2, 6, 0, 18)) == pytest.approx(-1.0)
    # every rest score the same
    assert item_rest_correlation(ItemSums(4, 2, 8, 4, 16)) is None


def test_wrong_choices(conn: sa.Connection) -> None:
    wrong = queries.wrong_choices(conn, PERIOD, "demo-otp")
    assert wrong == {
        ("demo-otp", "goi-dien"): [(frozenset("b"), 1), (frozenset("c"), 1)],
        ("demo-otp", "dau-hieu"): [
            (frozenset("a"), 3),
            (frozenset({"a", "c"}), 1),
            (frozenset("c"), 1),
        ],
        ("demo-otp", "dung-sai"): [(frozenset({"true"}), 4)],
    }
    assert queries.wrong_choices(conn, PERIOD)[("demo-qr", "ma-la")] == [(frozenset("b"), 4)]
    assert ("demo-qr", "ten") not in queries.wrong_choices(conn, PERIOD)


def test_rows_match_the_specs() -> None:
    """The builder itself: scores and finishing follow the demo content's right answers."""
    attempt_rows, answer_rows = rows()
    by_id = {r["id"]: r for r in attempt_rows}
    assert by_id["A1"]["score"] == 3
    assert by_id["A9"]["finished_at"] is None
    assert by_id["B6"]["src"] is None
    assert len(answer_rows) == sum(len(s.given) for s in SPECS)


def test_wrong_scenario_answers_count_by_verdict_not_by_parts_tapped(store: Store) -> None:
    a = store.create_attempt("scam-or-safe", lang="vi", src=None, question_count=5)
    taps = (["safe"], ["safe", "f:link"], ["safe", "f:link", "f:otp"], ["scam"], ["scam", "f:x"])
    for i, keys in enumerate(taps):
        store.record_answer(a.id, f"s{i}", position=i + 1, choices=keys, correct=False, credit=0)
    with store.engine.connect() as conn:
        today = date.today()
        wrong = queries.wrong_choices(
            conn, Period(today - timedelta(days=2), today + timedelta(days=2))
        )
    # Each question got one wrong answer; its tapped parts do not split it.
    assert wrong[("scam-or-safe", "s1")] == [(frozenset({"safe"}), 1)]
    assert wrong[("scam-or-safe", "s2")] == [(frozenset({"safe"}), 1)]
    assert wrong[("scam-or-safe", "s4")] == [(frozenset({"scam"}), 1)]
