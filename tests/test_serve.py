"""`canhgiac serve`: gunicorn with several workers on loopback, /healthz, compression, long
cache headers for static files, and one log line per request with its timing and no client
address."""

from __future__ import annotations

import gzip
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
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from live_helpers import old_session, people

from canhgiac.store import Store

from conftest import DEMO_CONTENT, PROJECT_ROOT

CANHGIAC = shutil.which("canhgiac") or str(Path(sys.executable).parent / "canhgiac")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@contextmanager
def serving(instance: Path, **settings: str) -> Iterator[tuple[str, Path]]:
    """`canhgiac serve` with 2 workers on a free loopback port, the instance folder and
    database in `instance`; yields its address and its log file once /healthz answers."""
    port = free_port()
    log = instance / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGIAC_")}
    env.update(
        CANHGIAC_INSTANCE_PATH=str(instance),
        CANHGIAC_SECRET_KEY="a-real-secret-key-for-this-test",
        CANHGIAC_CONTENT=str(DEMO_CONTENT),
    )
    env.update({f"CANHGIAC_{k}": v for k, v in settings.items()})
    with log.open("w") as out:
        proc = subprocess.Popen(
            [CANHGIAC, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("server did not start:\n" + log.read_text())
            time.sleep(0.2)
        yield base, log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    with serving(tmp_path) as running:
        yield running


def test_serve_answers_health_pages_and_static_files(server: tuple[str, Path]) -> None:
    base, log = server
    status, _, body = get(base + "/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "sqlite"}

    status, headers, body = get(base + "/", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    page = gzip.decompress(body).decode()
    assert "Giữ bí mật mã OTP" in page

    css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]+)"', page)
    assert css is not None
    status, headers, _ = get(base + css.group(1))
    assert status == 200
    assert "max-age=31536000" in headers["Cache-Control"]
    assert "immutable" in headers["Cache-Control"]

    status, _, _ = get(base + "/l/no-such-lesson")
    assert status == 404

    time.sleep(0.5)  # let the workers flush their access log lines
    lines = [line for line in log.read_text().splitlines() if '"GET ' in line]
    assert len(lines) >= 4
    for line in lines:
        assert re.fullmatch(r'"GET \S+ HTTP/1\.[01]" \d{3} \d+B \d+ms', line), line
        assert "127.0.0.1" not in line  # no client address is logged
    assert any(line.startswith('"GET /l/no-such-lesson HTTP/1.1" 404 ') for line in lines)


def test_the_server_purges_old_live_sessions_itself(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'canhgiac.sqlite3'}")
    store.upgrade()
    session_id = old_session(store.engine)
    with serving(tmp_path) as (base, log):
        # /healthz answered: each worker purges once it has sent its first response.
        deadline = time.monotonic() + 20
        while people(store.engine, session_id) and time.monotonic() < deadline:
            get(base + "/healthz")
            time.sleep(0.1)
        assert people(store.engine, session_id) == 0, log.read_text()
    store.dispose()


def test_serve_refuses_to_start_on_invalid_content(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "lessons").mkdir(parents=True)
    (content / "quizzes").mkdir()
    (content / "quizzes" / "x.yaml").write_text("id: x\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGIAC_")}
    env.update(
        CANHGIAC_INSTANCE_PATH=str(tmp_path),
        CANHGIAC_SECRET_KEY="a-real-secret-key-for-this-test",
        CANHGIAC_CONTENT=str(content),
    )
    result = subprocess.run(
        [CANHGIAC, "serve", "--port", str(free_port())],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "quizzes/x.yaml:1: missing required key 'title'" in result.stderr.splitlines()
