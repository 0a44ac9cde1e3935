"""The application factory: ``create_app`` and the named steps it takes."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from sqlalchemy import event
from werkzeug.routing import IntegerConverter, UnicodeConverter

from rcm_exchange.config import PROJECT_ROOT, load_settings, search_engine_options
from rcm_exchange.extensions import babel, compress, csrf, db, limiter, login_manager, migrate
from rcm_exchange.models.base import MAX_ID


def create_app(settings: dict | None = None) -> Flask:
    """A new application from the environment's ``RCM_*`` settings, then ``settings``.

    Importing this package changes nothing outside it: logging and the database's
    connection settings are steps of the factory below, and they act on this app (its
    engines, the log format it was given) only.
    """
    app = Flask(
        "rcm_exchange",  # the package's name: the app's name and its logger's
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(load_settings(settings))
    app.config.update(settings or {})
    search_engine_options(app.config)  # a wrong search setting stops the start, not a request
    app.instance_path = app.config["INSTANCE_DIR"]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    configure_logging(app)
    register_extensions(app)
    install_sqlite_pragmas(app)
    register_operations(app)
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter
    register_blueprints(app)
    register_static_files(app)
    register_errors(app)
    register_commands(app)
    register_security_headers(app)
    register_message_deduplication(app)
    return app


def configure_logging(app: Flask) -> None:
    """The root logger's format from ``RCM_LOG_FORMAT`` (plain text or JSON lines)."""
    from rcm_exchange.operations import configure_logging as configure_root_logger

    configure_root_logger(app.config["RCM_LOG_FORMAT"])


def register_extensions(app: Flask) -> None:
    from flask_babel import gettext

    from rcm_exchange.errors import SIGN_IN_REQUIRED
    from rcm_exchange.i18n import register_template_helpers, select_locale
    from rcm_exchange.services.sessions import load_session_user

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    # Pages and static files are compressed; the API answers as it always did (some API
    # clients and test transports do not decode a Content-Encoding).
    app.config.setdefault("COMPRESS_REGISTER", False)
    compress.init_app(app)
    app.after_request(
        lambda response: response if request.path.startswith("/api/") else compress.after_request(response)
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Flask-Login's own English message, said in the page's language instead.
    login_manager.login_message = SIGN_IN_REQUIRED
    login_manager.localize_callback = gettext
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)
    register_template_helpers(app)
    from rcm_exchange import tasks

    tasks.init_app(app)


def register_operations(app: Flask) -> None:
    from rcm_exchange import operations

    operations.init_app(app)


def install_sqlite_pragmas(app: Flask) -> None:
    """WAL and a busy timeout let several server processes write to one SQLite file.

    Attached to this app's SQLite engines only: another app, or an engine made elsewhere
    in the same process, keeps its own connection settings.
    """
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", set_sqlite_pragmas)


def set_sqlite_pragmas(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class IdConverter(IntegerConverter):
    """``<int:...>`` in every address: a number no row can have is a 404, never an
    integer overflow in the database driver (SQLite refuses ints beyond 64 bits)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits, min, max, signed)


class TextConverter(UnicodeConverter):
    """The default ``<name>`` segment, without control characters: PostgreSQL cannot
    compare text containing NUL, so such an address is a 404 rather than a 500."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):  # noqa: A002 - werkzeug's names
        super().__init__(map, minlength, maxlength, length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]")


def register_blueprints(app: Flask) -> None:
    from rcm_exchange.api import register_api
    from rcm_exchange.web import (
        admin,
        api_reference,
        audit,
        auth,
        browse,
        feeds,
        health,
        main,
        register_template_globals,
        search,
        statistics,
        tokens,
    )
    from rcm_exchange.web import documents as documents_pages
    from rcm_exchange.web import notifications as notification_pages
    from rcm_exchange.web import review as review_pages

    register_template_globals(app)
    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(statistics.bp)
    app.register_blueprint(documents_pages.bp)
    app.register_blueprint(review_pages.bp)
    app.register_blueprint(notification_pages.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(tokens.bp)
    app.register_blueprint(feeds.bp)
    from rcm_exchange.web import curation, forum

    app.register_blueprint(forum.meetings_bp)
    app.register_blueprint(forum.calls_bp)
    app.register_blueprint(curation.bp)
    app.register_blueprint(api_reference.bp)
    register_following(app)
    register_api(app)
    app.register_blueprint(search.bp)
    app.register_blueprint(health.bp)


def register_following(app: Flask) -> None:
    """Subscriptions and digests, citations, and what harvesters and crawlers read."""
    from rcm_exchange.web import citations, following, harvest

    app.register_blueprint(following.bp)
    app.register_blueprint(citations.bp)
    app.register_blueprint(harvest.bp)


def register_static_files(app: Flask) -> None:
    from rcm_exchange.web.static_files import serve_static_with_digests

    serve_static_with_digests(app)


def register_errors(app: Flask) -> None:
    from rcm_exchange.errors import register_error_handlers

    register_error_handlers(app)


def register_commands(app: Flask) -> None:
    from rcm_exchange.cli import rcm

    app.cli.add_command(rcm)


def register_security_headers(app: Flask) -> None:
    import secrets

    from flask import g

    def csp_nonce() -> str:
        if "csp_nonce" not in g:
            g.csp_nonce = secrets.token_urlsafe(16)
        return g.csp_nonce

    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        policy = (
            "default-src 'self'; img-src 'self' data:; object-src 'none'; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
        )
        if "csp_nonce" in g:
            # The rich-text editor (Trix) inserts one <style> element with its default
            # rules and marks it with this nonce; no other inline style is allowed.
            policy += f"; style-src 'self' 'nonce-{g.csp_nonce}'"
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if app.config["RCM_BASE_URL"].startswith("https://"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        _private_caching(response)
        return response


def register_message_deduplication(app: Flask) -> None:
    """A message already waiting to be shown is not queued again.

    Flask's ``flash`` appends to the session on every call: a signed-out visitor sent to
    the sign-in page from several pages, or a form sent twice, would then read the same
    notice once per time, and the session cookie grows with every copy.
    """
    from flask import session

    @app.after_request
    def _drop_repeated_messages(response):
        if session.modified:
            waiting = session.get("_flashes") or []
            unique = list(dict.fromkeys(tuple(message) for message in waiting))
            if len(unique) < len(waiting):
                session["_flashes"] = unique
        return response


# Powerful browser features the site never uses, refused for it and anything it embeds.
# A browser built without one of them (Debian's Chromium has no Web Bluetooth) warns
# that it does not know the name, and ignores it.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "serial=(), bluetooth=(), browsing-topics=()"
)


def _private_caching(response) -> None:
    """Whatever depends on who asks is never stored by a browser or proxy cache, and says
    what it varies by: the session cookie on pages, the token under /api/."""
    from flask import g, request
    from flask_login import current_user

    if request.path.startswith("/api/"):
        response.vary.add("Authorization")
        restricted = getattr(g, "api_token", None) is not None
    else:
        response.vary.add("Cookie")
        # Password-link and sign-in pages carry a secret of their own, signed in or not.
        restricted = current_user.is_authenticated or (request.blueprint == "auth")
    if restricted:
        response.headers["Cache-Control"] = "private, no-store"
