"""Language selection: Vietnamese by default, another language by `?lang=xx` on any URL.

The choice is remembered in the `lang` cookie. The language is worked out from the request
itself (not in a before_request hook) so that pages rendered before the hooks run, such as the
CSRF error page, are in the right language too.
"""

from __future__ import annotations

from urllib.parse import urlencode

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations
from flask import Blueprint, Flask, Response, current_app, g, has_request_context, request
from flask_babel import get_translations
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from ..content.model import TOPICS, Text

bp = Blueprint("i18n", __name__)

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60

#: Names of languages in themselves, for the switch in the header.
NATIVE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def _valid(code: str | None) -> str | None:
    if not code:
        return None
    code = code.strip().lower()
    return code if code in languages() else None


def current_language() -> str:
    """The language of this request: `?lang=`, else the cookie, else Vietnamese."""
    if not has_request_context():
        return "vi"
    lang = g.get("lang")
    if lang:
        return str(lang)
    chosen = _valid(request.args.get("lang"))
    if chosen:
        g.lang_chosen = chosen
    lang = chosen or _valid(request.cookies.get(COOKIE)) or languages()[0]
    g.lang = lang
    return lang


def _translations() -> NullTranslations:
    """The translations of this request's language, looked up once per request (Flask-Babel
    looks them up again at every call, and a page has dozens of `_()`), kept next to the
    language itself (see current_language)."""
    found = g.get("lang_translations")
    if found is None:
        found = g.lang_translations = get_translations()
    return found  # type: ignore[no-any-return]


def install_template_gettext(app: Flask) -> None:
    """`_()`, `ngettext()`... in templates, as Flask-Babel installs them, with the request's
    translations found once."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )


def native_name(code: str) -> str:
    if code in NATIVE_NAMES:
        return NATIVE_NAMES[code]
    try:
        return str(Locale.parse(code).get_display_name(code) or code)
    except (ValueError, UnknownLocaleError):
        return code


def _path_for_get() -> str:
    """This page's path when a GET to it makes sense, else the home page."""
    if request.method in ("GET", "HEAD"):
        return request.path
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(request.path, method="GET")
    except RequestRedirect:
        return request.path
    except HTTPException:
        return request.script_root + "/"
    return request.path


def switch_url(code: str) -> str:
    """The same page in another language: the current URL with `lang` replaced."""
    path = _path_for_get()
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    if path != request.path:
        args = []
    args.append(("lang", code))
    return f"{request.script_root}{path}?{urlencode(args)}"


def translate(value: Text | str | None) -> str:
    """A content text in the current language (Vietnamese when it has no translation)."""
    if value is None:
        return ""
    if isinstance(value, Text):
        return value.get(current_language())
    return str(value)


def topic_name(topic: str) -> str:
    names = TOPICS.get(topic)
    if not names:
        return topic
    return names.get(current_language(), names["vi"])


@bp.after_app_request
def remember_language(response: Response) -> Response:
    lang = current_language()
    if g.get("lang_chosen") and request.cookies.get(COOKIE) != lang:
        response.set_cookie(
            COOKIE,
            lang,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
    if request.endpoint != "static":
        vary_on(response, "Cookie")  # the page's language depends on the cookie
    return response


def vary_on(response: Response, header: str) -> None:
    """Add `header` to the response's Vary header (what `response.vary.add` does, without
    parsing and writing the header back through a HeaderSet on every response)."""
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = header
    elif header.lower() not in {v.strip().lower() for v in vary.split(",")}:
        response.headers["Vary"] = f"{vary}, {header}"


@bp.app_context_processor
def language_context() -> dict[str, object]:
    lang = current_language()
    return {
        "current_lang": lang,
        "other_languages": [
            (code, native_name(code), switch_url(code)) for code in languages() if code != lang
        ],
    }
