"""Counters against guessing (trainer passwords, join codes), kept in the database so that they
hold across every worker process and restart.

Each counter is a fixed window: at most `attempts` failures per `window`, counted from the
first failure. Keys are HMACs of the purpose and the client (the client's address, and for a
login the name typed) under the app's secret key: no address is stored.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..store import utcnow
from .tables import rate_limits


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int
    window: timedelta


#: Failed trainer logins per name and client.
LOGIN = Limit("login", 10, timedelta(minutes=15))
#: Wrong join codes per client.
JOIN = Limit("join", 20, timedelta(minutes=10))


def client_key(secret: str | bytes, limit: Limit, *parts: str) -> str:
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    message = "\x1f".join((limit.name, *parts)).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def retry_after(engine: Engine, limit: Limit, key: str, now: datetime | None = None) -> int | None:
    """Seconds to wait when the limit is reached, else None."""
    now = now or utcnow()
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(rate_limits.c.window_start, rate_limits.c.count).where(
                rate_limits.c.key == key
            )
        ).first()
    if row is None or row.count < limit.attempts:
        return None
    ends = row.window_start + limit.window
    if ends <= now:
        return None
    return max(1, int((ends - now).total_seconds() + 0.999))


def hit(engine: Engine, limit: Limit, key: str, now: datetime | None = None) -> None:
    """Count one failure."""
    now = now or utcnow()
    expired = rate_limits.c.window_start <= now - limit.window
    update = (
        rate_limits.update()
        .where(rate_limits.c.key == key)
        .values(
            count=sa.case((expired, 1), else_=rate_limits.c.count + 1),
            window_start=sa.case((expired, now), else_=rate_limits.c.window_start),
        )
    )
    for _ in range(3):
        with engine.begin() as conn:
            if conn.execute(update).rowcount:
                return
        try:
            with engine.begin() as conn:
                conn.execute(rate_limits.insert().values(key=key, window_start=now, count=1))
            return
        except IntegrityError:
            continue  # another worker counted the first failure at the same time


def clear(engine: Engine, key: str) -> None:
    with engine.begin() as conn:
        conn.execute(rate_limits.delete().where(rate_limits.c.key == key))


def forget_expired(engine: Engine, now: datetime | None = None) -> int:
    """Delete counters whose window ended (the longest window is one hour at most)."""
    now = now or utcnow()
    longest = max(LOGIN.window, JOIN.window, timedelta(hours=1))
    with engine.begin() as conn:
        result = conn.execute(
            rate_limits.delete().where(rate_limits.c.window_start < now - longest)
        )
    return result.rowcount
