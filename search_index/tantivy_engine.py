"""The tantivy engine: the same contract on tantivy's Rust index (``tantivy`` package).

Custom analyzers are registered on every open of the index (tantivy keeps only
their names in the index), under names of our own rather than built-ins like
``en_stem``. The access filter and the filters are required clauses of a boolean
query built here; user text never goes through tantivy's query parser.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import tantivy
from tantivy import Filter, Index, Occur, Order, Query, SchemaBuilder, TextAnalyzerBuilder, Tokenizer

from .analysis import MAX_TOKEN_CHARS, STEM_LANGUAGES, stem, word_variants
from .base import (
    TEXT_FIELDS,
    DirectoryEngine,
    FieldedBuilder,
    PreparedDocument,
    empty_facets,
    key_terms,
    sorted_facets,
)
from .contract import AccessFilter, IndexCorrupt, SearchQuery, SearchUnavailable
from .query_syntax import MAX_PREFIX_EXPANSIONS, Phrase, QueryPlan, Word, compile_plan

WRITE_TIMEOUT = 10.0
WRITER_HEAP_BYTES = 50_000_000
FACET_FIELDS = {
    "tags": "tags",
    "countries": "countries",
    "doc_type": "doc_type",
    "language": "language",
    "year": "year",
    "organization": "organization",
}
MAX_FACET_VALUES = 1000
FACET_AGGREGATIONS = {
    name: {"terms": {"field": field, "size": MAX_FACET_VALUES}} for name, field in FACET_FIELDS.items()
}
SNOWBALL = {"en": "english", "es": "spanish"}
ANALYZER = {"en": "rcm_fold_stem_en", "es": "rcm_fold_stem_es"}
PLAIN_ANALYZER = "rcm_plain"
STORED_TEXTS = ("title", "summary", "stored_text", "fingerprint", "listing")


def build_analyzers() -> dict[str, tantivy.TextAnalyzer]:
    # Accents are folded before stemming, as in the whoosh engine.
    analyzers = {}
    for language in STEM_LANGUAGES:
        analyzers[ANALYZER[language]] = (
            TextAnalyzerBuilder(Tokenizer.simple())
            .filter(Filter.remove_long(MAX_TOKEN_CHARS + 1))
            .filter(Filter.lowercase())
            .filter(Filter.ascii_fold())
            .filter(Filter.stemmer(SNOWBALL[language]))
            .build()
        )
    analyzers[PLAIN_ANALYZER] = (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(MAX_TOKEN_CHARS + 1))
        .filter(Filter.lowercase())
        .build()
    )
    return analyzers


def build_schema() -> tantivy.Schema:
    builder = SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name in ("visibility", "organization", "doc_type", "language", "year", "tags", "countries"):
        builder.add_text_field(
            name,
            stored=name in ("visibility", "organization"),
            fast=True,
            tokenizer_name="raw",
            index_option="basic",
        )
    builder.add_integer_field("published", indexed=False, fast=True)
    for name in TEXT_FIELDS:
        for language in STEM_LANGUAGES:
            builder.add_text_field(f"{name}_{language}", tokenizer_name=ANALYZER[language])
    # Unstemmed words: the vocabulary offered by "did you mean".
    builder.add_text_field("spell", tokenizer_name=PLAIN_ANALYZER, index_option="freq")
    for name in STORED_TEXTS:
        builder.add_bytes_field(name, stored=True, indexed=False, fast=False)
    return builder.build()


SCHEMA = build_schema()


def _open_index(directory: Path) -> Index:
    index = Index.open(str(directory))
    for name, analyzer in build_analyzers().items():
        index.register_tokenizer(name, analyzer)
    return index


def _is_lock_busy(error: Exception) -> bool:
    text = str(error).lower()
    return "lock" in text and ("busy" in text or "already" in text)


@contextmanager
def open_raw_writer(directory: Path):
    """Hold the index's writer lock (for tests of a second writer)."""
    index = _open_index(Path(directory))
    writer = index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
    try:
        yield writer
    finally:
        writer.rollback()
        del writer


class _Builder(FieldedBuilder):
    def __init__(self, engine: TantivyEngine, searcher):
        self.analyzers = engine.analyzers
        self.searcher = searcher

    def _tokens(self, language: str, text: str) -> list[str]:
        return self.analyzers[ANALYZER[language]].analyze(text)

    def _terms(self, field: str, language: str, word: Word) -> list[str]:
        if word.prefix:
            found: list[str] = []
            for prefix in dict.fromkeys((word.text, stem(word.text, language))):
                for term, _count in self.searcher.terms_with_prefix(
                    field, prefix, limit=MAX_PREFIX_EXPANSIONS
                ):
                    if term not in found:
                        found.append(term)
            return found[:MAX_PREFIX_EXPANSIONS]
        return list(dict.fromkeys(t for v in word_variants(word.text) for t in self._tokens(language, v)))

    def word(self, word: Word, fields: Mapping[str, float] = TEXT_FIELDS):
        per_field = []
        for name, boost in fields.items():
            pair = []
            for language in STEM_LANGUAGES:
                field = f"{name}_{language}"
                pair += [
                    Query.term_query(SCHEMA, field, t, index_option="freq")
                    for t in self._terms(field, language, word)
                ]
            if pair:
                # English and Spanish forms of one field are the same text: count the
                # better of the two, not both.
                per_field.append(Query.boost_query(Query.disjunction_max_query(pair, 0.1), boost))
        return self.any_of(per_field) if per_field else None

    def phrase(self, phrase: Phrase, fields: Mapping[str, float] = TEXT_FIELDS):
        per_field = []
        for name, boost in fields.items():
            pair = []
            for language in phrase.languages:
                terms = [t for w in phrase.words for t in self._tokens(language, w)]
                if len(terms) > 1:
                    pair.append(
                        Query.phrase_query(
                            # tantivy's stub takes words or (position, word) pairs; these are words.
                            SCHEMA,
                            f"{name}_{language}",
                            list[str | tuple[int, str]](terms),
                            # Side by side, as whoosh's (slop 1) and PostgreSQL's (<->) are:
                            # tantivy's slop counts the words allowed between.
                            slop=0,
                        )
                    )
                elif terms:
                    pair.append(Query.term_query(SCHEMA, f"{name}_{language}", terms[0]))
            if pair:
                per_field.append(Query.boost_query(Query.disjunction_max_query(pair, 0.1), boost))
        return self.any_of(per_field) if per_field else None

    def all_of(self, queries):
        return Query.boolean_query([(Occur.Must, q) for q in queries])

    def any_of(self, queries):
        return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])

    def boosted(self, query, boost):
        return Query.boost_query(query, boost)


def access_query(access: AccessFilter):
    """The caller's rights as a query of its own, never part of the user's text."""
    if access.everything:
        return None
    parts = []
    if access.visibilities:
        parts.append((Occur.Should, Query.term_set_query(SCHEMA, "visibility", sorted(access.visibilities))))
    if access.organization_id is not None:
        parts.append((Occur.Should, Query.term_query(SCHEMA, "organization", str(access.organization_id))))
    return Query.boolean_query(parts) if parts else Query.empty_query()


def filter_queries(query: SearchQuery) -> list:
    filters = [Query.term_query(SCHEMA, "tags", t) for t in query.tags]
    filters += [Query.term_query(SCHEMA, "countries", c.upper()) for c in query.countries]
    for field, value in (
        ("doc_type", query.doc_type),
        ("language", query.language),
        ("year", query.year),
        ("organization", query.organization_id),
    ):
        if value is not None and value != "":
            filters.append(Query.term_query(SCHEMA, field, str(value)))
    return filters


def restricted(positive, restrictions: list, excluded: list | None = None):
    """``positive`` AND every restriction (not scored) AND NOT any exclusion."""
    clauses = [(Occur.Must, positive if positive is not None else Query.all_query())]
    clauses += [(Occur.Must, Query.const_score_query(r, 0.0)) for r in restrictions]
    clauses += [(Occur.MustNot, q) for q in excluded or ()]
    return Query.boolean_query(clauses)


class TantivyEngine(DirectoryEngine):
    def __init__(
        self, index_dir, thesaurus_path=None, create: bool = True, write_timeout: float = WRITE_TIMEOUT
    ):
        super().__init__(index_dir, thesaurus_path)
        self.create = create
        self.write_timeout = write_timeout
        self.analyzers = build_analyzers()
        self._index_handle: Index | None = None
        self._lock = threading.Lock()
        self._facet_pool: ThreadPoolExecutor | None = None

    # -- opening -------------------------------------------------------------------

    def _index(self) -> Index:
        with self._lock:
            if self._index_handle is None:
                self._index_handle = self._open()
            return self._index_handle

    def _open(self) -> Index:
        directory = self.index_dir
        try:
            exists = directory.is_dir() and Index.exists(str(directory))
        except (OSError, ValueError) as error:
            raise IndexCorrupt(f"search index cannot be opened: {error}") from None
        if not exists:
            if directory.is_dir() and any(p.name != "rcm_search_state.json" for p in directory.iterdir()):
                raise IndexCorrupt("search index directory holds no readable index")
            if not self.create:
                raise IndexCorrupt("search index is missing")
            directory.mkdir(parents=True, exist_ok=True)
            Index(SCHEMA, path=str(directory), reuse=False)
        try:
            index = _open_index(directory)
            schema = index.schema
        except (OSError, ValueError) as error:
            raise IndexCorrupt(f"search index cannot be opened: {error}") from None
        if schema != SCHEMA:
            raise IndexCorrupt("search index was built by another version; rebuild it")
        return index

    def _searcher(self):
        index = self._index()
        try:
            index.reload()
            return index.searcher()
        except (OSError, ValueError) as error:
            self._forget_index()
            raise IndexCorrupt(f"search index cannot be read: {error}") from None

    def _forget_index(self) -> None:
        with self._lock:
            self._index_handle = None

    def _facet_counter(self) -> ThreadPoolExecutor:
        # tantivy lets go of the GIL while it searches, so the facets are counted on a
        # second thread while this one ranks the hits: on an idle machine a common
        # word is answered in half the time. Made on first use, after any fork.
        with self._lock:
            if self._facet_pool is None:
                self._facet_pool = ThreadPoolExecutor(
                    max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="rcm-facets"
                )
            return self._facet_pool

    def _create_empty_index(self) -> None:
        Index(SCHEMA, path=str(self.index_dir), reuse=False)

    # -- writing -------------------------------------------------------------------

    def _writer(self, index: Index):
        deadline = time.monotonic() + self.write_timeout
        while True:
            try:
                return index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
            except ValueError as error:
                if not _is_lock_busy(error):
                    raise IndexCorrupt(f"search index cannot be written: {error}") from None
                if time.monotonic() >= deadline:
                    raise SearchUnavailable("another process is writing to the search index") from None
                time.sleep(0.05)

    def _write(self, documents: list[PreparedDocument], delete_ids: set[int]) -> None:
        with self._committed_writer() as writer:
            self._add(writer, documents, delete_ids)

    @contextmanager
    def _committed_writer(self):
        writer = self._writer(self._index())
        try:
            yield writer
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()
            del writer

    def _add(self, writer, documents: list[PreparedDocument], delete_ids: set[int]) -> None:
        # A delete applies to what was added before it, in this writer too: a document
        # written again later in the same commit keeps only its last version.
        for doc_id in delete_ids | {d["id"] for d in documents}:
            writer.delete_documents_by_term("id", doc_id)
        for doc in documents:
            writer.add_document(self._document(doc))

    # One writer for every batch of a catch-up, committed once at the end: a commit
    # and the merging after it cost as much as indexing hundreds of documents, and the
    # writer indexes on its own thread while the caller prepares the next batch.
    _bulk: _BulkUpdate | None = None

    @contextmanager
    def bulk_update(self):
        with ExitStack() as writing:
            self._bulk = bulk = _BulkUpdate(writing, threading.get_ident())
            try:
                yield
            finally:
                self._bulk = None
        self._remember_log_id(bulk.through_log_id)

    def bulk_load(self):
        # A rebuild into an empty index gains the most: a commit per batch made it four
        # times slower, merging hundreds of small segments meanwhile.
        return self.bulk_update()

    def _commit(
        self, documents: list[PreparedDocument], delete_ids: set[int], through_log_id: int | None
    ) -> None:
        bulk = self._bulk
        if bulk is None or bulk.thread != threading.get_ident():
            super()._commit(documents, delete_ids, through_log_id)
            return
        if documents or delete_ids:
            # Opened on the first write: a catch-up that finds nothing to do commits nothing.
            if bulk.writer is None:
                bulk.writer = bulk.writing.enter_context(self._committed_writer())
            self._add(bulk.writer, documents, delete_ids)
        if through_log_id is not None:
            bulk.through_log_id = through_log_id

    @staticmethod
    def _document(doc: PreparedDocument) -> tantivy.Document:
        document = tantivy.Document()
        document.add_integer("id", doc["id"])
        document.add_text("visibility", doc["visibility"])
        if doc["organization_id"] is not None:
            document.add_text("organization", str(doc["organization_id"]))
        for name in ("doc_type", "language"):
            if doc[name]:
                document.add_text(name, doc[name])
        document.add_text("year", str(doc["year"]))
        for tag in doc["tags"]:
            document.add_text("tags", tag)
        for country in doc["countries"]:
            document.add_text("countries", country)
        document.add_integer("published", doc["published"])
        texts = {
            "title": doc["title"],
            "summary": doc["summary"],
            "body": doc["body"] + "\n" + doc["attachments_text"],
            "names": doc["names"],
        }
        for name, text in texts.items():
            for language in STEM_LANGUAGES:
                document.add_text(f"{name}_{language}", text)
        document.add_text("spell", doc["vocabulary"])
        for name in STORED_TEXTS:
            document.add_bytes(name, doc[name].encode("utf-8"))
        return document

    # -- reading -------------------------------------------------------------------

    def _compile(self, searcher, plan: QueryPlan, query: SearchQuery):
        positive, excluded, satisfiable = compile_plan(plan, _Builder(self, searcher))
        if not satisfiable:
            return None
        restrictions = filter_queries(query)
        access = access_query(query.access)
        if access is not None:
            restrictions.append(access)
        return restricted(positive, restrictions, excluded)

    def _execute(self, plan, query, by_relevance):
        searcher = self._searcher()
        tantivy_query = self._compile(searcher, plan, query)
        if tantivy_query is None:
            return [], 0, empty_facets()
        offset = (query.page - 1) * query.per_page
        options = {} if by_relevance else {"order_by_field": "published", "order": Order.Desc}
        aggregations = {name: FACET_AGGREGATIONS[name] for name in query.facets}
        facet_counts = (
            self._facet_counter().submit(searcher.aggregate, tantivy_query, aggregations)
            if aggregations
            else None
        )
        # limit=0 panics in tantivy; per_page is at least 1.
        result = searcher.search(tantivy_query, limit=query.per_page, offset=offset, count=True, **options)
        rows = []
        for score, address in result.hits:
            stored = _stored_fields(searcher.doc(address))
            rows.append(
                {
                    "id": stored["id"],
                    "score": float(score) if by_relevance else 0.0,
                    "title": stored["title"],
                    "summary": stored["summary"],
                    "stored_text": stored["stored_text"],
                    "listing": stored["listing"],
                }
            )
        raw = facet_counts.result() if facet_counts is not None else {}
        facets = empty_facets()
        for name in aggregations:
            for bucket in raw.get(name, {}).get("buckets", ()):
                facets[name][str(bucket["key"])] = int(bucket["doc_count"])
        return rows, result.count, sorted_facets(facets)

    def _count(self, plan, query):
        searcher = self._searcher()
        tantivy_query = self._compile(searcher, plan, query)
        if tantivy_query is None:
            return 0
        return searcher.search(tantivy_query, limit=1, count=True).count

    def _among(self, plan, query, ids):
        searcher = self._searcher()
        found = self._compile(searcher, plan, SearchQuery(access=query.access))
        if found is None or not ids:
            return set()
        among = Query.boolean_query([(Occur.Should, Query.term_query(SCHEMA, "id", int(i))) for i in ids])
        hits = searcher.search(restricted(found, [among]), limit=len(ids)).hits
        return {_stored_fields(searcher.doc(address))["id"] for _score, address in hits}

    def _spelled(self, term, access):
        searcher = self._searcher()
        visible = access_query(access)
        spelled = Query.term_query(SCHEMA, "spell", term)
        return (
            searcher.search(
                restricted(spelled, [visible] if visible is not None else []), limit=1, count=True
            ).count
            > 0
        )

    def _spelling_candidates(self, word, access):
        searcher = self._searcher()
        visible = access_query(access)
        # Only words of documents the caller may see are offered as candidates.
        terms = searcher.terms_with_prefix("spell", word[:1], filter_query=visible)
        low, high = len(word) - 2, len(word) + 2
        return [(term, count) for term, count in terms if low <= len(term) <= high and count > 0]

    def _find(self, searcher, document_id: int):
        result = searcher.search(Query.term_query(SCHEMA, "id", document_id), limit=1)
        return result.hits[0][1] if result.hits else None

    def _stored(self, document_id):
        searcher = self._searcher()
        address = self._find(searcher, document_id)
        if address is None:
            return None
        return _stored_fields(searcher.doc(address))

    def _similar(self, texts, access, limit, exclude_id):
        if limit < 1:
            return []
        searcher = self._searcher()
        if searcher.num_docs == 0:
            return []
        # tantivy's own more-like-this query panics once deleted documents are
        # counted in a term's document frequency, so the key terms are chosen here.
        text = "\n".join((texts["title"], texts["summary"], texts["stored_text"]))
        total = searcher.num_docs
        should = []
        for language in STEM_LANGUAGES:
            tokens = self.analyzers[ANALYZER[language]].analyze(text)
            field = f"body_{language}"
            for term, weight in key_terms(tokens, functools.partial(searcher.doc_freq, field), total):
                for name, boost in (("body", 1.0), ("title", 2.0)):
                    should.append(
                        (
                            Occur.Should,
                            Query.boost_query(
                                Query.term_query(SCHEMA, f"{name}_{language}", term), weight * boost
                            ),
                        )
                    )
        if not should:
            return []
        similar = Query.boolean_query(should)
        access_part = access_query(access)
        excluded = [Query.term_query(SCHEMA, "id", exclude_id)] if exclude_id is not None else []
        query = restricted(similar, [access_part] if access_part is not None else [], excluded)
        return [
            _stored_fields(searcher.doc(address))["id"]
            for _score, address in searcher.search(query, limit=limit).hits
        ]

    def _all_stored(self):
        searcher = self._searcher()
        total = searcher.num_docs
        if total == 0:
            return []
        hits = searcher.search(Query.all_query(), limit=total).hits
        return [_stored_fields(searcher.doc(address)) for _score, address in hits]

    def ids(self) -> set[int]:
        return {stored["id"] for stored in self._all_stored()}

    def count(self) -> int:
        return self._searcher().num_docs

    def fingerprints(self) -> dict[int, str]:
        return {stored["id"]: stored["fingerprint"] for stored in self._all_stored()}


@dataclass
class _BulkUpdate:
    writing: ExitStack
    thread: int
    writer: object = None
    through_log_id: int | None = None


def _stored_fields(document) -> dict:
    values = document.to_dict()

    def text(name):
        found = values.get(name) or [b""]
        value = found[0]
        return bytes(value).decode("utf-8") if isinstance(value, (bytes, bytearray, list)) else str(value)

    organization = (values.get("organization") or [None])[0]
    return {
        "id": int(values["id"][0]),
        "title": text("title"),
        "summary": text("summary"),
        "stored_text": text("stored_text"),
        "fingerprint": text("fingerprint"),
        "listing": text("listing"),
        "visibility": (values.get("visibility") or [""])[0],
        "organization_id": int(organization) if organization else None,
    }
