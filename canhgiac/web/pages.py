"""Pages that are the same for every reader of a language are rendered once, then kept.

The home page and the lessons show only the content (loaded once at start, unchanged while the
site runs) in the reader's language; rendering them is most of what they cost. So each is kept
after its first rendering, per path and query string (the language links keep the query),
language, script root and state of the static files (their fingerprints are in the page), in a
bounded store so that odd query strings cannot fill the memory. A page whose rendering touched
the session (a CSRF token, anything personal) is never kept. Off in debug mode, where templates
are reloaded when edited.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Flask, current_app, request, session

from .i18n import current_language

EXTENSION_KEY = "canhgiac.pages"
#: Pages kept per worker process (the shipped content has 14 pages in each of 2 languages).
MAX_PAGES = 512


class Pages:
    """A bounded, thread-safe store of rendered pages, the least recently used dropped first."""

    def __init__(self, size: int = MAX_PAGES) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: str) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = Pages()


def _static_state() -> tuple[tuple[str, int], ...]:
    folder = current_app.static_folder
    if not folder:
        return ()
    try:
        with os.scandir(folder) as entries:
            return tuple(sorted((e.name, e.stat().st_mtime_ns) for e in entries))
    except OSError:
        return ()


def shared_page(render: Callable[[], str]) -> str:
    """`render()`, or the page it gave for the same address, language and static files."""
    pages: Pages | None = current_app.extensions.get(EXTENSION_KEY)
    if pages is None or current_app.debug or current_app.jinja_env.auto_reload:
        return render()
    key = (
        request.path,
        request.query_string,
        request.script_root,
        current_language(),
        _static_state(),
    )
    page = pages.get(key)
    if page is not None:
        return page
    # The session object itself: reading through the `session` proxy marks it as read.
    own = session._get_current_object()  # type: ignore[attr-defined]
    own.accessed = False
    page = render()
    if not own.accessed:
        pages.put(key, page)
    own.accessed = True
    return page
