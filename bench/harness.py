"""Shared pieces of the HTTP benchmarks (bench/live_session.py, bench/load.py).

- servers: `bare_server` (the baseline: one trivial Flask endpoint under the same gunicorn
  settings as `canhgiac serve`, run as `python bench/harness.py --bare-server PORT --workers W
  --threads T`, see `bare_command`), `free_port`, `start` and `stop`;
- clients: `Client` (one browser: a keep-alive stdlib http.client connection and its cookies),
  `Phone` (a resident's phone in a live session) and `Trainer` (the trainer who runs it);
- figures: `percentile` and `format_table`.

Loopback only: every server listens on, and every client talks to, 127.0.0.1.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.client
import http.cookies
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Failed(Exception):
    pass


# -- servers ------------------------------------------------------------------------------


def bare_server(port: int, workers: int, threads: int) -> None:
    """The baseline: one trivial endpoint, the same gunicorn settings as `canhgiac serve`."""
    from flask import Flask

    from canhgiac.serve import KitServer, options

    app = Flask("bare")

    @app.get("/ping")
    def ping() -> str:
        return "ok"

    KitServer(app, options(HOST, port, workers, threads)).run()


def bare_command(port: int, workers: int, threads: int) -> list[str]:
    """The command line that runs `bare_server` in its own process."""
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--bare-server",
        str(port),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start(command: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failed(f"server stopped:\n{log.read_text()[-2000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    raise Failed(f"server on port {port} did not start")


def stop(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(15)


# -- clients ------------------------------------------------------------------------------


def _decode(data: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "br":
        import brotli

        return bytes(brotli.decompress(data))
    if encoding == "zstd":
        return bytes(_zstd().decompress(data))
    return data


@functools.cache
def _zstd():  # type: ignore[no-untyped-def]
    """The zstd module, looked for once (a failed import searches the path each time)."""
    try:  # Python 3.14
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        from backports import zstd  # type: ignore[no-redef]
    return zstd


class Client:
    """One browser: a keep-alive connection (reopened when the server closed it) and cookies.

    Each request's time is passed to `record` (by default: appended to `timings[kind]`).
    With `accept_encoding` (e.g. "gzip, deflate, br, zstd", as phones send), compressed answers
    are decoded.
    """

    def __init__(
        self,
        port: int,
        timings: dict[str, list[float]],
        lock: threading.Lock,
        *,
        accept_encoding: str | None = None,
    ) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}
        self.timings = timings
        self.lock = lock
        self.accept_encoding = accept_encoding

    def record(self, kind: str, began: float, elapsed: float, status: int) -> None:
        with self.lock:
            self.timings[kind].append(elapsed)

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        form: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPResponse, str]:
        sent = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.accept_encoding:
            sent["Accept-Encoding"] = self.accept_encoding
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            began = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue  # the server closed an idle keep-alive connection: reconnect once
            elapsed = time.perf_counter() - began
            break
        self.record(kind, began, elapsed, response.status)
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        encoding = response.getheader("Content-Encoding")
        if encoding:
            data = _decode(data, encoding)
        return response.status, response, data.decode("utf-8", "replace")

    def expect(self, status: int, *args, **kwargs) -> tuple[http.client.HTTPResponse, str]:  # type: ignore[no-untyped-def]
        got, response, text = self.request(*args, **kwargs)
        if got != status:
            raise Failed(f"{args[1]} {args[2]}: {got}, expected {status}")
        return response, text


class Phone(Client):
    """A resident's phone in a live session: joins with the code, polls, answers."""

    def __init__(self, n: int, port: int, code: str, timings, lock, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(port, timings, lock, **kwargs)
        self.n = n
        self.code = code
        self.etag: str | None = None
        self.acknowledged: dict[str, str] = {}  # question id -> choice key first sent
        self.doubles = 0

    def join(self) -> None:
        _, page = self.expect(200, "page", "GET", f"/j/{self.code}")
        form = {
            "csrf_token": TOKEN.search(page).group(1),
            "code": self.code,
            "nickname": f"P{self.n}",
        }
        self.expect(303, "join", "POST", "/j", form)

    def poll(self) -> int:
        headers = {"If-None-Match": self.etag} if self.etag else {}
        status, response, _ = self.request("poll", "GET", f"/s/{self.code}/state", headers=headers)
        if status == 200:
            self.etag = response.getheader("ETag")
        elif status != 304:
            raise Failed(f"poll: {status}")
        return status

    def answer(self, double: bool) -> None:
        _, page = self.expect(200, "page", "GET", f"/s/{self.code}")
        values = re.findall(r'name="choice" value="([^"]+)"', page)
        question = re.search(r'name="q" value="([^"]+)"', page)
        if not values or not question:
            raise Failed(f"phone {self.n}: no question form")
        form = {
            "csrf_token": TOKEN.search(page).group(1),
            "n": re.search(r'name="n" value="(\d+)"', page).group(1),
            "q": question.group(1),
            "choice": values[self.n % len(values)],
        }
        self.expect(303, "answer", "POST", f"/s/{self.code}/answer", form)
        self.acknowledged[question.group(1)] = str(form["choice"])
        if double:
            self.doubles += 1
            other = dict(form, choice=values[(self.n + 1) % len(values)])
            self.expect(303, "answer", "POST", f"/s/{self.code}/answer", other)


class Trainer:
    """The trainer's browser: logs in, starts a live session, presses its buttons."""

    def __init__(self, port: int) -> None:
        self.client = Client(port, defaultdict(list), threading.Lock())
        self.token = ""
        self.session_id = ""

    def login(self, name: str, password: str) -> None:
        _, page = self.client.expect(200, "t", "GET", "/t/login")
        self.token = TOKEN.search(page).group(1)
        form = {"csrf_token": self.token, "name": name, "password": password, "next": ""}
        self.client.expect(303, "t", "POST", "/t/login", form)

    def start_session(self, quiz: str, kind: str = "none") -> str:
        """Start a session of `quiz`; returns its 6-digit join code."""
        response, _ = self.client.expect(
            303, "t", "POST", "/t/sessions", {"csrf_token": self.token, "quiz": quiz, "kind": kind}
        )
        self.session_id = response.getheader("Location").rstrip("/").rsplit("/", 1)[1]
        _, page = self.client.expect(200, "t", "GET", f"/t/s/{self.session_id}")
        return re.search(r'class="join-code">(\d{6})<', page).group(1)

    def press(self, action: str, n: int) -> None:
        self.client.expect(
            303,
            "t",
            "POST",
            f"/t/s/{self.session_id}/{action}",
            {"csrf_token": self.token, "n": n},
        )


# -- figures ------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile of `values` (seconds), in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


@dataclass(frozen=True)
class Column:
    """A table column: its title, width and format spec (e.g. ".1f"); text is left-aligned
    in a `left` column, right-aligned otherwise. A cell of None prints as "-"."""

    title: str
    width: int
    spec: str = ""
    left: bool = False


def format_table(columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> list[str]:
    """The lines of a fixed-width table: a header, then one line per row."""

    def cell(column: Column, value: object) -> str:
        align = "<" if column.left else ">"
        if value is None:
            return f"{'-':{align}{column.width}}"
        if isinstance(value, str):
            return f"{value:{align}{column.width}}"
        return f"{value:{align}{column.width}{column.spec}}"

    lines = ["".join(cell(c, c.title) for c in columns).rstrip()]
    for row in rows:
        lines.append("".join(cell(c, v) for c, v in zip(columns, row, strict=True)).rstrip())
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the bare Flask baseline server.")
    parser.add_argument("--bare-server", type=int, required=True, help="port")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    bare_server(args.bare_server, args.workers, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
