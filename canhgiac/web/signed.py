"""The browser's signed session, read outside Flask as Flask reads it.

The attempt lane (lane.py) serves a resident's pages and answers without a Flask request: it
reads the session as SecureCookieSessionInterface.open_session does, for the attempt ids it
names. A session the lane itself saved (a quiz start, starts.py) is kept as saved, so the
browser's next request to this worker does not check and decode it again.

The app's session interface (SessionInterface) is Flask's signed-cookie one, with its signing
serializer made once per secret key and a serializer that writes the same JSON as Flask's
tagged one, without tagging a session that holds nothing to tag.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask.json import dumps
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from .attempt import remembered
from .pages import Pages, cookie

#: Sessions whose signature was checked, kept per worker process.
MAX_SESSIONS = 4096
EMPTY: Mapping[str, Any] = {}


#: Values JSON writes as they are, which Flask's tagged serializer leaves untagged.
PLAIN = frozenset({str, int, float, bool, type(None)})


class PlainFirstSerializer(TaggedJSONSerializer):
    """Flask's tagged JSON serializer, which looks at every value of a session for a type to
    tag (a tuple, bytes, Markup, a UUID, a datetime, a dict of one key that looks like a
    tag). For a session of 20 attempt ids that looking costs 0.026 ms, five times writing the
    JSON itself. A session of plain JSON values only is written as JSON straight away, the
    same text; any other goes through the tagging."""

    def dumps(self, value: Any) -> str:
        if self._plain(value):
            return dumps(value, separators=(",", ":"))
        return super().dumps(value)

    def _plain(self, value: Any) -> bool:
        kind = type(value)
        if kind in PLAIN:
            return True
        if kind is list:
            return all(self._plain(item) for item in value)
        if kind is dict:
            if len(value) == 1 and next(iter(value)) in self.tags:
                return False  # Flask tags such a dict
            return all(type(k) is str and self._plain(v) for k, v in value.items())
        return False


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with its signing serializer made once per secret key
    rather than twice on every request (to read the cookie and to write it), and the plain
    session written without tagging (PlainFirstSerializer)."""

    serializer = PlainFirstSerializer()
    _made: tuple[tuple[object, ...], object] | None = None

    def get_signing_serializer(self, app: Flask):  # type: ignore[no-untyped-def]
        key = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        made = self._made
        if made is None or made[0] != key:
            made = self._made = (key, super().get_signing_serializer(app))
        return made[1]


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

    def saved(self, set_cookie: str, data: Mapping[str, Any], before: float) -> None:
        """Keep a session just saved with this Set-Cookie header, signed no earlier than
        `before` (the time taken before saving: its whole second, so that a kept session
        expires no later than Flask would have it expire), as `read` would find it."""
        name, _, rest = set_cookie.partition("=")
        value = rest.split(";", 1)[0]
        if name != self.app.config["SESSION_COOKIE_NAME"] or not value or '"' in value:
            return
        self.kept.put(self._key(value), Session(dict(data), float(int(before))))
