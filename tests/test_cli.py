"""The `canhgiac` command as installed: init, db upgrade/current, and the refusal to run on an
out-of-date schema."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from canhgiac.store import MIGRATIONS, Store

from conftest import DEMO_CONTENT, PROJECT_ROOT

CANHGIAC = shutil.which("canhgiac") or str(Path(os.sys.executable).parent / "canhgiac")


#: The newest schema revision the code needs.
HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()


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
        f"database schema upgraded from empty to {HEAD}",
    ]
    second = canhgiac("init", env=env)
    assert second.stdout.splitlines() == [
        f"kept {tmp_path / 'config.py'}",
        f"database schema is up to date ({HEAD})",
    ]
    current = canhgiac("db", "current", env=env)
    assert current.stdout.strip() == f"schema {HEAD} (newest {HEAD}): up to date"


def test_app_refuses_an_out_of_date_schema_until_db_upgrade(tmp_path: Path) -> None:
    env = {
        "CANHGIAC_INSTANCE_PATH": str(tmp_path),
        "CANHGIAC_SECRET_KEY": "a-real-secret-key-for-this-test",
        "CANHGIAC_CONTENT": str(DEMO_CONTENT),
    }
    # A database left at the first schema revision by an older version of the kit.
    store = Store(f"sqlite:///{tmp_path / 'canhgiac.sqlite3'}")
    with store.engine.begin() as conn:
        command.upgrade(store._alembic(conn), "0001")
    store.dispose()

    refused = canhgiac("routes", env=env)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert refused.stderr.strip() == (
        "canhgiac: the database schema is out of date (it is at revision 0001, the code needs "
        f"{HEAD}): run `canhgiac db upgrade`"
    )
    assert canhgiac("db", "current", env=env).stdout.strip() == (
        f"schema 0001 (newest {HEAD}): out of date: run `canhgiac db upgrade`"
    )
    upgraded = canhgiac("db", "upgrade", env=env)
    assert upgraded.stdout.strip() == f"database schema upgraded from 0001 to {HEAD}"
    started = canhgiac("routes", env=env)
    assert started.returncode == 0, started.stderr
    assert "/q/<quiz_id>" in started.stdout
