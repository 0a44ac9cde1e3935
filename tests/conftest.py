"""Shared fixtures: an app with a temporary database, index and upload folder; a client
that behaves like a browser (it sends the CSRF token from the page); builders."""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from aiosmtpd.controller import Controller
from jinja2 import BytecodeCache
from psycopg import sql
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.routing import Rule

from rcm_exchange import create_app
from rcm_exchange.extensions import db
from tests.builders import PASSWORD
from tests.clients import new_browser, sign_in
from tests.local_servers import Inbox, free_test_port

POSTGRES_URL = os.environ.get("RCM_TEST_POSTGRES_URL")
RAM_DISK = "/dev/shm"
requires_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="RCM_TEST_POSTGRES_URL is not set")
DATABASES = ["sqlite", pytest.param("postgresql", marks=requires_postgres)]
# Apply to a test to run it on SQLite and, when available, on PostgreSQL.
on_both_databases = pytest.mark.parametrize("database", DATABASES, indirect=True)


def pytest_configure(config):
    share_compiled_url_builders()
    # Each test writes its SQLite database, search index and uploads under its tmp_path,
    # with an fsync per commit; on a disk those waits took longer than many tests' own
    # work. Where the machine has a RAM disk, pytest's numbered temporary folders go
    # there (named, kept and cleaned up as pytest does anywhere else).
    if not config.option.basetemp and os.access(RAM_DISK, os.W_OK):
        os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", RAM_DISK)


def share_compiled_url_builders() -> None:
    """Each URL rule's builders are compiled once for every app of the test process.

    werkzeug compiles two Python functions for each URL rule an app adds
    (``Rule._compile_builder``): three quarters of ``create_app``'s time, for each of
    the suite's two thousand apps. A builder depends only on the rule's parsed parts and
    takes the rule itself as its first argument, so the function compiled for one app's
    rule serves the same rule in the next app. A rule with defaults (resolved through its
    converters when compiled) is compiled as werkzeug does.
    """
    if getattr(Rule._compile_builder, "shared", False):
        return
    compile_builder = Rule._compile_builder
    compiled: dict[tuple, object] = {}

    def shared_builder(rule, append_unknown=True):
        if rule.defaults:
            return compile_builder(rule, append_unknown)
        key = (tuple(rule._trace), append_unknown)
        if key not in compiled:
            compiled[key] = compile_builder(rule, append_unknown)
        return compiled[key]

    shared_builder.shared = True
    Rule._compile_builder = shared_builder


def _postgres_url(database_name: str) -> str:
    url = POSTGRES_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database_name))


@functools.cache
def _admin_engine():
    """One pooled connection of this test process for creating and dropping databases."""
    return create_engine(
        _postgres_url(urlsplit(POSTGRES_URL).path.lstrip("/") or "postgres"),
        isolation_level="AUTOCOMMIT",
        pool_size=1,
    )


def _create_postgres_database(template: str | None = None) -> str:
    name = f"rcm_test_{uuid.uuid4().hex[:12]}"
    copied_from = f' TEMPLATE "{template}"' if template else ""
    with _admin_engine().connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copied_from}'))
        # A test database need not survive a crash of the server: its commits do not wait
        # for the write-ahead log to reach the disk (what is seen and locked stays the same).
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    return name


def _libpq_url(database_name: str) -> str:
    """``RCM_TEST_POSTGRES_URL`` with another database, as psycopg takes it."""
    return urlunsplit(urlsplit(POSTGRES_URL)._replace(path="/" + database_name))


def _drop_postgres_database(name: str) -> None:
    with _admin_engine().connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _seed(database_url: str, tmp_path) -> None:
    """The tables and the reference data, as ``flask rcm init`` leaves a new database."""
    app = make_app(database_url, tmp_path)
    with app.app_context():
        db.create_all()
        from rcm_exchange.services.reference_data import load_reference_data

        load_reference_data()
        db.session.remove()
        db.engine.dispose()


class SeededTemplates:
    """One seeded database per kind and test session, copied for every ``app``.

    Building the tables and loading the reference data took most of each test's set-up;
    a copy of a file (SQLite) or ``CREATE DATABASE ... TEMPLATE`` (PostgreSQL) gives
    every test the same starting point in a fraction of the time.
    """

    def __init__(self, folder):
        self.folder = folder
        self._sqlite = None
        self._postgres = None
        self._postgres_copies = set()
        self._idle_copies: list[str] = []
        self._seeded_state: SeededState | None = None

    def sqlite_file(self):
        if self._sqlite is None:
            path = self.folder / "template.sqlite3"
            _seed(f"sqlite:///{path}", self.folder / "sqlite")
            self._sqlite = path
        return self._sqlite

    def postgres_name(self) -> str:
        if self._postgres is None:
            name = _create_postgres_database()
            _seed(_postgres_url(name), self.folder / "postgres")
            self._postgres = name
        return self._postgres

    def new_postgres_copy(self) -> str:
        """A PostgreSQL database as seeded: one an earlier test gave back (and that was put
        back as seeded), else a new copy of the template."""
        if self._idle_copies:
            return self._idle_copies.pop()
        name = _create_postgres_database(template=self.postgres_name())
        self._postgres_copies.add(name)
        if self._seeded_state is None:
            self._seeded_state = SeededState.read(name)
        return name

    def give_back(self, name: str) -> None:
        """Put the copy ``name`` back as seeded for a later test, or drop it if that fails."""
        assert self._seeded_state is not None
        try:
            self._seeded_state.restore(name)
        except psycopg.Error:
            self._postgres_copies.discard(name)
            _drop_postgres_database(name)
        else:
            self._idle_copies.append(name)

    def copy_into(self, database_url: str) -> None:
        """Fill the empty database at ``database_url`` (as the ``database`` fixture made
        it) with a copy of the seeded template of its kind; a PostgreSQL database made by
        ``new_postgres_copy`` already is one."""
        url = make_url(database_url)
        if url.get_backend_name() == "sqlite":
            shutil.copyfile(self.sqlite_file(), url.database)
            return
        if url.database in self._postgres_copies:
            return
        _drop_postgres_database(url.database)
        with _admin_engine().connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{url.database}" TEMPLATE "{self.postgres_name()}"'))

    def close(self) -> None:
        for name in self._idle_copies:
            _drop_postgres_database(name)
        if self._postgres is not None:
            _drop_postgres_database(self._postgres)


class SeededState:
    """What a seeded PostgreSQL copy holds, to put a used copy back as it was.

    Making a copy of the template and dropping it cost about 150 ms of the server's
    processor time for each test on PostgreSQL; emptying the tables, writing the seeded
    rows back and setting the sequences where they were takes about 25 ms. What a test
    may add beside the rows (a schema such as the postgres search engine's, an extension,
    a table) is dropped.
    """

    def __init__(self, tables, rows, sequences, schemas, extensions):
        self.tables: list[str] = tables
        self.rows: dict[str, bytes] = rows
        self.sequences: list[tuple[str, int, bool]] = sequences
        self.schemas: set[str] = schemas
        self.extensions: set[str] = extensions

    @staticmethod
    def _catalog(connection) -> tuple[list[str], set[str], set[str]]:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        # (The server's own schemas for temporary tables come and go with sessions.)
        schemas = {
            row[0]
            for row in connection.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%temp\\_%'"
            )
        }
        extensions = {row[0] for row in connection.execute("SELECT extname FROM pg_extension")}
        return tables, schemas, extensions

    @classmethod
    def read(cls, name: str) -> SeededState:
        with psycopg.connect(_libpq_url(name)) as connection:
            tables, schemas, extensions = cls._catalog(connection)
            rows = {}
            for table in tables:
                if not connection.execute(
                    sql.SQL("SELECT EXISTS (SELECT FROM {})").format(sql.Identifier(table))
                ).fetchone()[0]:
                    continue
                data = bytearray()
                statement = sql.SQL("COPY {} TO STDOUT (FORMAT binary)").format(sql.Identifier(table))
                with connection.cursor().copy(statement) as copy:
                    for chunk in copy:
                        data += chunk
                rows[table] = bytes(data)
            sequences = connection.execute(
                "SELECT format('%I.%I', schemaname, sequencename), coalesce(last_value, start_value), "
                "last_value IS NOT NULL FROM pg_sequences WHERE schemaname = 'public'"
            ).fetchall()
        return cls(tables, rows, sequences, schemas, extensions)

    def restore(self, name: str) -> None:
        with psycopg.connect(_libpq_url(name), autocommit=True) as connection, connection.transaction():
            # A connection the test left behind holding a lock makes this fail, not wait.
            connection.execute("SET LOCAL lock_timeout = '2s'")
            # Rows go back in any order: no foreign key is checked while they do.
            connection.execute("SET LOCAL session_replication_role = replica")
            tables, schemas, extensions = self._catalog(connection)
            for schema in schemas - self.schemas:
                connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
            for extension in extensions - self.extensions:
                connection.execute(sql.SQL("DROP EXTENSION {} CASCADE").format(sql.Identifier(extension)))
            for table in set(tables) - set(self.tables):
                connection.execute(sql.SQL("DROP TABLE {} CASCADE").format(sql.Identifier(table)))
            for table in self.tables:
                connection.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
            for table, data in self.rows.items():
                statement = sql.SQL("COPY {} FROM STDIN (FORMAT binary)").format(sql.Identifier(table))
                with connection.cursor().copy(statement) as copy:
                    copy.write(data)
            for sequence, value, called in self.sequences:
                connection.execute("SELECT setval(%s, %s, %s)", (sequence, value, called))


@pytest.fixture(scope="session")
def seeded_templates(tmp_path_factory):
    templates = SeededTemplates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.close()


@pytest.fixture
def database(request, tmp_path):
    """A URL of a new database: a SQLite file, or a PostgreSQL database (empty, or for a
    test with ``app`` already the seeded copy ``app`` would make of it)."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    # A test with the ``app`` fixture would have its empty database dropped and made again
    # from the template: making it from the template at once spares two slow statements.
    if "app" in request.fixturenames:
        templates = request.getfixturevalue("seeded_templates")
        name = templates.new_postgres_copy()
        try:
            yield _postgres_url(name)
        finally:
            templates.give_back(name)
        return
    name = _create_postgres_database()
    try:
        yield _postgres_url(name)
    finally:
        _drop_postgres_database(name)


class CompiledTemplates(BytecodeCache):
    """The templates as compiled Python code, kept for every app of this test process.

    Each test makes its own app, whose Jinja environment would compile each template it
    renders again: that took about a third of a page test's time. Jinja checks each
    entry against the template's source, so a changed template is compiled anew.
    """

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


class SharedStatementCache(dict):
    """SQL compiled once for every test app's engine of the same kind.

    SQLAlchemy keeps compiled statements per engine, keyed by the engine's dialect
    object; each test app has an engine of its own, so each test compiled every
    statement it ran anew (about an eighth of a page test's time). Here the dialect in the key
    is replaced by what compiling depends on (its class, the server's version, the
    parameter style), so an engine reuses what an earlier one compiled for the same SQL.
    """

    @staticmethod
    def _shared(key: tuple) -> tuple:
        dialect = key[0]
        kind = (type(dialect), dialect.server_version_info, dialect.paramstyle)
        return (kind, *key[1:])

    def get(self, key, default=None):
        return super().get(self._shared(key), default)

    def __setitem__(self, key, value) -> None:
        super().__setitem__(self._shared(key), value)


SHARED_STATEMENTS = SharedStatementCache()


def make_app(database_url: str, tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "RCM_INDEX_DIR": str(tmp_path / "index"),
        "RCM_UPLOAD_DIR": str(tmp_path / "uploads"),
        "RCM_MAIL_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Background tasks run where they are enqueued, as soon as the work commits.
        "RCM_QUEUE_IMMEDIATE": True,
        # Argon2id stays the scheme; only its cost is lowered so the suite stays quick.
        "RCM_PASSWORD_HASH_TIME_COST": 1,
        "RCM_PASSWORD_HASH_MEMORY_KIB": 1024,
    }
    config.update(overrides)
    app = create_app(config)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    with app.app_context():
        for engine in db.engines.values():
            engine.update_execution_options(compiled_cache=SHARED_STATEMENTS)
    return app


@pytest.fixture
def app_config():
    """Override in a test module to change settings of the ``app`` fixture."""
    return {}


@pytest.fixture
def app(database, tmp_path, app_config, seeded_templates):
    seeded_templates.copy_into(database)
    app = make_app(database, tmp_path, **app_config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
        for engine in app.extensions.get("rcm_search_engines", {}).values():
            engine.close()


@pytest.fixture
def client(app):
    return new_browser(app)


@pytest.fixture
def login_as(app):
    """``login_as(user)`` → a signed-in client for that account (a new browser each call)."""

    def signed_in(user, *, remember: bool = False):
        signed_in_browser = new_browser(app)
        response = sign_in(signed_in_browser, user.email, PASSWORD, remember="true" if remember else "")
        assert response.status_code == 302, response.get_data(as_text=True)
        # The welcome message is read on the page the sign-in leads to; a test starts after
        # it. (Loading that page took more than the sign-in itself, in every test that signs in.)
        with signed_in_browser.session_transaction() as session:
            session.pop("_flashes", None)
        return signed_in_browser

    return signed_in


@pytest.fixture
def smtp_port():
    return free_test_port()


@pytest.fixture
def inbox(smtp_port):
    """A local SMTP server on ``smtp_port`` that keeps what it receives."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler
    controller.stop()
