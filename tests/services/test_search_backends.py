"""The same search behaviour whichever engine a deployment chooses, and a clear error
when the choice cannot work."""

from __future__ import annotations

import pytest

from rcm_exchange.config import ConfigurationError, load_settings, search_engine_options
from rcm_exchange.models import DocumentStatus, Visibility
from rcm_exchange.services import search, search_log
from rcm_exchange.services.search import SearchParams
from rcm_exchange.services.unit_of_work import unit_of_work
from tests.builders import found, make_user, publish
from tests.conftest import make_app, requires_postgres

ENGINES = [
    pytest.param("sqlite", {"RCM_SEARCH_BACKEND": "tantivy"}, id="tantivy"),
    pytest.param("postgresql", {"RCM_SEARCH_BACKEND": "postgres"}, id="postgres", marks=requires_postgres),
]
on_every_engine = pytest.mark.parametrize("database, app_config", ENGINES, indirect=["database"])


@on_every_engine
def test_an_approved_document_is_searchable_at_once_and_leaves_when_unpublished(app):
    document = publish(title="Protocolo de atención a la niñez migrante", language="es")
    assert found(None, "atencion ninez") == [document.id]
    with unit_of_work():
        document.status = DocumentStatus.ARCHIVED
        search_log.record_change(document)
    assert found(None, "atencion ninez") == []


@on_every_engine
def test_restricted_documents_stay_hidden_on_every_engine(app):
    publish(title="Acuerdo zafiroconfidencial de fronteras", visibility=Visibility.MEMBERS, language="es")
    page = search.search_documents(None, SearchParams(q="zafiroconfidencial"))
    assert (page.total, page.items) == (0, [])
    assert len(found(make_user(org="GT"), "zafiroconfidencial")) == 1


@on_every_engine
def test_a_busy_drainer_makes_a_request_skip_on_every_engine(app):
    with search.drain_lock() as held:
        assert held
        document = publish(title="Remesas y billeteras móviles", language="es")
        with search.drain_lock() as second:
            assert second is False
    assert found(None, "billeteras") == [document.id]


def test_postgres_search_on_a_sqlite_database_is_a_start_up_error(tmp_path):
    with pytest.raises(ConfigurationError, match="RCM_SEARCH_DSN"):
        make_app(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, RCM_SEARCH_BACKEND="postgres")


def test_an_unknown_search_backend_is_a_start_up_error(tmp_path):
    with pytest.raises(ConfigurationError, match="RCM_SEARCH_BACKEND"):
        make_app(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, RCM_SEARCH_BACKEND="elastic")


def test_postgres_search_uses_the_application_database_unless_told_otherwise():
    config = {
        "RCM_SEARCH_BACKEND": "postgres",
        "RCM_INDEX_DIR": "unused",
        "RCM_SEARCH_SCHEMA": "rcm_search",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://rcm:s3cret@db.example:5433/rcm?sslmode=require",
    }
    assert search_engine_options(config) == {
        "dsn": "postgresql://rcm:s3cret@db.example:5433/rcm?sslmode=require",
        "schema": "rcm_search",
        "rum": False,
    }
    config["RCM_SEARCH_DSN"] = "host=search.example dbname=index"
    assert search_engine_options(config)["dsn"] == "host=search.example dbname=index"


def test_the_settings_the_chosen_engine_reads_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("RCM_INDEX_DIR", raising=False)
    monkeypatch.setenv("RCM_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("RCM_SEARCH_DSN", "host=search.example dbname=index")
    monkeypatch.setenv("RCM_SEARCH_SCHEMA", "site_search")
    monkeypatch.setenv("RCM_SEARCH_BACKEND", "postgres")
    monkeypatch.setenv("RCM_SEARCH_RUM", "on")
    assert search_engine_options(load_settings({"SECRET_KEY": "x"})) == {
        "dsn": "host=search.example dbname=index",
        "schema": "site_search",
        "rum": True,
    }
    monkeypatch.setenv("RCM_SEARCH_BACKEND", "tantivy")
    settings = load_settings({"SECRET_KEY": "x"})
    assert "RCM_SEARCH_DSN" not in settings
    assert search_engine_options(settings) == {"index_dir": str(tmp_path / "index")}


@pytest.mark.parametrize(
    ("value", "rum"), [("on", True), ("TRUE", True), ("1", True), ("off", False), ("no", False)]
)
def test_rum_is_used_by_the_postgres_engine_only_when_switched_on(value, rum):
    config = {
        "RCM_SEARCH_BACKEND": "postgres",
        "RCM_SEARCH_DSN": "host=search.example dbname=index",
        "RCM_SEARCH_RUM": value,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
    }
    assert search_engine_options(config)["rum"] is rum
    del config["RCM_SEARCH_RUM"]
    assert search_engine_options(config)["rum"] is False


def test_a_rum_setting_that_is_neither_on_nor_off_is_a_start_up_error():
    config = {
        "RCM_SEARCH_BACKEND": "postgres",
        "RCM_SEARCH_DSN": "host=search.example dbname=index",
        "RCM_SEARCH_RUM": "sometimes",
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
    }
    with pytest.raises(ConfigurationError, match="RCM_SEARCH_RUM must be on or off"):
        search_engine_options(config)
