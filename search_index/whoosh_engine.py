"""The default engine: a whoosh (``whoosh-reloaded``) index in a directory.

Pure Python, nothing to install. One writer at a time per index (the caller runs
one drainer per index; a second writer waits ``write_timeout`` seconds and then
gets ``SearchUnavailable``). Every read opens a fresh searcher: ``refresh()`` on a
searcher over an empty index raises TypeError in whoosh 2.7.5.
"""

from __future__ import annotations

import copy
import gc
import math
import os
import struct
import threading
import time
import warnings
from collections.abc import Mapping
from contextlib import contextmanager, suppress
from itertools import pairwise

from whoosh import collectors, sorting
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.index import EmptyIndexError, LockError
from whoosh.index import IndexError as WhooshIndexError
from whoosh.matching import AndNotMatcher, IntersectionMatcher, Matcher, NullMatcher, WrappingMatcher
from whoosh.matching.wrappers import ConstantScoreWrapperMatcher
from whoosh.support.charset import accent_map
from whoosh.util import make_binary_tree

from .analysis import MAX_TOKEN_CHARS, STEM_LANGUAGES, WORD_PATTERN, stem, word_variants
from .base import TEXT_FIELDS, DirectoryEngine, FieldedBuilder, PreparedDocument, empty_facets, sorted_facets
from .contract import (
    LIST_FACET_NAMES,
    AccessFilter,
    IndexCorrupt,
    SearchQuery,
    SearchTooSlow,
    SearchUnavailable,
)
from .query_syntax import MAX_PREFIX_EXPANSIONS, Phrase, QueryPlan, Word, compile_plan
from .suggest import within_reach
from .thesaurus import Thesaurus

INDEX_NAME = "rcm_documents"
WRITE_TIMEOUT = 10.0

FACET_FIELDS = {
    "tags": "tags",
    "countries": "countries",
    "doc_type": "doc_type",
    "language": "language",
    "year": "year",
    "organization": "organization",
}


def text_analyzer(language: str):
    # Stop words stay in the index (StopFilter here only drops over-long tokens and
    # keeps positions) so that "trata de personas" matches as a phrase and never
    # across a removed word. Accents are folded before stemming.
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=(), minsize=1, maxsize=MAX_TOKEN_CHARS, renumber=False)
        | StemFilter(lang=language)
    )


# Beside each text field, the pairs of words side by side in it that the thesaurus's
# terms are made of ("person migrant" from "personas migrantes"): an equivalent phrase
# is found through its pairs, rare, instead of through the positions of every document
# holding its words (common ones: "migrantes"). Only the thesaurus's pairs: every pair
# of a text would make the index several times larger. Other phrases are matched by
# positions, as are the thesaurus's when the index was built with another thesaurus.
PAIRS_SUFFIX = "_pairs"


class PairFilter(Filter):
    """Each two analyzed words at consecutive positions that make one of ``pairs``, as
    one token at the first one's position. Words a gap parts (an over-long token
    dropped) make no pair, as a phrase never matches across one."""

    def __init__(self, pairs: frozenset[str]):
        self.pairs = pairs

    def __call__(self, tokens):
        previous = None
        for token in tokens:
            text, position = token.text, token.pos
            if previous is not None and position == previous[1] + 1:
                pair = f"{previous[0]} {text}"
                if pair in self.pairs:
                    token.text, token.pos = pair, previous[1]
                    yield token
            previous = (text, position)


def word_pairs(terms: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in pairwise(terms)]


def thesaurus_pairs(thesaurus: Thesaurus, language: str) -> frozenset[str]:
    """The pairs of analyzed words the thesaurus's terms are made of, as a phrase of
    them is analyzed (``_Builder.phrase``)."""
    analyzer = text_analyzer(language)
    pairs: set[str] = set()
    for group in thesaurus.groups:
        for term in group:
            pairs.update(word_pairs([t.text for w in term.words for t in analyzer(w, mode="query")]))
    return frozenset(pairs)


def indexed_pairs(schema: Schema, field: str) -> frozenset[str]:
    """The pairs an index holds for ``field`` (its schema keeps the ``PairFilter``)."""
    pairs_field = field + PAIRS_SUFFIX
    if pairs_field not in schema:
        return frozenset()
    for item in getattr(schema[pairs_field].analyzer, "items", ()):
        if isinstance(item, PairFilter):
            return item.pairs
    return frozenset()


def build_schema(thesaurus: Thesaurus | None = None) -> Schema:
    thesaurus = thesaurus or Thesaurus.load()
    fields = {
        "id": ID(stored=True, unique=True),
        "visibility": ID(stored=True),
        "organization": ID(stored=True, sortable=True),
        "doc_type": ID(sortable=True),
        "language": ID(sortable=True),
        "year": ID(sortable=True),
        "tags": KEYWORD(scorable=False),
        "countries": KEYWORD(scorable=False),
        "published": NUMERIC(int, bits=64, sortable=True),
        # Unstemmed, unfolded words: the vocabulary offered by "did you mean".
        "spell": TEXT(analyzer=RegexTokenizer(WORD_PATTERN) | LowercaseFilter(), phrase=False),
        "title": STORED(),
        "summary": STORED(),
        "stored_text": STORED(),
        "fingerprint": STORED(),
        "listing": STORED(),
    }
    pairs = {language: thesaurus_pairs(thesaurus, language) for language in STEM_LANGUAGES}
    for name in TEXT_FIELDS:
        for language in STEM_LANGUAGES:
            fields[f"{name}_{language}"] = TEXT(analyzer=text_analyzer(language), phrase=True)
            fields[f"{name}_{language}{PAIRS_SUFFIX}"] = TEXT(
                analyzer=text_analyzer(language) | PairFilter(pairs[language]), phrase=True
            )
    return Schema(**fields)


SCHEMA = build_schema()
# Errors whoosh raises when files vanish or hold garbage.
_BROKEN = (
    OSError,
    EOFError,
    struct.error,
    EmptyIndexError,
    WhooshIndexError,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
)


def _leaf_boosted(query, factor: float):
    # Compound whoosh queries drop their own boost when they hold a single child,
    # so boosts are applied to the leaves.
    query = copy.deepcopy(query)
    for leaf in query.leaves():
        leaf.boost *= factor
    return query


class _PairPhrase(wq.Phrase):
    """A phrase of two words or more, found through its field's pairs (``PairFilter``):
    a document holds the words side by side where it holds their pairs side by side.
    It finds and scores what ``Phrase`` does (the sum of its words' scores, times its
    boost); only the way to the documents is shorter."""

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        field = searcher.schema[self.fieldname]
        pairs_field = self.fieldname + PAIRS_SUFFIX
        words = []
        for word in self.words:
            try:
                word = field.to_bytes(word)
            except ValueError:
                return NullMatcher()
            if (self.fieldname, word) not in reader:
                return NullMatcher()
            words.append(word)
        pairs = word_pairs(self.words)
        if any((pairs_field, field.to_bytes(pair)) not in reader for pair in pairs):
            return NullMatcher()
        holding = make_binary_tree(
            IntersectionMatcher, [wq.Term(self.fieldname, w).matcher(searcher, context) for w in words]
        )
        # Pairs side by side: each pair's position follows the one before.
        pairs_query = wq.Term(pairs_field, pairs[0]) if len(pairs) == 1 else wq.Phrase(pairs_field, pairs)
        side_by_side = ConstantScoreWrapperMatcher(pairs_query.matcher(searcher, context), 0.0)
        matcher = IntersectionMatcher(holding, side_by_side)
        if self.boost != 1.0:
            matcher = WrappingMatcher(matcher, boost=self.boost)
        return matcher


class _AtLeast(wq.CompoundQuery):
    """Documents matching ``needed`` or more of the subqueries (a graded tier's "most
    of the words"), scored as the disjunction of every choice of ``needed`` of them
    would score them (``QueryBuilder.at_least``).

    Written here because whoosh has no such query (``Or(minmatch=)`` is documented as
    not implemented): spelled out, the choices of six of eight groups are 28
    conjunctions, each a matcher over every field and thesaurus alternative of its
    groups, and a natural query of ten words held a worker for seconds. This walks
    each group's postings once.
    """

    JOINT = " ~ "

    def __init__(self, subqueries, needed: int = 1, boost: float = 1.0):
        super().__init__(subqueries, boost=boost)
        self.needed = needed

    def __eq__(self, other):
        return super().__eq__(other) and self.needed == other.needed

    def __hash__(self):
        return super().__hash__() ^ hash(self.needed)

    def apply(self, fn):
        return self.__class__([fn(q) for q in self.subqueries], self.needed, self.boost)

    def normalize(self):
        # Not merged or deduplicated as Or's are: each subquery is one group to count.
        return self.__class__([q.normalize() for q in self.subqueries], self.needed, self.boost)

    def simplify(self, ixreader):
        return self.__class__([q.simplify(ixreader) for q in self.subqueries], self.needed, self.boost)

    def requires(self):
        return set()

    def estimate_min_size(self, ixreader):
        return 0

    def matcher(self, searcher, context=None):
        children = [q.matcher(searcher, context) for q in self.subqueries]
        children = [m for m in children if m.is_active()]
        if len(children) < self.needed:
            return NullMatcher()
        return _AtLeastMatcher(children, self.needed, self.boost)


class _AtLeastMatcher(Matcher):
    """The matcher of ``_AtLeast``: the documents where ``needed`` of ``children`` are.
    Each child's position is kept beside it (asking a tree of whoosh matchers for its
    id walks the tree)."""

    def __init__(self, children: list, needed: int, boost: float = 1.0):
        self._children = children
        self._ids = [m.id() for m in children]
        self._needed = needed
        self._boost = boost
        self._id: int | None = None
        self._settle()

    def _keep_active(self) -> None:
        if not all(m.is_active() for m in self._children):
            kept = [(m, i) for m, i in zip(self._children, self._ids, strict=True) if m.is_active()]
            self._children = [m for m, _i in kept]
            self._ids = [i for _m, i in kept]

    def _settle(self) -> None:
        """Move to the first document ``needed`` children are at, from where they are.
        No document before the ``needed``-th smallest of their positions can hold
        ``needed`` of them, so every child behind it skips there at once."""
        needed = self._needed
        while True:
            if len(self._children) < needed:
                self._id = None
                return
            ordered = sorted(self._ids)
            candidate = ordered[needed - 1]
            if ordered[0] == candidate:
                self._id = candidate
                return
            self._skip_behind(candidate)

    def _skip_behind(self, target: int) -> None:
        """Every child before ``target`` skips to it (or past it)."""
        for position, m in enumerate(self._children):
            if self._ids[position] < target:
                m.skip_to(target)
                if m.is_active():
                    self._ids[position] = m.id()
        self._keep_active()

    def is_active(self):
        return self._id is not None

    def id(self):
        return self._id

    def next(self):
        current = self._id
        for position, m in enumerate(self._children):
            if self._ids[position] == current:
                m.next()
                if m.is_active():
                    self._ids[position] = m.id()
        self._keep_active()
        self._settle()

    def skip_to(self, target):
        if self._id is None or target <= self._id:
            return
        self._skip_behind(target)
        self._settle()

    def score(self):
        here = [m for m, i in zip(self._children, self._ids, strict=True) if i == self._id]
        # A document holding m of the groups matches comb(m-1, needed-1) choices of
        # ``needed`` groups for each group it holds.
        return self._boost * math.comb(len(here) - 1, self._needed - 1) * sum(m.score() for m in here)

    def children(self):
        return list(self._children)

    def copy(self):
        return _AtLeastMatcher([m.copy() for m in self._children], self._needed, self._boost)

    def reset(self):
        for m in self._children:
            m.reset()
        self._children = [m for m in self._children if m.is_active()]
        self._ids = [m.id() for m in self._children]
        self._settle()

    def supports_block_quality(self):
        return False


class _AndNotMatcher(AndNotMatcher):
    """whoosh's ``AndNotMatcher`` lets its first document through when the excluded
    matcher starts before it (its ``_find_first`` moves on only when both start at the
    same document): "migrantes -ninos" listed a document holding "niños" whenever it was
    the first of its segment to hold "migrantes", and a graded tier could list a document
    of the tier before it again."""

    def _find_first(self):
        if self.a.is_active() and self.b.is_active():
            self._find_next()


class _AndNot(wq.AndNot):
    """``AndNot`` with ``_AndNotMatcher``."""

    def matcher(self, searcher, context=None):
        return _AndNotMatcher(
            self.a.matcher(searcher, context), self.b.matcher(searcher, searcher.boolean_context())
        )


class _LazyOr(wq.Or):
    """An ``Or`` that walks its subqueries' postings as it goes. On an index of up to
    5,000 documents whoosh's own ``Or`` reads and scores every posting of every
    subquery first (its "preloaded" matcher): faster for a search that scores every
    match, but paid in full by a graded tier's count of words and by the check of a
    hit's missing words, which look at few documents of each word (a query of ten
    words took a second on 2,000 documents)."""

    matcher_type = wq.Or.DEFAULT_MATCHER


class _Builder(FieldedBuilder):
    def __init__(self, searcher, lazy: bool = False):
        self.searcher = searcher
        self.reader = searcher.reader()
        self._pairs: dict[str, frozenset[str]] = {}
        self._or = _LazyOr if lazy else wq.Or

    def _by_pairs(self, field: str, terms: list[str]) -> bool:
        """Whether the index holds every pair of the phrase ``terms`` in ``field``."""
        if len(terms) < 2:
            return False
        if field not in self._pairs:
            self._pairs[field] = indexed_pairs(self.searcher.schema, field)
        return self._pairs[field].issuperset(word_pairs(terms))

    def _terms(self, field: str, word: Word) -> list[str]:
        language = field.rsplit("_", 1)[1]
        if word.prefix:
            found = []
            for prefix in dict.fromkeys((word.text, stem(word.text, language))):
                for term in self.reader.expand_prefix(field, prefix):
                    term = term.decode("utf-8") if isinstance(term, bytes) else term
                    if term not in found:
                        found.append(term)
                    if len(found) >= MAX_PREFIX_EXPANSIONS:
                        return found
            return found
        analyzer = SCHEMA[field]
        return list(
            dict.fromkeys(t for v in word_variants(word.text) for t in analyzer.process_text(v, mode="query"))
        )

    def word(self, word: Word, fields: Mapping[str, float] = TEXT_FIELDS):
        per_field = []
        for name, boost in fields.items():
            pair = [
                wq.Term(f"{name}_{lang}", term, boost=boost)
                for lang in STEM_LANGUAGES
                for term in self._terms(f"{name}_{lang}", word)
            ]
            if pair:
                # English and Spanish forms of one field are the same text: count the
                # better of the two, not both.
                per_field.append(wq.DisjunctionMax(pair, tiebreak=0.1))
        return self._or(per_field) if per_field else None

    def phrase(self, phrase: Phrase, fields: Mapping[str, float] = TEXT_FIELDS):
        per_field = []
        for name, boost in fields.items():
            pair = []
            for lang in phrase.languages:
                field = f"{name}_{lang}"
                terms = [t for w in phrase.words for t in SCHEMA[field].process_text(w, mode="query")]
                if terms:
                    phrase_query = _PairPhrase if self._by_pairs(field, terms) else wq.Phrase
                    pair.append(phrase_query(field, terms, slop=1, boost=boost))
            if pair:
                per_field.append(wq.DisjunctionMax(pair, tiebreak=0.1))
        return self._or(per_field) if per_field else None

    def all_of(self, queries):
        return wq.And(queries)

    def any_of(self, queries):
        return self._or(queries)

    def boosted(self, query, boost):
        return _leaf_boosted(query, boost)

    def at_least(self, queries, needed):
        if needed == len(queries):
            return queries[0] if needed == 1 else wq.And(queries)
        return _AtLeast(queries, needed)


class _SegmentValues:
    """The values of the list facets' fields for each document of a segment, by segment.

    whoosh works the table out from the field's postings for every search that counts
    facets (tens of milliseconds per search at 10,000 documents); a segment's documents
    never change once it is written (a deletion only hides one), so a table holds for
    as long as its segment lives.
    """

    def __init__(self):
        self._tables: dict[tuple[str, str], list] = {}

    def get(self, segment_id: str, fieldname: str):
        return self._tables.get((segment_id, fieldname))

    def put(self, segment_id: str, fieldname: str, table: list) -> None:
        self._tables[(segment_id, fieldname)] = table

    def keep_only(self, segment_ids: set[str]) -> None:
        """Forget the tables of segments gone (merged away or cleared)."""
        self._tables = {key: table for key, table in self._tables.items() if key[0] in segment_ids}


class _ListCategorizer(sorting.OverlappingCategorizer):
    def __init__(self, global_searcher, fieldname, values: _SegmentValues):
        super().__init__(global_searcher, fieldname)
        self._values = values

    def set_searcher(self, segment_searcher, docoffset):
        segment = segment_searcher.reader().segment()
        if self._use_vectors or self._use_column or segment is None:  # None: an empty index
            super().set_searcher(segment_searcher, docoffset)
            return
        segment_id = segment.segment_id()
        table = self._values.get(segment_id, self._fieldname)
        if table is None:
            super().set_searcher(segment_searcher, docoffset)
            self._values.put(segment_id, self._fieldname, self._lists)
        else:
            self._segment_searcher = segment_searcher
            self._lists = table


class _ListFacet(sorting.FieldFacet):
    """A facet of a field with several values per document, read from ``values``."""

    def __init__(self, fieldname: str, values: _SegmentValues):
        super().__init__(fieldname, allow_overlap=True, maptype=sorting.Count)
        self._values = values

    def categorizer(self, global_searcher):
        return _ListCategorizer(global_searcher, self.fieldname, self._values)


class _DeadlineCollector(collectors.WrappingCollector):
    """Collects what ``child`` does, and ends the search with ``SearchTooSlow`` once
    ``deadline`` (``time.monotonic()``) has passed, looking at the clock every few
    matches. Written here because whoosh's ``TimeLimitCollector`` starts a timer thread
    per search and stops the search with SIGALRM, which Python only lets the main
    thread handle (a threaded server's searches run in others)."""

    CHECK_EVERY = 32

    def __init__(self, child, deadline: float):
        super().__init__(child)
        self.deadline = deadline

    def collect_matches(self):
        child = self.child
        for found, sub_docnum in enumerate(child.matches()):
            if found % self.CHECK_EVERY == 0 and time.monotonic() > self.deadline:
                raise SearchTooSlow()
            child.collect(sub_docnum)


def access_query(access: AccessFilter):
    """The caller's rights as a query of its own, never mixed into the user's text."""
    if access.everything:
        return None
    parts = [wq.Term("visibility", v) for v in sorted(access.visibilities)]
    if access.organization_id is not None:
        parts.append(wq.Term("organization", str(access.organization_id)))
    return wq.Or(parts) if parts else wq.NullQuery


def filter_queries(query: SearchQuery) -> list:
    filters = [wq.Term("tags", t) for t in dict.fromkeys(query.tags)]
    filters += [wq.Term("countries", c) for c in dict.fromkeys(c.upper() for c in query.countries)]
    for field, value in (
        ("doc_type", query.doc_type),
        ("language", query.language),
        ("year", query.year),
        ("organization", query.organization_id),
    ):
        if value is not None and value != "":
            filters.append(wq.Term(field, str(value)))
    return filters


class WhooshEngine(DirectoryEngine):
    def __init__(
        self, index_dir, thesaurus_path=None, create: bool = True, write_timeout: float = WRITE_TIMEOUT
    ):
        super().__init__(index_dir, thesaurus_path)
        self.create = create
        self.write_timeout = write_timeout
        self._ix = None
        self._lock = threading.Lock()
        self._local = threading.local()
        self._searchers: list = []
        self._segment_values = _SegmentValues()
        self.schema = SCHEMA if thesaurus_path is None else build_schema(self.thesaurus)

    # -- opening -------------------------------------------------------------------

    def _index(self):
        with self._lock:
            if self._ix is None:
                self._ix = self._open()
            return self._ix

    def _open(self):
        # whoosh leaves the file it choked on open; let it go quietly, then report.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                return self._open_or_create()
            except _BROKEN as error:
                message = f"search index cannot be opened: {error}"
            gc.collect()
        raise IndexCorrupt(message)

    def _open_or_create(self):
        directory = str(self.index_dir)
        if not whoosh_index.exists_in(directory, indexname=INDEX_NAME):
            leftovers = [p for p in self.index_dir.glob("*")] if self.index_dir.is_dir() else []
            if leftovers:
                raise IndexCorrupt(
                    f"search index in {self.index_dir.name!r} has files but no table of contents"
                )
            if not self.create:
                raise IndexCorrupt("search index is missing")
            os.makedirs(directory, exist_ok=True)
            return whoosh_index.create_in(directory, self.schema, indexname=INDEX_NAME)
        ix = whoosh_index.open_dir(directory, indexname=INDEX_NAME)
        if set(ix.schema.names()) != set(self.schema.names()):
            ix.close()
            raise IndexCorrupt("search index was built by another version; rebuild it")
        return ix

    @contextmanager
    def _searcher(self):
        try:
            searcher = self._current_searcher()
        except _BROKEN as error:
            self._forget_index()
            raise IndexCorrupt(f"search index cannot be read: {error}") from error
        try:
            yield searcher
        except _BROKEN as error:
            self._forget_index()
            raise IndexCorrupt(f"search index cannot be read: {error}") from error

    def _current_searcher(self):
        # Opening a searcher opens every segment's files, which cost a search's worth
        # of time at 2,000 documents: a thread keeps its searcher while the index is
        # unchanged. A new one is opened, never refresh()ed (TypeError on an empty index).
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None and self._local.ix is self._ix and searcher.up_to_date():
            return searcher
        if searcher is not None:
            with self._lock:
                if searcher in self._searchers:
                    self._searchers.remove(searcher)
            searcher.close()
            self._local.searcher = None
        ix = self._index()
        searcher = ix.searcher()
        self._segment_values.keep_only({s.segment_id() for s in searcher.reader().segments() or ()})
        self._local.searcher, self._local.ix = searcher, ix
        with self._lock:
            self._searchers.append(searcher)
        return searcher

    def _forget_index(self) -> None:
        with self._lock:
            for searcher in self._searchers:
                with suppress(*_BROKEN):
                    searcher.close()
            self._searchers = []
            self._local = threading.local()
            if self._ix is not None:
                with suppress(*_BROKEN):
                    self._ix.close()
            self._ix = None
            self._segment_values = _SegmentValues()

    def _create_empty_index(self) -> None:
        with self._lock:
            self._ix = whoosh_index.create_in(str(self.index_dir), self.schema, indexname=INDEX_NAME)

    # -- writing -------------------------------------------------------------------

    def _write(self, documents: list[PreparedDocument], delete_ids: set[int]) -> None:
        ix = self._index()
        try:
            writer = ix.writer(timeout=self.write_timeout)
        except LockError:
            raise SearchUnavailable("another process is writing to the search index") from None
        except _BROKEN as error:
            self._forget_index()
            raise IndexCorrupt(f"search index cannot be written: {error}") from error
        try:
            for doc_id in delete_ids:
                writer.delete_by_term("id", str(doc_id))
            for doc in documents:
                writer.update_document(**self._fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    @staticmethod
    def _fields(doc: PreparedDocument) -> dict:
        fields = {
            "id": str(doc["id"]),
            "visibility": doc["visibility"],
            "organization": str(doc["organization_id"]) if doc["organization_id"] is not None else "",
            "doc_type": doc["doc_type"],
            "language": doc["language"],
            "year": str(doc["year"]),
            "tags": " ".join(doc["tags"]),
            "countries": " ".join(doc["countries"]),
            "published": doc["published"],
            "spell": doc["vocabulary"],
            "title": doc["title"],
            "summary": doc["summary"],
            "stored_text": doc["stored_text"],
            "fingerprint": doc["fingerprint"],
            "listing": doc["listing"],
        }
        texts = {
            "title": doc["title"],
            "summary": doc["summary"],
            "body": doc["body"] + "\n" + doc["attachments_text"],
            "names": doc["names"],
        }
        for name, text in texts.items():
            for language in STEM_LANGUAGES:
                fields[f"{name}_{language}"] = text
                fields[f"{name}_{language}{PAIRS_SUFFIX}"] = text
        return fields

    # -- reading -------------------------------------------------------------------

    def _compile(self, searcher, plan: QueryPlan, query: SearchQuery, lazy: bool | None = None):
        """The full query: text AND access AND filters, or None if nothing can match.
        ``lazy``: whether its words' postings are read as needed (``_LazyOr``); by
        default for a graded tier."""
        lazy = plan.min_optional is not None if lazy is None else lazy
        positive, excluded, satisfiable = compile_plan(plan, _Builder(searcher, lazy))
        if not satisfiable:
            return None
        filters = filter_queries(query)
        if any(
            # The list fields keep their values as keywords: a value no document has
            # shows in its document frequency.
            f.fieldname in LIST_FACET_NAMES and not searcher.doc_frequency(f.fieldname, f.text)
            for f in filters
        ):
            # A topic or country no document has: nothing can match. Answered here
            # because whoosh nests the matchers of many filters one inside another, and
            # a thousand of them went past Python's recursion limit.
            return None
        # Access and filters restrict without scoring, inside the query itself so
        # that totals and facet counts see them.
        restrictions = [wq.ConstantScoreQuery(f, 0.0) for f in filters]
        access = access_query(query.access)
        if access is not None:
            restrictions.append(wq.ConstantScoreQuery(access, 0.0))
        parts = ([positive] if positive is not None else []) + restrictions
        combined = wq.Every() if not parts else parts[0] if len(parts) == 1 else wq.And(parts)
        if excluded:
            combined = _AndNot(combined, wq.Or(excluded))
        return combined

    def _run(self, searcher, whoosh_query, **options):
        """``searcher.search(whoosh_query, **options)`` within the search's time
        (``time_left``)."""
        left = self.time_left()
        if left is None:
            return searcher.search(whoosh_query, **options)
        collector = _DeadlineCollector(searcher.collector(**options), time.monotonic() + left)
        searcher.search_with_collector(whoosh_query, collector)
        return collector.results()

    def _execute(self, plan, query, by_relevance):
        with self._searcher() as searcher:
            whoosh_query = self._compile(searcher, plan, query)
            if whoosh_query is None:
                return [], 0, empty_facets()
            facets = {
                name: _ListFacet(field, self._segment_values)
                if name in LIST_FACET_NAMES
                else sorting.FieldFacet(field, maptype=sorting.Count)
                for name, field in FACET_FIELDS.items()
                if name in query.facets
            }
            end = query.page * query.per_page
            options = {} if by_relevance else {"sortedby": "published", "reverse": True}
            # Every match is collected, as grouping by facets does: with no facet asked
            # for and a limit, whoosh would take its top-N collector, whose matchers drop
            # the parts of a query that cannot lift a match into the page, and the total
            # and the order of the hits would change.
            results = self._run(
                searcher, whoosh_query, limit=end if facets else None, groupedby=facets or None, **options
            )
            total = len(results)
            rows = []
            for hit in results[end - query.per_page : end]:
                stored = hit.fields()
                rows.append(
                    {
                        "id": int(stored["id"]),
                        "score": (hit.score or 0.0) if by_relevance else 0.0,
                        "title": stored.get("title", ""),
                        "summary": stored.get("summary", ""),
                        "stored_text": stored.get("stored_text", ""),
                        "listing": stored.get("listing", ""),
                    }
                )
            counts = empty_facets() | {
                name: {_facet_key(k): v for k, v in results.groups(name).items() if k not in (None, "", b"")}
                for name in facets
            }
            return rows, total, sorted_facets(counts)

    def _count(self, plan, query):
        with self._searcher() as searcher:
            whoosh_query = self._compile(searcher, plan, query)
            if whoosh_query is None:
                return 0
            return len(self._run(searcher, whoosh_query, limit=1, scored=False))

    def _among(self, plan, query, ids):
        with self._searcher() as searcher:
            found = self._compile(searcher, plan, SearchQuery(access=query.access), lazy=True)
            if found is None or not ids:
                return set()
            among = wq.And([wq.Or([wq.Term("id", str(i)) for i in ids]), found])
            # Scored, so that the words' matchers skip from one of ``ids`` to the next:
            # unscored, whoosh lists every document of each side and intersects the lists.
            return {int(hit["id"]) for hit in self._run(searcher, among, limit=len(ids))}

    def _spelled(self, term, access):
        with self._searcher() as searcher:
            visible = access_query(access)
            spelled = wq.Term("spell", term)
            return (
                len(
                    searcher.search(
                        wq.And([spelled, visible]) if visible is not None else spelled, limit=1, scored=False
                    )
                )
                > 0
            )

    def _spelling_candidates(self, word, access):
        with self._searcher() as searcher:
            reader = searcher.reader()
            low, high = len(word) - 2, len(word) + 2
            candidates = []
            # A term's frequency is a read of its postings' header: only the words near
            # enough to be offered are worth one (thousands share a first letter).
            for term in reader.expand_prefix("spell", word[:1]):
                term = term.decode("utf-8") if isinstance(term, bytes) else term
                if low <= len(term) <= high and within_reach(word, term):
                    candidates.append((term, reader.doc_frequency("spell", term)))
            return candidates

    def _stored(self, document_id):
        with self._searcher() as searcher:
            stored = searcher.document(id=str(document_id))
            if stored is None:
                return None
            organization = stored.get("organization")
            return {
                "title": stored.get("title", ""),
                "summary": stored.get("summary", ""),
                "stored_text": stored.get("stored_text", ""),
                "visibility": stored["visibility"],
                "organization_id": int(organization) if organization else None,
            }

    def _similar(self, texts, access, limit, exclude_id):
        text = "\n".join((texts["title"], texts["summary"], texts["stored_text"]))
        if not text.strip() or limit < 1:
            return []
        with self._searcher() as searcher:
            if searcher.doc_count() == 0:
                return []
            terms = []
            for language in STEM_LANGUAGES:
                for term, weight in searcher.key_terms_from_text(f"body_{language}", text, numterms=12):
                    terms.append(wq.Term(f"body_{language}", term, boost=weight))
                    terms.append(wq.Term(f"title_{language}", term, boost=weight * 2))
            if not terms:
                return []
            parts = [wq.Or(terms)]
            access_part = access_query(access)
            if access_part is not None:
                parts.append(wq.ConstantScoreQuery(access_part, 0.0))
            similar = wq.And(parts)
            if exclude_id is not None:
                similar = _AndNot(similar, wq.Term("id", str(exclude_id)))
            return [int(hit["id"]) for hit in self._run(searcher, similar, limit=limit)]

    def ids(self) -> set[int]:
        with self._searcher() as searcher:
            return {int(fields["id"]) for fields in searcher.all_stored_fields()}

    def count(self) -> int:
        with self._searcher() as searcher:
            return searcher.doc_count()

    def fingerprints(self) -> dict[int, str]:
        with self._searcher() as searcher:
            return {int(f["id"]): f.get("fingerprint", "") for f in searcher.all_stored_fields()}


def _facet_key(key) -> str:
    return key.decode("utf-8") if isinstance(key, bytes) else str(key)
