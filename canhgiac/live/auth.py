"""Trainer accounts: created from the command line, passwords stored hashed (werkzeug's scrypt),
a login kept in Flask's signed session cookie.

The login remembers the trainer's id and a fingerprint of the password hash, so a changed
password or a removed account logs every browser out on its next request.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import g, redirect, request, session, url_for
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..store import get_store, utcnow
from .tables import live_sessions, trainers

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MIN_PASSWORD = 8
MAX_PASSWORD = 256
SESSION_KEY = "trainer"

F = TypeVar("F", bound=Callable[..., Any])


class TrainerError(ValueError):
    """A trainer name or password that cannot be used; the message says why."""


@dataclass(frozen=True)
class Trainer:
    id: int
    name: str
    created_at: datetime
    password_hash: str = field(repr=False)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.password_hash.encode("utf-8")).hexdigest()[:16]


def clean_name(name: str) -> str:
    value = (name or "").strip().lower()
    if not NAME_PATTERN.fullmatch(value):
        raise TrainerError(
            f"the trainer name {name!r} is not valid: use 1 to 64 letters a-z, digits, dots, "
            "hyphens and underscores, starting with a letter or digit (for example lan.nguyen)"
        )
    return value


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise TrainerError(f"the password is too short: use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise TrainerError(f"the password is too long: use at most {MAX_PASSWORD} characters")
    return password


def _trainer(row: sa.Row | None) -> Trainer | None:
    return Trainer(**row._mapping) if row else None


def get_trainer(engine: Engine, trainer_id: int) -> Trainer | None:
    with engine.connect() as conn:
        return _trainer(conn.execute(trainers.select().where(trainers.c.id == trainer_id)).first())


def find_trainer(engine: Engine, name: str) -> Trainer | None:
    with engine.connect() as conn:
        return _trainer(
            conn.execute(trainers.select().where(trainers.c.name == name.strip().lower())).first()
        )


def add_trainer(engine: Engine, name: str, password: str) -> Trainer:
    name = clean_name(name)
    hashed = generate_password_hash(check_password(password))
    try:
        with engine.begin() as conn:
            conn.execute(
                trainers.insert().values(name=name, password_hash=hashed, created_at=utcnow())
            )
    except IntegrityError:
        raise TrainerError(f"a trainer called {name!r} exists already") from None
    found = find_trainer(engine, name)
    assert found is not None
    return found


def set_password(engine: Engine, name: str, password: str) -> None:
    hashed = generate_password_hash(check_password(password))
    with engine.begin() as conn:
        done = conn.execute(
            trainers.update()
            .where(trainers.c.name == name.strip().lower())
            .values(password_hash=hashed)
        ).rowcount
    if not done:
        raise TrainerError(f"there is no trainer called {name!r}")


def remove_trainer(engine: Engine, name: str) -> int:
    """Delete the account; its open sessions end, and its sessions stay (without an owner) for
    the aggregate counts. Returns how many sessions it had."""
    found = find_trainer(engine, name)
    if found is None:
        raise TrainerError(f"there is no trainer called {name!r}")
    now = utcnow()
    with engine.begin() as conn:
        mine = live_sessions.c.trainer_id == found.id
        conn.execute(
            live_sessions.update()
            .where(mine, live_sessions.c.status != "ended")
            .values(
                status="ended",
                ended_at=now,
                open_code=None,
                close_at=None,
                version=live_sessions.c.version + 1,
            )
        )
        count = conn.execute(live_sessions.update().where(mine).values(trainer_id=None)).rowcount
        conn.execute(trainers.delete().where(trainers.c.id == found.id))
    return count


def list_trainers(engine: Engine) -> list[tuple[Trainer, int]]:
    """Every trainer with the number of their sessions, by name."""
    sessions = (
        sa.select(sa.func.count())
        .where(live_sessions.c.trainer_id == trainers.c.id)
        .scalar_subquery()
    )
    with engine.connect() as conn:
        rows = conn.execute(sa.select(trainers, sessions.label("n")).order_by(trainers.c.name))
        return [
            (Trainer(r.id, r.name, r.created_at, r.password_hash), int(r.n)) for r in rows.all()
        ]


@functools.cache
def _decoy_hash() -> str:
    return generate_password_hash("not a password of anyone")


def verify(engine: Engine, name: str, password: str) -> Trainer | None:
    """The trainer when the name and password match. An unknown name takes as long as a
    wrong password."""
    found = find_trainer(engine, name) if NAME_PATTERN.fullmatch(name.strip().lower()) else None
    hashed = found.password_hash if found else _decoy_hash()
    if not check_password_hash(hashed, password[:MAX_PASSWORD]) or found is None:
        return None
    return found


# -- the login in the browser -------------------------------------------------------------


def login(trainer: Trainer) -> None:
    session[SESSION_KEY] = [trainer.id, trainer.fingerprint]
    g.trainer = trainer


def logout() -> None:
    session.pop(SESSION_KEY, None)
    g.trainer = None


def current_trainer() -> Trainer | None:
    """The trainer logged in on this browser, checked against the database."""
    if "trainer" in g:
        return g.trainer  # type: ignore[no-any-return]
    found = None
    value = session.get(SESSION_KEY)
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int):
        candidate = get_trainer(get_store().engine, value[0])
        if candidate is not None and candidate.fingerprint == value[1]:
            found = candidate
    g.trainer = found
    return found


def trainer_required(view: F) -> F:
    """Only a logged-in trainer gets through; anyone else is sent to the login page."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_trainer() is None:
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("trainer.login", next=target))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
