"""Benchmark: one live session, many phones, a multi-worker server on SQLite.

    python bench/live_session.py [--phones 300] [--questions 10] [--workers 2] [--threads 8]
                                 [--clients 100] [--double 0.1] [--timeout 600]

Starts `canhgiac serve --workers W --threads T` on 127.0.0.1 with a fresh SQLite database and
a generated 10-question quiz, and in the same run a bare Flask app (one trivial endpoint) under
the same gunicorn settings (canhgiac.serve.options). Then a trainer runs the session while
`--phones` simulated phones (run by `--clients` threads, stdlib http.client, keep-alive, their
own cookies) join, poll the state endpoint with If-None-Match, open the question, answer it
(a share of them twice), and read the result, question after question.

Prints the answers acknowledged, stored, lost and double-counted (both must be 0: the exit
status is 1 otherwise, or when a request failed), and p50/p99 latency of the answer, poll, page
and join requests next to the bare endpoint's, with ratios. Loopback only; bounded in count
and in time (--timeout). Figures are for reading, not for CI.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookies
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Failed(Exception):
    pass


# -- servers ------------------------------------------------------------------------------


def bare_server(port: int, workers: int, threads: int) -> None:
    """The baseline: one trivial endpoint, the same gunicorn settings as `canhgiac serve`."""
    from flask import Flask

    from canhgiac.serve import KitServer, options

    app = Flask("bare")

    @app.get("/ping")
    def ping() -> str:
        return "ok"

    KitServer(app, options(HOST, port, workers, threads)).run()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start(command: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failed(f"server stopped:\n{log.read_text()[-2000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    raise Failed(f"server on port {port} did not start")


def stop(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(15)


def write_quiz(content: Path, questions: int) -> None:
    (content / "lessons").mkdir(parents=True)
    (content / "quizzes").mkdir()
    lines = ["id: bench", "title: {vi: Bài đo, en: Benchmark}", "topic: fraud", "questions:"]
    for i in range(1, questions + 1):
        lines += [
            f"  - id: q{i}",
            "    type: single",
            f"    prompt: {{vi: Câu hỏi số {i}?, en: Question {i}?}}",
            "    choices:",
            "      - text: {vi: Cúp máy, en: Hang up}",
            "        correct: true",
            "      - text: {vi: Đọc mã OTP, en: Read the OTP}",
            "      - text: {vi: Hỏi tên người gọi, en: Ask the caller's name}",
            "    explanation: {vi: Không đọc mã OTP cho ai., en: Never read the OTP to anyone.}",
        ]
    (content / "quizzes" / "bench.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- clients ------------------------------------------------------------------------------


class Client:
    """One browser: a keep-alive connection (reopened when the server closed it) and cookies."""

    def __init__(self, port: int, timings: dict[str, list[float]], lock: threading.Lock) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}
        self.timings = timings
        self.lock = lock

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        form: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPResponse, str]:
        sent = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            began = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue  # the server closed an idle keep-alive connection: reconnect once
            elapsed = time.perf_counter() - began
            break
        with self.lock:
            self.timings[kind].append(elapsed)
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, response, data.decode("utf-8", "replace")

    def expect(self, status: int, *args, **kwargs) -> tuple[http.client.HTTPResponse, str]:  # type: ignore[no-untyped-def]
        got, response, text = self.request(*args, **kwargs)
        if got != status:
            raise Failed(f"{args[1]} {args[2]}: {got}, expected {status}")
        return response, text


class Phone(Client):
    def __init__(self, n: int, port: int, code: str, timings, lock) -> None:  # type: ignore[no-untyped-def]
        super().__init__(port, timings, lock)
        self.n = n
        self.code = code
        self.etag: str | None = None
        self.acknowledged: dict[str, str] = {}  # question id -> choice key first sent
        self.doubles = 0

    def join(self) -> None:
        _, page = self.expect(200, "page", "GET", f"/j/{self.code}")
        form = {
            "csrf_token": TOKEN.search(page).group(1),
            "code": self.code,
            "nickname": f"P{self.n}",
        }
        self.expect(303, "join", "POST", "/j", form)

    def poll(self) -> int:
        headers = {"If-None-Match": self.etag} if self.etag else {}
        status, response, _ = self.request("poll", "GET", f"/s/{self.code}/state", headers=headers)
        if status == 200:
            self.etag = response.getheader("ETag")
        elif status != 304:
            raise Failed(f"poll: {status}")
        return status

    def answer(self, double: bool) -> None:
        _, page = self.expect(200, "page", "GET", f"/s/{self.code}")
        values = re.findall(r'name="choice" value="([^"]+)"', page)
        question = re.search(r'name="q" value="([^"]+)"', page)
        if not values or not question:
            raise Failed(f"phone {self.n}: no question form")
        form = {
            "csrf_token": TOKEN.search(page).group(1),
            "n": re.search(r'name="n" value="(\d+)"', page).group(1),
            "q": question.group(1),
            "choice": values[self.n % len(values)],
        }
        self.expect(303, "answer", "POST", f"/s/{self.code}/answer", form)
        self.acknowledged[question.group(1)] = str(form["choice"])
        if double:
            self.doubles += 1
            other = dict(form, choice=values[(self.n + 1) % len(values)])
            self.expect(303, "answer", "POST", f"/s/{self.code}/answer", other)


# -- the run ------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def run(args: argparse.Namespace, work: Path) -> int:
    from canhgiac.live import auth
    from canhgiac.store import Store

    content = work / "content"
    write_quiz(content, args.questions)
    url = f"sqlite:///{work / 'bench.sqlite3'}"
    store = Store(url)
    store.upgrade()
    auth.add_trainer(store.engine, "bench", "bench-password-123")
    store.dispose()
    env = {
        **os.environ,
        "CANHGIAC_INSTANCE_PATH": str(work),
        "CANHGIAC_SECRET_KEY": secrets.token_hex(32),
        "CANHGIAC_DATABASE_URL": url,
        "CANHGIAC_CONTENT": str(content),
    }
    canhgiac = shutil.which("canhgiac") or str(Path(sys.executable).parent / "canhgiac")
    live_port, bare_port = free_port(), free_port()
    threads = ["--workers", str(args.workers), "--threads", str(args.threads)]
    procs = []
    try:
        procs.append(
            start(
                [canhgiac, "serve", "--port", str(live_port), *threads],
                env,
                live_port,
                work / "live.log",
            )
        )
        procs.append(
            start(
                [sys.executable, __file__, "--bare-server", str(bare_port), *threads],
                env,
                bare_port,
                work / "bare.log",
            )
        )
        return session(args, live_port, bare_port, work)
    finally:
        for proc in procs:
            stop(proc)


def session(args: argparse.Namespace, live_port: int, bare_port: int, work: Path) -> int:
    timings: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    deadline = time.monotonic() + args.timeout
    trainer = Client(live_port, defaultdict(list), threading.Lock())
    _, page = trainer.expect(200, "t", "GET", "/t/login")
    token = TOKEN.search(page).group(1)
    form = {"csrf_token": token, "name": "bench", "password": "bench-password-123", "next": ""}
    trainer.expect(303, "t", "POST", "/t/login", form)
    response, _ = trainer.expect(
        303, "t", "POST", "/t/sessions", {"csrf_token": token, "quiz": "bench", "kind": "none"}
    )
    session_id = response.getheader("Location").rstrip("/").rsplit("/", 1)[1]
    _, page = trainer.expect(200, "t", "GET", f"/t/s/{session_id}")
    code = re.search(r'class="join-code">(\d{6})<', page).group(1)

    def press(action: str, n: int) -> None:
        trainer.expect(
            303, "t", "POST", f"/t/s/{session_id}/{action}", {"csrf_token": token, "n": n}
        )

    phones = [Phone(i, live_port, code, timings, lock) for i in range(args.phones)]
    rng = random.Random(1)
    doubles = {
        (i, n)
        for i in range(args.phones)
        for n in range(1, args.questions + 1)
        if rng.random() < args.double
    }
    errors: list[str] = []

    def each(job) -> None:  # type: ignore[no-untyped-def]
        with ThreadPoolExecutor(args.clients) as pool:
            for phone, failure in zip(
                phones, pool.map(lambda p: guard(job, p), phones), strict=True
            ):
                if failure:
                    errors.append(f"phone {phone.n}: {failure}")
        if time.monotonic() > deadline:
            raise Failed(f"over the time limit of {args.timeout} s")

    def guard(job, phone) -> str | None:  # type: ignore[no-untyped-def]
        try:
            job(phone)
        except (Failed, OSError, http.client.HTTPException) as exc:
            return repr(exc)
        return None

    started = time.perf_counter()
    each(lambda p: (p.join(), p.poll()))
    for n in range(1, args.questions + 1):
        press("start" if n == 1 else "next", n - 1)

        def open_and_answer(p: Phone, n: int = n) -> None:
            if p.poll() != 200:
                raise Failed("the new question was not seen")
            p.answer((p.n, n) in doubles)
            p.poll()
            p.poll()

        each(open_and_answer)
        press("reveal", n)
        each(lambda p: (p.poll(), p.expect(200, "page", "GET", f"/s/{code}")))
    press("end", 0)
    live_seconds = time.perf_counter() - started

    # The baseline, same client threads and connections: as many requests as the polls.
    bare_timings: dict[str, list[float]] = defaultdict(list)
    per_phone = max(1, len(timings["poll"]) // args.phones)
    bares = [Client(bare_port, bare_timings, lock) for _ in range(args.phones)]
    bare_started = time.perf_counter()
    with ThreadPoolExecutor(args.clients) as pool:
        list(
            pool.map(
                lambda c: [c.expect(200, "bare", "GET", "/ping") for _ in range(per_phone)], bares
            )
        )

    bare_seconds = time.perf_counter() - bare_started
    live_requests = sum(len(v) for v in timings.values())

    # What the database holds, against what the phones were told.
    with sqlite3.connect(work / "bench.sqlite3") as db:
        stored = {
            (nick, q): choices
            for nick, q, choices in db.execute(
                "SELECT p.nickname, r.question_id, r.choices FROM live_responses r "
                "JOIN live_participants p ON p.id = r.participant_id"
            )
        }
        rows = db.execute("SELECT count(*) FROM live_responses").fetchone()[0]
    acknowledged = {(f"P{p.n}", q): c for p in phones for q, c in p.acknowledged.items()}
    lost = sum(1 for k in acknowledged if k not in stored)
    changed = sum(1 for k, c in acknowledged.items() if k in stored and stored[k] != c)
    double = rows - len(set(stored) & set(acknowledged)) + changed

    print(
        f"live session benchmark: {args.phones} phones, {args.questions} questions; gunicorn "
        f"{args.workers} workers x {args.threads} threads; SQLite (WAL); {args.clients} client "
        f"threads; {os.cpu_count()} CPUs"
    )
    print(
        f"throughput: session {live_requests / live_seconds:.0f} requests/s, bare endpoint "
        f"{len(bare_timings['bare']) / bare_seconds:.0f} requests/s"
    )
    print(
        f"session run in {live_seconds:.1f} s; answers acknowledged {len(acknowledged)}, "
        f"stored {rows}, lost {lost}, double-counted {double} "
        f"({sum(p.doubles for p in phones)} double submissions); request errors {len(errors)}"
    )
    base50, base99 = percentile(bare_timings["bare"], 50), percentile(bare_timings["bare"], 99)
    print(f"{'request':<22}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}{'p50/bare':>10}{'p99/bare':>10}")
    for kind, label in (
        ("answer", "answer (POST)"),
        ("poll", "poll (state GET)"),
        ("page", "phone page (GET)"),
        ("join", "join (POST)"),
    ):
        values = timings[kind]
        p50, p99 = percentile(values, 50), percentile(values, 99)
        print(
            f"{label:<22}{len(values):>7}{p50:>9.1f}{p99:>9.1f}{p50 / base50:>10.1f}"
            f"{p99 / base99:>10.1f}"
        )
    print(
        f"{'bare Flask endpoint':<22}{len(bare_timings['bare']):>7}{base50:>9.1f}{base99:>9.1f}"
        f"{1:>10.1f}{1:>10.1f}"
    )
    for line in errors[:10]:
        print("error:", line)
    expected = args.phones * args.questions
    return 0 if lost == 0 and double == 0 and not errors and len(acknowledged) == expected else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--clients", type=int, default=100, help="client threads")
    parser.add_argument("--double", type=float, default=0.1, help="share of double submissions")
    parser.add_argument("--timeout", type=int, default=600, help="seconds for the whole session")
    parser.add_argument("--bare-server", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        bare_server(args.bare_server, args.workers, args.threads)
        return 0
    if not (1 <= args.phones <= 1000 and 1 <= args.questions <= 50 and 1 <= args.clients <= 500):
        parser.error("at most 1000 phones, 50 questions and 500 client threads")
    with tempfile.TemporaryDirectory(prefix="canhgiac-bench-") as work:
        try:
            return run(args, Path(work))
        except Failed as exc:
            print(f"benchmark failed: {exc}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
