"""Cảnh Giác: a scam-awareness quiz and training kit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from . import config, store
from .config import ROOT
from .content import load_catalog

__all__ = ["create_app", "get_catalog"]

CATALOG_KEY = "canhgiac.catalog"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. Raises ContentError, ConfigError or StoreError when it cannot run;
    app.py and the CLI turn those into plain messages."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=config.instance_path(test_config),
    )
    config.load(app, test_config)

    catalog, warnings = load_catalog(Path(app.config["CONTENT"]), languages=app.config["LANGUAGES"])
    for problem in warnings:
        app.logger.warning("%s", problem)
    app.extensions[CATALOG_KEY] = catalog

    store.init_app(app)
    # Per-person live-session data goes after RETENTION_DAYS even without a cron job.
    from .live import autopurge

    autopurge.init_app(app, app.extensions[store.EXTENSION_KEY].engine)

    from . import web

    web.init_app(app)

    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies:
        # Behind nginx: take the client's scheme and address from the proxy's headers (before
        # anything else looks at the request, the kept pages included).
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    return app


def get_catalog():  # type: ignore[no-untyped-def]
    """The catalog of the current app."""
    from flask import current_app

    return current_app.extensions[CATALOG_KEY]
