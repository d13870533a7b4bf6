"""Exporting results as CSV and backing up / restoring the database, on SQLite and PostgreSQL,
through the real commands and tools an IT volunteer would use (docs/deploy.md)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from canhgiac.cli import main
from canhgiac.store import Store


def fill(url: str) -> list[str]:
    store = Store(url)
    store.upgrade()
    a = store.create_attempt("otp", lang="vi", src="cho-giao-phong", question_count=2)
    store.record_answer(a.id, "q1", position=1, choices=["a"], correct=True)
    store.record_answer(a.id, "q2", position=2, choices=["b", "c"], correct=False)
    b = store.create_attempt("qr", lang="en", src=None, question_count=1)
    store.dispose()
    return [a.id, b.id]


def export(url: str, *args: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(main, ["export", *args], env={"CANHGIAC_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_export_writes_every_answer_anonymously(database_url: str) -> None:
    a, b = fill(database_url)
    rows = export(database_url)
    assert list(rows[0]) == [
        "attempt_id",
        "quiz_id",
        "lang",
        "src",
        "started_at",
        "finished_at",
        "score",
        "question_count",
        "question_id",
        "position",
        "choices",
        "correct",
        "credit",
        "answered_at",
    ]
    assert [
        (r["attempt_id"], r["question_id"], r["choices"], r["correct"], r["credit"]) for r in rows
    ] == [
        (a, "q1", "a", "1", "100"),
        (a, "q2", "b,c", "0", "0"),
        (b, "", "", "", ""),
    ]
    assert rows[0]["src"] == "cho-giao-phong" and rows[0]["score"] == "1"
    assert rows[2]["finished_at"] == "" and rows[2]["lang"] == "en"
    assert export(database_url, "--since", "2999-01-01") == []


def test_export_to_a_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    fill(url)
    out = tmp_path / "results.csv"
    result = CliRunner().invoke(
        main, ["export", "--out", str(out)], env={"CANHGIAC_DATABASE_URL": url}
    )
    assert result.exit_code == 0
    assert result.stderr.strip() == f"wrote 3 rows to {out}"
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4


def test_sqlite_backup_and_restore(tmp_path: Path) -> None:
    live = tmp_path / "instance" / "canhgiac.sqlite3"
    url = f"sqlite:///{live}"
    fill(url)
    before = export(url)
    backup = tmp_path / "backups" / "canhgiac-2026-11-28.sqlite3"
    env = {"CANHGIAC_DATABASE_URL": url}
    result = CliRunner().invoke(main, ["backup", str(backup)], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"backed up the database to {backup}"
    again = CliRunner().invoke(main, ["backup", str(backup)], env=env)
    assert again.exit_code == 1
    assert f"{backup} exists already; choose a new file name" in again.output

    # Disaster: the live file is lost. Restore as docs/deploy.md says: copy the backup back.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, live)
    assert export(url) == before
    store = Store(url)
    store.check_schema(create_if_empty=False)  # the restored database is current
    store.dispose()


def test_backup_refuses_postgresql() -> None:
    result = CliRunner().invoke(
        main, ["backup", "x.sqlite3"], env={"CANHGIAC_DATABASE_URL": "postgresql://h/db"}
    )
    assert result.exit_code == 1
    assert "use pg_dump for PostgreSQL" in result.output


@pytest.mark.postgres
def test_postgresql_backup_and_restore_with_pg_dump(database_url: str, tmp_path: Path) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    fill(database_url)
    before = export(database_url)
    dump = tmp_path / "canhgiac.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), database_url], check=True)
    restored = database_url + "_restored"
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    name = restored.rsplit("/", 1)[1]
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    try:
        subprocess.run(["pg_restore", "--no-owner", "-d", restored, str(dump)], check=True)
        assert export(restored) == before
    finally:
        subprocess.run(
            ["psql", admin, "-qc", f'DROP DATABASE "{name}" WITH (FORCE)'],
            check=True,
            env={**os.environ},
        )
