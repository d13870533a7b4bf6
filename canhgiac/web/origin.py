"""Cross-site forms refused by what the browser says about where a request comes from.

The start of a quiz is a form on a page kept and served the same to everyone (the quiz
introduction a leaflet's QR code opens, see pages.py), so it cannot carry a per-browser CSRF
token; the answers of the quiz carry none either (a question page makes no token). They are
protected instead as Go's `http.CrossOriginProtection` protects forms: the browser's
`Sec-Fetch-Site` header (sent by every current browser) must say `same-origin` (or `none`, typed
or bookmarked); without it, the `Origin` header, if any, must name this host. A request with
neither comes from no browser, or from one too old to send them; it is let through (it can do
no more than what anyone can do by loading the page first). The session cookie is
`SameSite=Lax` besides, so a cross-site post never carries it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request
from werkzeug.wrappers import Request

ALLOWED_SITES = frozenset({"same-origin", "none"})


def cross_site(req: Request | None = None) -> bool:
    """Whether the browser says this request (by default Flask's current one) was made by
    another site."""
    req = request if req is None else req
    site = req.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site.strip().lower() not in ALLOWED_SITES
    origin = req.headers.get("Origin")
    if origin is None:
        return False
    if origin == "null":  # an opaque origin: a sandboxed frame, a file, a redirect from afar
        return True
    return urlsplit(origin).netloc.lower() != req.host.lower()


def refuse_cross_site() -> None:
    """403, in the reader's language, for a form another site sent."""
    if cross_site():
        abort(403)
