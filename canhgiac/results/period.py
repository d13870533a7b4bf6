"""The period a results page covers: whole local days, from a first to a last day inclusive.

Trainers think in local dates (Vietnam, UTC+7, no daylight saving time); the store keeps naive
UTC. A period is turned into half-open UTC bounds [start, end) once, here, and everything else
compares `attempts.started_at` with those bounds. Weeks run from the period's first day in
steps of 7 days (the last one may be shorter), not from Mondays, so that any period is cut the
same way on the page, in the CSV and in the report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..store import utcnow

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_UTC_OFFSET_HOURS",
    "MAX_DAYS",
    "Period",
    "PeriodError",
    "Week",
    "parse_period",
]

#: The period shown when none is asked for: the last 30 days, today included.
DEFAULT_DAYS = 30
#: The longest period a page covers (two years, leap day included): about 105 weeks.
MAX_DAYS = 731
#: Local time of the kit's users (Vietnam). Setting: UTC_OFFSET_HOURS.
DEFAULT_UTC_OFFSET_HOURS = 7

EPOCH = datetime(1970, 1, 1)
SECONDS_PER_WEEK = 7 * 24 * 60 * 60
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class PeriodError(ValueError):
    """The dates asked for cannot be used (not YYYY-MM-DD, reversed, or too long a span)."""


@dataclass(frozen=True)
class Week:
    index: int  # 0 for the week starting on the period's first day
    first: date
    last: date  # inclusive; the period's last day for a shorter last week


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive
    utc_offset_hours: int = DEFAULT_UTC_OFFSET_HOURS

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise PeriodError("the period ends before it starts")
        if self.days > MAX_DAYS:
            raise PeriodError(f"the period is longer than {MAX_DAYS} days")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def _utc(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day) - timedelta(hours=self.utc_offset_hours)

    @property
    def start(self) -> datetime:
        """The first instant of the period, naive UTC (inclusive)."""
        return self._utc(self.first)

    @property
    def end(self) -> datetime:
        """The first instant after the period, naive UTC (exclusive)."""
        return self._utc(self.last + timedelta(days=1))

    @property
    def start_epoch(self) -> int:
        """``start`` in whole seconds since 1970-01-01 (UTC): the origin of week numbers."""
        return int((self.start - EPOCH).total_seconds())

    def weeks(self) -> list[Week]:
        found = []
        for index in range((self.days + 6) // 7):
            first = self.first + timedelta(days=7 * index)
            found.append(Week(index, first, min(first + timedelta(days=6), self.last)))
        return found

    def query_args(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}

    @property
    def slug(self) -> str:
        """For file names: 2026-11-01_2026-11-30."""
        return f"{self.first.isoformat()}_{self.last.isoformat()}"


def local_today(utc_offset_hours: int = DEFAULT_UTC_OFFSET_HOURS) -> date:
    return (utcnow() + timedelta(hours=utc_offset_hours)).date()


def _parse_date(value: str) -> date:
    value = value.strip()
    if not _DATE.fullmatch(value):
        raise PeriodError(f"not a date in the form YYYY-MM-DD: {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PeriodError(f"not a date in the form YYYY-MM-DD: {value!r}") from None


def parse_period(
    args: Mapping[str, str],
    *,
    today: date | None = None,
    utc_offset_hours: int = DEFAULT_UTC_OFFSET_HOURS,
) -> Period:
    """The period from the `from` and `to` query arguments (YYYY-MM-DD, both optional):
    `to` defaults to today, `from` to DEFAULT_DAYS days before `to`, counting both."""
    today = today or local_today(utc_offset_hours)
    raw_to = (args.get("to") or "").strip()
    raw_from = (args.get("from") or "").strip()
    last = _parse_date(raw_to) if raw_to else today
    first = _parse_date(raw_from) if raw_from else last - timedelta(days=DEFAULT_DAYS - 1)
    return Period(first, last, utc_offset_hours)
