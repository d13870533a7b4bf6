"""The browser's signed session, read outside Flask as Flask reads it.

The attempt lane (lane.py) serves a resident's pages and answers without a Flask request: it
reads the session as SecureCookieSessionInterface.open_session does, for the attempt ids it
names.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from flask import Flask
from itsdangerous import BadSignature

from .attempt import remembered
from .pages import Pages, cookie

#: Sessions whose signature was checked, kept per worker process.
MAX_SESSIONS = 4096
EMPTY: Mapping[str, Any] = {}


class Session:
    """A session as read: its data (not to be changed) and the attempt ids it names."""

    __slots__ = ("attempts", "data", "signed_at")

    def __init__(self, data: Mapping[str, Any], signed_at: float) -> None:
        self.data = data
        self.attempts = frozenset(remembered(data))
        self.signed_at = signed_at


NONE = Session(EMPTY, 0.0)


class Sessions:
    """The sessions of one app: a cookie whose signature was checked is kept (bounded) and not
    checked again, but its age is, at every use."""

    def __init__(self, app: Flask, size: int = MAX_SESSIONS) -> None:
        self.app = app
        self.kept = Pages(size)

    def _key(self, value: str) -> tuple[object, ...]:
        # Kept with these keys: a changed SECRET_KEY (or fallback) checks the cookie again.
        app = self.app
        return (value, app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))

    def _max_age(self) -> int:
        return int(self.app.permanent_session_lifetime.total_seconds())

    def read(self, environ: dict[str, Any]) -> Session:
        """The request's session; NONE when there is none, or its cookie is forged or too
        old."""
        app = self.app
        value = cookie(environ, app.config["SESSION_COOKIE_NAME"])
        if not value:
            return NONE
        max_age = self._max_age()
        key = self._key(value)
        found: Session | None = self.kept.get(key)
        if found is None:
            serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
            if serializer is None:
                return NONE
            try:
                data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return NONE
            found = Session(data if isinstance(data, dict) else EMPTY, signed.timestamp())
            self.kept.put(key, found)
        if not 0 <= time.time() - found.signed_at <= max_age:
            return NONE
        return found
