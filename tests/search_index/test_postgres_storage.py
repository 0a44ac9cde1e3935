"""The postgres engine indexes the text with GIN unless it is told to use RUM (released RUM
versions crash the server: ``postgres_engine.RUM_CRASHES``); told so, it keeps positions
in a RUM index where the server has the extension, and falls back to GIN, answering the
same, where it has not."""

import hashlib
import random

import psycopg
import pytest
from psycopg import sql

from search_index import SearchQuery, open_engine
from search_index.query_syntax import parse

from .conftest import POSTGRES_URL, SECRETARIAT_STAFF
from .corpus import DOCUMENTS

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="RCM_TEST_POSTGRES_URL is not set")

QUERIES = ['"trata de personas"', "trabajadores migrantes", "niñez", "migra*", "asylum -refugee"]


def _rum_available() -> bool:
    with psycopg.connect(POSTGRES_URL) as connection:
        return (
            connection.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'").fetchone()
            is not None
        )


@pytest.fixture
def schemas(tmp_path):
    names = ["rcm_test_" + hashlib.sha1(f"{tmp_path}{n}".encode()).hexdigest()[:16] for n in range(2)]
    yield names
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        for name in names:
            connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def test_with_or_without_rum_the_engine_finds_and_ranks_the_same(schemas):
    found = {}
    for schema, rum in zip(schemas, (True, False), strict=True):
        engine = open_engine("postgres", dsn=POSTGRES_URL, schema=schema, rum=rum)
        try:
            engine.apply(DOCUMENTS, [])
            assert engine.text_index == ("rum" if rum and _rum_available() else "gin")
            found[rum] = [
                [hit.id for hit in engine.search(SearchQuery(access=SECRETARIAT_STAFF, text=q)).hits]
                for q in QUERIES
            ]
        finally:
            engine.close()
    assert found[True] == found[False] and all(found[True])


def test_an_index_built_without_rum_is_read_as_it_is(schemas):
    engine = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0], rum=False)
    engine.apply(DOCUMENTS, [])
    engine.close()
    reopened = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0], rum=True)
    try:
        assert reopened.search(SearchQuery(access=SECRETARIAT_STAFF, text='"trata de personas"')).total > 0
        assert reopened.text_index == "gin"
    finally:
        reopened.close()


def test_a_bulk_load_indexes_the_text_at_the_end_and_others_see_it_unfinished_meanwhile(schemas):
    from search_index import IndexCorrupt

    engine = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0], rum=True)
    other = None
    try:
        engine.clear()
        with engine.bulk_load():
            engine.apply(DOCUMENTS[:10], [])
            engine.apply(DOCUMENTS[10:], [])
            unfinished = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0], rum=True)
            try:
                with pytest.raises(IndexCorrupt):
                    unfinished.count()
            finally:
                unfinished.close()
        other = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0], rum=True)
        assert other.count() == len(DOCUMENTS)
        assert other.text_index == engine.text_index == ("rum" if _rum_available() else "gin")
        assert other.search(SearchQuery(access=SECRETARIAT_STAFF, text='"trata de personas"')).total > 0
    finally:
        engine.close()
        if other is not None:
            other.close()


def test_the_text_is_indexed_with_gin_unless_rum_is_asked_for(schemas):
    engine = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0])
    try:
        engine.apply(DOCUMENTS, [])
        assert engine.text_index == "gin"
        assert engine.search(SearchQuery(access=SECRETARIAT_STAFF, text='"trata de personas"')).total > 0
    finally:
        engine.close()


def test_an_index_built_with_rum_is_rebuilt_with_gin_once_rum_is_no_longer_asked_for(schemas):
    from search_index import IndexCorrupt

    if not _rum_available():
        pytest.skip("the server has no RUM extension")
    built = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0], rum=True)
    built.apply(DOCUMENTS, [])
    assert built.text_index == "rum"
    built.close()
    engine = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0])
    try:
        with pytest.raises(IndexCorrupt, match="RUM"):
            engine.count()  # the application rebuilds an index it finds so (``sync.catch_up``)
        engine.clear()
        engine.apply(DOCUMENTS, [])
        assert engine.text_index == "gin" and engine.count() == len(DOCUMENTS)
    finally:
        engine.close()


def test_a_statement_postgres_cancels_for_time_ends_the_search_as_too_slow_and_the_connection_stays(
    schemas,
):
    from search_index import SearchTooSlow

    engine = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0])
    try:
        engine.apply(DOCUMENTS, [])
        with pytest.raises(SearchTooSlow), engine._db() as connection, connection.transaction():
            connection.execute("SET LOCAL statement_timeout = 10")
            connection.execute("SELECT pg_sleep(2)")
        assert engine.search(SearchQuery(access=SECRETARIAT_STAFF, text="migrantes")).total > 0
    finally:
        engine.close()


def _runs_of_words(texts, longest: int = 4) -> list[str]:
    """Every run of two to ``longest`` words of ``texts``, as a phrase might quote it."""
    runs = set()
    for text in texts:
        words = text.split()
        for size in range(2, longest + 1):
            runs.update(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))
    return sorted(runs)


def test_a_phrase_found_through_word_pairs_finds_what_word_positions_find(schemas):
    from search_index.analysis import STEM_LANGUAGES, WORD_RE
    from search_index.postgres_engine import _Builder, _side_by_side
    from search_index.thesaurus import Thesaurus

    engine = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0])
    try:
        engine.apply(DOCUMENTS, [])
        phrases = _runs_of_words(
            " ".join(WORD_RE.findall(d["title"] + " " + d["summary"])) for d in DOCUMENTS
        )
        phrases += sorted({" ".join(t.words) for g in Thesaurus.load().groups for t in g if len(t.words) > 1})
        documents = engine._name("documents")
        checked = 0
        with engine._db() as connection:
            lexemes = engine._lexemes(connection, {w for p in phrases for w in p.lower().split()})
            builder = _Builder(
                lexemes, engine._weights, documents, engine._name("word_pairs"), engine.known_phrases
            )
            for phrase in phrases:
                for language in STEM_LANGUAGES:
                    sequence = tuple(x for w in phrase.lower().split() for x in lexemes[(language, w)])
                    if len(sequence) < 2:
                        continue
                    by_pairs, by_positions = (
                        {
                            row[0]
                            for row in connection.execute(
                                sql.SQL("SELECT d.id FROM {} d WHERE {}").format(documents, where)
                            )
                        }
                        for where in (
                            builder._any_sequence(language, [sequence]),
                            sql.SQL("d.{} @@ {}::tsquery").format(
                                sql.Identifier(f"tsv_{language}"), sql.Literal(_side_by_side(sequence))
                            ),
                        )
                    )
                    assert by_pairs == by_positions, (phrase, language)
                    checked += bool(by_positions)
        assert checked > 500  # the runs and the thesaurus's phrases do find documents
    finally:
        engine.close()


@pytest.mark.parametrize(
    "letters",
    [
        pytest.param("漢字語文書法律移民国境保護", id="three-byte letters, whose words alone pass 1 MB"),
        pytest.param("абвгдежзийклмнопрстуфхцчшщыэюя", id="two-byte letters, whose word pairs pass 1 MB"),
    ],
)
def test_a_long_text_of_long_words_is_indexed_within_what_a_tsvector_holds(schemas, letters):
    # 500,000 characters of distinct forty-letter words: PostgreSQL refuses a tsvector
    # over 1 MB, and the text's words or their pairs make more than that.
    rng = random.Random(7)
    words = ["".join(rng.choice(letters) for _ in range(40)) for _ in range(12_000)]
    engine = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0])
    try:
        engine.apply([{**DOCUMENTS[0], "id": 1, "body": " ".join(words)}], [], through_log_id=3)
        assert engine.last_applied_log_id() == 3
        for text in (words[0], f'"{words[0]} {words[1]}"', f'"{words[500]} {words[501]} {words[502]}"'):
            found = engine.search(SearchQuery(access=SECRETARIAT_STAFF, text=text, correct=False))
            assert [hit.id for hit in found.hits] == [1], text
    finally:
        engine.close()


def test_a_word_with_a_mark_that_unaccent_keeps_is_found_as_typed(schemas):
    # A query's words are folded in Python, which takes the breve off "й"; PostgreSQL's
    # unaccent keeps it: the engine folds the text it indexes as the query's words are.
    engine = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0])
    try:
        engine.apply([{**DOCUMENTS[0], "id": 1, "title": "Добрый день: миграция и труд"}], [])
        for text in ("добрый", "Добрый день", '"добрый день"'):
            found = engine.search(SearchQuery(access=SECRETARIAT_STAFF, text=text, correct=False))
            assert [hit.id for hit in found.hits] == [1], text
    finally:
        engine.close()


def _plan_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def _indexes_read(nodes):
    """The indexes of the documents that plan nodes read, by the engine's names for them
    (a plan names the partitions' indexes: ``partition_index_name``)."""
    from search_index.postgres_engine import PARTITIONS

    names = set()
    for node in nodes:
        name = node.get("Index Name")
        for partition in PARTITIONS:
            if name and name.startswith(f"{partition}_"):
                name = "documents_" + name.removeprefix(f"{partition}_")
        names.add(name)
    return names


def _explained_search(engine, text):
    """The plan nodes of the statement that finds the documents matching ``text``."""
    plan = parse(text, engine.thesaurus)  # as a search parses it
    with engine._db() as connection, engine._text_plan(connection, plan):
        where = engine._compile(connection, plan, SearchQuery(access=SECRETARIAT_STAFF, text=text))[0]
        explained = connection.execute(
            sql.SQL("EXPLAIN (FORMAT JSON) SELECT d.id FROM {} d WHERE {}").format(
                engine._name("documents"), where
            )
        ).fetchone()[0]
    return [node for top in explained for node in _plan_nodes(top["Plan"])]


@pytest.mark.parametrize(
    "text", ['"unaccompanied children"', '"trata de personas"', "trabajadores migrantes", "albergues"]
)
def test_lexemes_side_by_side_are_found_through_an_index_and_no_row_has_its_pairs_made(schemas, text):
    # The plans this asserts are what keeps a phrase from costing a second at 100,000
    # documents: the pairs (or the known phrases) come from their index, and no row's
    # pairs are computed.
    from search_index.postgres_engine import PAIR_INDEXES, PHRASES_INDEX

    engine = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0])
    try:
        engine.apply(DOCUMENTS, [])
        nodes = _explained_search(engine, text)
        assert _indexes_read(nodes) & {*PAIR_INDEXES.values(), PHRASES_INDEX}, text
        assert not [node["Filter"] for node in nodes if "word_pairs" in node.get("Filter", "")], text
        assert engine.search(SearchQuery(access=SECRETARIAT_STAFF, text=text)).total > 0
    finally:
        engine.close()


@pytest.mark.parametrize("text", ['"trata de personas"', "human trafficking", "albergues"])
def test_the_thesaurus_phrases_of_three_words_are_found_without_reading_any_document_positions(schemas, text):
    # "human trafficking" and "albergues" search "trata de personas" and "casa de acogida"
    # beside their words: at 100,000 documents, reading the positions of every document
    # holding the phrases' word pairs was most of their time.
    from search_index.postgres_engine import PHRASES_INDEX

    engine = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0])
    try:
        engine.apply(DOCUMENTS, [])
        nodes = _explained_search(engine, text)
        assert PHRASES_INDEX in _indexes_read(nodes), text
        assert not [node["Filter"] for node in nodes if "tsvector" in node.get("Filter", "")], text
    finally:
        engine.close()


def test_an_index_made_with_another_thesaurus_finds_the_phrases_it_does_not_know_by_their_positions(
    schemas, tmp_path
):
    from search_index.postgres_engine import known_phrase_key

    other = tmp_path / "thesaurus.tsv"
    other.write_text("frontera\tborder\n", encoding="utf-8")
    older = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0], thesaurus_path=other)
    fresh = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[1])
    try:
        older.apply(DOCUMENTS, [])
        fresh.apply(DOCUMENTS, [])
        assert known_phrase_key("es", ("trat", "de", "person")) in fresh.known_phrases
    finally:
        older.close()
    # The thesaurus of today, on the index made with the other one.
    reopened = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0])
    try:
        query = SearchQuery(access=SECRETARIAT_STAFF, text='"trata de personas"')
        found = reopened.search(query)
        assert not reopened.known_phrases
        assert found.total > 0
        assert [h.id for h in found.hits] == [h.id for h in fresh.search(query).hits]
    finally:
        reopened.close()
        fresh.close()


def test_an_index_without_its_word_pairs_index_is_reported_for_a_rebuild(schemas):
    from search_index import IndexCorrupt
    from search_index.postgres_engine import PAIR_INDEXES

    engine = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0])
    engine.apply(DOCUMENTS, [])
    engine.close()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP INDEX {}").format(sql.Identifier(schemas[0], PAIR_INDEXES["tsv_es"]))
        )
    reopened = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0])
    try:
        with pytest.raises(IndexCorrupt, match="word pairs"):
            reopened.search(SearchQuery(access=SECRETARIAT_STAFF, text='"trata de personas"'))
    finally:
        reopened.close()


def test_each_partition_of_the_documents_holds_its_share_of_them_with_every_index_and_storage_setting(
    schemas,
):
    from search_index.postgres_engine import (
        PAIR_INDEXES,
        PARTITIONS,
        SCANNED_COLUMNS,
        TEXT_COLUMNS,
        partition_index_name,
    )

    engine = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0])
    try:
        engine.apply(DOCUMENTS, [])
    finally:
        engine.close()
    with psycopg.connect(POSTGRES_URL) as connection:

        def one(query, *params):
            return connection.execute(query, params).fetchone()[0]

        table = f"{schemas[0]}.documents"
        indexes = [
            row[0]
            for row in connection.execute(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass",
                (table,),
            )
        ]
        assert {*PAIR_INDEXES.values(), "documents_published_idx"} <= set(indexes)
        held = 0
        for partition in PARTITIONS:
            name = f"{schemas[0]}.{partition}"
            rows = one(f"SELECT count(*) FROM {schemas[0]}.{partition}")
            assert 0 < rows < len(DOCUMENTS), partition
            held += rows
            assert one("SELECT reloptions FROM pg_class WHERE oid = %s::regclass", name) == [
                "toast_tuple_target=128"
            ]
            for index in indexes:
                attached = one(
                    "SELECT i.inhparent::regclass::text FROM pg_inherits i WHERE i.inhrelid = %s::regclass",
                    f"{schemas[0]}.{partition_index_name(index, partition)}",
                )
                assert attached == f"{schemas[0]}.{index}", index
            for column in SCANNED_COLUMNS:
                storage = "SELECT attstorage FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s"
                assert one(storage, name, column) == "m", column
            for column in TEXT_COLUMNS:
                target = (
                    "SELECT attstattarget FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s"
                )
                assert one(target, name, column) == 0, column
            for index in PAIR_INDEXES.values():
                target = "SELECT attstattarget FROM pg_attribute WHERE attrelid = %s::regclass AND attnum = 1"
                assert one(target, f"{schemas[0]}.{partition_index_name(index, partition)}") == 0, index
        assert held == len(DOCUMENTS) == one(f"SELECT count(*) FROM {table}")


def test_an_index_of_the_unpartitioned_layout_is_reported_for_a_rebuild_which_partitions_it(schemas):
    from search_index import IndexCorrupt
    from search_index.postgres_engine import PARTITIONS

    engine = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0])
    engine.apply(DOCUMENTS, [])
    engine.close()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        # the layout of schema version 6: one table of documents
        old = sql.Identifier(schemas[0], "documents")
        connection.execute(
            sql.SQL("CREATE TABLE {}.old AS SELECT * FROM {}").format(sql.Identifier(schemas[0]), old)
        )
        connection.execute(sql.SQL("DROP TABLE {}").format(old))
        connection.execute(
            sql.SQL("ALTER TABLE {}.old RENAME TO documents").format(sql.Identifier(schemas[0]))
        )
        connection.execute(
            sql.SQL("UPDATE {} SET schema_version = 6").format(sql.Identifier(schemas[0], "state"))
        )
    reopened = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0])
    try:
        with pytest.raises(IndexCorrupt, match="another version"):
            reopened.search(SearchQuery(access=SECRETARIAT_STAFF, text="migrantes"))
        reopened.clear()
        reopened.apply(DOCUMENTS, [])
        assert reopened.search(SearchQuery(access=SECRETARIAT_STAFF, text="migrantes")).total > 0
    finally:
        reopened.close()
    with psycopg.connect(POSTGRES_URL) as connection:
        partitions = connection.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass",
            (f"{schemas[0]}.documents",),
        ).fetchone()[0]
    assert partitions == len(PARTITIONS)


def _copy_the_corpus(engine, copies: int) -> None:
    """``copies`` more of every indexed document, under new ids, straight in SQL (a large
    index in seconds, where indexing each copy would take minutes). The copies' words
    have no positions, so that they cost no word pairs: they are found by their words and
    by the thesaurus's known phrases, ranked, but not found by other phrases."""
    from search_index.postgres_engine import TEXT_COLUMNS

    documents = engine._name("documents")
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        columns = [
            row[0]
            for row in connection.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND NOT attisdropped ORDER BY attnum",
                (documents.as_string(connection),),
            )
        ]
        copied = {column: sql.SQL("d.{}").format(sql.Identifier(column)) for column in columns}
        copied["id"] = sql.SQL("g * 1000000 + d.id")
        for column in TEXT_COLUMNS:
            copied[column] = sql.SQL("strip(d.{})").format(sql.Identifier(column))
        connection.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} d, generate_series(1, {}) AS g").format(
                documents,
                sql.SQL(", ").join(map(sql.Identifier, columns)),
                sql.SQL(", ").join(copied.values()),
                documents,
                sql.Literal(copies),
            )
        )
        connection.execute(sql.SQL("ANALYZE {}").format(documents))


def _search_plans(engine, query, monkeypatch) -> list[dict]:
    """The plan nodes of the statements without parameters that ``engine.search(query)`` runs
    (the search's own: the others look its words up)."""
    statements = []
    execute = psycopg.Connection.execute

    def recording(connection, statement, params=None, *args, **kwargs):
        if isinstance(statement, sql.Composable) and params is None:
            statements.append(statement.as_string(connection))
        return execute(connection, statement, params, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(psycopg.Connection, "execute", recording)
        engine.search(query)
    nodes = []
    with engine._db() as connection, engine._text_plan(connection, parse(query.text, engine.thesaurus)):
        for statement in statements:
            if statement.lstrip().startswith(("SELECT", "WITH")):
                for top in connection.execute("EXPLAIN (FORMAT JSON) " + statement).fetchone()[0]:
                    nodes += _plan_nodes(top["Plan"])
    return nodes


def test_a_common_word_in_a_large_index_is_searched_by_parallel_workers_with_the_same_answer(
    schemas, monkeypatch
):
    # At 100,000 documents a word in half of them takes a fifth less time when a parallel
    # worker shares its matches (``PARALLEL_PLAN_SETTINGS``); the answer must be the one a
    # single process gives (one whose connections allow it no worker).
    with psycopg.connect(POSTGRES_URL) as connection:
        allowed = connection.execute(
            "SELECT least(current_setting('max_parallel_workers_per_gather')::int, "
            "current_setting('max_parallel_workers')::int)"
        ).fetchone()[0]
    if not allowed:
        pytest.skip("this PostgreSQL server allows no parallel workers")
    no_workers = "options=-c%20max_parallel_workers_per_gather%3D0"
    engine = open_engine("postgres", dsn=POSTGRES_URL, schema=schemas[0])
    serial = open_engine(
        "postgres", dsn=f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}{no_workers}", schema=schemas[0]
    )
    try:
        engine.apply(DOCUMENTS, [])
        _copy_the_corpus(engine, 2000)
        common_word = SearchQuery(access=SECRETARIAT_STAFF, text="migrantes")
        gathers = {"Gather", "Gather Merge"}
        assert gathers & {node["Node Type"] for node in _search_plans(engine, common_word, monkeypatch)}
        assert not gathers & {node["Node Type"] for node in _search_plans(serial, common_word, monkeypatch)}
        for text in ("migrantes", "trabajadores migrantes", '"trata de personas"', ""):
            query = SearchQuery(access=SECRETARIAT_STAFF, text=text, per_page=20)
            parallel_answer, serial_answer = engine.search(query), serial.search(query)
            assert [hit.id for hit in parallel_answer.hits] == [hit.id for hit in serial_answer.hits], text
            assert parallel_answer.total == serial_answer.total > 0, text
            assert parallel_answer.facets == serial_answer.facets, text
    finally:
        serial.close()
        engine.close()
