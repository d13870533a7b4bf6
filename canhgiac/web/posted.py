"""The forms the attempt lane takes itself (an answer, a start) and its 303 to them.

The lane reads a small urlencoded form as Flask would, and puts back what it read for Flask
to read again when it hands the request on. Its 303 repeats the headers of Flask's own last
303 to the same kind of form (SeeOther), so both answer alike.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask
from werkzeug.exceptions import HTTPException

from .origin import cross_site
from .pages import Headers, ResponseStarter, WSGIApp, answer_seen

#: Headers of Flask's 303 to a form that the lane does not repeat in its own.
NOT_REPEATED = frozenset({"date", "content-length", "location", "set-cookie"})
#: A form the lane takes (an answer, a start) is a few fields; a bigger body goes to Flask.
MAX_FORM_BYTES = 4096
FORM_TYPE = "application/x-www-form-urlencoded"


class SeeOther:
    """Flask's 303 to one kind of form (an answer, a start), for the lane to send its own: the
    headers of Flask's last such 303, but for those that are not the same for every one (its
    cookies, place, length and date)."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        #: None until Flask has sent one.
        self.headers: Headers | None = None

    def by_flask(self, environ: dict[str, Any], start_response: ResponseStarter) -> Iterable[bytes]:
        """Flask's answer to the form; a 303's headers are noted."""
        body, seen = answer_seen(self.app, environ, start_response)
        status, headers = seen.get("status", ""), seen.get("headers", [])
        if status.startswith("303 "):
            self.headers = tuple((n, v) for n, v in headers if n.lower() not in NOT_REPEATED)
        return body

    def send(
        self, start_response: ResponseStarter, cookies: list[tuple[str, str]], location: str
    ) -> Iterable[bytes]:
        """The lane's 303 (once Flask has sent one): the noted headers, the cookies it saves
        and where to go, with no body."""
        assert self.headers is not None
        start_response(
            "303 SEE OTHER",
            [*self.headers, *cookies, ("Location", location), ("Content-Length", "0")],
        )
        return [b""]


def small_form(environ: dict[str, Any]) -> list[tuple[str, str]] | None:
    """The fields of a small urlencoded ASCII form, or None for anything else. What was read is
    put back, for Flask to read again."""
    if environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() != FORM_TYPE:
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    if not 0 < length <= MAX_FORM_BYTES:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        return None
    if len(body) != length:
        return None
    return parse_qsl(text, keep_blank_values=True)


def from_this_site(app: Flask, environ: dict[str, Any]) -> bool:
    """Whether the browser says this site sent the form (origin.py), to a host Flask accepts
    (`TRUSTED_HOSTS`, checked as Flask checks it); anything else goes to Flask, which refuses
    it."""
    req = app.request_class(environ)
    trusted = app.config.get("TRUSTED_HOSTS")
    try:
        if trusted is not None:
            req.trusted_hosts = trusted
            _ = req.host  # raises for a host the list does not name
        return not cross_site(req)
    except HTTPException:  # werkzeug's SecurityError: Flask answers it 400
        return False
