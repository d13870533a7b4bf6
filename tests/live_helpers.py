"""Helpers for the live-session tests: a trainer and phones driven like browsers with
JavaScript off (tests/forms.py), each with its own cookie jar."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from canhgiac.live import auth, phones, service
from canhgiac.live.service import LiveSession, get_session
from canhgiac.live.tables import live_sessions, participants
from canhgiac.store import get_store, utcnow

from forms import Browser

TRAINER = "lan.nguyen"
PASSWORD = "mat-khau-ve-sinh-123"
QUIZ = "demo-otp"

#: demo-otp: question 1 single (right: "Cúp máy"), 2 multiple (right: "Hỏi mã OTP" and
#: "Giục làm ngay"), 3 true/false (right: "Sai").
RIGHT = {1: ["Cúp máy"], 2: ["Hỏi mã OTP", "Giục làm ngay"], 3: ["Sai"]}
WRONG = {1: ["Đọc mã OTP"], 2: ["Hỏi mã OTP"], 3: ["Đúng"]}


def engine_of(app: Flask):  # type: ignore[no-untyped-def]
    with app.app_context():
        return get_store().engine


def add_trainer(app: Flask, name: str = TRAINER, password: str = PASSWORD) -> auth.Trainer:
    return auth.add_trainer(engine_of(app), name, password)


def login(client: FlaskClient, name: str = TRAINER, password: str = PASSWORD) -> Browser:
    b = Browser(client)
    b.get("/t/login")
    form = b.page.form("/t/login")
    b._arrive(
        form.submit(
            client,
            b.url,
            data=form.data({"name": [name], "password": [password]}),
            follow_redirects=True,
        )
    )
    return b


def start_session(
    trainer: Browser, quiz: str = QUIZ, kind: str = "none", leaderboard: bool = False
) -> tuple[str, str]:
    """From the trainer's home, start a session; returns (session id, join code)."""
    trainer.get("/t/")
    form = trainer.page.form("/t/sessions")
    chosen = {"quiz": [quiz], "kind": [kind]}
    if leaderboard:
        chosen["leaderboard"] = ["on"]
    trainer._arrive(
        form.submit(trainer.client, trainer.url, data=form.data(chosen), follow_redirects=True)
    )
    match = re.fullmatch(r"/t/s/([0-9a-f]{16})", trainer.url)
    assert match, trainer.url
    code = re.search(r'class="join-code">(\d{6})<', trainer.text)
    assert code, trainer.text
    return match.group(1), code.group(1)


def control(trainer: Browser, session_id: str, action: str) -> None:
    """Press the control button whose form posts to `action` (start, next, close, reveal)."""
    trainer.get(f"/t/s/{session_id}")
    forms = [f for f in trainer.page.forms if f.action.endswith(f"/{action}")]
    assert len(forms) == 1, [f.action for f in trainer.page.forms]
    trainer._arrive(forms[0].submit(trainer.client, trainer.url, follow_redirects=True))
    assert trainer.response.status_code == 200


def session_of(app: Flask, session_id: str) -> LiveSession:
    found = get_session(engine_of(app), session_id)
    assert found is not None
    return found


class Phone:
    """A resident's phone: its own cookie jar, JavaScript off."""

    def __init__(self, app: Flask) -> None:
        self.browser = Browser(app.test_client())

    @property
    def text(self) -> str:
        return self.browser.text

    @property
    def status(self) -> int:
        assert self.browser.response is not None
        return self.browser.response.status_code

    def join(self, code: str, nickname: str = "", *, via_qr: bool = True) -> None:
        b = self.browser
        b.get(f"/j/{code}" if via_qr else "/j")
        form = b.page.form("/j")
        data = form.data({"code": [code], "nickname": [nickname]})
        b._arrive(form.submit(b.client, b.url, data=data, follow_redirects=True))

    def reload(self) -> None:
        self.browser.get(self.browser.url)

    def value(self, text: str) -> str:
        """The value of the option whose label reads `text` after its letter (A, B, ...)."""
        form = self.browser.page.form("/answer")
        found = [f.value for f in form.options() if f.label.split(" ", 1)[1] == text]
        assert len(found) == 1, (text, form.labels())
        return found[0]

    def answer(self, texts: list[str]) -> None:
        b = self.browser
        form = b.page.form("/answer")
        data = form.data({"choice": [self.value(t) for t in texts]})
        b._arrive(form.submit(b.client, b.url, data=data, follow_redirects=True))

    def nickname(self) -> str:
        match = re.search(r'<span class="nick">([^<]*)</span>', self.text)
        assert match, self.text
        return match.group(1)


def age(engine: sa.Engine, session_id: str, days: int) -> None:
    """Make a live session look started `days` ago."""
    with engine.begin() as conn:
        conn.execute(
            live_sessions.update()
            .where(live_sessions.c.id == session_id)
            .values(created_at=utcnow() - timedelta(days=days))
        )


def old_session(engine: sa.Engine, days: int = 31, trainer: str = "lan") -> str:
    """A live session started `days` ago, with one nicknamed person in it."""
    trainer_id = auth.add_trainer(engine, trainer, "mat-khau-123").id
    s = service.create_session(engine, trainer_id=trainer_id, quiz_id="otp", question_count=3)
    phones.join(engine, s, None, "Bà Tư")
    age(engine, s.id, days)
    return s.id


def people(engine: sa.Engine, session_id: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(participants)
                .where(participants.c.session_id == session_id)
            ).scalar_one()
        )
