"""One live session served by two server processes on loopback (`canhgiac serve`), sharing
only the database: a trainer and six phones whose requests alternate between the two, with
double submissions. Nothing may be lost or counted twice. Runs on SQLite, and on PostgreSQL
when .ci/with-postgres started one."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from canhgiac.live import auth
from canhgiac.live.tables import live_sessions, participants, responses
from canhgiac.store import Store

from forms import parse

DEMO_CONTENT = Path(__file__).parent / "data" / "content"
CANHGIAC = shutil.which("canhgiac") or str(Path(sys.executable).parent / "canhgiac")
SECRET = "a-shared-secret-key-for-both-servers"
TIMEOUT = 15
#: demo-otp, by question: the keys of a right and of a wrong answer.
ANSWERS = {1: ("a", "b"), 2: ("a b", "c"), 3: ("false", "true")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, proc: subprocess.Popen, log: Path) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server on port {port} stopped:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server on port {port} did not start:\n{log.read_text()}")


def stop(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)  # gunicorn: quick shutdown
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@pytest.fixture
def servers(database_url: str, tmp_path: Path) -> Iterator[tuple[list[int], Store]]:
    store = Store(database_url)
    store.upgrade()
    auth.add_trainer(store.engine, "lan", "mat-khau-123")
    env = {
        **os.environ,
        "CANHGIAC_INSTANCE_PATH": str(tmp_path),
        "CANHGIAC_SECRET_KEY": SECRET,
        "CANHGIAC_DATABASE_URL": database_url,
        "CANHGIAC_CONTENT": str(DEMO_CONTENT),
    }
    procs, ports, logs = [], [], []
    try:
        for i in range(2):  # both start at once, then both are waited for
            ports.append(free_port())
            logs.append(tmp_path / f"server-{i}.log")
            with logs[-1].open("wb") as out:
                command = [CANHGIAC, "serve", "--port", str(ports[-1])]
                command += ["--workers", "1", "--threads", "4"]
                procs.append(
                    subprocess.Popen(
                        command,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        for port, proc, log in zip(ports, procs, logs, strict=True):
            wait_ready(port, proc, log)
        yield ports, store
    finally:
        for proc in procs:
            stop(proc)
        store.dispose()


class Client:
    """A browser with its own cookie jar (cookies are per host, so shared by both ports)."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.turn = 0
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def url(self, path: str) -> str:
        """The next server, in turn."""
        self.turn += 1
        return f"http://127.0.0.1:{self.ports[self.turn % 2]}{path}"

    def open(
        self, path: str, data: dict[str, str | list[str]] | None = None
    ) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.url(path), data=body, timeout=TIMEOUT) as r:
                return r.status, urllib.parse.urlsplit(r.url).path, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, path, e.read().decode()

    def submit(self, page: str, action_end: str, **fields: str | list[str]) -> tuple[int, str, str]:
        form = next(f for f in parse(page).forms if f.action.endswith(action_end))
        data: dict[str, str | list[str]] = {**form.data(), **fields}
        return self.open(form.action, data)


def test_one_session_served_by_two_processes(servers) -> None:  # type: ignore[no-untyped-def]
    ports, store = servers
    trainer = Client(ports)
    _, _, page = trainer.open("/t/login")
    status, path, page = trainer.submit(page, "/t/login", name="lan", password="mat-khau-123")
    assert (status, path) == (200, "/t/")
    status, path, page = trainer.submit(page, "/t/sessions", quiz="demo-otp", kind="none")
    session_id = path.rsplit("/", 1)[1]
    code = re.search(r'class="join-code">(\d{6})<', page).group(1)

    phones = [Client(ports) for _ in range(6)]
    for i, phone in enumerate(phones):
        phone.turn = i  # half start on each server
        _, _, page = phone.open(f"/j/{code}")
        status, path, _ = phone.submit(page, "/j", nickname=f"Chim Sẻ {i}")
        assert (status, path) == (200, f"/s/{code}")

    def press(action: str) -> None:
        _, _, page = trainer.open(f"/t/s/{session_id}")
        status, _, _ = trainer.submit(page, f"/{action}")
        assert status == 200, action

    press("start")
    for n in (1, 2, 3):
        for i, phone in enumerate(phones):
            _, _, page = phone.open(f"/s/{code}")
            right, wrong = ANSWERS[n]
            keys = right.split() if i % 3 else wrong.split()  # 4 right, 2 wrong
            form = parse(page).form("/answer")
            data = {**form.data(), "choice": keys}
            for _ in range(2):  # a double submission, to each server in turn
                status, path, _ = phone.open(form.action, data)
                assert (status, path) == (200, f"/s/{code}"), (n, i)
        states = {phone.open(f"/s/{code}/state")[2] for phone in phones[:2]}
        assert len(states) == 1  # both servers say the same
        assert json.loads(states.pop())["n"] == n
        press("reveal")
        _, _, page = trainer.open(f"/t/s/{session_id}")
        counts = [int(x) for x in re.findall(r'<span class="bar-count">(\d+)', page)]
        assert sum(counts) == (6 if n != 2 else 6 + 4), (n, counts)  # 4 people ticked two
        if n < 3:
            press("next")
    _, _, page = trainer.open(f"/t/s/{session_id}")
    status, _, page = trainer.submit(page, "/end?last=1")
    assert status == 200 and "Kết quả buổi sinh hoạt" in page

    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(participants)).scalar() == 6
        per_question = dict(
            conn.execute(
                sa.select(responses.c.question_id, sa.func.count()).group_by(
                    responses.c.question_id
                )
            ).all()
        )
        assert per_question == {"goi-dien": 6, "dau-hieu": 6, "dung-sai": 6}
        right = conn.execute(
            sa.select(sa.func.count()).select_from(responses).where(responses.c.correct)
        ).scalar()
        assert right == 3 * 4
        assert conn.execute(sa.select(live_sessions.c.status)).scalar() == "ended"
    for phone in phones:
        assert "Bạn trả lời đúng" in phone.open(f"/s/{code}")[2]
