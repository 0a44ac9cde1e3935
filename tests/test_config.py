"""Settings come from RCM_ variables and fail fast when they are wrong."""

from __future__ import annotations

import pytest

from rcm_exchange.config import ConfigurationError, load_settings


def test_production_without_a_secret_key_is_a_clear_start_up_error(monkeypatch, tmp_path):
    monkeypatch.setenv("RCM_ENV", "production")
    monkeypatch.setenv("RCM_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("RCM_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="RCM_SECRET_KEY"):
        load_settings()


def test_development_generates_a_secret_key_once_and_keeps_it(monkeypatch, tmp_path):
    monkeypatch.delenv("RCM_ENV", raising=False)
    monkeypatch.delenv("RCM_SECRET_KEY", raising=False)
    monkeypatch.setenv("RCM_INSTANCE_DIR", str(tmp_path))
    first = load_settings()["SECRET_KEY"]
    assert len(first) >= 32 and load_settings()["SECRET_KEY"] == first


def test_paths_and_database_default_to_the_instance_folder(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "INDEX_DIR", "UPLOAD_DIR"):
        monkeypatch.delenv(f"RCM_{name}", raising=False)
    monkeypatch.setenv("RCM_INSTANCE_DIR", str(tmp_path))
    settings = load_settings()
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith(f"sqlite:///{tmp_path}")
    assert settings["RCM_INDEX_DIR"].startswith(str(tmp_path))
    assert settings["RCM_UPLOAD_DIR"].startswith(str(tmp_path))


def test_a_malformed_number_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("RCM_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("RCM_MAX_UPLOAD_MB", "twenty")
    with pytest.raises(ConfigurationError, match="RCM_MAX_UPLOAD_MB"):
        load_settings()


def test_an_app_given_its_own_key_and_folder_writes_no_key_file_elsewhere(monkeypatch, tmp_path):
    default_folder = tmp_path / "default-instance"
    monkeypatch.delenv("RCM_SECRET_KEY", raising=False)
    monkeypatch.setenv("RCM_INSTANCE_DIR", str(default_folder))
    own_folder = tmp_path / "own-instance"
    settings = load_settings({"SECRET_KEY": "given", "INSTANCE_DIR": str(own_folder)})
    assert settings["SECRET_KEY"] == "given"
    assert not (default_folder / "secret_key").exists()
    assert not (own_folder / "secret_key").exists()


def _gunicorn_log(tmp_path, storage: str) -> str:
    """Start gunicorn with two workers from the repository root, read its start-up log."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    from rcm_exchange.config import PROJECT_ROOT

    env = {
        **os.environ,
        "RCM_INSTANCE_DIR": str(tmp_path),
        "RCM_SECRET_KEY": "test",
        "RCM_RATELIMIT_STORAGE_URL": storage,
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", "127.0.0.1:0", "wsgi:app"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(200):  # until the workers have booted
                if log.read_text().count("Booting worker") >= 2:
                    break
                time.sleep(0.05)
        finally:
            process.terminate()
            process.wait(timeout=30)
    return log.read_text()


def test_two_workers_on_memory_limiter_storage_are_warned_about_at_start(tmp_path):
    assert "2 workers count sign-in failures separately" in _gunicorn_log(tmp_path, "memory://")


def test_two_workers_on_shared_limiter_storage_start_without_that_warning(tmp_path):
    log = _gunicorn_log(tmp_path, "redis://127.0.0.1:6379/0")
    assert "Booting worker" in log and "count sign-in failures separately" not in log
