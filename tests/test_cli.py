"""The `canhgiac` command as installed: init, db upgrade/current, and the refusal to run on an
out-of-date schema."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import DEMO_CONTENT, PROJECT_ROOT

CANHGIAC = shutil.which("canhgiac") or str(Path(os.sys.executable).parent / "canhgiac")


def canhgiac(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("CANHGIAC_")}
    full.update(env)
    return subprocess.run(
        [CANHGIAC, *args],
        cwd=PROJECT_ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_init_writes_a_key_and_the_database_once(tmp_path: Path) -> None:
    env = {"CANHGIAC_INSTANCE_PATH": str(tmp_path)}
    first = canhgiac("init", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        f"wrote a new secret key to {tmp_path / 'config.py'}",
        "database schema upgraded from empty to 0001",
    ]
    second = canhgiac("init", env=env)
    assert second.stdout.splitlines() == [
        f"kept {tmp_path / 'config.py'}",
        "database schema is up to date (0001)",
    ]
    current = canhgiac("db", "current", env=env)
    assert current.stdout.strip() == "schema 0001 (newest 0001): up to date"


def test_app_refuses_an_out_of_date_schema_until_db_upgrade(tmp_path: Path) -> None:
    env = {
        "CANHGIAC_INSTANCE_PATH": str(tmp_path),
        "CANHGIAC_SECRET_KEY": "a-real-secret-key-for-this-test",
        "CANHGIAC_CONTENT": str(DEMO_CONTENT),
        # PostgreSQL-like behaviour on SQLite: an existing but outdated database.
    }
    assert canhgiac("db", "upgrade", env=env).returncode == 0
    import sqlite3

    with sqlite3.connect(tmp_path / "canhgiac.sqlite3") as db:
        db.execute("UPDATE alembic_version SET version_num = '0000'")
    refused = canhgiac("routes", env=env)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert refused.stderr.strip() == (
        "canhgiac: the database schema is out of date (it is at revision 0000, the code needs "
        "0001): run `canhgiac db upgrade`"
    )
    assert "out of date" in canhgiac("db", "current", env=env).stdout
