from contextlib import contextmanager

import pytest

from search_index import AccessFilter, open_engine

from .corpus import DOCUMENTS

# Every engine must pass the same contract. A PostgreSQL engine joins this list as
# pytest.param("postgres", marks=pytest.mark.skipif(not os.environ.get(
# "RCM_TEST_POSTGRES_URL"), reason="needs PostgreSQL")) with its options below.
BACKENDS = [pytest.param("whoosh", id="whoosh"), pytest.param("tantivy", id="tantivy")]


def engine_options(backend, directory):
    return {"index_dir": directory / backend}


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
    engine = open_engine(request.param, **engine_options(request.param, tmp_path_factory.mktemp("ix")))
    engine.apply(DOCUMENTS, [], through_log_id=len(DOCUMENTS))
    yield engine
    engine.close()


@contextmanager
def write_lock_held(backend, index_dir):
    """Keep the index's single writer busy from another handle."""
    if backend == "whoosh":
        from whoosh import index
        from search_index.whoosh_engine import INDEX_NAME
        writer = index.open_dir(str(index_dir), indexname=INDEX_NAME).writer()
        try:
            yield
        finally:
            writer.cancel()
    elif backend == "tantivy":
        from search_index.tantivy_engine import open_raw_writer
        with open_raw_writer(index_dir):
            yield
    else:  # pragma: no cover - an engine without a single-writer lock
        yield
