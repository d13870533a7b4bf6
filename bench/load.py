"""Load benchmark: a market day and a live-session burst against `canhgiac serve`, on SQLite and
on PostgreSQL, each next to a bare Flask endpoint measured in the same run.

    python bench/load.py [--db sqlite|postgresql|both] [--workers 2] [--threads 4]
                         [--clients 32] [--procs 2] [--seconds 4] [--rounds 2] [--warmup 1]
                         [--mix-seconds 15] [--phones 300] [--quizzes-per-phone 3]
                         [--postgres-url URL] [--timeout 900] [--repeat 1]

For each database: a fresh database (SQLite: a temporary file; PostgreSQL: CREATE DATABASE in
the server of --postgres-url or CANHGIAC_TEST_POSTGRES_URL, dropped afterwards; skipped with a
line saying so when there is none), `canhgiac db upgrade`, `canhgiac trainer add`, then
`canhgiac serve --workers W --threads T` with the shipped lessons and quizzes, and the bare
Flask app (one trivial endpoint, bench/harness.py) under the same gunicorn settings. Loopback
only.

The clients are `--procs` processes of `--clients / --procs` threads each (so that no client
interpreter's GIL caps the load). In the one-endpoint windows each thread keeps one keep-alive
connection to each server (stdlib http.client), on which it sends the requests of its phones,
each phone with its own cookies; in the market day each resident's phone has a connection of
its own. Every phone sends `Accept-Encoding: gzip, deflate, br, zstd`, as current phones do.
Clients and servers share the machine's CPUs: next to each figure are the server CPU per
request and the share of the machine's CPU that the clients, and everything else on the
machine, used meanwhile.

1. Throughput, one endpoint at a time: the same clients send only that request, as fast as it
   is answered, for `--warmup` seconds (not counted) and then `--seconds` seconds, in
   `--rounds` rounds of all endpoints in turn (so that noise on the machine spreads over all of
   them), each endpoint's window between two of the bare endpoint's: the home page, lesson
   pages, quiz intros (with a `?src=` label), quiz starts (POST; a new phone every
   `--quizzes-per-phone` starts), question pages, answer posts (POST, every question of the
   attempts just started, in order, so attempts finish and are scored) and result pages, each
   with the cookies of the phone that started its attempt. Per endpoint: requests/s, p50 and
   p99 latency, errors, and the ratios to the bare windows next to its own (the machine's speed
   drifts over tens of seconds) and to all of them; the targets, on the first: pages at least
   60% of the bare endpoint's throughput, posts at least 35%.
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
finished with the right score. With `--repeat N`, the whole benchmark runs N times (each
database in turn, each time with a fresh database and servers), and a last table gives each
endpoint's ratio over the runs (lowest, highest, median) and how many runs met its target:
one run's ratios move by a few hundredths on a shared machine. The exit status is 1 if any
request failed or any check did not hold (2 if no database could be measured). Targets are
reported, not enforced. Bounded: every phase is timed, each run by `--timeout` per database.
Figures are for reading, not for CI (tests/test_bench_load.py runs it briefly to check that it
works and checks what it counts, never its timings); docs/performance.md keeps the latest
ones.

The parts: load_clients.py (the content as the clients need it, the browsers), load_jobs.py
(what each client thread sends, the client processes), load_run.py (one database: servers,
windows, reports), load_figures.py (CPU use, the tables and targets), load_database.py
(databases made and dropped, answers read back and tallied) and load_summary.py (several runs
in one table).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from harness import Failed, format_table
from load_clients import ACCEPT_ENCODING, QUIZZES_PER_PHONE
from load_database import create_postgres, drop_postgres
from load_figures import ENDPOINTS, PAGE_TARGET, POST_TARGET
from load_run import Run
from load_summary import RunFigures, summary_columns, summary_rows
from sqlalchemy.exc import SQLAlchemyError

from canhgiac.web.attempt import MAX_REMEMBERED

# -- main ----------------------------------------------------------------------------------------

#: A phone starts at most as many quizzes as a browser's session remembers.
MAX_QUIZZES_PER_PHONE = MAX_REMEMBERED
#: The databases, as the summary over several runs names them.
DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


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
        "--quizzes-per-phone",
        type=int,
        default=QUIZZES_PER_PHONE,
        help=f"quizzes each phone starts in the windows (1-{MAX_QUIZZES_PER_PHONE})",
    )
    parser.add_argument(
        "--accept-encoding", default=ACCEPT_ENCODING, help="the phones' Accept-Encoding header"
    )
    parser.add_argument("--postgres-url", default=os.environ.get("CANHGIAC_TEST_POSTGRES_URL"))
    parser.add_argument("--timeout", type=int, default=900, help="seconds per database at most")
    parser.add_argument(
        "--repeat", type=int, default=1, help="whole runs, then a table over all of them"
    )
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
        and 1 <= args.repeat <= 10
        and 1 <= args.quizzes_per_phone <= MAX_QUIZZES_PER_PHONE
    ):
        parser.error(
            "out of bounds: at most 16 workers, 64 threads, 16 client processes, 512 client "
            "connections (at least one per process), 120 s per window, 10 rounds, 600 s of "
            f"mix, 1000 phones, 10 repeats, {MAX_QUIZZES_PER_PHONE} quizzes per phone"
        )
    print(f"load benchmark on {machine()}", flush=True)
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    failures: list[str] = []
    missed: list[str] = []
    ran = 0
    figures: dict[str, list[RunFigures]] = {}
    for repeat in range(args.repeat):
        if args.repeat > 1:
            print(f"\n=== run {repeat + 1} of {args.repeat}", flush=True)
        for db in databases:
            run = measure(args, db, failures)
            if run is not None:
                ran += 1
                missed += run.missed
                figures.setdefault(DATABASES[db], []).append(run.figures)
    if args.repeat > 1 and figures:
        print(flush=True)
        print(
            "Over the runs: each endpoint's ÷bare (lowest-highest (median), and in how many "
            "runs it met its target), the market day's residents per second and the seconds "
            "within which the live burst's answers were all acknowledged",
            flush=True,
        )
        for line in format_table(summary_columns(list(figures)), summary_rows(figures)):
            print(line, flush=True)
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


def measure(args: argparse.Namespace, db: str, failures: list[str]) -> Run | None:
    """One run on one database, reported as it goes; what failed is added to `failures`. The
    run, or None when it did not get as far as its figures (no database, a server that did
    not start, a phase over its time)."""
    print(flush=True)
    if db == "postgresql" and not args.postgres_url:
        print(
            "== PostgreSQL: skipped, no server (give --postgres-url, set "
            "CANHGIAC_TEST_POSTGRES_URL, or run under `bash .ci/with-postgres`)",
            flush=True,
        )
        return None
    with tempfile.TemporaryDirectory(prefix="canhgiac-load-") as tmp:
        work = Path(tmp)
        try:
            url = (
                f"sqlite:///{work / 'load.sqlite3'}"
                if db == "sqlite"
                else create_postgres(args.postgres_url)
            )
        except SQLAlchemyError as exc:
            failures.append(f"{db}: no database to measure: {first_line(exc)}")
            return None
        run = Run(args, db, url, work)
        done = False
        try:
            run.execute()
            done = True
        except (Failed, OSError, subprocess.SubprocessError, SQLAlchemyError) as exc:
            detail = getattr(exc, "stderr", None) or ""
            if isinstance(exc, SQLAlchemyError):
                exc, detail = first_line(exc), ""  # type: ignore[assignment]
            failures.append(f"{db}: the benchmark failed: {exc} {detail}".strip())
        finally:
            if db == "postgresql":
                drop_postgres(args.postgres_url, url)
        failures += run.failures
        if run.failures:  # the server's account of them, before its folder goes
            print_server_errors(work / "app.log")
    return run if done else None


def first_line(exc: SQLAlchemyError) -> str:
    """What the driver said, without SQLAlchemy's SQL and links."""
    said = str(getattr(exc, "orig", None) or exc).strip()
    return said.splitlines()[0] if said else type(exc).__name__


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
