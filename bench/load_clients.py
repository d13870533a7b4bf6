"""The load benchmark's client side (bench/load.py): the shipped content as the clients need
it, and the browsers and live phones one client thread drives, recording every request."""

from __future__ import annotations

import http.client
import math
import random
import re
import threading
import time
from dataclasses import dataclass, field

from harness import ROOT, Client, Phone

#: What phones send (Chrome since version 123, 2024, and Firefox since 126; `--accept-encoding`
#: "gzip, deflate, br" for an older browser); the client decodes what comes back.
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
#: Quizzes each phone starts in the one-endpoint windows (`--quizzes-per-phone`): a resident at
#: the cultural house doing a few, where the market day's residents do one each. Her phone then
#: carries every attempt in its progress cookie, as a resident's does. At most what a browser's
#: session remembers (bench/load.py's bound), the heaviest phone: its cookie carries only the
#: last eleven, and its older attempts' pages are read from the database.
QUIZZES_PER_PHONE = 3
#: Leaflet and market labels for `?src=`.
SOURCES = 12
#: Share of answers sent twice: back button and retry in the market mix, double taps live.
DOUBLE_MIX = 0.05
DOUBLE_LIVE = 0.1

LOCATION = re.compile(r"/q/([^/?#]+)/a/([^/?#]+)/(\d+|result)$")
FORM = re.compile(r'<form method="post" action="([^"]+)"')
CHOICE = re.compile(r'<input[^>]*type="(radio|checkbox)" name="choice" value="([^"]+)"')
FLAG = re.compile(r'name="flag" value="([^"]+)"')
NEXT = re.compile(r'<a class="button" href="([^"]+)"')
SRC_FIELD = re.compile(r'name="src" value="([^"]*)"')


class Stop(Exception):
    """The phase's time is over (raised before a request, never in the middle of one)."""


class Exhausted(Exception):
    """This client thread has nothing left to send in this phase."""


# -- the content, as the clients need it ---------------------------------------------------


@dataclass(frozen=True)
class QuestionSpec:
    type: str
    keys: tuple[str, ...]
    tappable: tuple[str, ...]


@dataclass(frozen=True)
class Content:
    lessons: tuple[tuple[str, str], ...]  # (lesson id, its quiz id)
    quizzes: dict[str, tuple[QuestionSpec, ...]]


def shipped_content() -> Content:
    from canhgiac.content import load_catalog

    catalog, _warnings = load_catalog(ROOT)
    quizzes = {
        quiz.id: tuple(
            QuestionSpec(
                q.type,
                tuple(c.key for c in q.choices),
                q.scenario.tappable if q.scenario else (),
            )
            for q in quiz.questions
        )
        for quiz in catalog.quizzes.values()
    }
    quiz_ids = sorted(quizzes)
    lessons = tuple(
        (lesson.id, lesson.quiz if lesson.quiz in quizzes else quiz_ids[i % len(quiz_ids)])
        for i, lesson in enumerate(sorted(catalog.lessons.values(), key=lambda x: x.id))
    )
    return Content(lessons, quizzes)


def pick_answer(spec: QuestionSpec, rng: random.Random) -> tuple[dict[str, object], str]:
    """A form for a question (from the content) and the choice keys the store keeps for it."""
    if spec.type == "multiple":
        chosen = [k for k in spec.keys if rng.random() < 0.5] or [rng.choice(spec.keys)]
    else:
        chosen = [rng.choice(spec.keys)]
    flags = [p for p in spec.tappable if rng.random() < 0.4] if spec.type == "scenario" else []
    stored = set(chosen) | {f"f:{p}" for p in flags}
    return {"choice": chosen, "flag": flags}, ",".join(sorted(stored))


# -- the client processes ------------------------------------------------------------------


@dataclass
class Slot:
    """One client thread: its records, its connections and the browsers and attempts it
    owns. Only its own thread touches it."""

    n: int
    records: list[tuple[str, float, float, int]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    kind: str = ""
    deadline: float = math.inf
    counter: int = 0
    rng: random.Random = field(default_factory=random.Random)
    page: Browser | None = None  # the pages kept for everyone
    bare: Browser | None = None
    phone: Browser | None = None  # the phone starting quizzes
    resident: Browser | None = None  # the market day's phone
    #: The thread's keep-alive connection to each port, which its windows' browsers share.
    connections: dict[int, http.client.HTTPConnection | None] = field(default_factory=dict)
    attempts: list[AttemptRef] = field(default_factory=list)  # started, not all answered
    finished: list[AttemptRef] = field(default_factory=list)
    cursor: int = 0
    acknowledged: list[tuple[str, int, str]] = field(default_factory=list)
    residents: int = 0
    accept: str = ACCEPT_ENCODING  # the Accept-Encoding header its browsers send


class Recording:
    """Requests recorded in the slot (kind, start, seconds, status); none after the deadline."""

    slot: Slot

    def request(self, kind, method, path, form=None, headers=None):  # type: ignore[no-untyped-def]
        if time.monotonic() >= self.slot.deadline:
            raise Stop
        self.slot.kind = kind
        return super().request(kind, method, path, form, headers)  # type: ignore[misc]

    def record(self, kind: str, began: float, elapsed: float, status: int) -> None:
        # perf_counter and monotonic are the same clock (CLOCK_MONOTONIC) on Linux.
        self.slot.records.append((kind, began, elapsed, status))


class Browser(Recording, Client):
    """A phone's browser: its cookies, and a connection of its own or (`shared`) its client
    thread's, so that the one-endpoint windows keep the same connections whichever phone's
    cookies a request carries."""

    def __init__(self, slot: Slot, port: int, *, shared: bool = False) -> None:
        self.slot = slot
        self._own: http.client.HTTPConnection | None = None
        self.shared = False  # Client.__init__ clears its connection: not the thread's
        super().__init__(port, {}, threading.Lock(), accept_encoding=slot.accept)
        self.shared = shared
        self.started = 0

    @property  # type: ignore[override]
    def conn(self) -> http.client.HTTPConnection | None:
        return self.slot.connections.get(self.port) if self.shared else self._own

    @conn.setter
    def conn(self, value: http.client.HTTPConnection | None) -> None:
        if self.shared:
            self.slot.connections[self.port] = value
        else:
            self._own = value

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class LivePhone(Recording, Phone):
    def __init__(self, slot: Slot, n: int, port: int, code: str) -> None:
        super().__init__(n, port, code, {}, threading.Lock(), accept_encoding=slot.accept)
        self.slot = slot


@dataclass
class AttemptRef:
    browser: Browser
    quiz_id: str
    id: str
    count: int
    next: int = 1


def location(response: http.client.HTTPResponse) -> str:
    value = response.getheader("Location") or ""
    if value.startswith("http"):
        value = "/" + value.split("/", 3)[3]
    return value
