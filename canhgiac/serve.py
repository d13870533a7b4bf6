"""Production serving with gunicorn: `canhgiac serve`.

The app is built once in the master process (content is loaded and validated once, start-up
errors print plainly before any worker starts), then forked into workers; each worker drops the
database connections it inherited so that no connection is shared across processes. One log line
per request with its timing, and no client addresses: the kit keeps nothing personal.
"""

from __future__ import annotations

import gc
import os
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

ACCESS_LOG_FORMAT = '"%(r)s" %(s)s %(B)sB %(M)sms'


class KitServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def _post_fork(_server: Any, worker: Any) -> None:
    store = worker.app.application.extensions.get("canhgiac.store")
    if store is not None:
        store.engine.dispose(close=False)


def options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "post_fork": _post_fork,
        "timeout": 60,
        "graceful_timeout": 20,
        # Proxies trusted for X-Forwarded-Proto (https): loopback unless FORWARDED_ALLOW_IPS says.
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
    }


def run(app: Flask, *, host: str, port: int, workers: int, threads: int) -> None:
    # Everything made so far (the content, the templates, the app) lives as long as the
    # workers: frozen, the garbage collector no longer walks it at every full collection, and
    # the workers' copies of its memory stay shared (gc.freeze's documented use).
    gc.freeze()
    KitServer(app, options(host, port, workers, threads)).run()
