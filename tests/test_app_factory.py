"""``create_app`` acts on the app it makes: importing the package changes nothing in the
process (and loads no Flask until the factory is asked for), and each app's database
settings stay on its own engines."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from rcm_exchange.app import set_sqlite_pragmas
from rcm_exchange.extensions import db
from tests.conftest import make_app

IMPORT_EVERYTHING = """
import logging
from sqlalchemy import create_engine, text
root = logging.getLogger()
before = (list(root.handlers), root.level)
import rcm_exchange, rcm_exchange.app, rcm_exchange.cli, rcm_exchange.api
import rcm_exchange.web, rcm_exchange.services.search
assert (list(root.handlers), root.level) == before, (root.handlers, root.level)
with create_engine("sqlite://").connect() as connection:
    assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 0
"""


def test_importing_the_package_changes_no_logging_and_no_engine_of_the_process():
    subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING], check=True)


# What the attachment-extraction child imports of the package (it runs
# services/file_inspection.py as a script, in a process limited in memory and time).
EXTRACTION_CHILD_IMPORTS = """
import sys
import rcm_exchange.sanitize
heavy = ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug")
loaded = sorted(name for name in heavy if name in sys.modules)
assert loaded == [], loaded
"""


def test_the_extraction_child_starts_without_flask_or_sqlalchemy():
    subprocess.run([sys.executable, "-I", "-c", EXTRACTION_CHILD_IMPORTS], check=True)


def test_the_package_still_hands_out_its_application_factory():
    import rcm_exchange
    from rcm_exchange.app import create_app

    assert rcm_exchange.create_app is create_app


def _pragmas(engine) -> tuple:
    with engine.connect() as connection:
        return (
            connection.execute(text("PRAGMA journal_mode")).scalar(),
            connection.execute(text("PRAGMA foreign_keys")).scalar(),
        )


def test_each_app_sets_its_sqlite_pragmas_on_its_own_engine_only(tmp_path):
    first = make_app(f"sqlite:///{tmp_path / 'first.sqlite3'}", tmp_path / "first")
    second = make_app(f"sqlite:///{tmp_path / 'second.sqlite3'}", tmp_path / "second")
    with first.app_context():
        first_engine = db.engine
    with second.app_context():
        second_engine = db.engine
    assert first_engine is not second_engine
    assert _pragmas(first_engine) == ("wal", 1) and _pragmas(second_engine) == ("wal", 1)
    assert event.contains(first_engine, "connect", set_sqlite_pragmas)
    assert not event.contains(Engine, "connect", set_sqlite_pragmas)
    # An engine made beside the apps keeps SQLite's own defaults.
    other = create_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert _pragmas(other) == ("delete", 0)
    # Taking the first app's listener away leaves the second app's in place.
    event.remove(first_engine, "connect", set_sqlite_pragmas)
    first_engine.dispose()
    second_engine.dispose()
    assert _pragmas(first_engine)[1] == 0 and _pragmas(second_engine)[1] == 1
    for engine in (first_engine, second_engine, other):
        engine.dispose()
