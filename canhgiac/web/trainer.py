"""The trainer's side of live sessions, under /t: log in, start a session from any quiz, run it.

The control page works on a laptop at the projector and on the trainer's own phone (no
projector: read the question aloud, show the phone's bar chart). The projector view (`/screen`)
is read-only, big and readable from the back of the room, so the trainer can run the session
from the phone while the laptop shows it. Every control is a small POST form carrying the
question number it acts on, so a double click or a second device never moves the session
twice. Only the trainer who started a session sees or runs it (403 for anyone else).
Reports and the CSV export are in trainer_reports.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit

from babel.dates import format_datetime
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from werkzeug.wrappers import Response as BaseResponse

from .. import get_catalog
from ..live import auth, counts, phones, ratelimit, service
from ..live.report import ChoiceLine, letters, shown_choices
from ..live.service import LiveSession
from ..printing.qr import qr_svg
from .errors import Page
from .i18n import current_language
from .live import (
    REFRESH_WAITING,
    client_id,
    current_question,
    engine,
    public_base,
    quiz_of,
    state_response,
    too_many,
)

bp = Blueprint("trainer", __name__, url_prefix="/t")

TIMERS = (15, 30, 60)


@bp.after_request
def no_store(response: Response) -> Response:
    """Trainer pages are private and live: never cached, never framed."""
    if request.endpoint not in ("trainer.state",):
        response.cache_control.no_store = True
    return response


# -- helpers ------------------------------------------------------------------------------


@bp.app_template_global("live_time")
def local_time(value: datetime | None) -> str:
    """A stored (naive UTC) time in the site's local time (UTC_OFFSET_HOURS, default 7:
    Vietnam, which has no summer time)."""
    if value is None:
        return ""
    zone = timezone(timedelta(hours=int(current_app.config["UTC_OFFSET_HOURS"])))
    when = value.replace(tzinfo=UTC).astimezone(zone)
    return format_datetime(when, "dd/MM/yyyy HH:mm", tzinfo=zone, locale=current_language())


@bp.app_template_global("live_kind")
def kind_name(kind: str) -> str:
    if kind == "before":
        return gettext("Check before the training")
    if kind == "after":
        return gettext("Check after the training")
    return ""


@bp.app_template_global("live_status")
def status_name(status: str) -> str:
    names = {
        service.LOBBY: gettext("Waiting to start"),
        service.OPEN: gettext("Answering"),
        service.CLOSED: gettext("Answers closed"),
        service.REVEALED: gettext("Results shown"),
        service.ENDED: gettext("Ended"),
    }
    return names.get(status, status)


def owned(session_id: str) -> LiveSession:
    """The session, if the trainer logged in started it (403 otherwise, 404 when unknown)."""
    trainer = auth.current_trainer()
    session = service.get_session(engine(), session_id) if len(session_id) <= 16 else None
    if session is None:
        abort(404)
    if trainer is None or session.trainer_id != trainer.id:
        abort(403)
    return session


def position_field() -> int:
    value = request.form.get("n", "")
    if not value.isdigit():
        abort(400)
    return int(value)


def to_control(session: LiveSession) -> BaseResponse:
    return redirect(url_for(".control", session_id=session.id), code=303)


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a page of the trainer areas only (live sessions under
    /t/, the results of the self-paced quizzes under /trainer/, handouts under /print),
    never another site."""
    default = url_for(".home")
    if not target:
        return default
    parts = urlsplit(target)
    inside = parts.path.startswith(("/t/", "/trainer/")) or parts.path == "/print"
    inside = inside or parts.path.startswith("/print/")
    if parts.scheme or parts.netloc or not inside or "\\" in target:
        return default
    return target


def question_lines(session: LiveSession, question, counts: counts.QuestionCounts) -> list:  # type: ignore[no-untyped-def]
    choices = shown_choices(session, question)
    return [
        ChoiceLine(letter, c.key, c, counts.phones.get(c.key, 0), counts.hands.get(c.key, 0))
        for letter, c in zip(letters(len(choices)), choices, strict=True)
    ]


# -- login --------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | BaseResponse | Page:
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if auth.current_trainer() is not None:
            return redirect(next_url)
        return render_template("live/login.html", next_url=next_url, name="", failed=False)
    name = request.form.get("name", "").strip()[:64]
    password = request.form.get("password", "")
    key = ratelimit.client_key(
        current_app.secret_key or "", ratelimit.LOGIN, name.lower(), client_id()
    )
    wait = ratelimit.retry_after(engine(), ratelimit.LOGIN, key)
    if wait:
        return too_many(wait)
    trainer = auth.verify(engine(), name, password)
    if trainer is None:
        ratelimit.hit(engine(), ratelimit.LOGIN, key)
        return render_template("live/login.html", next_url=next_url, name=name, failed=True)
    ratelimit.clear(engine(), key)
    auth.login(trainer)
    return redirect(next_url, code=303)


@bp.post("/logout")
def logout() -> BaseResponse:
    auth.logout()
    return redirect(url_for(".login"), code=303)


# -- home: start a session, list the sessions ---------------------------------------------


@bp.get("/")
@auth.trainer_required
def home() -> str:
    trainer = auth.current_trainer()
    assert trainer is not None
    sessions = service.sessions_of(engine(), trainer.id)
    catalog = get_catalog()
    return render_template(
        "live/trainer_home.html",
        trainer=trainer,
        quizzes=list(catalog.quizzes.values()),
        running=[s for s in sessions if not s.ended],
        finished=[s for s in sessions if s.ended],
        quizzes_by_id=catalog.quizzes,
        results_url=(
            url_for("results.overview")
            if "results.overview" in current_app.view_functions
            else None
        ),
    )


@bp.post("/sessions")
@auth.trainer_required
def create() -> BaseResponse:
    trainer = auth.current_trainer()
    assert trainer is not None
    quiz = get_catalog().quizzes.get(request.form.get("quiz", ""))
    kind = request.form.get("kind", "none")
    if quiz is None or kind not in service.KINDS:
        abort(400)
    session = service.create_session(
        engine(),
        trainer_id=trainer.id,
        quiz_id=quiz.id,
        question_count=len(quiz.questions),
        kind=kind,
        leaderboard=request.form.get("leaderboard") == "on",
    )
    return to_control(session)


# -- running a session --------------------------------------------------------------------


def _view(session: LiveSession, template: str) -> str:
    quiz = quiz_of(session)
    question = current_question(session, quiz)
    joined, answered = counts.live_counts(engine(), session.id, question.id if question else None)
    lines = []
    most = 0
    if question is not None and session.status == service.REVEALED:
        shown = counts.question_counts(engine(), session.id, question.id)
        lines = question_lines(session, question, shown)
        most = shown.most
    choices = []
    if question is not None:
        choices = list(
            zip(letters(len(question.choices)), shown_choices(session, question), strict=True)
        )
    report = None
    board = []
    if session.ended:
        from ..live.report import build

        report = build(engine(), session, quiz)
        if session.leaderboard and not session.purged_at:
            board = phones.leaderboard(engine(), session.id)
    base = public_base()
    join_link = f"{base}/j/{session.code}"
    refresh = REFRESH_WAITING if session.status in (service.LOBBY, service.OPEN) else None
    if template == "live/screen.html" and not session.ended:
        refresh = REFRESH_WAITING
    return render_template(
        template,
        session=session,
        quiz=quiz,
        question=question,
        choices=choices,
        joined=joined,
        answered=answered,
        lines=lines,
        most=most,
        report=report,
        board=board,
        join_address=f"{base.split('://', 1)[-1]}/j",
        join_link=join_link,
        qr=qr_svg(join_link) if not session.ended else None,
        refresh=refresh,
        seconds_left=session.seconds_left(),
        timers=TIMERS,
        poll_url=url_for(".state", session_id=session.id),
    )


@bp.get("/s/<session_id>")
@auth.trainer_required
def control(session_id: str) -> str:
    return _view(owned(session_id), "live/control.html")


@bp.get("/s/<session_id>/screen")
@auth.trainer_required
def screen(session_id: str) -> str:
    return _view(owned(session_id), "live/screen.html")


@bp.get("/s/<session_id>/state")
@auth.trainer_required
def state(session_id: str) -> Response:
    session = owned(session_id)
    question = None
    if session.position:
        question = current_question(session, quiz_of(session))
    joined, answered = counts.live_counts(engine(), session.id, question.id if question else None)
    return state_response(
        {
            "id": session.id,
            "v": session.version,
            "phase": session.status,
            "n": session.position,
            "joined": joined,
            "answered": answered,
        }
    )


@bp.post("/s/<session_id>/start")
@auth.trainer_required
def start(session_id: str) -> BaseResponse:
    session = owned(session_id)
    service.start(engine(), session.id)
    return to_control(session)


@bp.post("/s/<session_id>/next")
@auth.trainer_required
def next_question(session_id: str) -> BaseResponse:
    session = owned(session_id)
    service.next_question(engine(), session.id, position_field())
    return to_control(session)


@bp.post("/s/<session_id>/close")
@auth.trainer_required
def close(session_id: str) -> BaseResponse:
    session = owned(session_id)
    seconds = request.form.get("seconds", "")
    if seconds and (not seconds.isdigit() or not 0 < int(seconds) <= service.MAX_TIMER):
        abort(400)
    service.close_answers(
        engine(), session.id, position_field(), seconds=int(seconds) if seconds else None
    )
    return to_control(session)


@bp.post("/s/<session_id>/reveal")
@auth.trainer_required
def reveal(session_id: str) -> BaseResponse:
    session = owned(session_id)
    service.reveal(engine(), session.id, position_field())
    return to_control(session)


@bp.post("/s/<session_id>/end")
@auth.trainer_required
def end(session_id: str) -> BaseResponse:
    session = owned(session_id)
    service.end(engine(), session.id)
    return to_control(session)


from . import trainer_reports  # noqa: E402, F401  (more routes on this blueprint)
