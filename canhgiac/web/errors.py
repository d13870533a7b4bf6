"""Error pages: short, kind, in the reader's language, with a way back home."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from .i18n import current_language

bp = Blueprint("errors", __name__)

#: An error response: the page, its status and extra headers.
Page = tuple[str, int, list[tuple[str, str]]]


def describe(status: int) -> tuple[str, str]:
    """The title and advice for an error status, in the current language. (Plain gettext
    calls at request time, so that `pybabel extract` finds them with its default keywords.)"""
    back_home = gettext("Please go back to the home page and try again.")
    if status in (400, 403):
        return gettext("This link or form did not work"), back_home
    if status == 404:
        return (
            gettext("Page not found"),
            gettext("Please check the address, or scan the QR code again."),
        )
    if status == 405:
        return gettext("This page cannot be opened this way"), back_home
    if status == 413:
        return gettext("What you sent is too large"), back_home
    if status >= 500:
        return (
            gettext("Sorry, something went wrong on our side"),
            gettext("Please try again in a few minutes."),
        )
    return gettext("Something went wrong"), back_home


def error_page(
    status: int, title: str, message: str, headers: list[tuple[str, str]] | None = None
) -> Page:
    if request_ctx.url_adapter is None:  # a Host TRUSTED_HOSTS does not name: no URLs to build
        return plain_page(title, message), status, headers or []
    html = render_template("error.html", status=status, title=title, message=message)
    return html, status, headers or []


def plain_page(title: str, message: str) -> str:
    """An error page built here without templates (and without building any URL)."""
    home = gettext("Home page")
    home_url = escape(request.script_root + "/")
    return (
        f'<!doctype html><html lang="{escape(current_language())}"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(message)}</p>"
        f'<p><a href="{home_url}">{escape(home)}</a></p></html>'
    )


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> Page:
    title = gettext("This page has expired")
    message = gettext("Please open the page again and try once more.")
    return error_page(400, title, message)


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Page | HTTPException:
    if error.code is None or error.code < 400:
        return error
    title, message = describe(error.code)
    # Keep headers such as Allow (405) or Retry-After; the body is ours.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return error_page(error.code, title, message, headers)


@bp.app_errorhandler(500)
def server_error(error: Exception) -> Page | tuple[str, int]:
    """Render the error template; if that fails too, a page built here without templates."""
    title, message = describe(500)
    try:
        return error_page(500, title, message)
    except Exception:  # noqa: BLE001 - the last resort must not fail
        current_app.logger.exception("the error page could not be rendered")
    return plain_page(title, message), 500
