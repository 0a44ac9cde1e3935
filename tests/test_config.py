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
