"""The print page: every handout with a preview and download links, for trainers.

PDFs and previews are rendered on first request and kept in the disk cache shared with
`canhgiac print` (PRINT_CACHE, default <instance>/print-cache), so a second download renders
nothing. A certificate with a typed name is rendered straight into the response: the name is
never written to disk, cached or logged. Renders are serialised per process so that a burst of
requests cannot take every core.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from .. import get_catalog
from ..live.auth import current_trainer
from ..printing.handouts import (
    FORMATS,
    LESSON_FORMATS,
    QUIZ_FORMATS,
    Handout,
    exists,
    job_for,
    parse_name,
)
from ..printing.pack import PdfCache, cache_folder, cache_key, get_or_render
from ..printing.qr import check_public_url, check_src_label
from ..printing.render import MAX_NAME, PrintError, clean_name, render_job
from .i18n import current_language, native_name

__all__ = ["bp"]

bp = Blueprint("printing", __name__)

#: Width in pixels of the longer side of a preview image.
PREVIEW_SIZE = 360

_render_lock = threading.Lock()


def _cache() -> PdfCache:
    return PdfCache(cache_folder(current_app.config, current_app.instance_path))


def _public_url() -> tuple[str, list[str]]:
    """The address for QR codes, and warnings to show: PUBLIC_URL, else this site's address."""
    configured = current_app.config.get("PUBLIC_URL")
    warnings: list[str] = []
    if configured:
        check = check_public_url(configured)
        if not check.errors:
            if check.warnings:
                warnings.append(_private_warning(check.url))
            return check.url, warnings
        fallback = check_public_url(request.url_root)
        warnings.append(
            _(
                "PUBLIC_URL is not a valid web address (%(url)s): the QR codes point at "
                "%(fallback)s instead.",
                url=str(configured),
                fallback=fallback.url,
            )
        )
    else:
        fallback = check_public_url(request.url_root)
        warnings.append(
            _(
                "No PUBLIC_URL is set: the QR codes point at %(url)s, the address this page was "
                "opened with. Set PUBLIC_URL to the public address of the site before printing.",
                url=fallback.url,
            )
        )
    if fallback.warnings:
        warnings.append(_private_warning(fallback.url))
    return fallback.url, warnings


def _private_warning(url: str) -> str:
    return _(
        "The QR codes point at %(url)s, a local or private address: phones outside this "
        "network cannot open them.",
        url=url,
    )


def _src_arg() -> str | None:
    """The `src` label of this request; 400 when it is malformed."""
    try:
        return check_src_label(request.args.get("src", "").strip())
    except ValueError:
        abort(400)


def _handout(name: str) -> Handout:
    handout = parse_name(name)
    if handout is None or not exists(get_catalog(), handout):
        abort(404)
    return handout


def _preview_lang(languages: tuple[str, ...]) -> str:
    lang = current_language()
    return lang if lang in languages else languages[0]


@bp.before_request
def _trainers_only() -> Any:
    """Handouts are rendered on demand, which costs a core for seconds: only trainers may ask.
    (Residents get the printed paper; the CLI builds the whole pack offline.)"""
    if current_trainer() is None:
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("trainer.login", next=target))
    return None


@bp.get("/print")
def index() -> str:
    catalog = get_catalog()
    public_url, warnings = _public_url()
    raw_src = request.args.get("src", "").strip()
    try:
        src = check_src_label(raw_src)
        src_error = False
    except ValueError:
        src, src_error = None, True
    lang = _preview_lang(catalog.languages)
    lessons = [
        (lesson, [Handout(f, lesson.id, lang) for f in LESSON_FORMATS])
        for lesson in catalog.lessons.values()
    ]
    quizzes = [
        (quiz, [Handout(f, quiz.id, lang) for f in QUIZ_FORMATS])
        for quiz in catalog.quizzes.values()
    ]
    return render_template(
        "print_index.html",
        lessons=lessons,
        quizzes=quizzes,
        languages=catalog.languages,
        public_url=public_url,
        warnings=warnings,
        src=src,
        raw_src=raw_src,
        src_error=src_error,
        format_name=format_name,
        language_names={code: native_name(code) for code in catalog.languages},
        max_name=MAX_NAME,
    )


def format_name(format_slug: str) -> str:
    """A format's name on the page, in the interface language."""
    names = {
        "leaflet-a4": _("Leaflet, A4 folded in three, two-sided"),
        "leaflet-a5": _("Leaflet, A5, two-sided"),
        "card": _("Pocket cards, 8 on an A4 sheet"),
        "poster-a4": _("Poster, A4"),
        "poster-a3": _("Poster, A3"),
        "quiz-sheet": _("Paper quiz"),
        "answer-key": _("Answer key for the trainer"),
        "certificate": _("Certificate of completion (blank)"),
    }
    return names.get(format_slug, FORMATS[format_slug].description)


def _render_error(exc: PrintError) -> tuple[str, int]:
    current_app.logger.error("print: %s", exc)
    return render_template("print_error.html", message=str(exc)), 500


@bp.get("/print/<name>.pdf")
def download(name: str) -> Any:
    handout = _handout(name)
    public_url, _warnings = _public_url()
    job = job_for(get_catalog(), handout, public_url, _src_arg())
    try:
        with _render_lock:
            cached = get_or_render(job, _cache())
    except PrintError as exc:
        return _render_error(exc)
    response = send_file(
        cached.path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{handout.name}.pdf",
        max_age=0,
    )
    return response


@bp.get("/print/<name>.png")
def preview(name: str) -> Any:
    """A small image of the handout's first page (QR codes without a src label)."""
    handout = _handout(name)
    public_url, _warnings = _public_url()
    job = job_for(get_catalog(), handout, public_url)
    cache = _cache()
    png = cache.path(cache_key(job), ".png")
    if not png.is_file():
        try:
            with _render_lock:
                cached = get_or_render(job, cache)
                if not png.is_file():
                    cache.write_atomic(png, preview_png(cached.path))
        except PrintError as exc:
            return _render_error(exc)
    return send_file(png, mimetype="image/png", max_age=3600)


def preview_png(pdf: Path, size: int = PREVIEW_SIZE) -> bytes:
    """Page 1 of ``pdf`` as a grayscale PNG whose longer side is ``size`` pixels."""
    import io

    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        page = document[0]
        width, height = page.get_size()
        bitmap = page.render(scale=size / max(width, height), grayscale=True)
        out = io.BytesIO()
        bitmap.to_pil().save(out, format="PNG", optimize=True)
        page.close()
    finally:
        document.close()
    return out.getvalue()


@bp.post("/print/certificate")
def certificate() -> Any:
    """A certificate with a name typed in the form: rendered into the response only."""
    catalog = get_catalog()
    quiz_id = request.form.get("quiz", "")
    lang = request.form.get("lang", "")
    if quiz_id not in catalog.quizzes or lang not in catalog.languages:
        abort(400)
    raw = request.form.get("name", "")
    if len(raw) > MAX_NAME * 4:
        abort(400)
    name = clean_name(raw)
    handout = Handout("certificate", quiz_id, lang)
    public_url, _warnings = _public_url()
    job = job_for(catalog, handout, public_url, name=name)
    try:
        with _render_lock:
            pdf = render_job(job).pdf
    except PrintError:
        # Never log the exception: its message could carry the name in some future layout.
        current_app.logger.error("print: the certificate of quiz %r cannot be rendered", quiz_id)
        return render_template("print_error.html", message=None), 500
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{handout.name}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response
