"""The trainer's results area, `/trainer/results`: what the anonymous attempts say.

Trainers only (the live sessions' login, `trainer_required`, guards every route). Every page
takes the period from `?from=YYYY-MM-DD&to=YYYY-MM-DD` (default: the last 30 days); dates that
cannot be used give a 400 page saying so. Pages, CSV files and the PDF report are built from
the same tables (canhgiac/results/figures.py), where figures from fewer than 5 attempts are
hidden. See docs/results.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from .. import get_catalog
from ..live.auth import current_trainer, trainer_required
from ..results import charts, figures, queries
from ..results.csv import table_csv
from ..results.period import (
    DEFAULT_UTC_OFFSET_HOURS,
    MAX_DAYS,
    Period,
    PeriodError,
    local_today,
    parse_period,
)
from ..results.privacy import MIN_ATTEMPTS, show
from ..results.report import ReportError, render_pdf
from ..results.tables import Table
from ..store import get_store, utcnow
from .errors import Page, error_page
from .i18n import translate

__all__ = ["bp"]

bp = Blueprint("results", __name__, url_prefix="/trainer/results")

QUIZ_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


@bp.before_request
@trainer_required
def trainers_only() -> None:
    """Every route of the blueprint: a logged-in trainer, else the login page."""
    return None


@bp.after_request
def private(response: Response) -> Response:
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


@bp.errorhandler(PeriodError)
def bad_period(error: PeriodError) -> Page:
    return error_page(
        400,
        _("These dates cannot be used"),
        _(
            "Write both dates as year-month-day, for example 2026-11-01, with the first date "
            "not after the second and at most %(days)d days apart.",
            days=MAX_DAYS,
        ),
    )


@bp.context_processor
def helpers() -> dict[str, object]:
    return {"show": show, "charts": charts, "min_attempts": MIN_ATTEMPTS}


# -- helpers ------------------------------------------------------------------------------


def _offset() -> int:
    return int(current_app.config.get("UTC_OFFSET_HOURS", DEFAULT_UTC_OFFSET_HOURS))


def _period() -> Period:
    return parse_period(request.args, utc_offset_hours=_offset())


def _connect() -> sa.Connection:
    return get_store().engine.connect()


def _quiz_link(period: Period) -> figures.Link:
    def link(quiz_id: str) -> str | None:
        if not QUIZ_ID.fullmatch(quiz_id):
            return None
        return url_for(".quiz", quiz_id=quiz_id, **period.query_args())

    return link


def _csv(table: Table, stem: str, period: Period) -> Response:
    response = Response(table_csv(table), mimetype="text/csv")
    response.charset = "utf-8"
    filename = f"canhgiac-{stem}-{period.slug}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _shortcuts(period: Period) -> list[tuple[str, dict[str, str], bool]]:
    """Quick periods: (label, query args, whether it is the one shown)."""
    today = local_today(_offset())
    found = []
    for label, days in ((_("Last 7 days"), 7), (_("Last 30 days"), 30), (_("Last 90 days"), 90)):
        first = today - timedelta(days=days - 1)
        args = {"from": first.isoformat(), "to": today.isoformat()}
        found.append((label, args, period.first == first and period.last == today))
    first = today.replace(month=1, day=1)
    args = {"from": first.isoformat(), "to": today.isoformat()}
    found.append((_("This year"), args, period.first == first and period.last == today))
    return found


@dataclass(frozen=True)
class LiveLink:
    """A live session of the period, linked to its report (which holds the before/after
    comparison for a check after a training)."""

    session: queries.LiveSessionRow
    quiz_title: str
    report_url: str


def _live_sessions(period: Period) -> list[LiveLink]:
    """The logged-in trainer's live sessions of the period (their reports are the trainer's
    own: canhgiac/web/trainer_reports.py answers 403 to anyone else)."""
    trainer = current_trainer()
    if trainer is None:
        return []
    catalog = get_catalog()
    with _connect() as conn:
        found = queries.live_sessions_of(conn, period, trainer.id)
    links = []
    for row in found:
        quiz = catalog.quizzes.get(row.quiz_id)
        title = translate(quiz.title) if quiz else row.quiz_id
        links.append(LiveLink(row, title, url_for("trainer.report", session_id=row.id)))
    return links


def _page(template: str, period: Period, **context: object) -> str:
    return render_template(
        template,
        period=period,
        period_args=period.query_args(),
        shortcuts=_shortcuts(period),
        **context,
    )


# -- pages --------------------------------------------------------------------------------


@bp.get("")
def overview() -> str:
    period = _period()
    with _connect() as conn:
        data = figures.overview(conn, get_catalog(), period, quiz_link=_quiz_link(period))
    return _page("results_overview.html", period, data=data, live_sessions=_live_sessions(period))


@bp.get("/<any(topics, weeks, quizzes):name>.csv")
def overview_csv(name: str) -> Response:
    period = _period()
    with _connect() as conn:
        data = figures.overview(conn, get_catalog(), period)
    return _csv(getattr(data, name), name, period)


def _quiz_or_404(quiz_id: str, period: Period) -> figures.QuizResults:
    if not QUIZ_ID.fullmatch(quiz_id):
        abort(404)
    catalog = get_catalog()
    with _connect() as conn:
        data = figures.quiz_results(conn, catalog, period, quiz_id)
    if data.quiz is None and not data.questions.rows:
        abort(404)
    return data


@bp.get("/q/<quiz_id>")
def quiz(quiz_id: str) -> str:
    period = _period()
    data = _quiz_or_404(quiz_id, period)
    return _page("results_quiz.html", period, data=data)


@bp.get("/q/<quiz_id>/questions.csv")
def quiz_csv(quiz_id: str) -> Response:
    period = _period()
    data = _quiz_or_404(quiz_id, period)
    return _csv(data.questions, f"{quiz_id}-questions", period)


@bp.get("/sources")
def sources() -> str:
    period = _period()
    with _connect() as conn:
        data = figures.source_results(conn, get_catalog(), period)
    return _page("results_sources.html", period, data=data)


@bp.get("/<any(sources, 'sources-quizzes'):name>.csv")
def sources_csv(name: str) -> Response:
    period = _period()
    with _connect() as conn:
        data = figures.source_results(conn, get_catalog(), period)
    table = data.sources if name == "sources" else data.by_quiz
    return _csv(table, name, period)


@bp.get("/report.pdf")
def report() -> Response:
    period = _period()
    with _connect() as conn:
        data = figures.report_data(conn, get_catalog(), period)
    made = utcnow() + timedelta(hours=_offset())

    def html_for(font_size: float) -> str:
        return render_template(
            "results_report.html",
            period=period,
            data=data,
            made=made,
            font_size=font_size,
            show=show,
            charts=charts,
            min_attempts=MIN_ATTEMPTS,
        )

    try:
        rendered = render_pdf(html_for)
    except ReportError:
        current_app.logger.exception("the results report could not be rendered")
        abort(500)
    response = Response(rendered.pdf, mimetype="application/pdf")
    filename = f"canhgiac-report-{period.slug}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
