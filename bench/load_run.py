"""The load benchmark on one database (bench/load.py): the servers, the windows, the reports
and the checks."""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from harness import ROOT, Failed, Trainer, bare_command, format_table, free_port, start, stop
from load_clients import shipped_content
from load_database import (
    database_roots,
    database_version,
    live_responses,
    quiz_answers,
    tally_live,
    tally_quiz,
)
from load_figures import (
    ENDPOINTS,
    LATENCY_COLUMNS,
    MIX_KINDS,
    THROUGHPUT_COLUMNS,
    TICK,
    Measured,
    combine,
    cpu_seconds,
    latency_rows,
    machine_ticks,
    merged,
    throughput_rows,
)
from load_jobs import Clients
from load_summary import RunFigures

TRAINER = ("bench", "bench-password-123")


class Run:
    """The benchmark on one database: `execute` starts the servers and the clients, measures,
    reports (`say`) and collects what failed (`failures`), the targets missed (`missed`) and
    the figures a summary over several runs takes (`figures`)."""

    def __init__(self, args: argparse.Namespace, db: str, url: str, work: Path) -> None:
        self.args = args
        self.db = db
        self.url = url
        self.work = work
        self.deadline = time.monotonic() + args.timeout
        self.lines: list[str] = []
        self.failures: list[str] = []
        self.missed: list[str] = []
        self.figures = RunFigures()
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
                args.quizzes_per_phone,
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
                    roots = self.server_roots + self.db_roots
                    rounds[name].append(self.phase(clients, name, args.seconds, roots))
                    bare.append(self.phase(clients, "bare", args.seconds, [bare_root]))
                    near[name] += bare[-2:]
            base = combine("bare Flask GET /ping", bare)
            measured = [
                (label, rounds[name], near[name], target) for name, label, target in ENDPOINTS
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
        quizzes = args.quizzes_per_phone
        self.say(
            f"   phones: {quizzes} quiz{'zes' if quizzes != 1 else ''} each in the windows below, "
            f"one in the market day"
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
        if exhausted and name == "answer":
            self.say(f"   note: {exhausted} client threads ran out of work in the {name} phase")
        residents = sum(int(r["residents"]) for r in results)  # type: ignore[call-overload]
        others = max(0.0, busy - all_ours)
        return Measured(name, latencies, errors, seconds, server, client, others, residents)

    # -- reports ---------------------------------------------------------------------------
    def report_throughput(
        self,
        measured: list[tuple[str, list[Measured], list[Measured], float]],
        base: Measured,
        bare: list[Measured],
    ) -> None:
        self.say()
        rates = [m.rate for m in bare]
        self.say(
            f"Throughput, one endpoint at a time: {self.args.rounds} "
            f"round{'s' if self.args.rounds != 1 else ''} of "
            f"{self.args.seconds:g} s windows (after {self.args.warmup:g} s of warm-up) per "
            f"endpoint, each between two windows of the bare endpoint ({len(bare)} windows, "
            f"{min(rates):.0f}-{max(rates):.0f} requests/s). ÷bare, p50×, p99×: against the "
            f"bare windows next to the endpoint's own; ÷all: against all of them; rounds: the "
            f"lowest and highest ÷bare of single rounds. srv CPU: "
            f"server processes{' and PostgreSQL' if self.db_roots else ''} per request; "
            f"clients, others: share of the machine's CPU used by the clients and by "
            f"everything else"
        )
        rows, missed = throughput_rows(measured, base, self.cpus)
        for line in format_table(THROUGHPUT_COLUMNS, rows):
            self.say(line)
        names = {label: name for name, label, _target in ENDPOINTS}
        self.missed += [f"{self.db} {names[label]}" for label in missed]
        for (name, label, _target), row in zip(ENDPOINTS, rows[1:], strict=True):
            self.figures.shares[name] = row[3]  # type: ignore[assignment]
            self.figures.met[name] = label not in missed
        for label, windows, _near, _target in measured:
            errors = sum(m.errors for m in windows)
            if errors:
                self.failures.append(f"{self.db}: {errors} errors in {label}")

    def report_mix(self, mix: Measured, base: Measured) -> None:
        self.say()
        rows = []
        for kind, label in MIX_KINDS:
            values, errors = merged(self.results, kind)
            rows.append(Measured(label, values, errors, mix.seconds))
        whole = Measured("the whole mix", mix.latencies, mix.errors, mix.seconds)
        self.figures.residents = mix.residents / mix.seconds
        self.say(
            f"Market day: {mix.residents} residents from home page to result in "
            f"{mix.seconds:g} s ({self.figures.residents:.1f}/s), "
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
        from canhgiac.content import load_catalog

        catalog, _ = load_catalog(ROOT)
        stored, started = quiz_answers(self.url)
        tally = tally_quiz(acknowledged, stored, started, catalog.quizzes)
        self.say()
        self.say(
            f"Quiz answers acknowledged {tally.acknowledged} (in {tally.attempts} attempts), "
            f"stored {tally.stored}: lost {tally.lost}, changed {tally.changed}, stored without "
            f"an acknowledgement {tally.unacknowledged}; finished attempts with a wrong or "
            f"missing score {tally.wrong_score}"
        )
        if tally.lost or tally.changed or tally.wrong_score:
            self.failures.append(
                f"{self.db}: quiz answers lost {tally.lost}, changed {tally.changed}, wrong "
                f"scores {tally.wrong_score}"
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
        lost, double = tally_live(acknowledged, stored, rows_count)
        trainer.press("reveal", 1)
        trainer.press("end", 0)

        self.say()
        window = answered[-1] - t0 if answered else float("nan")
        self.figures.burst = window if answered else None
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
