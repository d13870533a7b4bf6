"""Turning start-up failures into plain messages, never a traceback."""

from __future__ import annotations

import sys
from typing import Any

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from .config import ConfigError
from .content import ContentError
from .store import StoreError


def create_app_or_exit(test_config: dict[str, Any] | None = None) -> Flask:
    """create_app(), or print why it cannot start and exit with status 1."""
    from . import create_app

    try:
        return create_app(test_config)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("canhgiac: the content has errors; the app does not start", file=sys.stderr)
    except (ConfigError, StoreError) as exc:
        print(f"canhgiac: {exc}", file=sys.stderr)
    except SQLAlchemyError as exc:
        print(f"canhgiac: cannot open the database: {exc}", file=sys.stderr)
    raise SystemExit(1)
