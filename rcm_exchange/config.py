"""Settings, read once from ``RCM_*`` environment variables.

Every path the application writes to is decided here, so that an operator can see
in one place where the database, the index and the uploads live.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import overload

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; raised at start-up, never mid-request."""


@overload
def _env(name: str) -> str | None: ...
@overload
def _env(name: str, default: str) -> str: ...
def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"RCM_{name}")
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"RCM_{name} must be a whole number, not {raw!r}") from exc


def _bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_dir: Path, production: bool) -> str:
    key = _env("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigurationError(
            "RCM_SECRET_KEY is not set. In production the secret key must come from the "
            "environment, e.g. RCM_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    # In development a key is generated once and kept, so sessions survive restarts.
    key_file = instance_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_settings(overrides: dict | None = None) -> dict:
    """Flask configuration built from the environment (see README, "Configuration"),
    then ``overrides``.

    The overrides are known before anything is derived, so an app given its own secret
    key and instance folder (as the tests give) never writes a key file elsewhere.
    """
    overrides = overrides or {}
    production = _env("ENV", "development") == "production"
    instance_dir = Path(overrides.get("INSTANCE_DIR") or _env("INSTANCE_DIR", str(PROJECT_ROOT / "instance")))
    base_url = _env("BASE_URL", "http://127.0.0.1:5000")
    secure_cookies = _bool("SECURE_COOKIES", base_url.startswith("https://"))
    max_upload_mb = _int("MAX_UPLOAD_MB", 20)
    session_hours = _int("SESSION_HOURS", 12)
    search_backend = overrides.get("RCM_SEARCH_BACKEND") or _env("SEARCH_BACKEND", "whoosh")
    return {
        **operations_settings(instance_dir, base_url),
        "RCM_PRODUCTION": production,
        "INSTANCE_DIR": str(instance_dir),
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(instance_dir, production),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{instance_dir / 'rcm-exchange.sqlite3'}"),
        "RCM_INDEX_DIR": _env("INDEX_DIR", str(instance_dir / "index")),
        "RCM_UPLOAD_DIR": _env("UPLOAD_DIR", str(instance_dir / "uploads")),
        "RCM_SEARCH_BACKEND": search_backend,
        **_search_engine_settings(search_backend),
        "RCM_SEARCH_LOG_RETENTION_DAYS": _int("SEARCH_LOG_RETENTION_DAYS", 30),
        "RCM_BASE_URL": base_url.rstrip("/"),
        "RCM_MAIL_URL": _env("MAIL_URL"),
        "RCM_MAIL_SENDER": _env("MAIL_SENDER", "RCM Exchange <no-reply@rcm-exchange.local>"),
        "RCM_MAX_UPLOAD_BYTES": max_upload_mb * 1024 * 1024,
        # The request limit leaves room for the multipart envelope around the largest file.
        "MAX_CONTENT_LENGTH": max_upload_mb * 1024 * 1024 + 1024 * 1024,
        "RCM_TOKEN_LIFETIME_HOURS": _int("TOKEN_LIFETIME_HOURS", 24 * 30),
        "RCM_PASSWORD_LINK_HOURS": _int("PASSWORD_LINK_HOURS", 48),
        "RCM_SESSION_HOURS": session_hours,
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int("REMEMBER_DAYS", 30)),
        "RCM_LOGIN_LIMIT": _env("LOGIN_LIMIT", "5 per minute"),
        "RCM_LOGIN_ADDRESS_LIMIT": _env("LOGIN_ADDRESS_LIMIT", "20 per minute"),
        "RCM_RESET_LIMIT": _env("RESET_LIMIT", "3 per hour"),
        "RCM_PASSWORD_HASH_TIME_COST": _int("PASSWORD_HASH_TIME_COST", 3),
        "RCM_PASSWORD_HASH_MEMORY_KIB": _int("PASSWORD_HASH_MEMORY_KIB", 65536),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URL", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # A moving window: a fixed one lets twice the limit through across its boundary.
        "RATELIMIT_STRATEGY": "moving-window",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "rcm_exchange" / "translations"),
        # A form's token lasts as long as an idle session; sign-in renews it.
        "WTF_CSRF_TIME_LIMIT": session_hours * 3600,
    }


def limiter_storage_warning(workers: int) -> str | None:
    """What to tell the operator when several workers would each count sign-in failures
    on their own (the real guessing rate would be the limit times the workers)."""
    storage = _env("RATELIMIT_STORAGE_URL", "memory://")
    if workers > 1 and storage.startswith("memory://"):
        return (
            f"{workers} workers count sign-in failures separately with RCM_RATELIMIT_STORAGE_URL="
            f"{storage}: every limit is {workers} times looser. Set it to shared storage, "
            "e.g. redis://127.0.0.1:6379/0"
        )
    return None


def search_engine_options(config) -> dict:
    """The ``search_index.open_engine`` options of the configured backend, as its engine
    reads them from the ``RCM_*`` settings (each engine names those it reads). A wrong
    backend, or settings it cannot work with, is a start-up error."""
    import search_index

    backend = config["RCM_SEARCH_BACKEND"]
    if backend not in search_index.available_backends():
        raise ConfigurationError(
            f"RCM_SEARCH_BACKEND must be one of "
            f"{', '.join(search_index.available_backends())}, not {backend!r}"
        )
    settings = {**config, "RCM_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"]}
    try:
        return search_index.engine_options(backend, settings, prefix="RCM_")
    except search_index.SettingsError as error:
        raise ConfigurationError(f"RCM_SEARCH_BACKEND={backend}: {error}") from None


def _search_engine_settings(backend: str) -> dict:
    """The settings the chosen search engine reads, from the environment (the engine's
    defaults stand for those not set)."""
    import search_index

    if backend not in search_index.available_backends():
        return {}  # reported by ``search_engine_options``
    names = search_index.engine_class(backend).SETTINGS
    return {f"RCM_{name}": _env(name) for name in names if _env(name) is not None}


LOG_FORMATS = ("text", "json")


def trusted_hosts(base_url: str, extra: str | None) -> list[str]:
    """The host names the site answers to: that of ``RCM_BASE_URL`` (with the other
    loopback names when it is a loopback address, so ``make run`` works at
    ``localhost`` too) and any listed in ``RCM_TRUSTED_HOSTS``."""
    from urllib.parse import urlsplit

    host = urlsplit(base_url).hostname or "127.0.0.1"
    hosts = [host]
    if host in ("127.0.0.1", "localhost", "::1"):
        hosts += [name for name in ("127.0.0.1", "localhost", "::1") if name != host]
    hosts += [name.strip() for name in (extra or "").split(",") if name.strip()]
    return hosts


def operations_settings(instance_dir: Path, base_url: str) -> dict:
    """Background work, proxying, health, metrics and logs (README, "Operations")."""
    log_format = _env("LOG_FORMAT", "text")
    if log_format not in LOG_FORMATS:
        raise ConfigurationError(f"RCM_LOG_FORMAT must be text or json, not {log_format!r}")
    return {
        "RCM_REDIS_URL": _env("REDIS_URL"),
        "RCM_QUEUE_NAME": _env("QUEUE_NAME", "rcm-exchange"),
        "RCM_QUEUE_FILE": _env("QUEUE_FILE", str(instance_dir / "queue.sqlite3")),
        "RCM_QUEUE_IMMEDIATE": _bool("QUEUE_IMMEDIATE", False),
        "RCM_WORKER_THREADS": _int("WORKER_THREADS", 2),
        "RCM_WORKER_HEARTBEAT_SECONDS": _int("WORKER_HEARTBEAT_SECONDS", 10),
        "RCM_EXTRACTION_TIMEOUT": _int("EXTRACTION_TIMEOUT", 20),
        "RCM_MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 10),
        "RCM_PROXY_HOPS": _int("PROXY_HOPS", 0),
        "TRUSTED_HOSTS": trusted_hosts(base_url, _env("TRUSTED_HOSTS")),
        "RCM_LOG_FORMAT": log_format,
        "RCM_METRICS_ALLOW": _env("METRICS_ALLOW", "127.0.0.1,::1"),
        "RCM_METRICS_TOKEN": _env("METRICS_TOKEN"),
    }
