"""`canhgiac trainer ...` and `canhgiac purge`, as an operator types them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from canhgiac.cli import main
from canhgiac.live import auth, phones, service
from canhgiac.live.tables import live_sessions, participants
from canhgiac.store import Store, utcnow


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    monkeypatch.setenv("CANHGIAC_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CANHGIAC_DATABASE_URL", url)
    monkeypatch.delenv("CANHGIAC_RETENTION_DAYS", raising=False)
    return {"url": url}


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def engine_for(env: dict[str, str]):  # type: ignore[no-untyped-def]
    return Store(env["url"]).engine


def test_trainer_add_reads_the_password_from_stdin(env) -> None:  # type: ignore[no-untyped-def]
    done = run("trainer", "add", "Lan.Nguyen", "--password-stdin", input="mat khau dai 123\n")
    assert done.exit_code == 0, done.output
    assert done.output == "added the trainer lan.nguyen\n"
    assert auth.verify(engine_for(env), "lan.nguyen", "mat khau dai 123") is not None
    again = run("trainer", "add", "lan.nguyen", "--password-stdin", input="mat khau dai 123\n")
    assert again.exit_code == 1
    assert "a trainer called 'lan.nguyen' exists already" in again.output


def test_trainer_add_asks_for_the_password_twice(env) -> None:  # type: ignore[no-untyped-def]
    done = run("trainer", "add", "minh", input="mat-khau-123\nmat-khau-123\n")
    assert done.exit_code == 0, done.output
    assert "mat-khau-123" not in done.output  # not echoed
    assert auth.verify(engine_for(env), "minh", "mat-khau-123") is not None


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["bad name"], "mat-khau-123\n", "is not valid"),
        (["lan"], "short\n", "too short"),
        (["lan"], "\n", "no password on standard input"),
    ],
)
def test_trainer_add_refuses_bad_input(env, args, stdin, message) -> None:  # type: ignore[no-untyped-def]
    done = run("trainer", "add", *args, "--password-stdin", input=stdin)
    assert done.exit_code == 1
    assert message in done.output
    assert "Traceback" not in done.output


def test_trainer_list_passwd_and_remove(env) -> None:  # type: ignore[no-untyped-def]
    assert "no trainers yet" in run("trainer", "list").output
    run("trainer", "add", "lan", "--password-stdin", input="mat-khau-123\n")
    listed = run("trainer", "list").output
    assert listed.startswith("lan\tsince ") and listed.endswith("\t0 sessions\n")
    done = run("trainer", "passwd", "lan", "--password-stdin", input="mat-khau-456\n")
    assert done.output == "changed the password of lan\n"
    assert auth.verify(engine_for(env), "lan", "mat-khau-456") is not None
    assert run("trainer", "remove", "lan", input="n\n").exit_code == 1  # not confirmed
    done = run("trainer", "remove", "lan", "--yes")
    assert done.output == "removed the trainer lan (0 sessions kept)\n"
    assert run("trainer", "remove", "lan", "--yes").exit_code == 1


def test_purge_uses_the_retention_period(env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    run("trainer", "add", "lan", "--password-stdin", input="mat-khau-123\n")
    engine = engine_for(env)
    lan = auth.find_trainer(engine, "lan")
    s = service.create_session(engine, trainer_id=lan.id, quiz_id="otp", question_count=1)
    phones.join(engine, s, None, "Cá Heo")
    with engine.begin() as conn:
        conn.execute(live_sessions.update().values(created_at=utcnow() - timedelta(days=20)))
    done = run("purge")
    assert done.output == (
        "purged 0 sessions older than 30 days: 0 participants and 0 answers deleted, "
        "aggregate counts kept\n"
    )
    monkeypatch.setenv("CANHGIAC_RETENTION_DAYS", "14")
    assert run("purge").output.startswith("purged 1 sessions older than 14 days: 1 participants")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(participants)).scalar() == 0
    assert run("purge", "--days", "0").output.startswith("purged 0 sessions")


def test_purge_refuses_a_wrong_retention_period(env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CANHGIAC_RETENTION_DAYS", "0")
    done = CliRunner().invoke(main, ["purge"])
    assert done.exit_code == 1
    assert done.output == (
        "Error: RETENTION_DAYS must be a whole number of days, 1 or more (not 0)\n"
    )
    assert "Traceback" not in done.output


def test_commands_need_an_up_to_date_database(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CANHGIAC_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    done = run("trainer", "list")
    assert done.exit_code == 1
    assert "cannot use the database" in done.output
