"""Configuration: defaults, then the instance config file, then CANHGIAC_* environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

#: The project root: where app.py, lessons/, quizzes/, templates/ and static/ live.
ROOT = Path(__file__).resolve().parent.parent

INSTANCE_CONFIG = "config.py"

#: Keys that mark a secret key as not a real one.
_PLACEHOLDER_KEYS = {"", "dev", "change-me", "changeme", "secret"}


class ConfigError(Exception):
    """The configuration does not allow the app to start; the message says what to do."""


def defaults() -> dict[str, Any]:
    return {
        "SECRET_KEY": None,
        # None means a SQLite file in the instance folder, created on first run.
        "DATABASE_URL": None,
        # The public address of the site, e.g. https://canhgiac.example.org (used in QR codes).
        "PUBLIC_URL": None,
        # The folder that holds lessons/ and quizzes/.
        "CONTENT": str(ROOT),
        "LANGUAGES": "vi,en",
        # Days after which per-person data (nicknames, individual answers) is purged.
        "RETENTION_DAYS": 30,
        # How often each server process runs that purge itself (hours; 0: never, for a site
        # that runs `canhgiac purge` from cron instead).
        "PURGE_EVERY_HOURS": 24,
        # Local time of the site's users, in hours from UTC (Vietnam: 7, no summer time): days
        # and weeks in results, and times shown to trainers.
        "UTC_OFFSET_HOURS": 7,
        # How many reverse proxies (nginx) stand in front of the app: their X-Forwarded-*
        # headers are then trusted for the client's scheme and address. 0: none.
        "PROXY_FIX": 0,
        # Where rendered handouts (PDF) are cached; None: instance/print-cache.
        "PRINT_CACHE": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
    }


def load(
    app: Flask, overrides: dict[str, Any] | None = None, *, require_secret: bool = True
) -> None:
    """Fill app.config from defaults, instance/config.py, CANHGIAC_* and then overrides."""
    app.config.from_mapping(defaults())
    app.config.from_pyfile(INSTANCE_CONFIG, silent=True)
    app.config.from_prefixed_env("CANHGIAC")
    if overrides:
        app.config.from_mapping(overrides)
    langs = app.config["LANGUAGES"]
    if isinstance(langs, str):
        langs = [x.strip() for x in langs.split(",") if x.strip()]
    langs = list(dict.fromkeys(langs))
    if "vi" in langs:
        langs.remove("vi")
    app.config["LANGUAGES"] = ("vi", *langs)
    if not app.config["DATABASE_URL"]:
        path = Path(app.instance_path) / "canhgiac.sqlite3"
        app.config["DATABASE_URL"] = f"sqlite:///{path}"
    if require_secret:
        check_secret_key(app)


def check_secret_key(app: Flask) -> None:
    """Outside debug and testing, refuse to start without a real secret key."""
    key = app.config.get("SECRET_KEY")
    if app.debug or app.testing:
        if not key:
            app.config["SECRET_KEY"] = secrets.token_hex(32)
        return
    if not key or str(key).strip().lower() in _PLACEHOLDER_KEYS or len(str(key)) < 16:
        raise ConfigError(
            "no secret key is set: run `canhgiac init` to write one into "
            f"{Path(app.instance_path) / INSTANCE_CONFIG}, or set CANHGIAC_SECRET_KEY"
        )


def instance_path(overrides: dict[str, Any] | None = None) -> str | None:
    """The instance folder: INSTANCE_PATH in overrides, else CANHGIAC_INSTANCE_PATH, else None
    (Flask's default, `instance/` in the project root)."""
    if overrides and overrides.get("INSTANCE_PATH"):
        return str(Path(overrides["INSTANCE_PATH"]).resolve())
    env = os.environ.get("CANHGIAC_INSTANCE_PATH")
    return str(Path(env).resolve()) if env else None


def bare_app(overrides: dict[str, Any] | None = None) -> Flask:
    """An app with configuration only (no content, no database): for commands such as
    `canhgiac db upgrade` that must work when the full app cannot start."""
    app = Flask("canhgiac", instance_relative_config=True, instance_path=instance_path(overrides))
    load(app, overrides, require_secret=False)
    return app


def write_instance_config(instance_path: Path) -> Path | None:
    """Create instance/config.py with a fresh secret key, unless it exists. Returns its path
    when written."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / INSTANCE_CONFIG
    if path.exists():
        return None
    path.write_text(
        "# Written by `canhgiac init`. Keep this file private: it signs cookies.\n"
        f"SECRET_KEY = {secrets.token_hex(32)!r}\n"
        "# PUBLIC_URL = 'https://canhgiac.example.org'  # the address printed in QR codes\n",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path
