"""The tables of the results pages, built once per request from the queries.

The same `Table` objects (tables.py) are rendered on the pages, written to the CSV files and
printed in the PDF report, so the three always show the same figures. Every figure becomes a `Cell`
through privacy.cell() here, with the number of attempts it was computed from; nothing else
reaches a template or a file. Titles are translated when the tables are built (a request or
app context with Flask-Babel is needed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import sqlalchemy as sa
from flask_babel import gettext as _

from ..content.model import TOPICS, Catalog, Question, Text
from . import queries
from .discrimination import item_rest_correlation
from .period import Period, Week
from .privacy import MIN_ATTEMPTS, Cell, cell, text_cell
from .queries import QuestionStats, Totals
from .tables import ChartItem, Column, Overview, QuizResults, ReportData, SourceResults, Table

__all__ = [
    "ALMOST_ALL_RIGHT",
    "ALMOST_ALL_WRONG",
    "Column",
    "Overview",
    "QuizResults",
    "ReportData",
    "SourceResults",
    "Table",
    "overview",
    "quiz_results",
    "report_data",
    "source_results",
]

#: A question answered right by this share or more is flagged: almost everyone gets it.
ALMOST_ALL_RIGHT = 0.90
#: A question answered right by this share or less is flagged: almost everyone misses it.
ALMOST_ALL_WRONG = 0.10
#: Source labels listed one by one in the PDF report; the others are added up in one row.
REPORT_SOURCES = 8
#: Questions listed in the PDF report as the ones most often answered wrong.
REPORT_QUESTIONS = 3

#: The topic key of quizzes that are no longer in the content (attempts remain).
GONE = ""

Link = Callable[[str], str | None]


def translate(value: Text) -> str:
    """A content text in the page's language (imported late: canhgiac.web imports this)."""
    from ..web.i18n import translate as web_translate

    return web_translate(value)


def topic_name(topic: str) -> str:
    from ..web.i18n import topic_name as web_topic_name

    return web_topic_name(topic)


# -- helpers ------------------------------------------------------------------------------


def _totals_columns() -> tuple[Column, Column, Column]:
    return (
        Column(_("Quizzes started")),
        Column(_("Quizzes finished")),
        Column(_("Average score (%)")),
    )


def _totals_cells(t: Totals) -> tuple[Cell, Cell, Cell]:
    return (
        cell("count", t.started, t.started),
        cell("count", t.finished, t.finished),
        cell("percent", t.average, t.finished),
    )


def _weakness(t: Totals) -> tuple[int, float]:
    """Sort key: shown averages first, lowest first; then groups whose average is hidden or
    missing (their order must not depend on their hidden figure)."""
    if t.finished >= MIN_ATTEMPTS and t.questions:
        return (0, t.right / t.questions)
    return (1, 0.0)


def day(value: object) -> str:
    return f"{value:%d/%m/%Y}"


def week_label(week: Week) -> str:
    if week.first == week.last:
        return day(week.first)
    return f"{day(week.first)} – {day(week.last)}"


def _quiz_title(catalog: Catalog, quiz_id: str) -> str:
    quiz = catalog.quizzes.get(quiz_id)
    return translate(quiz.title) if quiz else quiz_id


def _topic_title(topic: str) -> str:
    return _("Quizzes no longer in the content") if topic == GONE else topic_name(topic)


def _source_title(src: str | None) -> str:
    return src if src else _("(no label)")


def choice_text(question: Question | None, keys: Iterable[str]) -> str:
    """The text of the choices ticked, in file order, joined with " + "."""
    keys = set(keys)
    if question is None:
        return " + ".join(sorted(keys))
    texts = [translate(c.text) for c in question.choices if c.key in keys]
    texts += sorted(k for k in keys if question.choice(k) is None)
    return " + ".join(texts)


# -- the overview ---------------------------------------------------------------------------


def topic_totals(catalog: Catalog, per_quiz: Mapping[str, Totals]) -> dict[str, Totals]:
    """Quizzes added up into topics: every topic that has quizzes, in TOPICS order, then the
    quizzes that are gone from the content, when they have attempts."""
    topic_of = {quiz.id: quiz.topic for quiz in catalog.quizzes.values()}
    found: dict[str, Totals] = {
        topic: Totals() for topic in TOPICS if any(t == topic for t in topic_of.values())
    }
    for topic in topic_of.values():
        found.setdefault(topic, Totals())
    for quiz_id, totals in per_quiz.items():
        topic = topic_of.get(quiz_id, GONE)
        found[topic] = found.get(topic, Totals()) + totals
    return found


def overview(
    conn: sa.Connection, catalog: Catalog, period: Period, *, quiz_link: Link | None = None
) -> Overview:
    per_quiz = queries.quiz_totals(conn, period)
    per_week = queries.weekly_totals(conn, period)
    everything = queries.total(per_quiz.values())
    started, finished, average = _totals_cells(everything)

    topics = topic_totals(catalog, per_quiz)
    order = list(topics)
    ranked = sorted(topics.items(), key=lambda kv: (_weakness(kv[1]), order.index(kv[0])))
    topic_rows = tuple((text_cell(_topic_title(k)), *_totals_cells(t)) for k, t in ranked)
    topic_table = Table(
        "topics",
        _("By topic, weakest first"),
        (Column(_("Topic"), numeric=False), *_totals_columns()),
        topic_rows,
    )

    weeks = period.weeks()
    week_totals = [per_week.get(w.index, Totals()) for w in weeks]
    week_table = Table(
        "weeks",
        _("Week by week"),
        (Column(_("Week"), numeric=False), *_totals_columns()),
        tuple(
            (text_cell(week_label(w)), *_totals_cells(t))
            for w, t in zip(weeks, week_totals, strict=True)
        ),
    )

    quiz_ids = list(catalog.quizzes) + sorted(q for q in per_quiz if q not in catalog.quizzes)
    quiz_rows = []
    for quiz_id in quiz_ids:
        quiz = catalog.quizzes.get(quiz_id)
        href = quiz_link(quiz_id) if quiz_link else None
        quiz_rows.append(
            (
                text_cell(_quiz_title(catalog, quiz_id), href=href),
                text_cell(_topic_title(quiz.topic if quiz else GONE)),
                *_totals_cells(per_quiz.get(quiz_id, Totals())),
            )
        )
    quiz_table = Table(
        "quizzes",
        _("By quiz"),
        (Column(_("Quiz"), numeric=False), Column(_("Topic"), numeric=False), *_totals_columns()),
        tuple(quiz_rows),
    )

    return Overview(
        period=period,
        started=started,
        finished=finished,
        average=average,
        topics=topic_table,
        weeks=week_table,
        quizzes=quiz_table,
        topic_chart=[ChartItem(row[0].value, row[3]) for row in topic_rows],  # type: ignore[arg-type]
        week_started_chart=[
            ChartItem(f"{w.first:%d/%m}", row[1], week_label(w))
            for w, row in zip(weeks, week_table.rows, strict=True)
        ],
        week_average_chart=[
            ChartItem(f"{w.first:%d/%m}", row[3], week_label(w))
            for w, row in zip(weeks, week_table.rows, strict=True)
        ],
    )


# -- one quiz -------------------------------------------------------------------------------


def _flags(stats: QuestionStats, r: float | None) -> str:
    """Why a question should be reviewed, from figures that are shown (never hidden ones)."""
    flags = []
    if stats.answered >= MIN_ATTEMPTS:
        if stats.right >= ALMOST_ALL_RIGHT * stats.answered:
            flags.append(_("almost everyone answers right"))
        elif stats.right <= ALMOST_ALL_WRONG * stats.answered:
            flags.append(_("almost everyone answers wrong"))
    if stats.sums.n >= MIN_ATTEMPTS and r is not None and r < 0:
        flags.append(_("strong results miss it more often than weak ones"))
    return "; ".join(flags)


def _question_cells(
    question: Question | None,
    stats: QuestionStats,
    wrong: list[tuple[frozenset[str], int]],
) -> tuple[tuple[Cell, ...], bool]:
    """answers, right (%), most chosen wrong answer, its share of the wrong answers,
    discrimination, review; and whether the question is flagged."""
    r = item_rest_correlation(stats.sums)
    if r is not None:
        r = round(r, 2) or 0.0  # as shown: two decimals, never "-0.00"
    top_keys, top_times = wrong[0] if wrong else (frozenset(), 0)
    flags = _flags(stats, r)
    cells = (
        cell("count", stats.answered, stats.answered),
        cell("percent", stats.share_right, stats.answered),
        cell("text", choice_text(question, top_keys) if wrong else None, stats.wrong),
        cell("percent", queries.percent(top_times, stats.wrong), stats.wrong),
        cell("index", r, stats.sums.n),
        text_cell(flags),
    )
    return cells, bool(flags)


def _question_columns() -> tuple[Column, ...]:
    return (
        Column(_("Answers")),
        Column(_("Answered right (%)")),
        Column(_("Most chosen wrong answer"), numeric=False),
        Column(_("Share of the wrong answers (%)")),
        Column(_("Discrimination index")),
        Column(_("Review"), numeric=False),
    )


def quiz_results(
    conn: sa.Connection, catalog: Catalog, period: Period, quiz_id: str
) -> QuizResults:
    quiz = catalog.quizzes.get(quiz_id)
    totals = queries.quiz_totals(conn, period).get(quiz_id, Totals())
    stats = {q: s for (_quiz, q), s in queries.question_stats(conn, period, quiz_id).items()}
    wrong = {q: w for (_quiz, q), w in queries.wrong_choices(conn, period, quiz_id).items()}

    known = [q.id for q in quiz.questions] if quiz else []
    question_ids = known + sorted(q for q in stats if q not in known)
    rows = []
    chart = []
    flagged = 0
    for n, question_id in enumerate(question_ids, start=1):
        question = quiz.question(question_id) if quiz else None
        prompt = translate(question.prompt) if question else question_id
        cells, flag = _question_cells(
            question, stats.get(question_id, QuestionStats()), wrong.get(question_id, [])
        )
        flagged += flag
        rows.append((text_cell(str(n)), text_cell(prompt), *cells))
        chart.append(ChartItem(_("Question %(n)d", n=n), cells[1], prompt))
    table = Table(
        "questions",
        _("Question by question"),
        (Column("#", numeric=False), Column(_("Question"), numeric=False), *_question_columns()),
        tuple(rows),
    )
    started, finished, average = _totals_cells(totals)
    return QuizResults(
        period=period,
        quiz_id=quiz_id,
        quiz=quiz,
        started=started,
        finished=finished,
        average=average,
        questions=table,
        right_chart=chart,
        flagged=flagged,
    )


# -- sources --------------------------------------------------------------------------------


def _by_started(items: Mapping[str | None, Totals]) -> list[tuple[str | None, Totals]]:
    """Most attempts first, then by label (no label last). Hidden counts keep the same place
    relative to each other whatever they are: they are all below 5 and sorted by label."""
    return sorted(
        items.items(),
        key=lambda kv: (
            -kv[1].started if kv[1].started >= MIN_ATTEMPTS else 0,
            kv[0] is None,
            kv[0] or "",
        ),
    )


def source_results(conn: sa.Connection, catalog: Catalog, period: Period) -> SourceResults:
    per_source = _by_started(queries.source_totals(conn, period))
    rows = tuple((text_cell(_source_title(src)), *_totals_cells(t)) for src, t in per_source)
    sources = Table(
        "sources",
        _("By source label"),
        (Column(_("Source label"), numeric=False), *_totals_columns()),
        rows,
    )
    pairs = queries.source_quiz_totals(conn, period)
    quiz_order = {quiz_id: i for i, quiz_id in enumerate(catalog.quizzes)}
    source_order = {src: i for i, (src, _t) in enumerate(per_source)}
    ordered = sorted(
        pairs.items(),
        key=lambda kv: (
            source_order.get(kv[0][0], 0),
            quiz_order.get(kv[0][1], len(quiz_order)),
            kv[0][1],
        ),
    )
    by_quiz = Table(
        "sources-quizzes",
        _("By source label and quiz"),
        (
            Column(_("Source label"), numeric=False),
            Column(_("Quiz"), numeric=False),
            *_totals_columns(),
        ),
        tuple(
            (
                text_cell(_source_title(src)),
                text_cell(_quiz_title(catalog, quiz_id)),
                *_totals_cells(t),
            )
            for (src, quiz_id), t in ordered
        ),
    )
    chart = [
        ChartItem(_source_title(src), row[1])
        for (src, _t), row in zip(per_source, rows, strict=True)
    ]
    return SourceResults(period, sources, by_quiz, chart)


# -- the report -----------------------------------------------------------------------------


def report_data(conn: sa.Connection, catalog: Catalog, period: Period) -> ReportData:
    """The overview, the sources (the first REPORT_SOURCES, the others added up) and the
    questions most often answered wrong (among those answered at least MIN_ATTEMPTS times)."""
    summary = overview(conn, catalog, period)

    per_source = _by_started(queries.source_totals(conn, period))
    listed, others = per_source[:REPORT_SOURCES], per_source[REPORT_SOURCES:]
    rows = [(text_cell(_source_title(src)), *_totals_cells(t)) for src, t in listed]
    if others:
        rest = queries.total(t for _src, t in others)
        label = _("%(count)d other labels", count=len(others))
        rows.append((text_cell(label), *_totals_cells(rest)))
    sources = Table(
        "sources",
        _("By source label"),
        (Column(_("Source label"), numeric=False), *_totals_columns()),
        tuple(rows),
    )

    stats = queries.question_stats(conn, period)
    wrong = queries.wrong_choices(conn, period)
    shown = [(key, s) for key, s in stats.items() if s.answered >= MIN_ATTEMPTS]
    shown.sort(key=lambda kv: (kv[1].right / kv[1].answered, kv[0]))
    question_rows = []
    for (quiz_id, question_id), s in shown[:REPORT_QUESTIONS]:
        quiz = catalog.quizzes.get(quiz_id)
        question = quiz.question(question_id) if quiz else None
        top_keys, top_times = (wrong.get((quiz_id, question_id)) or [(frozenset(), 0)])[0]
        question_rows.append(
            (
                text_cell(translate(question.prompt) if question else question_id),
                text_cell(_quiz_title(catalog, quiz_id)),
                cell("count", s.answered, s.answered),
                cell("percent", s.share_right, s.answered),
                cell("text", choice_text(question, top_keys) if top_times else None, s.wrong),
            )
        )
    questions = Table(
        "questions",
        _("Questions most often answered wrong"),
        (
            Column(_("Question"), numeric=False),
            Column(_("Quiz"), numeric=False),
            Column(_("Answers")),
            Column(_("Answered right (%)")),
            Column(_("Most chosen wrong answer"), numeric=False),
        ),
        tuple(question_rows),
    )
    return ReportData(summary, sources, questions)
