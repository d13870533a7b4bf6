"""Starting the app: configuration layers, the secret-key rule, and start-up failures that print
plain messages (never a traceback), through real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from canhgiac import config, create_app
from canhgiac.config import ConfigError

from conftest import DEMO_CONTENT, PROJECT_ROOT


def run_app_import(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import app.py as `flask --app app run` does, in a clean process."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("CANHGIAC_")}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import app; print('started', app.app.name)"],
        cwd=PROJECT_ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_config_layers_defaults_file_then_environment(tmp_path: Path, monkeypatch) -> None:
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text(
        "SECRET_KEY = 'from-the-instance-file-123'\nPUBLIC_URL = 'https://file.example.org'\n"
        "LANGUAGES = 'en'\n"
    )
    monkeypatch.setenv("CANHGIAC_PUBLIC_URL", "https://env.example.org")
    app = config.bare_app({"INSTANCE_PATH": instance})
    assert app.config["SECRET_KEY"] == "from-the-instance-file-123"  # file over default
    assert app.config["PUBLIC_URL"] == "https://env.example.org"  # environment over file
    assert app.config["LANGUAGES"] == ("vi", "en")  # Vietnamese always comes first
    assert app.config["DATABASE_URL"] == f"sqlite:///{instance / 'canhgiac.sqlite3'}"
    assert app.config["RETENTION_DAYS"] == 30


@pytest.mark.parametrize("key", [None, "", "dev", "short"])
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path: Path, key) -> None:
    with pytest.raises(ConfigError) as err:
        create_app({"SECRET_KEY": key, "INSTANCE_PATH": tmp_path, "CONTENT": str(DEMO_CONTENT)})
    assert str(err.value) == (
        "no secret key is set: run `canhgiac init` to write one into "
        f"{tmp_path / 'config.py'}, or set CANHGIAC_SECRET_KEY"
    )


def test_testing_and_debug_get_a_throwaway_key(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "INSTANCE_PATH": tmp_path, "CONTENT": str(DEMO_CONTENT)})
    assert len(app.config["SECRET_KEY"]) == 64
    app.extensions["canhgiac.store"].dispose()


def test_write_instance_config_once_and_private(tmp_path: Path) -> None:
    path = config.write_instance_config(tmp_path / "instance")
    assert path is not None
    assert path.stat().st_mode & 0o777 == 0o600
    first = path.read_text()
    assert "SECRET_KEY = '" in first
    assert config.write_instance_config(tmp_path / "instance") is None
    assert path.read_text() == first


def test_app_starts_with_a_key_and_creates_the_database(tmp_path: Path) -> None:
    result = run_app_import(
        {
            "CANHGIAC_INSTANCE_PATH": str(tmp_path),
            "CANHGIAC_SECRET_KEY": "a-real-secret-key-for-this-test",
            "CANHGIAC_CONTENT": str(DEMO_CONTENT),
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started canhgiac"
    assert (tmp_path / "canhgiac.sqlite3").exists()


def test_app_without_a_key_exits_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = run_app_import(
        {"CANHGIAC_INSTANCE_PATH": str(tmp_path), "CANHGIAC_CONTENT": str(DEMO_CONTENT)}
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "canhgiac: no secret key is set: run `canhgiac init` to write one into "
        f"{tmp_path / 'config.py'}, or set CANHGIAC_SECRET_KEY"
    )


def test_app_refuses_invalid_content_with_every_problem(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "lessons").mkdir(parents=True)
    (content / "quizzes").mkdir()
    (content / "quizzes" / "bad.yaml").write_text("id: bad\ntitle: [unclosed\n")
    (content / "lessons" / "empty.yaml").write_text("")
    result = run_app_import(
        {
            "CANHGIAC_INSTANCE_PATH": str(tmp_path / "inst"),
            "CANHGIAC_SECRET_KEY": "a-real-secret-key-for-this-test",
            "CANHGIAC_CONTENT": str(content),
        }
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("lessons/empty.yaml:1: ")
    assert lines[1].startswith("quizzes/bad.yaml:")
    assert lines[-1] == "canhgiac: the content has errors; the app does not start"


def test_behind_a_proxy_the_forwarded_scheme_and_client_are_used(app_config) -> None:
    app_config["PROXY_FIX"] = 1
    app = create_app(app_config)
    seen = {}

    @app.get("/_probe")
    def probe() -> str:
        from flask import request

        seen.update(scheme=request.scheme, remote=request.remote_addr)
        return "ok"

    app.test_client().get(
        "/_probe", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    )
    assert seen == {"scheme": "https", "remote": "203.0.113.9"}
    app.extensions["canhgiac.store"].dispose()
