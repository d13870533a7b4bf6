"""The trainer's reports (on the trainer blueprint): a session's report page, its CSV export,
its options (before/after, leaderboard), and show-of-hands counts for residents without a phone.
"""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ..live import counts, phones, service
from ..live import report as reports
from ..live.auth import trainer_required
from .i18n import translate
from .live import engine, quiz_of
from .trainer import bp, owned, question_lines, to_control

#: The most hands a trainer can count for one choice (a typo guard, not a real limit).
MAX_HANDS = 1000


@bp.get("/s/<session_id>/report")
@trainer_required
def report(session_id: str) -> str:
    session = owned(session_id)
    quiz = quiz_of(session)
    built = reports.build(engine(), session, quiz)
    before = reports.before_session(engine(), session)
    compared = reports.build(engine(), before, quiz) if before else None
    board = []
    if session.leaderboard and not session.purged_at:
        board = phones.leaderboard(engine(), session.id)
    return render_template(
        "live/report.html",
        session=session,
        quiz=quiz,
        report=built,
        before=before,
        compared=compared,
        pairs=list(zip(compared.questions, built.questions, strict=True)) if compared else [],
        candidates=reports.before_candidates(engine(), session),
        board=board,
    )


@bp.get("/s/<session_id>/report.csv")
@trainer_required
def report_csv(session_id: str) -> Response:
    session = owned(session_id)
    quiz = quiz_of(session)
    built = reports.build(engine(), session, quiz)
    prompts = {q.id: translate(q.prompt) for q in quiz.questions}
    day = session.created_at.strftime("%Y-%m-%d")
    response = Response(reports.csv_text(built, prompts), mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="canhgiac-{session.quiz_id}-{day}-{session.id}.csv"'
    )
    return response


@bp.route("/s/<session_id>/options", methods=["GET", "POST"])
@trainer_required
def options(session_id: str) -> str | BaseResponse:
    """Before/after and the leaderboard, on a page of their own: the control page refreshes
    itself while waiting, and must never wipe a form being filled in."""
    session = owned(session_id)
    if request.method == "GET":
        return render_template(
            "live/options.html",
            session=session,
            quiz=quiz_of(session),
            candidates=reports.before_candidates(engine(), session),
        )
    kind = request.form.get("kind", session.kind)
    if kind not in service.KINDS:
        abort(400)
    compare_with = request.form.get("compare_with") or None
    if compare_with is not None:
        allowed = {s.id for s in reports.before_candidates(engine(), session)}
        if compare_with not in allowed:
            abort(400)
    service.set_options(
        engine(),
        session.id,
        kind=kind,
        leaderboard=request.form.get("leaderboard") == "on",
        compare_with=compare_with if kind == "after" else None,
    )
    if request.form.get("back") == "report":
        return redirect(url_for(".report", session_id=session.id), code=303)
    return to_control(session)


@bp.route("/s/<session_id>/hands/<int:n>", methods=["GET", "POST"])
@trainer_required
def hands(session_id: str, n: int) -> str | BaseResponse | tuple[str, int]:
    session = owned(session_id)
    quiz = quiz_of(session)
    if not 1 <= n <= len(quiz.questions) or n > max(session.position, 0):
        abort(404)
    question = quiz.questions[n - 1]
    invalid = False
    if request.method == "POST":
        raised = {}
        for choice in question.choices:
            raw = request.form.get(f"hands-{choice.key}", "").strip() or "0"
            if not raw.isdigit() or int(raw) > MAX_HANDS:
                invalid = True
                break
            raised[choice.key] = int(raw)
        if not invalid:
            counts.set_hand_counts(engine(), session.id, question.id, raised)
            if request.form.get("back") == "report":
                return redirect(url_for(".report", session_id=session.id), code=303)
            return to_control(session)
    counts_now = counts.question_counts(engine(), session.id, question.id)
    page = render_template(
        "live/hands.html",
        session=session,
        quiz=quiz,
        n=n,
        question=question,
        lines=question_lines(session, question, counts_now),
        invalid=invalid,
        back=request.values.get("back", ""),
        max_hands=MAX_HANDS,
    )
    return (page, 400) if invalid else page
