"""The web front: server-rendered pages that work with JavaScript off on a cheap phone.

`init_app` wires in translations (Flask-Babel), CSRF protection on every POST form
(Flask-WTF), the feature blueprints, error pages, security headers and template helpers.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for
from flask_babel import Babel
from flask_compress import Compress
from flask_wtf.csrf import CSRFProtect

from ..config import ROOT
from ..markup import render_markdown
from . import (
    errors,
    health,
    home,
    i18n,
    lane,
    lessons,
    live,
    pages,
    printing,
    progress,
    quiz,
    results,
    trainer,
)
from .signed import SessionInterface

__all__ = ["init_app"]

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
#: Static files asked for with a `v=` fingerprint never change: phones may keep them a year.
STATIC_MAX_AGE = 365 * 24 * 60 * 60


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.config["BABEL_DEFAULT_LOCALE"] = "vi"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")
    Babel(app, locale_selector=i18n.current_language)
    i18n.install_template_gettext(app)
    csrf.init_app(app)
    # The resident's quiz forms carry no token and are checked by origin.py instead: the
    # intro (start) is a kept page, the same for everyone; an answer needs the attempt in the
    # browser's session, whose cookie a cross-site post never carries (SameSite=Lax).
    csrf.exempt(quiz.start)
    csrf.exempt(quiz.answer)
    # gzip/brotli for pages, CSS and JS: residents pay for every byte of mobile data.
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    # Pages made per request (a question, a result): brotli at quality 2 costs a third of the
    # default 4 for a page 5% larger. Kept pages are compressed once, at the best (pages.py).
    app.config.setdefault("COMPRESS_BR_LEVEL", 2)
    app.config.setdefault("COMPRESS_BR_WINDOW", 18)
    # zstd (Chrome, Firefox) at level 1 rather than Flask-Compress's 3: 2-4% larger pages, for
    # compression that costs a server of 4 threads per process much more than a loop says
    # (docs/performance.md, round 7).
    app.config.setdefault("COMPRESS_ZSTD_LEVEL", 1)
    Compress(app)

    for module in (i18n, errors, home, lessons, quiz, printing, results, live, trainer, health):
        app.register_blueprint(module.bp)
    pages.init_app(app)
    progress.init_app(app)
    lane.init_app(app)

    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(i18n.translate, "t")
    app.add_template_filter(_markdown, "markdown")
    app.add_template_global(i18n.topic_name, "topic_name")
    app.add_template_global(static_url, "static_url")
    app.after_request(_security_headers)


def _markdown(value: object) -> object:
    return render_markdown(i18n.translate(value))  # type: ignore[arg-type]


@lru_cache(maxsize=64)
def _fingerprint(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def static_url(filename: str) -> str:
    """url_for('static') with a content fingerprint, so a changed file is fetched again."""
    folder = Path(current_app.static_folder or ROOT / "static")
    path = folder / filename
    kit = current_app.extensions.get(pages.EXTENSION_KEY)
    # The static folder's state is looked at once a second (pages.StaticState), not per link.
    mtime = None
    if kit is not None and not pages.off(current_app):
        mtime = kit.static_state.mtime_ns(filename)
    try:
        if mtime is None:
            mtime = path.stat().st_mtime_ns
        version = _fingerprint(path, mtime)
    except OSError:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint == "static" and request.args.get("v"):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = STATIC_MAX_AGE
        response.cache_control.immutable = True
    return response
