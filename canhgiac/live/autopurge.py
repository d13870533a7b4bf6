"""The purge, run by the site itself: per-person live-session data is deleted after
`RETENTION_DAYS` even where nobody set up a cron job for `canhgiac purge`.

Each server process purges after the first request it answers, then every
`PURGE_EVERY_HOURS` hours (24 by default; 0 turns it off, for a site that runs `canhgiac purge`
from cron instead). It runs after the response has been sent (`call_on_close`), so no resident
waits for it, and one thread of a process at a time runs it. Several processes, or several
servers sharing one PostgreSQL database, may purge at the same moment: the purge itself makes
sure that each session is purged once (retention.purge_session). A purge that fails (the database
is down) is logged and tried again ten minutes later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask, Response
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..config import ConfigError
from .retention import Purged, purge

EXTENSION_KEY = "canhgiac.autopurge"
#: After a failed purge, the next try comes this many seconds later.
RETRY_SECONDS = 10 * 60


class AutoPurge:
    """When this process purges next, and the purge itself."""

    def __init__(
        self,
        engine: Engine,
        days: int,
        every_seconds: float,
        logger: logging.Logger,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.days = days
        self.every_seconds = every_seconds
        self.logger = logger
        self.clock = clock
        self.next_due = clock()  # due at once: the first request after a start purges
        self._lock = threading.Lock()

    def due(self) -> bool:
        return self.clock() >= self.next_due

    def run(self) -> Purged | None:
        """Purge if due and no other thread of this process is purging; what was purged."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if not self.due():
                return None
            # Set first: whatever goes wrong below, the next request does not try again.
            self.next_due = self.clock() + RETRY_SECONDS
            try:
                done = purge(self.engine, self.days)
            except SQLAlchemyError as exc:
                self.logger.warning(
                    "the automatic purge failed, trying again in %d minutes: %s",
                    RETRY_SECONDS // 60,
                    exc.__class__.__name__,
                )
                return None
            self.next_due = self.clock() + self.every_seconds
            if done.sessions or done.counters:
                self.logger.info(
                    "automatic purge: %d live sessions older than %d days purged (%d "
                    "participants, %d answers), %d expired rate-limit counters deleted",
                    done.sessions,
                    self.days,
                    done.participants,
                    done.responses,
                    done.counters,
                )
            return done
        finally:
            self._lock.release()


def settings(app: Flask) -> tuple[int, float]:
    """RETENTION_DAYS (a whole number, at least 1) and PURGE_EVERY_HOURS (0: off)."""
    days, hours = app.config["RETENTION_DAYS"], app.config["PURGE_EVERY_HOURS"]
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ConfigError(
            f"RETENTION_DAYS must be a whole number of days, 1 or more (not {days!r})"
        )
    if isinstance(hours, bool) or not isinstance(hours, int | float) or hours < 0:
        raise ConfigError(f"PURGE_EVERY_HOURS must be a number of hours, 0 or more (not {hours!r})")
    return days, float(hours)


def init_app(app: Flask, engine: Engine) -> None:
    days, hours = settings(app)
    if not hours:
        return
    state = AutoPurge(engine, days, hours * 3600, app.logger)
    app.extensions[EXTENSION_KEY] = state

    @app.after_request
    def purge_when_due(response: Response) -> Response:
        if state.due():
            response.call_on_close(state.run)
        return response
