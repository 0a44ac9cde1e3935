import hashlib
import os
from contextlib import contextmanager

import pytest

from search_index import AccessFilter, open_engine

from .corpus import DOCUMENTS

POSTGRES_URL = os.environ.get("RCM_TEST_POSTGRES_URL")
# Every engine must pass the same contract.
BACKENDS = [
    pytest.param("whoosh", id="whoosh"),
    pytest.param("tantivy", id="tantivy"),
    pytest.param(
        "postgres",
        id="postgres",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason="RCM_TEST_POSTGRES_URL is not set"),
    ),
]


def engine_options(backend, directory):
    """Options of a fresh index of ``backend``; the same ``directory`` means the same index."""
    if backend == "postgres":
        # Each test gets its own schema, named after its temporary directory.
        return {
            "dsn": POSTGRES_URL,
            "schema": "rcm_test_" + hashlib.sha1(str(directory).encode()).hexdigest()[:16],
        }
    return {"index_dir": directory / backend}


def drop_index(backend, directory):
    if backend == "postgres":
        import psycopg
        from psycopg import sql

        schema = engine_options(backend, directory)["schema"]
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


ANONYMOUS = AccessFilter(frozenset({"public"}))
PARTICIPANT = AccessFilter(frozenset({"public", "participants"}), organization_id=9)
MEMBER_STATE = AccessFilter(frozenset({"public", "participants", "members"}), organization_id=2)
GUATEMALA = AccessFilter(frozenset({"public", "participants", "members"}), organization_id=3)
SECRETARIAT_STAFF = AccessFilter(frozenset(), everything=True)


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def make_engine(backend, tmp_path):
    opened = []

    def make(**options):
        engine = open_engine(backend, **{**engine_options(backend, tmp_path), **options})
        opened.append(engine)
        return engine

    yield make
    for engine in opened:
        engine.close()
    drop_index(backend, tmp_path)


@pytest.fixture
def engine(make_engine):
    return make_engine()


@pytest.fixture
def loaded(make_engine):
    engine = make_engine()
    engine.apply(DOCUMENTS, [], through_log_id=len(DOCUMENTS))
    return engine


@pytest.fixture(scope="module", params=BACKENDS)
def corpus_engine(request, tmp_path_factory):
    """A read-only engine over the corpus, shared by a module's tests."""
    directory = tmp_path_factory.mktemp("ix")
    engine = open_engine(request.param, **engine_options(request.param, directory))
    engine.apply(DOCUMENTS, [], through_log_id=len(DOCUMENTS))
    yield engine
    engine.close()
    drop_index(request.param, directory)


@contextmanager
def write_lock_held(backend, engine):
    """Keep the index's single writer busy from another handle."""
    if backend == "whoosh":
        from whoosh import index

        from search_index.whoosh_engine import INDEX_NAME

        writer = index.open_dir(str(engine.index_dir), indexname=INDEX_NAME).writer()
        try:
            yield
        finally:
            writer.cancel()
    elif backend == "tantivy":
        from search_index.tantivy_engine import open_raw_writer

        with open_raw_writer(engine.index_dir):
            yield
    else:
        from search_index.postgres_engine import hold_write_lock

        with hold_write_lock(engine.dsn, engine.schema):
            yield


def damage_index(backend, engine):
    """Break a closed index the way a disk or an operator might."""
    if backend == "postgres":
        import psycopg
        from psycopg import sql

        with psycopg.connect(engine.dsn, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(engine.schema, "documents")))
        return
    for path in engine.index_dir.iterdir():
        if path.is_file() and not path.name.startswith("rcm_search_state"):
            path.write_bytes(b"\x00garbage" * 3)
