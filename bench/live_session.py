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
import os
import random
import secrets
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import (
    Client,
    Column,
    Failed,
    Phone,
    Trainer,
    bare_command,
    bare_server,
    format_table,
    free_port,
    percentile,
    start,
    stop,
)


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


# -- the run ------------------------------------------------------------------------------


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
                bare_command(bare_port, args.workers, args.threads),
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
    trainer = Trainer(live_port)
    trainer.login("bench", "bench-password-123")
    code = trainer.start_session("bench")
    press = trainer.press

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
    rows: list[list[object]] = []
    for kind, label in (
        ("answer", "answer (POST)"),
        ("poll", "poll (state GET)"),
        ("page", "phone page (GET)"),
        ("join", "join (POST)"),
    ):
        values = timings[kind]
        p50, p99 = percentile(values, 50), percentile(values, 99)
        rows.append([label, len(values), p50, p99, p50 / base50, p99 / base99])
    rows.append(["bare Flask endpoint", len(bare_timings["bare"]), base50, base99, 1, 1])
    columns = [
        Column("request", 22, left=True),
        Column("count", 7),
        Column("p50 ms", 9, ".1f"),
        Column("p99 ms", 9, ".1f"),
        Column("p50/bare", 10, ".1f"),
        Column("p99/bare", 10, ".1f"),
    ]
    for line in format_table(columns, rows):
        print(line)
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
