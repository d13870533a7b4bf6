"""The load benchmark's figures (bench/load.py): CPU use of process trees, what one window
measured, and the tables with their ratios and targets."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from harness import Column, percentile

#: The throughput targets, as a share of the bare endpoint's.
PAGE_TARGET = 0.60
POST_TARGET = 0.35


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
    Column("rounds", 11),
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
    rows: list[tuple[str, list[Measured], list[Measured], float | None]], bare: Measured, cpus: int
) -> tuple[list[list[object]], list[str]]:
    """The table's rows: the bare endpoint's (all of its windows), then each endpoint's (its
    label, its windows, one per round, and the two bare windows around each, in order), set
    against the bare windows next to its own (÷bare, the target's verdict, and the lowest and
    highest of single rounds) and against all of them (÷all)."""
    table, missed = [], []
    for label, windows, around, target in [(bare.label, [bare], [bare], None), *rows]:
        m = combine(label, windows)
        near = combine("", around)
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
                spread(windows, around),
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


def spread(windows: list[Measured], around: list[Measured]) -> str | None:
    """The lowest and highest ÷bare of single rounds ("0.58-0.66"): each window against the two
    bare windows around it; None for fewer than two rounds."""
    if len(windows) < 2 or len(around) != 2 * len(windows):
        return None
    shares = [
        ratio(w.rate, combine("", around[2 * i : 2 * i + 2]).rate) for i, w in enumerate(windows)
    ]
    found = [s for s in shares if s is not None]
    return f"{min(found):.2f}-{max(found):.2f}" if found else None


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
