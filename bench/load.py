"""Load benchmark: a market day and a live-session burst against `canhgiac serve`, on SQLite and
on PostgreSQL, each next to a bare Flask endpoint measured in the same run.

    python bench/load.py [--db sqlite|postgresql|both] [--workers 2] [--threads 4]
                         [--clients 32] [--procs 2] [--seconds 4] [--rounds 2] [--warmup 1]
                         [--mix-seconds 15] [--phones 300] [--postgres-url URL] [--timeout 900]

For each database: a fresh database (SQLite: a temporary file; PostgreSQL: CREATE DATABASE in
the server of --postgres-url or CANHGIAC_TEST_POSTGRES_URL, dropped afterwards; skipped with a
line saying so when there is none), `canhgiac db upgrade`, `canhgiac trainer add`, then
`canhgiac serve --workers W --threads T` with the shipped lessons and quizzes, and the bare
Flask app (one trivial endpoint, bench/harness.py) under the same gunicorn settings. Loopback
only.

The clients are `--procs` processes of `--clients / --procs` threads each (so that no client
interpreter's GIL caps the load), each thread one keep-alive connection (stdlib http.client,
its own cookies, `Accept-Encoding: gzip, deflate, br, zstd` as current phones send). Clients
and servers share the machine's CPUs: next to each figure are the server CPU per request and
the share of the machine's CPU that the clients, and everything else on the machine, used
meanwhile.

1. Throughput, one endpoint at a time: the same clients send only that request, as fast as it
   is answered, for `--warmup` seconds (not counted) and then `--seconds` seconds, in
   `--rounds` rounds of all endpoints in turn (so that noise on the machine spreads over all
   of them), each endpoint's window between two of the bare endpoint's: the home page, lesson
   pages, quiz intros (with a `?src=` label), quiz starts (POST), question pages, answer posts
   (POST, every question of the attempts just started, in order, so attempts finish and are
   scored) and result pages. Per endpoint: requests/s, p50 and p99 latency, errors, and the
   ratios to the bare windows next to its own (the machine's speed drifts over tens of
   seconds) and to all of them; the targets, on the first: pages at least 60% of the bare
   endpoint's throughput, posts at least 35%.
2. A market day (`--mix-seconds`): residents one after another on every client thread, each
   with a new phone: the home page, a lesson, its quiz's intro from a leaflet's QR code, start,
   then every question (the form parsed from the page; 5% of answers sent
   twice, as a back button does), the feedback page after each answer, and the result.
3. A live-session burst: a trainer starts a session of a shipped quiz, `--phones` phones join
   (one client thread each), and when the first question opens they all poll, open it and
   answer at once (10% twice); then the same number of connections hit the bare endpoint as
   often, all at once.

Every answer acknowledged (quiz and live) is checked against the database afterwards: none
lost, none changed, none counted twice; every attempt whose questions were all acknowledged is
finished with the right score. The exit status is 1 if any request failed or any check did not
hold (2 if no database could be measured). Targets are reported, not enforced. Bounded: every
phase is timed, the whole run by `--timeout` per database. Figures are for reading, not for CI;
docs/performance.md keeps the latest ones.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import math
import multiprocessing
import os
import platform
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from harness import (
    ROOT,
    Client,
    Column,
    Failed,
    Phone,
    Trainer,
    bare_command,
    format_table,
    free_port,
    percentile,
    start,
    stop,
)

#: What phones send (Chrome since version 123, 2024, and Firefox since 126; `--accept-encoding`
#: "gzip, deflate, br" for an older browser); the client decodes what comes back.
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
TRAINER = ("bench", "bench-password-123")
#: A browser remembers this many quiz attempts (canhgiac.web.quiz.MAX_REMEMBERED).
ATTEMPTS_PER_BROWSER = 20
#: Leaflet and market labels for `?src=`.
SOURCES = 12
#: Share of answers sent twice: back button and retry in the market mix, double taps live.
DOUBLE_MIX = 0.05
DOUBLE_LIVE = 0.1
#: The throughput targets, as a share of the bare endpoint's.
PAGE_TARGET = 0.60
POST_TARGET = 0.35

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
    page: Browser | None = None
    bare: Browser | None = None
    fresh: list[Browser] = field(default_factory=list)  # browsers with a session
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
    def __init__(self, slot: Slot, port: int) -> None:
        super().__init__(port, {}, threading.Lock(), accept_encoding=slot.accept)
        self.slot = slot
        self.started = 0


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


class ClientProcess:
    """The clients of one process, driven by commands from the main process."""

    def __init__(
        self, index: int, procs: int, threads: int, ports: dict[str, int], content, accept: str
    ):  # type: ignore[no-untyped-def]
        self.index = index
        self.ports = ports
        self.content = content
        self.slots = [Slot(index + procs * i) for i in range(threads)]
        for slot in self.slots:
            slot.accept = accept
            slot.rng = random.Random(slot.n)
            slot.counter = slot.n
        self.phones: list[tuple[Slot, LivePhone]] = []

    # Each thread runs `job(slot)` until the deadline; a request that fails is counted as an
    # error of its kind and the thread goes on (a resident with a new phone).
    def run(self, job, slots: list[Slot], t0: float, deadline: float) -> None:  # type: ignore[no-untyped-def]
        def loop(slot: Slot) -> None:
            slot.deadline = deadline
            time.sleep(max(0.0, t0 - time.monotonic()))
            while time.monotonic() < deadline:
                try:
                    job(slot)
                except (Stop, Exhausted):
                    return
                except (Failed, OSError, http.client.HTTPException, AttributeError) as exc:
                    slot.errors.append((slot.kind, repr(exc)[:300]))
                    for browser in (slot.page, slot.bare):
                        if browser is not None and browser.conn is not None:
                            browser.conn.close()
                            browser.conn = None
                    time.sleep(0.05)

        threads = [threading.Thread(target=loop, args=(s,)) for s in slots]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def collect(self, slots: list[Slot], since: float, until: float) -> dict[str, object]:
        """Latencies of the requests that ended in [since, until], and every error."""
        latencies: dict[str, list[float]] = defaultdict(list)
        errors: Counter[str] = Counter()
        messages: list[str] = []
        for slot in slots:
            for kind, began, elapsed, _status in slot.records:
                if since <= began + elapsed <= until:
                    latencies[kind].append(elapsed)
            for kind, message in slot.errors:
                errors[kind] += 1
                if len(messages) < 5:
                    messages.append(f"{kind}: {message}")
            slot.records = []
            slot.errors = []
        return {"latencies": dict(latencies), "errors": dict(errors), "messages": messages}

    # -- commands --------------------------------------------------------------------------
    def phase(self, name: str, t0: float, since: float, until: float) -> dict[str, object]:
        job = getattr(self, f"job_{name}")
        residents = sum(s.residents for s in self.slots)
        self.run(job, self.slots, t0, until)
        result = self.collect(self.slots, since, until)
        result["residents"] = sum(s.residents for s in self.slots) - residents
        result["exhausted"] = sum(1 for s in self.slots if not self.has_work(name, s))
        return result

    def has_work(self, name: str, slot: Slot) -> bool:
        if name == "start":
            return bool(slot.fresh)
        if name == "answer":
            return bool(slot.attempts)
        return True

    def prepare(self, browsers: int, deadline: float) -> dict[str, object]:
        """Give each thread `browsers` browsers holding a session (for the answers): each
        starts one quiz and opens its first question, as a resident does."""
        quiz_ids = sorted(self.content.quizzes)

        def job(slot: Slot) -> None:
            if len(slot.fresh) >= browsers:
                raise Exhausted
            browser = Browser(slot, self.ports["app"])
            quiz = quiz_ids[slot.n % len(quiz_ids)]
            response, _ = browser.expect(303, "setup", "POST", f"/q/{quiz}/start", {"src": ""})
            browser.expect(200, "setup", "GET", location(response))
            found = LOCATION.search(location(response))
            if not found:
                raise Failed(f"start: unexpected Location {location(response)!r}")
            slot.attempts.append(
                AttemptRef(browser, quiz, found.group(2), len(self.content.quizzes[quiz]))
            )
            browser.started = 1
            slot.fresh.append(browser)

        self.run(job, self.slots, 0, deadline)
        return self.collect(self.slots, -math.inf, math.inf)

    def job_bare(self, slot: Slot) -> None:
        if slot.bare is None:
            slot.bare = Browser(slot, self.ports["bare"])
        slot.bare.expect(200, "bare", "GET", "/ping")

    def _page(self, slot: Slot) -> Browser:
        if slot.page is None:
            slot.page = Browser(slot, self.ports["app"])
        slot.counter += 1
        return slot.page

    def job_home(self, slot: Slot) -> None:
        self._page(slot).expect(200, "home", "GET", "/")

    def job_lesson(self, slot: Slot) -> None:
        browser = self._page(slot)
        lesson, _quiz = self.content.lessons[slot.counter % len(self.content.lessons)]
        browser.expect(200, "lesson", "GET", f"/l/{lesson}")

    def job_intro(self, slot: Slot) -> None:
        browser = self._page(slot)
        _lesson, quiz = self.content.lessons[slot.counter % len(self.content.lessons)]
        browser.expect(200, "intro", "GET", f"/q/{quiz}?src=cho-{slot.counter % SOURCES}")

    def job_start(self, slot: Slot) -> None:
        if not slot.fresh:
            raise Exhausted
        browser = slot.fresh[0]
        slot.counter += 1
        _lesson, quiz = self.content.lessons[slot.counter % len(self.content.lessons)]
        form = {"src": f"cho-{slot.counter % SOURCES}"}  # no token: see canhgiac/web/origin.py
        response, _ = browser.expect(303, "start", "POST", f"/q/{quiz}/start", form)
        found = LOCATION.search(location(response))
        if not found:
            raise Failed(f"start: unexpected Location {location(response)!r}")
        count = len(self.content.quizzes[quiz])
        slot.attempts.append(AttemptRef(browser, quiz, found.group(2), count))
        browser.started += 1
        if browser.started >= ATTEMPTS_PER_BROWSER:
            slot.fresh.pop(0)

    def job_question(self, slot: Slot) -> None:
        if not slot.attempts:
            raise Exhausted
        slot.cursor += 1
        attempt = slot.attempts[slot.cursor % len(slot.attempts)]
        unanswered = attempt.count - attempt.next + 1
        n = attempt.next + slot.cursor // len(slot.attempts) % unanswered
        path = f"/q/{attempt.quiz_id}/a/{attempt.id}/{n}"
        _, page = attempt.browser.expect(200, "question", "GET", path)
        if not FORM.search(page):
            raise Failed(f"{path}: no question form")

    def job_answer(self, slot: Slot) -> None:
        if not slot.attempts:
            raise Exhausted
        attempt = slot.attempts[0]
        spec = self.content.quizzes[attempt.quiz_id][attempt.next - 1]
        form, keys = pick_answer(spec, slot.rng)  # no token: see canhgiac/web/origin.py
        path = f"/q/{attempt.quiz_id}/a/{attempt.id}/{attempt.next}"
        attempt.browser.expect(303, "answer", "POST", path, form)
        slot.acknowledged.append((attempt.id, attempt.next, keys))
        attempt.next += 1
        if attempt.next > attempt.count:
            slot.attempts.pop(0)
            slot.finished.append(attempt)

    def job_result(self, slot: Slot) -> None:
        if not slot.finished:
            raise Exhausted
        slot.cursor += 1
        attempt = slot.finished[slot.cursor % len(slot.finished)]
        path = f"/q/{attempt.quiz_id}/a/{attempt.id}/result"
        attempt.browser.expect(200, "result", "GET", path)

    def job_mix(self, slot: Slot) -> None:
        """One resident at the market, from the home page to the quiz result."""
        if slot.page is not None and slot.page.conn is not None:
            slot.page.conn.close()  # the previous resident's phone
        browser = slot.page = Browser(slot, self.ports["app"])
        slot.counter += 1
        lesson, quiz = self.content.lessons[slot.counter % len(self.content.lessons)]
        browser.expect(200, "home", "GET", "/")
        browser.expect(200, "lesson", "GET", f"/l/{lesson}")
        _, page = browser.expect(200, "intro", "GET", f"/q/{quiz}?src=cho-{slot.counter % SOURCES}")
        form = {"src": SRC_FIELD.search(page).group(1)}
        response, _ = browser.expect(303, "start", "POST", f"/q/{quiz}/start", form)
        url = location(response)
        while True:
            _, page = browser.expect(200, "question", "GET", url)
            action = FORM.search(page)
            choices = CHOICE.findall(page)
            found = LOCATION.search(action.group(1)) if action else None
            if not found or not choices or found.group(3) == "result":
                raise Failed(f"{url}: no question form")
            attempt_id, n = found.group(2), int(found.group(3))
            kind = choices[0][0]
            values = [v for _, v in choices]
            if kind == "checkbox":
                chosen = [v for v in values if slot.rng.random() < 0.5] or [values[0]]
            else:
                chosen = [slot.rng.choice(values)]
            flags = [f for f in FLAG.findall(page) if slot.rng.random() < 0.4]
            form = {"choice": chosen, "flag": flags}  # no token: see canhgiac/web/origin.py
            response, _ = browser.expect(303, "answer", "POST", action.group(1), form)
            keys = set(chosen) | {f"f:{f}" for f in flags}  # flags: only on scenarios
            slot.acknowledged.append((attempt_id, n, ",".join(sorted(keys))))
            if slot.rng.random() < DOUBLE_MIX:  # the back button: the first answer stays
                other = dict(form, choice=[v for v in values if v not in chosen][:1] or chosen)
                browser.expect(303, "answer", "POST", action.group(1), other)
            _, page = browser.expect(200, "question", "GET", location(response))
            following = NEXT.search(page)
            if not following:
                raise Failed(f"{url}: no link to go on")
            url = html.unescape(following.group(1))
            if url.endswith("/result"):
                browser.expect(200, "result", "GET", url)
                slot.residents += 1
                return

    # -- the live burst --------------------------------------------------------------------
    def join(self, code: str, phones: list[int], deadline: float) -> dict[str, object]:
        slots = [Slot(n) for n in phones]
        self.phones = [(s, LivePhone(s, s.n, self.ports["app"], code)) for s in slots]
        by_slot = {s.n: p for s, p in self.phones}
        done: set[int] = set()

        def job(slot: Slot) -> None:
            phone = by_slot[slot.n]
            if slot.n in done:
                raise Exhausted
            done.add(slot.n)
            phone.join()
            phone.poll()

        self.run(job, slots, 0, deadline)
        return self.collect(slots, -math.inf, math.inf)

    def burst(self, t0: float, deadline: float) -> dict[str, object]:
        """Every phone: see the question open, open it, answer (some twice), poll again."""
        slots = [s for s, _ in self.phones]
        by_slot = {s.n: p for s, p in self.phones}
        done: set[int] = set()
        answered: list[float] = []
        lock = threading.Lock()

        def job(slot: Slot) -> None:
            phone = by_slot[slot.n]
            if slot.n in done:
                raise Exhausted
            done.add(slot.n)
            if phone.poll() != 200:
                raise Failed("the new question was not seen")
            phone.answer(random.Random(slot.n).random() < DOUBLE_LIVE)
            with lock:
                answered.append(time.monotonic())
            phone.poll()

        self.run(job, slots, t0, deadline)
        ended = max((b + e for s in slots for _, b, e, _ in s.records), default=t0)
        result = self.collect(slots, -math.inf, math.inf)
        result["ended"] = ended
        result["acknowledged"] = {
            f"P{p.n}": dict(p.acknowledged) for _, p in self.phones if p.acknowledged
        }
        result["doubles"] = sum(p.doubles for _, p in self.phones)
        result["answered"] = answered
        return result

    def bare_burst(self, t0: float, per_phone: int, deadline: float) -> dict[str, object]:
        """The same connections, all at once, each as many bare requests as a phone sent."""
        slots = [Slot(s.n) for s, _ in self.phones]
        sent: Counter[int] = Counter()

        def job(slot: Slot) -> None:
            if sent[slot.n] >= per_phone:
                raise Exhausted
            sent[slot.n] += 1
            if slot.bare is None:
                slot.bare = Browser(slot, self.ports["bare"])
            slot.bare.expect(200, "bare", "GET", "/ping")

        self.run(job, slots, t0, deadline)
        ended = max((b + e for s in slots for _, b, e, _ in s.records), default=t0)
        result = self.collect(slots, -math.inf, math.inf)
        result["ended"] = ended
        return result

    def acknowledged(self) -> list[tuple[str, int, str]]:
        found = [a for s in self.slots for a in s.acknowledged]
        for s in self.slots:
            s.acknowledged = []
        return found


def client_main(conn, index, procs, threads, ports, content, accept) -> None:  # type: ignore[no-untyped-def]
    clients = ClientProcess(index, procs, threads, ports, content, accept)
    while True:
        command = conn.recv()
        if command is None:
            break
        name, kwargs = command
        try:
            conn.send(("ok", getattr(clients, name)(**kwargs)))
        except Exception as exc:  # noqa: BLE001 - reported by the main process
            conn.send(("failed", repr(exc)))
    conn.close()


class Clients:
    """The client processes, seen from the main process."""

    def __init__(
        self, procs: int, threads: int, ports: dict[str, int], content: Content, accept: str
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes = []
        self.procs = []
        for index in range(procs):
            parent, child = context.Pipe()
            proc = context.Process(
                target=client_main,
                args=(child, index, procs, threads, ports, content, accept),
                daemon=True,
            )
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.pid is not None]

    def send(self, command: str, each: list[dict[str, object]] | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        for i, pipe in enumerate(self.pipes):
            pipe.send((command, dict(kwargs, **(each[i] if each else {}))))

    def receive(self, timeout: float) -> list[dict[str, object]]:
        results = []
        for pipe in self.pipes:
            if not pipe.poll(max(1.0, timeout)):
                raise Failed("a client process did not answer in time")
            status, value = pipe.recv()
            if status != "ok":
                raise Failed(f"a client process failed: {value}")
            results.append(value)
        return results

    def call(self, command: str, timeout: float, **kwargs) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
        self.send(command, **kwargs)
        return self.receive(timeout)

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(None)
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
                proc.join(5)


# -- CPU use of process trees (Linux /proc) --------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(roots: list[int]) -> float:
    """CPU seconds (user + system, with reaped children's) of these processes and all their
    descendants."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields:
                children[int(fields[1])].append(int(entry))
    total, todo, seen = 0, list(roots), set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        fields = _stat(pid)
        if fields:
            total += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
        todo.extend(children.get(pid, ()))
    return total / TICK


def machine_ticks() -> tuple[int, int]:
    """(busy, all) CPU ticks of the whole machine so far (/proc/stat), steal time as busy."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except OSError:
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle, iowait
    everything = sum(fields[:8])  # up to steal; guest time is already in user
    return everything - idle, everything


# -- the figures -----------------------------------------------------------------------------


@dataclass
class Measured:
    """One endpoint (or one phase) measured over a window."""

    label: str
    latencies: list[float]
    errors: int
    seconds: float
    server_cpu: float = 0.0  # seconds, server processes (and PostgreSQL) in the window
    client_cpu: float = 0.0  # seconds, the client processes
    other_cpu: float = 0.0  # seconds, every other process on the machine (and steal time)
    residents: int = 0  # market day: residents who reached their result

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float | None:
        return percentile(self.latencies, q) if self.latencies else None


def merged(results: list[dict[str, object]], kind: str) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    for r in results:
        latencies += r["latencies"].get(kind, [])  # type: ignore[union-attr]
        errors += r["errors"].get(kind, 0)  # type: ignore[union-attr]
    return latencies, errors


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


THROUGHPUT_COLUMNS = [
    Column("endpoint", 34, left=True),
    Column("requests", 9),
    Column("req/s", 8, ".0f"),
    Column("÷bare", 7, ".2f"),
    Column("÷all", 6, ".2f"),
    Column("p50 ms", 8, ".1f"),
    Column("p99 ms", 8, ".1f"),
    Column("p50×", 6, ".1f"),
    Column("p99×", 6, ".1f"),
    Column("errors", 7),
    Column("srv CPU ms", 11, ".2f"),
    Column("clients", 8, ".0%"),
    Column("others", 7, ".0%"),
    Column("  target", 14, left=True),
]


def throughput_rows(
    rows: list[tuple[Measured, Measured, float | None]], bare: Measured, cpus: int
) -> tuple[list[list[object]], list[str]]:
    """The table's rows: the bare endpoint's (all of its windows), then each endpoint's, set
    against the bare windows next to its own (`near`) and against all of them."""
    table, missed = [], []
    for m, near, target in [(bare, bare, None), *rows]:
        share = ratio(m.rate, near.rate)
        verdict = ""
        if target is not None and share is not None:
            ok = share >= target and m.errors == 0
            verdict = f"  ≥{target:.0%} {'met' if ok else 'MISSED'}"
            if not ok:
                missed.append(m.label)
        table.append(
            [
                m.label,
                m.count,
                m.rate,
                share,
                ratio(m.rate, bare.rate),
                m.p(50),
                m.p(99),
                ratio(m.p(50), near.p(50)),
                ratio(m.p(99), near.p(99)),
                m.errors,
                m.server_cpu / m.count * 1000 if m.count else None,
                m.client_cpu / (m.seconds * cpus) if m.seconds else None,
                m.other_cpu / (m.seconds * cpus) if m.seconds else None,
                verdict,
            ]
        )
    return table, missed


LATENCY_COLUMNS = [
    Column("request", 34, left=True),
    Column("requests", 9),
    Column("req/s", 8, ".0f"),
    Column("p50 ms", 8, ".1f"),
    Column("p99 ms", 8, ".1f"),
    Column("p50×", 6, ".1f"),
    Column("p99×", 6, ".1f"),
    Column("errors", 7),
]


def latency_rows(rows: list[Measured], bare: Measured) -> list[list[object]]:
    return [
        [
            m.label,
            m.count,
            m.rate,
            m.p(50),
            m.p(99),
            ratio(m.p(50), bare.p(50)),
            ratio(m.p(99), bare.p(99)),
            m.errors,
        ]
        for m in rows
    ]


# -- one database ------------------------------------------------------------------------------

ENDPOINTS = [
    # (phase, label, target)
    ("home", "home page GET /", PAGE_TARGET),
    ("lesson", "lesson GET /l/<id>", PAGE_TARGET),
    ("intro", "quiz intro GET /q/<id>?src=", PAGE_TARGET),
    ("start", "quiz start POST /q/<id>/start", POST_TARGET),
    ("question", "question GET /q/<id>/a/<a>/<n>", PAGE_TARGET),
    ("answer", "answer POST /q/<id>/a/<a>/<n>", POST_TARGET),
    ("result", "result GET /q/<id>/a/<a>/result", PAGE_TARGET),
]
MIX_KINDS = [
    ("home", "home page GET"),
    ("lesson", "lesson GET"),
    ("intro", "quiz intro GET"),
    ("start", "quiz start POST"),
    ("question", "question / feedback GET"),
    ("answer", "answer POST"),
    ("result", "result GET"),
]


class Run:
    def __init__(self, args: argparse.Namespace, db: str, url: str, work: Path) -> None:
        self.args = args
        self.db = db
        self.url = url
        self.work = work
        self.deadline = time.monotonic() + args.timeout
        self.lines: list[str] = []
        self.failures: list[str] = []
        self.missed: list[str] = []
        self.server_roots: list[int] = []
        self.db_roots: list[int] = []
        self.cpus = os.cpu_count() or 1

    def say(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)

    def left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Failed(f"over the time limit of {self.args.timeout} s")
        return left

    # -- the steps -------------------------------------------------------------------------
    def execute(self) -> None:
        args = self.args
        env = {
            **os.environ,
            "CANHGIAC_INSTANCE_PATH": str(self.work),
            "CANHGIAC_SECRET_KEY": secrets.token_hex(32),
            "CANHGIAC_DATABASE_URL": self.url,
            "CANHGIAC_CONTENT": str(ROOT),
        }
        canhgiac = shutil.which("canhgiac") or str(Path(sys.executable).parent / "canhgiac")
        subprocess.run(
            [canhgiac, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120
        )
        subprocess.run(
            [canhgiac, "trainer", "add", TRAINER[0], "--password-stdin"],
            env=env,
            input=TRAINER[1] + "\n",
            text=True,
            check=True,
            capture_output=True,
            timeout=120,
        )
        self.db_roots = database_roots(self.url)
        ports = {"app": free_port(), "bare": free_port()}
        settings = ["--workers", str(args.workers), "--threads", str(args.threads)]
        procs = []
        clients = None
        try:
            procs.append(
                start(
                    [canhgiac, "serve", "--port", str(ports["app"]), *settings],
                    env,
                    ports["app"],
                    self.work / "app.log",
                )
            )
            self.server_roots = [procs[-1].pid]
            procs.append(
                start(
                    bare_command(ports["bare"], args.workers, args.threads),
                    env,
                    ports["bare"],
                    self.work / "bare.log",
                )
            )
            bare_root = procs[-1].pid
            clients = Clients(
                args.procs,
                args.clients // args.procs,
                ports,
                shipped_content(),
                args.accept_encoding,
            )
            self.header()
            self.phase(clients, "mix", args.warmup + 2, [])  # warms every worker up: not shown
            # Every endpoint's window between two of the bare endpoint's, in rounds of all
            # endpoints in turn: the machine's speed drifts over tens of seconds (other
            # machines on the same host), so each endpoint is set against the bare windows
            # next to its own, and a slow spell spreads over all of them.
            bare = [self.phase(clients, "bare", args.seconds, [bare_root])]
            rounds: dict[str, list[Measured]] = defaultdict(list)
            near: dict[str, list[Measured]] = defaultdict(list)
            for _ in range(args.rounds):
                for name, _label, _target in ENDPOINTS:
                    if name == "start":
                        self.prepare(clients, bare[-1].rate)
                        bare.append(self.phase(clients, "bare", args.seconds, [bare_root]))
                    roots = self.server_roots + self.db_roots
                    rounds[name].append(self.phase(clients, name, args.seconds, roots))
                    bare.append(self.phase(clients, "bare", args.seconds, [bare_root]))
                    near[name] += bare[-2:]
            base = combine("bare Flask GET /ping", bare)
            measured = [
                (combine(label, rounds[name]), combine("", near[name]), target)
                for name, label, target in ENDPOINTS
            ]
            acknowledged = [a for r in clients.call("acknowledged", self.left()) for a in r]
            self.report_throughput(measured, base, bare)
            mix = self.phase(clients, "mix", args.mix_seconds, self.server_roots + self.db_roots)
            acknowledged += [a for r in clients.call("acknowledged", self.left()) for a in r]
            self.report_mix(mix, base)
            self.check_answers(acknowledged)
            self.burst(clients, ports["app"])
        finally:
            if clients is not None:
                clients.close()
            for proc in procs:
                stop(proc)

    def header(self) -> None:
        args = self.args
        version = database_version(self.url)
        threads = args.clients // args.procs
        self.say(
            f"== {version}: gunicorn {args.workers} workers x {args.threads} threads "
            f"(canhgiac serve), bare Flask endpoint under the same settings"
        )
        self.say(
            f"   clients: {args.procs} processes x {threads} threads = "
            f"{args.procs * threads} keep-alive connections (http.client, Accept-Encoding: "
            f"{args.accept_encoding}); {self.cpus} CPUs shared by clients and servers"
        )

    def phase(self, clients: Clients, name: str, seconds: float, roots: list[int]) -> Measured:
        """Run one timed phase on every client; figures over its window (after warm-up)."""
        self.left()
        warm = 0.0 if name == "mix" else self.args.warmup  # residents start afresh anyway
        t0 = time.monotonic() + 0.3
        since, until = t0 + warm, t0 + warm + seconds
        clients.send("phase", name=name, t0=t0, since=since, until=until)
        ours = [os.getpid(), *self.db_roots]  # this process's tree holds clients and servers

        def snapshot() -> tuple[float, float, float, float]:
            busy, _ = machine_ticks()
            return cpu_seconds(roots), cpu_seconds(clients.pids), cpu_seconds(ours), busy / TICK

        time.sleep(max(0.0, since - time.monotonic()))
        before = snapshot()
        time.sleep(max(0.0, until - time.monotonic()))
        after = snapshot()
        server, client, all_ours, busy = (b - a for a, b in zip(before, after, strict=True))
        results = clients.receive(self.left())
        self.results = results
        kinds = {name} if name != "mix" else {k for k, _ in MIX_KINDS}
        latencies, errors = [], 0
        for kind in kinds:
            values, failed = merged(results, kind)
            latencies += values
            errors += failed
        for r in results:
            for message in r["messages"]:  # type: ignore[attr-defined]
                self.failures.append(f"{self.db} {name}: {message}")
        exhausted = sum(int(r["exhausted"]) for r in results)  # type: ignore[call-overload]
        if exhausted and name in ("start", "answer"):
            self.say(f"   note: {exhausted} client threads ran out of work in the {name} phase")
        residents = sum(int(r["residents"]) for r in results)  # type: ignore[call-overload]
        others = max(0.0, busy - all_ours)
        return Measured(name, latencies, errors, seconds, server, client, others, residents)

    def prepare(self, clients: Clients, bare_rate: float) -> None:
        """Enough browsers with a session that no thread runs out of quiz starts."""
        args = self.args
        per_thread = bare_rate * (args.seconds + args.warmup) / args.clients * 1.2
        browsers = min(400, math.ceil(per_thread / ATTEMPTS_PER_BROWSER) + 1)
        results = clients.call(
            "prepare", self.left(), browsers=browsers, deadline=time.monotonic() + 120
        )
        _, errors = merged(results, "setup")
        if errors:
            self.failures.append(f"{self.db} setup: {errors} requests failed")

    # -- reports ---------------------------------------------------------------------------
    def report_throughput(
        self,
        measured: list[tuple[Measured, Measured, float]],
        base: Measured,
        bare: list[Measured],
    ) -> None:
        self.say()
        rates = [m.rate for m in bare]
        self.say(
            f"Throughput, one endpoint at a time: {self.args.rounds} rounds of "
            f"{self.args.seconds:g} s windows (after {self.args.warmup:g} s of warm-up) per "
            f"endpoint, each between two windows of the bare endpoint ({len(bare)} windows, "
            f"{min(rates):.0f}-{max(rates):.0f} requests/s). ÷bare, p50×, p99×: against the "
            f"bare windows next to the endpoint's own; ÷all: against all of them. srv CPU: "
            f"server processes{' and PostgreSQL' if self.db_roots else ''} per request; "
            f"clients, others: share of the machine's CPU used by the clients and by "
            f"everything else"
        )
        rows, missed = throughput_rows(measured, base, self.cpus)
        for line in format_table(THROUGHPUT_COLUMNS, rows):
            self.say(line)
        names = {label: name for name, label, _target in ENDPOINTS}
        self.missed += [f"{self.db} {names[label]}" for label in missed]
        for m, _near, _target in measured:
            if m.errors:
                self.failures.append(f"{self.db}: {m.errors} errors in {m.label}")

    def report_mix(self, mix: Measured, base: Measured) -> None:
        self.say()
        rows = []
        for kind, label in MIX_KINDS:
            values, errors = merged(self.results, kind)
            rows.append(Measured(label, values, errors, mix.seconds))
        whole = Measured("the whole mix", mix.latencies, mix.errors, mix.seconds)
        self.say(
            f"Market day: {mix.residents} residents from home page to result in "
            f"{mix.seconds:g} s ({mix.residents / mix.seconds:.1f}/s), "
            f"{whole.rate / base.rate:.0%} of the bare endpoint's requests/s; "
            f"server CPU {mix.server_cpu / max(1, whole.count) * 1000:.2f} ms per request, "
            f"clients {mix.client_cpu / (mix.seconds * self.cpus):.0%} and others "
            f"{mix.other_cpu / (mix.seconds * self.cpus):.0%} of the machine's CPU"
        )
        for line in format_table(LATENCY_COLUMNS, latency_rows([*rows, whole, base], base)):
            self.say(line)
        if mix.errors:
            self.failures.append(f"{self.db}: {mix.errors} errors in the market-day mix")

    def check_answers(self, acknowledged: list[tuple[str, int, str]]) -> None:
        """Every acknowledged quiz answer against the database, and the scores."""
        import sqlalchemy as sa

        from canhgiac.content import load_catalog
        from canhgiac.store import answers, attempts, make_engine

        catalog, _ = load_catalog(ROOT)
        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                stored = {
                    (r.attempt_id, r.position): (r.choices, bool(r.correct))
                    for r in conn.execute(
                        sa.select(
                            answers.c.attempt_id,
                            answers.c.position,
                            answers.c.choices,
                            answers.c.correct,
                        )
                    )
                }
                started = {r.id: r for r in conn.execute(sa.select(attempts))}
        finally:
            engine.dispose()
        told: dict[tuple[str, int], str] = {}
        for attempt_id, n, keys in acknowledged:
            told.setdefault((attempt_id, n), keys)
        lost = sum(1 for k in told if k not in stored)
        changed = sum(1 for k, keys in told.items() if k in stored and stored[k][0] != keys)
        unacknowledged = sum(1 for k in stored if k not in told)
        per_attempt: Counter[str] = Counter(a for a, _ in told)
        wrong_score = 0
        for attempt_id, answered in per_attempt.items():
            row = started.get(attempt_id)
            if row is None or answered < row.question_count:
                continue
            quiz = catalog.quizzes[row.quiz_id]
            right = sum(
                1
                for n, q in enumerate(quiz.questions, start=1)
                if q.is_correct(frozenset(k for k in told[(attempt_id, n)].split(",") if k))
            )
            if row.finished_at is None or row.score != right:
                wrong_score += 1
        self.say()
        self.say(
            f"Quiz answers acknowledged {len(told)} (in {len(per_attempt)} attempts), stored "
            f"{len(stored)}: lost {lost}, changed {changed}, stored without an acknowledgement "
            f"{unacknowledged}; finished attempts with a wrong or missing score {wrong_score}"
        )
        if lost or changed or wrong_score:
            self.failures.append(
                f"{self.db}: quiz answers lost {lost}, changed {changed}, wrong scores "
                f"{wrong_score}"
            )

    # -- the live burst --------------------------------------------------------------------
    def burst(self, clients: Clients, port: int) -> None:
        args = self.args
        quiz = sorted(shipped_content().quizzes)[0]
        trainer = Trainer(port)
        trainer.login(*TRAINER)
        code = trainer.start_session(quiz)
        phones = [[n for n in range(args.phones) if n % args.procs == i] for i in range(args.procs)]
        clients.send(
            "join",
            each=[{"phones": p} for p in phones],
            code=code,
            deadline=time.monotonic() + 120,
        )
        joined = clients.receive(self.left())
        _, join_errors = merged(joined, "join")
        trainer.press("start", 0)
        t0 = time.monotonic()
        clients.send("burst", t0=t0, deadline=t0 + 120)
        results = clients.receive(self.left())
        seconds = max(float(r["ended"]) for r in results) - t0  # type: ignore[arg-type]
        answered = sorted(t for r in results for t in r["answered"])  # type: ignore[attr-defined]
        told = {k: v for r in results for k, v in r["acknowledged"].items()}  # type: ignore[attr-defined]
        doubles = sum(int(r["doubles"]) for r in results)  # type: ignore[call-overload]
        rows = []
        requests: list[float] = []
        errors = 0
        for kind, label in (
            ("poll", "poll GET /s/<code>/state"),
            ("page", "phone page GET /s/<code>"),
            ("answer", "answer POST /s/<code>/answer"),
        ):
            values, failed = merged(results, kind)
            requests += values
            errors += failed
            rows.append(Measured(label, values, failed, seconds))
        per_phone = max(1, round(len(requests) / max(1, args.phones)))
        t1 = time.monotonic() + 0.3
        clients.send("bare_burst", t0=t1, per_phone=per_phone, deadline=t1 + 120)
        bare_results = clients.receive(self.left())
        bare_seconds = max(float(r["ended"]) for r in bare_results) - t1  # type: ignore[arg-type]
        values, failed = merged(bare_results, "bare")
        base = Measured("bare Flask GET /ping", values, failed, bare_seconds)
        whole = Measured("the whole burst", requests, errors, seconds)

        stored, rows_count = live_responses(self.url, trainer.session_id)
        acknowledged = {(nick, q): c for nick, answers in told.items() for q, c in answers.items()}
        lost = sum(1 for k in acknowledged if k not in stored)
        changed = sum(1 for k, c in acknowledged.items() if k in stored and stored[k] != c)
        double = rows_count - len(set(stored) & set(acknowledged)) + changed
        trainer.press("reveal", 1)
        trainer.press("end", 0)

        self.say()
        window = answered[-1] - t0 if answered else float("nan")
        self.say(
            f"Live burst: {args.phones} phones joined ({join_errors} errors); the first "
            f"question opened and {len(acknowledged)} answers were acknowledged within "
            f"{window:.1f} s; stored {rows_count}, lost {lost}, double-counted {double} "
            f"({doubles} double submissions); {whole.rate:.0f} requests/s, "
            f"{whole.rate / base.rate:.0%} of the bare endpoint's on the same connections"
        )
        for line in format_table(LATENCY_COLUMNS, latency_rows([*rows, whole, base], base)):
            self.say(line)
        if (
            lost
            or double
            or errors
            or join_errors
            or base.errors
            or len(acknowledged) != args.phones
        ):
            self.failures.append(
                f"{self.db} live burst: acknowledged {len(acknowledged)} of {args.phones}, "
                f"lost {lost}, double {double}, errors {errors + join_errors + base.errors}"
            )
        for r in [*joined, *results, *bare_results]:
            for message in r["messages"]:  # type: ignore[attr-defined]
                self.failures.append(f"{self.db} live burst: {message}")


def combine(label: str, parts: list[Measured]) -> Measured:
    return Measured(
        label,
        [x for m in parts for x in m.latencies],
        sum(m.errors for m in parts),
        sum(m.seconds for m in parts),
        sum(m.server_cpu for m in parts),
        sum(m.client_cpu for m in parts),
        sum(m.other_cpu for m in parts),
    )


def live_responses(url: str, session_id: str) -> tuple[dict[tuple[str, str], str], int]:
    import sqlalchemy as sa

    from canhgiac.live.tables import participants, responses
    from canhgiac.store import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(participants.c.nickname, responses.c.question_id, responses.c.choices)
                .join(participants, participants.c.id == responses.c.participant_id)
                .where(participants.c.session_id == session_id)
            ).all()
    finally:
        engine.dispose()
    return {(r.nickname, r.question_id): r.choices for r in rows}, len(rows)


def database_version(url: str) -> str:
    import sqlalchemy as sa

    from canhgiac.store import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if url.startswith("sqlite"):
                version = conn.execute(sa.text("select sqlite_version()")).scalar()
                return f"SQLite {version} (WAL)"
            version = conn.execute(sa.text("show server_version")).scalar()
            return f"PostgreSQL {str(version).split()[0]}"
    finally:
        engine.dispose()


def database_roots(url: str) -> list[int]:
    """The PostgreSQL server's main process (its CPU is the database's), when it is local."""
    if not url.startswith("postgresql"):
        return []
    import sqlalchemy as sa

    from canhgiac.store import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            backend = int(conn.execute(sa.text("select pg_backend_pid()")).scalar_one())
            fields = _stat(backend)  # while this backend lives: its parent is the server
    finally:
        engine.dispose()
    return [int(fields[1])] if fields else []


# -- PostgreSQL databases ----------------------------------------------------------------------


def create_postgres(server_url: str) -> str:
    import sqlalchemy as sa

    from canhgiac.store import make_engine

    name = f"canhgiac_load_{secrets.token_hex(4)}"
    engine = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


def drop_postgres(server_url: str, url: str) -> None:
    import sqlalchemy as sa

    from canhgiac.store import make_engine

    name = url.rsplit("/", 1)[1]
    engine = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


# -- main ----------------------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.1f} GiB memory"
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({model}){memory}; Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; {date.today().isoformat()}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=32, help="client connections in all")
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--seconds", type=float, default=4, help="window per endpoint")
    parser.add_argument("--rounds", type=int, default=2, help="windows per endpoint")
    parser.add_argument("--warmup", type=float, default=1, help="seconds before each window")
    parser.add_argument("--mix-seconds", type=float, default=15, help="the market-day mix")
    parser.add_argument("--phones", type=int, default=300, help="phones in the live burst")
    parser.add_argument(
        "--accept-encoding", default=ACCEPT_ENCODING, help="the phones' Accept-Encoding header"
    )
    parser.add_argument("--postgres-url", default=os.environ.get("CANHGIAC_TEST_POSTGRES_URL"))
    parser.add_argument("--timeout", type=int, default=900, help="seconds per database at most")
    args = parser.parse_args()
    if not (
        1 <= args.workers <= 16
        and 1 <= args.threads <= 64
        and 1 <= args.procs <= 16
        and args.procs <= args.clients <= 512
        and 0.5 <= args.seconds <= 120
        and 1 <= args.rounds <= 10
        and 0 <= args.warmup <= 30
        and 1 <= args.mix_seconds <= 600
        and args.procs <= args.phones <= 1000
    ):
        parser.error(
            "out of bounds: at most 16 workers, 64 threads, 16 client processes, 512 client "
            "connections (at least one per process), 120 s per window, 10 rounds, 600 s of "
            "mix, 1000 phones"
        )
    print(f"load benchmark on {machine()}", flush=True)
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    failures: list[str] = []
    missed: list[str] = []
    ran = 0
    for db in databases:
        print(flush=True)
        if db == "postgresql" and not args.postgres_url:
            print(
                "== PostgreSQL: skipped, no server (give --postgres-url, set "
                "CANHGIAC_TEST_POSTGRES_URL, or run under `bash .ci/with-postgres`)",
                flush=True,
            )
            continue
        with tempfile.TemporaryDirectory(prefix="canhgiac-load-") as tmp:
            work = Path(tmp)
            url = (
                f"sqlite:///{work / 'load.sqlite3'}"
                if db == "sqlite"
                else create_postgres(args.postgres_url)
            )
            run = Run(args, db, url, work)
            try:
                run.execute()
                ran += 1
            except (Failed, OSError, subprocess.SubprocessError) as exc:
                detail = getattr(exc, "stderr", None) or ""
                failures.append(f"{db}: the benchmark failed: {exc} {detail}".strip())
            finally:
                if db == "postgresql":
                    drop_postgres(args.postgres_url, url)
            failures += run.failures
            missed += run.missed
            if run.failures:  # the server's account of them, before its folder goes
                print_server_errors(work / "app.log")
    print(flush=True)
    if ran:
        targets = ran * len(ENDPOINTS)
        print(
            f"targets (pages at least {PAGE_TARGET:.0%}, posts at least {POST_TARGET:.0%} of "
            f"the bare endpoint's throughput, no errors): met {targets - len(missed)} of "
            f"{targets}" + (f"; missed: {', '.join(missed)}" if missed else ""),
            flush=True,
        )
    for line in failures[:20]:
        print("error:", line, flush=True)
    if not ran:
        return 2
    return 1 if failures else 0


def print_server_errors(log: Path, most: int = 200) -> None:
    """The app server's log but for its access lines and start-up notes: the tracebacks of
    what failed."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return
    errors = [x for x in lines if not x.startswith('"') and "] [INFO] " not in x]
    if errors:
        print(f"the app server's log ({len(errors)} lines but for requests and notes):", flush=True)
        for line in errors[:most]:
            print("  " + line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
