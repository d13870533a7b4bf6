"""Several whole runs of the load benchmark in one table (bench/load.py --repeat N).

One run's ratios move from run to run by as much as a few hundredths on a shared machine
(docs/performance.md, "Targets"), so a target sitting near its line can be met in one run and
missed in the next. Over several runs the table gives each figure's lowest, highest and
median value, and how many runs met each target.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from harness import Column
from load_figures import ENDPOINTS


@dataclass
class RunFigures:
    """What one run on one database measured (load_run.Run fills it in)."""

    #: Each endpoint's ÷bare, by phase name (ENDPOINTS), and whether it met its target.
    shares: dict[str, float | None] = field(default_factory=dict)
    met: dict[str, bool] = field(default_factory=dict)
    #: The market day's residents per second, and the seconds within which the live burst's
    #: answers were all acknowledged.
    residents: float | None = None
    burst: float | None = None

    @property
    def every_target_met(self) -> bool:
        return len(self.met) == len(ENDPOINTS) and all(self.met.values())


def low_high_median(values: Sequence[float | None], spec: str) -> str | None:
    """The values measured as "lowest-highest (median)"; None if none was."""
    found = [v for v in values if v is not None]
    if not found:
        return None
    low, high, middle = min(found), max(found), statistics.median(found)
    return f"{low:{spec}}-{high:{spec}} ({middle:{spec}})"


def summary_columns(databases: Sequence[str]) -> list[Column]:
    return [
        Column("over the runs", 34, left=True),
        Column("target", 8),
        *(Column(name, 27) for name in databases),
    ]


def summary_rows(runs: dict[str, list[RunFigures]]) -> list[list[object]]:
    """One row per endpoint (its ÷bare over the runs, and in how many of them it met its
    target), the market day and the live burst, then the runs that met every target; a column
    per database (the keys of `runs`, each with the runs it completed)."""
    rows: list[list[object]] = []
    for name, label, target in ENDPOINTS:
        row: list[object] = [label, f"≥{target:.0%}"]
        for figures in runs.values():
            shares = low_high_median([f.shares.get(name) for f in figures], ".2f")
            met = sum(f.met.get(name, False) for f in figures)
            row.append(None if shares is None else f"{shares}, {met} of {len(figures)}")
        rows.append(row)
    rows.append(
        [
            "market day, residents/s",
            "",
            *(low_high_median([f.residents for f in r], ".1f") for r in runs.values()),
        ]
    )
    rows.append(
        [
            "live burst, all answered within s",
            "",
            *(low_high_median([f.burst for f in r], ".1f") for r in runs.values()),
        ]
    )
    rows.append(
        [
            "every target met",
            "",
            *(f"{sum(f.every_target_met for f in r)} of {len(r)} runs" for r in runs.values()),
        ]
    )
    return rows
