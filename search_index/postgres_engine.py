"""The PostgreSQL engine: the same contract on tsvector columns and GIN indexes.

For deployments that keep no index files on their hosts: every host reads and
writes the one index in the database. Everything the engine needs lives in its own
schema (default ``rcm_search``), created by the engine itself:

- text search configurations ``rcm_en`` and ``rcm_es``: ``unaccent`` (the
  extension) then Snowball English or Spanish *without* stop words, so that phrases
  with "de" or "in" stay exact, as in the other engines;
- ``documents``: per document ``tsv_en`` and ``tsv_es`` (title weight A, summary B,
  body and attachment text C) with a GIN index each, and one of their word pairs
  (``word_pairs(tsv_xx)``: each lexeme with the next, "a b"; phrases are found through
  it, and tsvectors are read only to place sequences of three lexemes or more),
  the thesaurus's phrases of three lexemes or more each holds (``phrases``, indexed;
  their list is the table ``known_phrases``), so that they need no tsvector read,
  ``head`` (title and summary in both languages, small, used to choose which matches
  to rank), the stored texts for highlights, the filter columns and the distinct
  words for "did you mean";
- ``vocabulary``: each distinct word and how many documents hold it;
- ``state``: the schema version and the last applied search-log id, written in
  the same transaction as the batch it describes.

Text is cut into words in Python with the shared word pattern before PostgreSQL
sees it, so the three engines agree on what a word is. A query word matches its
English or its Spanish form, like the other engines: each word becomes
``(tsv_en @@ q_en OR tsv_es @@ q_es)`` and the plan's AND/OR become SQL.

Ranking is the expensive part (``ts_rank`` reads a document's whole tsvector out
of TOAST), so only a bounded candidate set is ranked: the matches are ordered by
``ts_rank`` over the small ``head`` vector (title and summary), and the first
``RANK_CANDIDATES`` are ranked on their full text; matches beyond them follow in
head order. Totals and facets still count every match.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import re
import threading
import time
from collections.abc import Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import combinations, pairwise
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from .analysis import MAX_TOKEN_CHARS, STEM_LANGUAGES, WORD_RE, fold, word_variants
from .base import BaseEngine, PreparedDocument, empty_facets, key_term_candidates, key_terms, sorted_facets
from .contract import (
    LIST_FACET_NAMES,
    AccessFilter,
    IndexCorrupt,
    SearchQuery,
    SearchTooSlow,
    SearchUnavailable,
    SettingsError,
)
from .query_syntax import Phrase, QueryBuilder, QueryPlan, Word, compile_plan

SCHEMA_VERSION = 7  # 2: the listing column; 3: the document's names at weight D; 4: narrow rows;
# 5: word pairs; 6: known phrases; 7: partitions
DEFAULT_SCHEMA = "rcm_search"
WRITE_TIMEOUT = 10.0
# Matches ranked on their full text; the rest follow in order of their title/summary rank.
RANK_CANDIDATES = 200
# ts_rank weights for D (names), C (body), B (summary), A (title): 0.3 : 1 : 1.5 : 3, as in
# the other engines (names: ``base.NAMES_WEIGHT``, rounded).
RANK_WEIGHTS = "{0.1, 0.333, 0.5, 1.0}"
# Characters of a text read for its words (a bound on the work of one document).
MAX_PG_INDEXED_CHARS = 500_000
# A tsvector holds at most 1,048,575 bytes: a document's words are kept while the
# tsvector they make is sure to stay below this (see ``indexed_words``).
MAX_TSVECTOR_BYTES = 1_000_000
# Document frequencies for "related" are counted up to this many documents: beyond
# it a term is common anyway, and counting further only costs time.
DOC_FREQUENCY_CAP = 5_000
RELATED_TERM_CANDIDATES = 60
SNOWBALL = {"en": "english", "es": "spanish"}
CONFIG = {"en": "rcm_en", "es": "rcm_es"}
WORD_TOKEN_TYPES = (
    "asciiword",
    "word",
    "numword",
    "asciihword",
    "hword",
    "numhword",
    "hword_asciipart",
    "hword_part",
    "hword_numpart",
)
NUMBER_TOKEN_TYPES = ("int", "uint", "float", "sfloat", "version")
TEXT_COLUMNS = ("tsv_en", "tsv_es")
# The index of each text column, and the GIN index of its word pairs (see
# ``_Builder._any_sequence``).
TEXT_INDEXES = {column: f"documents_{column}_idx" for column in TEXT_COLUMNS}
PAIR_INDEXES = {column: f"documents_pairs_{column[-2:]}_idx" for column in TEXT_COLUMNS}
# Sequences of this many lexemes or more that the index knows (the thesaurus's phrases) are
# listed per document as it is indexed (``documents.phrases``, see ``_create``).
MIN_KNOWN_PHRASE_LEXEMES = 3
PHRASES_INDEX = "documents_phrases_idx"
# A tsvector holds at most 1 MB: the pairs of a long text are kept up to this many bytes.
MAX_PAIR_BYTES = 900_000
# The variable-length columns a search reads for every match (see ``_create``).
SCANNED_COLUMNS = ("visibility", "doc_type", "language", "tags", "countries", "fingerprint", "head")
# Planner settings of a search's statements (set for their transaction by ``_text_plan``),
# so that the matches' rows are read, tested against the access filter and ranked by one of
# PostgreSQL's parallel workers beside the backend. The planner keeps no statistics of the
# text columns (see ``_create``) and takes every word for 0.5% of the documents; at its
# default costs it sees the heap's pages alone, a parallel scan saves under the 1% it asks
# for, and the table counts as too small for workers. A common word matches half the
# documents, whose pages are in memory, and each match costs its row's work: these costs
# weigh it. Measured at 100,000 documents on 2 cores (p95 of the benchmark's statements;
# a word in half of them; "refugiados" and its thesaurus): no worker 161, 156, 205 ms;
# one worker 129, 123, 163 ms; two 137, 131, 169 ms, and under a load that keeps every
# core busy each worker is one more process to share them, hence ``SEARCH_WORKERS``. An
# index of fewer than about 60,000 documents (in ``DOCUMENT_PARTITIONS``) is planned
# without one. Starting one costs a few milliseconds, which a rare phrase pays (1 → 5 ms).
# The server's ``max_parallel_workers_per_gather = 0`` still turns them off.
SEARCH_WORKERS = 1
PARALLEL_PLAN_SETTINGS = {
    "min_parallel_table_scan_size": "0",
    "parallel_setup_cost": "10",
    "parallel_tuple_cost": "0.02",
    "cpu_tuple_cost": "0.1",
    "cpu_operator_cost": "0.1",
}
# The documents are kept in this many tables (partitions of ``documents`` by a hash of the
# id). A search's matches are found by building a bitmap from the text index, and one
# table's bitmap is built by one process while the worker waits for it; with a table per
# process beside the leader (``SEARCH_WORKERS``) each builds its own half at once, and
# then reads its own rows (Parallel Append). Measured at 100,000 documents on 2 cores (the
# statements of a word in half of them): "refugiados" and its thesaurus 158-174 → 138 ms,
# "albergues" 138 → 123, "frontera" 121 → 110; with no worker, "refugiados" 206 → 185.
DOCUMENT_PARTITIONS = 2
PARTITIONS = tuple(f"documents_{remainder}" for remainder in range(DOCUMENT_PARTITIONS))
FACET_COLUMNS = {
    "doc_type": "doc_type",
    "language": "language",
    "year": "year",
    "organization": "organization_id",
}
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# How a setting that switches something says on or off.
SWITCHED_ON, SWITCHED_OFF = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off"})
_BROKEN = (
    pg_errors.UndefinedTable,
    pg_errors.UndefinedColumn,
    pg_errors.UndefinedObject,
    pg_errors.UndefinedFunction,
    pg_errors.InvalidSchemaName,
    pg_errors.DatatypeMismatch,
)


def _first_value(cursor) -> Any:
    """The first column of a statement's one row (None when it returned no row)."""
    row = cursor.fetchone()
    return row[0] if row is not None else None


def partition_index_name(name: str, partition: str) -> str:
    """The name of the index ``name`` of the documents (``documents_…``) in ``partition``."""
    return name.replace("documents_", f"{partition}_", 1)


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name``."""
    return int.from_bytes(hashlib.sha1(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def advisory_lock(dsn: str, name: str, wait: bool | float = False):
    """Hold a session advisory lock named ``name`` on its own connection.

    ``wait`` is False (yield False at once when another session holds it), True
    (wait until it is free) or a number of seconds to wait (the server's
    ``lock_timeout``). The lock goes with the connection, so a process that dies
    releases it.
    """
    with psycopg.connect(dsn, autocommit=True) as connection:
        key = lock_key(name)
        if wait is True:
            connection.execute("SELECT pg_advisory_lock(%s)", (key,))
        elif wait:
            connection.execute(f"SET lock_timeout = {max(1, round(float(wait) * 1000))}")
            try:
                connection.execute("SELECT pg_advisory_lock(%s)", (key,))
            except psycopg.errors.LockNotAvailable:
                yield False
                return
            connection.execute("RESET lock_timeout")
        elif not _first_value(connection.execute("SELECT pg_try_advisory_lock(%s)", (key,))):
            yield False
            return
        try:
            yield True
        finally:
            if not connection.closed:
                connection.execute("SELECT pg_advisory_unlock(%s)", (key,))


def indexed_words(*texts: str, budget: int = MAX_TSVECTOR_BYTES) -> list[str]:
    """Each of ``texts`` as the shared word pattern cuts it, folded as a query's words are
    (``analysis.fold``), one space between words; words are kept, first text first, while
    the tsvector of all of them is sure to stay within ``budget`` bytes.

    Written here because PostgreSQL refuses a tsvector over 1 MB outright, and a
    character limit cannot prevent it: 500,000 characters of distinct numbers or of
    long words in a script of two or three bytes a letter make more. A new word costs
    at most its bytes and 9 more (its entry, its count of positions, one position and
    alignment), a word seen before 2 (a position). Folding here, not only in the
    text search configuration's ``unaccent``, keeps index and query alike where the two
    fold differently (``unaccent`` keeps the breve of "й", a query loses it).
    """
    seen: set[str] = set()
    used = 0
    kept_texts = []
    for text in texts:
        kept = []
        # Folded before it is cut: folding makes several words of some characters ("½").
        for word in WORD_RE.findall(fold(text[:MAX_PG_INDEXED_CHARS])):
            if len(word) > MAX_TOKEN_CHARS:
                continue
            cost = 2 if word in seen else len(word.encode()) + 9
            if used + cost > budget:
                break
            used += cost
            seen.add(word)
            kept.append(word)
        kept_texts.append(" ".join(kept))
    return kept_texts


def words_for_index(text: str) -> str:
    """``text``'s words as ``indexed_words`` keeps them."""
    return indexed_words(text)[0]


def tsquery_lexeme(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _side_by_side(lexemes: tuple[str, ...]) -> str:
    """The tsquery text of ``lexemes`` in this order, each right after the one before."""
    return " <-> ".join(map(tsquery_lexeme, lexemes))


def known_phrase_key(language: str, sequence: tuple[str, ...]) -> str:
    """How ``documents.phrases`` names a sequence of lexemes of one language's stemming."""
    return f"{language}:{_side_by_side(sequence)}"


@dataclass
class _Node:
    where: sql.Composable  # a predicate over ``d``
    rank: sql.Composable  # a float expression over ``d``
    head: list[str]  # tsquery texts matched against the head vector


class _Builder(QueryBuilder):
    def __init__(
        self,
        lexemes: dict[tuple[str, str], tuple[str, ...]],
        weights: sql.Composable,
        documents: sql.Composable,
        word_pairs: sql.Composable | None,
        known_phrases: frozenset[str] = frozenset(),
    ):
        self.lexemes = lexemes
        self.weights = weights
        self.documents = documents
        self.word_pairs = word_pairs
        self.known_phrases = known_phrases

    def _leaf(self, matches: dict[str, sql.Composable], ranked: dict[str, str]) -> _Node:
        """A node matching any of ``matches`` (a predicate per language), ranked and
        ordered by the tsquery texts ``ranked`` (one per language) over the text."""
        ranks = [
            sql.SQL("ts_rank({}, d.{}, {}::tsquery)").format(
                self.weights, sql.Identifier(f"tsv_{lang}"), sql.Literal(q)
            )
            for lang, q in ranked.items()
        ]
        # English and Spanish forms of one text: count the better of the two, not both.
        return _Node(
            sql.SQL("({})").format(sql.SQL(" OR ").join(matches.values())),
            sql.SQL("GREATEST({})").format(sql.SQL(", ").join(ranks)),
            list(ranked.values()),
        )

    def _sequence(self, language: str, word: str) -> tuple[str, ...]:
        """The lexemes ``language``'s stemming makes of ``word`` (a variant may be words)."""
        return tuple(self.lexemes.get((language, word)) or ())

    def _any_sequence(self, language: str, sequences: list[tuple[str, ...]]) -> sql.Composable:
        """Any of ``sequences`` of lexemes side by side in a text, as a predicate over ``d``.

        A lone lexeme is looked up in the text's tsvector. Lexemes side by side are
        looked up as the text's word pairs (``word_pairs(tsv_xx)``), which their GIN
        index answers alone: a phrase matched in a GIN-indexed tsvector has every
        document holding its words read out of TOAST to compare positions (2 s at
        100,000 documents for "trabajadores migrantes", whose thesaurus adds the phrase
        "migrant workers").
        Three lexemes or more must also follow each other in the tsvector (two of their
        pairs can come from different places); that is read only for the documents
        holding every pair, whose ids are found once beforehand: beside other branches
        of an OR, a test that no index answers is made on every row any branch finds
        (2 s for "albergues", whose thesaurus adds "casa de acogida"). A sequence the
        index knows (``known_phrases``: the thesaurus's phrases of three lexemes or more,
        ``_create``) is looked up in the list of them each document holds, whose index
        answers it alone: reading the positions of "trata de personas" took 300 ms at
        100,000 documents (14,500 candidates). A RUM index keeps the positions itself
        (``word_pairs`` None): sequences are matched there.
        """
        column = sql.Identifier(f"tsv_{language}")
        alone = [s[0] for s in sequences if len(s) == 1]
        parts: list[sql.Composable] = []
        if alone:
            parts.append(
                sql.SQL("d.{} @@ {}::tsquery").format(
                    column, sql.Literal(" | ".join(map(tsquery_lexeme, dict.fromkeys(alone))))
                )
            )
        known = []
        for sequence in dict.fromkeys(s for s in sequences if len(s) > 1):
            key = known_phrase_key(language, sequence)
            if self.word_pairs is not None and key in self.known_phrases:
                known.append(key)
                continue
            if self.word_pairs is None:
                parts.append(
                    sql.SQL("d.{} @@ {}::tsquery").format(column, sql.Literal(_side_by_side(sequence)))
                )
                continue
            every_pair = sql.Literal(" & ".join(tsquery_lexeme(f"{a} {b}") for a, b in pairwise(sequence)))
            if len(sequence) == 2:
                parts.append(sql.SQL("{}(d.{}) @@ {}::tsquery").format(self.word_pairs, column, every_pair))
                continue
            # The ids, found once: a condition beside the index's inside an OR would be
            # tested on every row the other branches find, reading their tsvectors. The
            # positions are compared on a copy of the tsvector (``|| ''``), which no index
            # matches, so that the pairs' index finds the rows: the planner, knowing
            # nothing of how common the words are, would rather find them by the words'
            # index and compute every found row's pairs.
            parts.append(
                sql.SQL(
                    "d.id = ANY(ARRAY(SELECT t.id FROM {} t "
                    "WHERE {}(t.{}) @@ {}::tsquery AND (t.{} || ''::tsvector) @@ {}::tsquery))"
                ).format(
                    self.documents,
                    self.word_pairs,
                    column,
                    every_pair,
                    column,
                    sql.Literal(_side_by_side(sequence)),
                )
            )
        if known:
            parts.append(sql.SQL("d.phrases && {}::text[]").format(sql.Literal(known)))
        return sql.SQL("({})").format(sql.SQL(" OR ").join(parts))

    def word(self, word: Word):
        matches: dict[str, sql.Composable] = {}
        ranked: dict[str, str] = {}
        for language in STEM_LANGUAGES:
            if word.prefix:
                stems = [word.text] + list(self._sequence(language, word.text))[:1]
                options = [f"{tsquery_lexeme(s)}:*" for s in dict.fromkeys(stems)]
                query = " | ".join(f"({o})" for o in options)
                matches[language] = sql.SQL("d.{} @@ {}::tsquery").format(
                    sql.Identifier(f"tsv_{language}"), sql.Literal(query)
                )
                ranked[language] = query
                continue
            sequences = [s for s in (self._sequence(language, v) for v in word_variants(word.text)) if s]
            if sequences:
                matches[language] = self._any_sequence(language, sequences)
                ranked[language] = " | ".join(f"({o})" for o in dict.fromkeys(map(_side_by_side, sequences)))
        return self._leaf(matches, ranked) if len(matches) == len(STEM_LANGUAGES) else None

    def phrase(self, phrase: Phrase):
        matches: dict[str, sql.Composable] = {}
        ranked: dict[str, str] = {}
        for language in phrase.languages:
            sequence = tuple(lexeme for w in phrase.words for lexeme in self._sequence(language, w))
            if sequence:
                matches[language] = self._any_sequence(language, [sequence])
                ranked[language] = _side_by_side(sequence)
        return self._leaf(matches, ranked) if len(matches) == len(phrase.languages) else None

    def all_of(self, nodes):
        return _Node(
            sql.SQL("({})").format(sql.SQL(" AND ").join(n.where for n in nodes)),
            sql.SQL("({})").format(sql.SQL(" + ").join(n.rank for n in nodes)),
            [q for n in nodes for q in n.head],
        )

    def any_of(self, nodes):
        if len(nodes) == 1:
            return nodes[0]
        return _Node(
            sql.SQL("({})").format(sql.SQL(" OR ").join(n.where for n in nodes)),
            sql.SQL("GREATEST({})").format(sql.SQL(", ").join(n.rank for n in nodes)),
            [q for n in nodes for q in n.head],
        )

    def boosted(self, node, boost):
        return _Node(node.where, sql.SQL("({} * {})").format(sql.Literal(float(boost)), node.rank), node.head)

    def at_least(self, nodes, needed):
        """The documents holding ``needed`` of the groups ``nodes``, each group's index
        read once: the ids each group finds, counted. Spelled out, each group would be
        read once per choice it is in (6 of 8 words: 28 choices of 6), and a query of
        eight common words took two seconds at 100,000 documents.

        Ranked as the disjunction of the choices is (``any_of`` of ``all_of``: the best
        of the choices' sums), with each group's rank computed once rather than once per
        choice."""
        if needed == len(nodes):
            return self.all_of(nodes)
        found = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT d.id FROM {} d WHERE {}").format(self.documents, n.where) for n in nodes
        )
        where = sql.SQL("d.id IN (SELECT g.id FROM ({}) AS g GROUP BY g.id HAVING count(*) >= {})").format(
            found, sql.Literal(needed)
        )
        # Each group's rank once, then the best of the choices' sums of them.
        ranks = sql.SQL(", ").join(
            sql.SQL("{} AS {}").format(n.rank, sql.Identifier(f"r{i}")) for i, n in enumerate(nodes)
        )
        sums = sql.SQL(", ").join(
            sql.SQL("({})").format(sql.SQL(" + ").join(sql.Identifier(f"r{i}") for i in chosen))
            for chosen in combinations(range(len(nodes)), needed)
        )
        rank = sql.SQL("(SELECT GREATEST({}) FROM (SELECT {}) AS r)").format(sums, ranks)
        return _Node(where, rank, [q for n in nodes for q in n.head])


def _plan_words(plan: QueryPlan) -> set[str]:
    found: set[str] = set()
    clauses = plan.positive_clauses() + list(plan.excluded)
    for clause in clauses:
        if isinstance(clause, Phrase):
            found.update(clause.words)
        else:
            found.update(word_variants(clause.text))
    return found


def _rolled_up(source: str, facets: Mapping[str, str], drop_empty: bool) -> sql.Composable:
    """The facets ``facets`` (name: column) of the counted rows ``source`` (its columns and
    ``n``), one ``GROUPING SETS`` pass, ``GROUPING()`` telling which facet each row counts."""
    columns = [sql.SQL("s.{}").format(sql.Identifier(column)) for column in facets.values()]
    every = (1 << len(columns)) - 1
    which = sql.SQL(" ").join(
        sql.SQL("WHEN {} THEN {}").format(
            sql.Literal(every ^ (1 << (len(columns) - 1 - position))), sql.Literal(name)
        )
        for position, name in enumerate(facets)
    )
    return sql.SQL("""
        SELECT f.facet, f.value, f.n, NULL::float8, NULL, NULL, NULL, NULL FROM (
            SELECT CASE GROUPING({columns}) {which} END AS facet,
                   COALESCE({as_text}) AS value, sum(s.n)::bigint AS n
            FROM {source} s GROUP BY GROUPING SETS ({sets})) AS f
        WHERE f.value IS NOT NULL{empty}""").format(
        columns=sql.SQL(", ").join(columns),
        which=which,
        as_text=sql.SQL(", ").join(sql.SQL("{}::text").format(column) for column in columns),
        source=sql.Identifier(source),
        sets=sql.SQL(", ").join(sql.SQL("({})").format(column) for column in columns),
        empty=sql.SQL(" AND f.value <> ''") if drop_empty else sql.SQL(""),
    )


@functools.cache
def _facet_counts(with_lists: bool) -> tuple[sql.Composable, sql.Composable, sql.Composable]:
    """The total and the facets of the matches ``m``: (the columns of ``d`` that ``m``
    keeps for them, the statement's CTEs, its rows); the list facets (tags, countries)
    only ``with_lists``, as they cost most.

    Each match is hashed once for its single-valued facets, into its combination of them
    (``singles``: a few thousand at most), and once per element of its lists, zipped side
    by side (``lists``: ``unnest(tags), unnest(countries)`` in one select list run in step,
    the shorter list padded with NULL); the facets and the total are then rolled up from
    those few rows. Hashing a match once per facet instead cost 7–14 ms more for a word
    in half of 100,000 documents.
    """
    list_columns = LIST_FACET_NAMES if with_lists else ()
    read = sql.SQL(", ").join(
        sql.SQL("d.{}").format(sql.Identifier(column)) for column in (*FACET_COLUMNS.values(), *list_columns)
    )
    singles = sql.SQL(", ").join(sql.Identifier(column) for column in FACET_COLUMNS.values())
    ctes = [sql.SQL("singles AS (SELECT {0}, count(*) AS n FROM m GROUP BY {0})").format(singles)]
    rows = [
        sql.SQL(
            "SELECT 'total', NULL, coalesce(sum(n), 0)::bigint, NULL, NULL, NULL, NULL, NULL FROM singles"
        ),
        _rolled_up("singles", FACET_COLUMNS, drop_empty=True),
    ]
    if with_lists:
        lists = sql.SQL(", ").join(sql.Identifier(name) for name in list_columns)
        zipped = sql.SQL(", ").join(
            sql.SQL("unnest(m.{0}) AS {0}").format(sql.Identifier(name)) for name in list_columns
        )
        ctes.append(
            sql.SQL(
                "lists AS (SELECT {lists}, count(*) AS n FROM (SELECT {zipped} FROM m) AS u GROUP BY {lists})"
            ).format(lists=lists, zipped=zipped)
        )
        rows.append(_rolled_up("lists", {name: name for name in list_columns}, drop_empty=False))
    return read, sql.SQL(",\n").join(ctes), sql.SQL(" UNION ALL ").join(rows)


def libpq_dsn(database_url: str | None) -> str | None:
    """``postgresql+psycopg://u:p@h/db?sslmode=require`` (a SQLAlchemy address) as
    libpq takes it, or None when the address is not PostgreSQL's."""
    url = database_url or ""
    found = _POSTGRES_URL.match(url)
    return "postgresql://" + url[found.end() :] if found else None


_POSTGRES_URL = re.compile(r"^postgres(?:ql)?(?:\+\w+)?://")


# Why RUM is off unless asked for (``SEARCH_RUM``): the RUM releases packaged today
# (1.3.13 in Debian 12, 1.3.15 from PGDG) read uninitialized memory in an index scan, and
# the server process dies of it, taking every connection of the server with it while
# PostgreSQL recovers. Two ways found to get there, both open to anyone who can search:
# a word that was in thousands of documents and is in none since they were edited, once
# VACUUM has emptied its postings (rum issue #183, fixed in RUM's master by PR #172 of
# April 2026, not in a release yet); and, at 100,000 documents, a search of twenty
# two-letter prefixes after a long graded search. GIN, which PostgreSQL itself keeps, has
# neither.
RUM_CRASHES = "https://github.com/postgrespro/rum/issues/183"


class PostgresEngine(BaseEngine):
    # The index's own database, else the application's (when it is PostgreSQL), and the
    # schema the engine creates and owns there.
    # SEARCH_RUM: whether to index the text with RUM (see ``_rum_opclass``), off unless set.
    SETTINGS = ("SEARCH_DSN", "SEARCH_SCHEMA", "DATABASE_URL", "SEARCH_RUM")

    @classmethod
    def options_from(cls, settings: Mapping[str, Any], prefix: str = "") -> dict:
        dsn = settings.get(prefix + "SEARCH_DSN") or libpq_dsn(settings.get(prefix + "DATABASE_URL"))
        if not dsn:
            raise SettingsError(
                f"the postgres search backend keeps the search index in PostgreSQL, but the database is "
                f"not PostgreSQL: set {prefix}DATABASE_URL to a PostgreSQL database or {prefix}SEARCH_DSN to "
                f"one for the index, or choose another backend"
            )
        rum = str(settings.get(prefix + "SEARCH_RUM") or "off").strip().lower()
        if rum not in SWITCHED_ON | SWITCHED_OFF:
            raise SettingsError(f"{prefix}SEARCH_RUM must be on or off, not {rum!r}")
        return {
            "dsn": dsn,
            "schema": settings.get(prefix + "SEARCH_SCHEMA") or DEFAULT_SCHEMA,
            "rum": rum in SWITCHED_ON,
        }

    def __init__(
        self,
        dsn: str,
        schema: str = DEFAULT_SCHEMA,
        thesaurus_path=None,
        create: bool = True,
        write_timeout: float = WRITE_TIMEOUT,
        rum: bool = False,
    ):
        super().__init__(thesaurus_path)
        if not dsn:
            raise ValueError("the postgres search engine needs a dsn")
        if not _SCHEMA_NAME.match(schema or ""):
            raise ValueError(f"schema must be a lowercase SQL name, not {schema!r}")
        self.dsn = dsn
        self.schema = schema
        self.create = create
        self.write_timeout = write_timeout
        self.rum = rum
        # "rum" or "gin": how the text columns of this index are indexed (known once open).
        self.text_index: str | None = None
        self._local = threading.local()
        self._connections: list[psycopg.Connection] = []
        self._lock = threading.Lock()
        self._ready = False
        self._lexeme_cache: dict[tuple[str, str], tuple[str, ...]] = {}
        # What ``documents.phrases`` lists (``_create_known_phrases``), read once open.
        self.known_phrases: frozenset[str] = frozenset()
        self._weights = sql.SQL("{}::float4[]").format(sql.Literal(RANK_WEIGHTS))

    # -- names -----------------------------------------------------------------------

    def _name(self, name: str) -> sql.Composable:
        return sql.Identifier(self.schema, name)

    def _config(self, language: str) -> str:
        return f"{self.schema}.{CONFIG[language]}"

    @property
    def write_lock_name(self) -> str:
        return f"rcm_search:{self.schema}:write"

    @property
    def location(self) -> str:
        return f"PostgreSQL schema {self.schema}"

    def lock(self, name: str, wait: bool | float = False):
        """An advisory lock: the index in PostgreSQL is shared by every host."""
        return advisory_lock(self.dsn, f"rcm_search:{self.schema}:{name}", wait)

    # -- connections -----------------------------------------------------------------

    def _connection(self) -> psycopg.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed or self._local.pid != os.getpid():
            connection = None
            try:
                connection = psycopg.connect(self.dsn, autocommit=True)
                # JIT compilation costs more than it saves on these short queries, and the
                # facet step keeps its matches in memory.
                connection.execute("SET jit = off")
                connection.execute("SET work_mem = '64MB'")
            except psycopg.OperationalError as error:
                # e.g. a server that accepted the connection and then went into recovery
                if connection is not None:
                    with suppress(psycopg.Error):
                        connection.close()
                raise SearchUnavailable(f"search database unavailable: {error}") from None
            self._local.connection, self._local.pid = connection, os.getpid()
            with self._lock:
                self._connections.append(connection)
        return connection

    @contextmanager
    def _db(self, ensure: bool = True):
        """A connection of this thread; database errors become the contract's errors."""
        connection = self._connection()
        try:
            if ensure and not self._ready:
                self._ensure(connection)
            yield connection
        except _BROKEN as error:
            self._ready = False
            raise IndexCorrupt(f"search index cannot be read: {error}") from None
        except pg_errors.QueryCanceled:
            raise SearchTooSlow() from None
        except psycopg.OperationalError as error:
            self._local.connection = None
            with suppress(psycopg.Error):
                connection.close()
            raise SearchUnavailable(f"search database unavailable: {error}") from None

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            with suppress(psycopg.Error):
                connection.close()
        self._local = threading.local()

    # -- schema ------------------------------------------------------------------------

    def _ensure(self, connection) -> None:
        with connection.transaction():
            # One set-up at a time across processes (CREATE ... IF NOT EXISTS can race).
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key("rcm_search:setup"),))
            state = connection.execute("SELECT to_regclass(%s)", (f"{self.schema}.state",)).fetchone()[0]
            if state is None:
                if not self.create:
                    raise IndexCorrupt("search index is missing")
                self._create(connection)
            else:
                self._verify(connection)
            self._load_known_phrases(connection)
        self._ready = True

    def _verify(self, connection) -> None:
        version = connection.execute(
            sql.SQL("SELECT schema_version FROM {}").format(self._name("state"))
        ).fetchone()
        if version is None or version[0] != SCHEMA_VERSION:
            raise IndexCorrupt("search index was built by another version; rebuild it")
        for table in ("documents", "vocabulary", "known_phrases"):
            if (
                connection.execute("SELECT to_regclass(%s)", (f"{self.schema}.{table}",)).fetchone()[0]
                is None
            ):
                raise IndexCorrupt(f"search index table {table!r} is missing; rebuild it")
        configs = connection.execute(
            "SELECT count(*) FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace "
            "WHERE n.nspname = %s AND c.cfgname = ANY(%s)",
            (self.schema, list(CONFIG.values())),
        ).fetchone()[0]
        if configs != len(CONFIG):
            raise IndexCorrupt("search text configurations are missing; rebuild the index")
        self.text_index = self._text_index_method(connection)
        if self.text_index is None:
            raise IndexCorrupt(
                "the search index's text is not indexed (a rebuild did not finish); rebuild it"
            )
        if self.text_index == "rum" and not self.rum:
            raise IndexCorrupt(
                "the search index's text is indexed with RUM, which this engine is set not to use "
                "(see RUM_CRASHES); rebuild it"
            )
        if self.text_index == "gin" and self._pair_index_count(connection) != len(PAIR_INDEXES):
            # Without them every phrase would compute each row's pairs (``_any_sequence``).
            raise IndexCorrupt("the search index's word pairs are not indexed; rebuild it")

    def _pair_index_count(self, connection) -> int:
        return connection.execute(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND indexname = ANY(%s) "
            "AND indexdef LIKE '%%word_pairs(tsv_%%'",
            (self.schema, list(PAIR_INDEXES.values())),
        ).fetchone()[0]

    def _text_index_method(self, connection) -> str | None:
        """``rum`` or ``gin``: how the text columns are indexed (None before they are).

        Read from one of the partitions' indexes, which are the ones that hold entries
        (the partitioned table's index only gathers them)."""
        row = connection.execute(
            "SELECT am.amname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_am am ON am.oid = c.relam WHERE i.inhparent = to_regclass(%s) LIMIT 1",
            (f"{self.schema}.{TEXT_INDEXES['tsv_en']}",),
        ).fetchone()
        return row[0] if row else None

    def _rum_opclass(self, connection) -> sql.Composable | None:
        """RUM's tsvector operator class when the engine is set to use RUM (``rum``), the
        server has it (Debian's ``postgresql-NN-rum``) and this role may create it;
        None otherwise (GIN).

        RUM keeps each lexeme's positions in the index, so a phrase or a word's
        neighbour is checked there instead of in the document's tsvector, which
        PostgreSQL keeps compressed out of line (TOAST) and reads whole. It is off
        unless asked for: see ``RUM_CRASHES``.
        """
        if (
            not self.rum
            or connection.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'").fetchone()
            is None
        ):
            return None
        try:
            with connection.transaction():  # a savepoint: a refusal leaves the set-up going
                connection.execute("CREATE EXTENSION IF NOT EXISTS rum")
        except psycopg.Error:
            return None  # e.g. a role that may not create extensions: GIN it is
        found = connection.execute(
            "SELECT n.nspname FROM pg_opclass o JOIN pg_namespace n ON n.oid = o.opcnamespace "
            "JOIN pg_am am ON am.oid = o.opcmethod WHERE am.amname = 'rum' AND o.opcname = 'rum_tsvector_ops'"
        ).fetchone()
        return sql.Identifier(found[0], "rum_tsvector_ops") if found else None

    def _create(self, connection) -> None:
        execute = connection.execute
        execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)))
        execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        unaccent_schema = execute(
            "SELECT n.nspname FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace "
            "WHERE d.dictname = 'unaccent' ORDER BY n.nspname = %s DESC LIMIT 1",
            ("public",),
        ).fetchone()[0]
        for language in STEM_LANGUAGES:
            dictionary = f"rcm_{SNOWBALL[language]}_stem"
            exists = execute(
                "SELECT 1 FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace "
                "WHERE n.nspname = %s AND d.dictname = %s",
                (self.schema, dictionary),
            ).fetchone()
            if not exists:
                # No StopWords option: every word is indexed, so phrases stay exact.
                execute(
                    sql.SQL(
                        "CREATE TEXT SEARCH DICTIONARY {} (TEMPLATE = pg_catalog.snowball, Language = {})"
                    ).format(self._name(dictionary), sql.SQL(SNOWBALL[language]))
                )
            exists = execute(
                "SELECT 1 FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace "
                "WHERE n.nspname = %s AND c.cfgname = %s",
                (self.schema, CONFIG[language]),
            ).fetchone()
            if not exists:
                config = self._name(CONFIG[language])
                execute(
                    sql.SQL('CREATE TEXT SEARCH CONFIGURATION {} (PARSER = pg_catalog."default")').format(
                        config
                    )
                )
                execute(
                    sql.SQL("ALTER TEXT SEARCH CONFIGURATION {} ADD MAPPING FOR {} WITH {}, {}").format(
                        config,
                        sql.SQL(", ").join(map(sql.SQL, WORD_TOKEN_TYPES)),
                        sql.Identifier(unaccent_schema, "unaccent"),
                        self._name(dictionary),
                    )
                )
                execute(
                    sql.SQL(
                        "ALTER TEXT SEARCH CONFIGURATION {} ADD MAPPING FOR {} WITH pg_catalog.simple"
                    ).format(config, sql.SQL(", ").join(map(sql.SQL, NUMBER_TOKEN_TYPES)))
                )
        # A text's word pairs from its tsvector: each lexeme with the one at the next
        # position (positions stop at 16383, where PostgreSQL piles up the rest).
        execute(
            sql.SQL("""
            CREATE OR REPLACE FUNCTION {word_pairs}(words tsvector) RETURNS tsvector
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 100000 AS $$
                WITH t AS (SELECT lexeme, unnest(positions) AS p FROM unnest(words)),
                pairs AS (SELECT a.lexeme || ' ' || b.lexeme AS pair, min(a.p) AS first
                          FROM t AS a JOIN t AS b ON b.p = a.p + 1 AND b.p < 16383 GROUP BY 1),
                kept AS (SELECT pair, sum(octet_length(pair) + 8) OVER (ORDER BY first, pair) AS used
                         FROM pairs)
                SELECT coalesce(array_to_tsvector(array_agg(pair)), ''::tsvector)
                FROM kept WHERE used <= {limit}
            $$""").format(word_pairs=self._name("word_pairs"), limit=sql.Literal(MAX_PAIR_BYTES))
        )
        execute(
            sql.SQL("""
            CREATE TABLE IF NOT EXISTS {documents} (
                id bigint PRIMARY KEY,
                visibility text NOT NULL,
                organization_id bigint,
                doc_type text NOT NULL,
                language text NOT NULL,
                year integer NOT NULL,
                published bigint NOT NULL,
                tags text[] NOT NULL,
                countries text[] NOT NULL,
                fingerprint text NOT NULL,
                title text NOT NULL,
                summary text NOT NULL,
                stored_text text NOT NULL,
                listing text NOT NULL,
                head tsvector NOT NULL,
                tsv_en tsvector NOT NULL,
                tsv_es tsvector NOT NULL,
                phrases text[] NOT NULL,
                spell text[] NOT NULL
            ) PARTITION BY HASH (id)""").format(documents=self._name("documents"))
        )
        for remainder, partition in enumerate(PARTITIONS):
            execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} PARTITION OF {} "
                    "FOR VALUES WITH (MODULUS {}, REMAINDER {}) WITH (toast_tuple_target = 128)"
                ).format(
                    self._name(partition),
                    self._name("documents"),
                    sql.Literal(DOCUMENT_PARTITIONS),
                    sql.Literal(remainder),
                )
            )
        # A search reads every match's row for its facets, its access and its title/summary
        # rank, and only a page of rows for the rest: those columns stay in the row
        # (``MAIN``), and everything else moves out of it as soon as the row passes 128
        # bytes (the partitions' ``toast_tuple_target``). The rows a search scans are then
        # about a kilobyte rather than 1.5, and the texts are read for the 20 documents
        # shown. Set on the table, these reach every partition.
        # The text columns keep no statistics: from the most common lexemes the planner
        # learns that a common word is in half the documents, and then answers
        # "migrantes trabajadores" from the index of one word and tests the other on each
        # row found, reading the row's tsvectors out of TOAST (0.9 s instead of 0.3 at
        # 100,000). Without them it takes each word for a few matches and intersects the
        # two indexes' answers, which is right whatever the words.
        execute(
            sql.SQL("ALTER TABLE {} {}").format(
                self._name("documents"),
                sql.SQL(", ").join(
                    [
                        *(
                            sql.SQL("ALTER COLUMN {} SET STORAGE MAIN").format(sql.Identifier(column))
                            for column in SCANNED_COLUMNS
                        ),
                        *(
                            sql.SQL("ALTER COLUMN {} SET STATISTICS 0").format(sql.Identifier(column))
                            for column in TEXT_COLUMNS
                        ),
                    ]
                ),
            )
        )
        self._create_text_indexes(connection)
        for column in LIST_FACET_NAMES:
            self._create_index(
                connection, f"documents_{column}_idx", sql.SQL("gin ({})").format(sql.Identifier(column))
            )
        self._create_index(connection, "documents_published_idx", sql.SQL("btree (published DESC, id DESC)"))
        self._create_known_phrases(connection)
        execute(
            sql.SQL(
                'CREATE TABLE IF NOT EXISTS {} (word text COLLATE "C" PRIMARY KEY, '
                "documents integer NOT NULL)"
            ).format(self._name("vocabulary"))
        )
        execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (singleton boolean PRIMARY KEY DEFAULT true "
                "CHECK (singleton), schema_version integer NOT NULL, "
                "last_applied_log_id bigint NOT NULL DEFAULT 0)"
            ).format(self._name("state"))
        )
        execute(
            sql.SQL("INSERT INTO {} (schema_version) VALUES (%s) ON CONFLICT DO NOTHING").format(
                self._name("state")
            ),
            (SCHEMA_VERSION,),
        )
        self.text_index = self._text_index_method(connection)

    def _create_known_phrases(self, connection) -> None:
        """The sequences of lexemes each document lists as it is indexed (``phrases``): the
        thesaurus's phrases of ``MIN_KNOWN_PHRASE_LEXEMES`` or more, under the stemmings
        a search matches them in (``Phrase.languages``).

        The word pairs' index finds the documents holding every pair of such a phrase,
        but only the positions in each one's tsvector tell whether the pairs follow
        each other, and reading them is most of a search's time when the words are
        common ("trata de personas": 14,500 candidates at 100,000 documents, 300 ms);
        the thesaurus puts its phrases beside the searches of their words, so they are
        the sequences searched most. The list is made with ``@@`` on the same tsvector,
        so what it finds is what positions find. Searches read which sequences are known
        from this table, not from the thesaurus in use, so an index stays right for a
        changed thesaurus (its new phrases are matched by positions until a rebuild).
        """
        execute = connection.execute
        execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (phrase text PRIMARY KEY, language text NOT NULL, "
                "query tsquery NOT NULL)"
            ).format(self._name("known_phrases"))
        )
        terms = {t.words for group in self.thesaurus.groups for t in group if len(t.words) > 1}
        lexemes = self._lexemes(connection, {w for words in terms for w in words})
        rows = {}
        for words in terms:
            for language in Phrase(words).languages:
                sequence = tuple(x for w in words for x in lexemes[(language, w)])
                if len(sequence) >= MIN_KNOWN_PHRASE_LEXEMES:
                    rows[known_phrase_key(language, sequence)] = (language, _side_by_side(sequence))
        with connection.cursor() as cursor:
            cursor.executemany(
                sql.SQL(
                    "INSERT INTO {} (phrase, language, query) VALUES (%s, %s, %s::tsquery) "
                    "ON CONFLICT DO NOTHING"
                ).format(self._name("known_phrases")),
                [(key, *row) for key, row in sorted(rows.items())],
            )
        execute(
            sql.SQL("""
            CREATE OR REPLACE FUNCTION {function}(en tsvector, es tsvector) RETURNS text[]
            LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
                SELECT coalesce(array_agg(k.phrase ORDER BY k.phrase), '{{}}') FROM {known} k
                WHERE CASE k.language WHEN 'en' THEN en @@ k.query ELSE es @@ k.query END
            $$""").format(function=self._name("known_phrases_of"), known=self._name("known_phrases"))
        )
        self._create_index(connection, PHRASES_INDEX, sql.SQL("gin (phrases)"))

    def _load_known_phrases(self, connection) -> None:
        rows = connection.execute(sql.SQL("SELECT phrase FROM {}").format(self._name("known_phrases")))
        self.known_phrases = frozenset(row[0] for row in rows)

    def _create_text_indexes(self, connection) -> None:
        rum = self._rum_opclass(connection) if self._text_index_method(connection) is None else None
        for column in TEXT_COLUMNS:
            method = (
                sql.SQL("rum ({} {})").format(sql.Identifier(column), rum)
                if rum is not None
                else sql.SQL("gin ({})").format(sql.Identifier(column))
            )
            self._create_index(connection, TEXT_INDEXES[column], method)
            if rum is not None:
                continue  # RUM keeps the positions: no pairs (``_Builder._any_sequence``)
            # The pairs are kept in the index alone (a column of them would add 1.3 GB at
            # 100,000 documents that no search reads).
            # No statistics: ANALYZE would compute the pairs of every row it samples.
            self._create_index(
                connection,
                PAIR_INDEXES[column],
                sql.SQL("gin (({}({})))").format(self._name("word_pairs"), sql.Identifier(column)),
            )
            # Set on the table's index, this reaches its partitions' indexes.
            connection.execute(
                sql.SQL("ALTER INDEX {} ALTER COLUMN 1 SET STATISTICS 0").format(
                    self._name(PAIR_INDEXES[column])
                )
            )

    def _create_index(self, connection, name: str, definition: sql.Composable) -> None:
        """The index ``name`` (``documents_…``) of the documents: one index per partition,
        named after it (``documents_0_…``, see ``partition_index_name``), so that a plan
        says which index it reads (``CREATE INDEX`` on the table would name them after
        their columns, "documents_0_word_pairs_idx1")."""
        connection.execute(
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON ONLY {} USING {}").format(
                sql.Identifier(name), self._name("documents"), definition
            )
        )
        for partition in PARTITIONS:
            partition_index = partition_index_name(name, partition)
            connection.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING {}").format(
                    sql.Identifier(partition_index), self._name(partition), definition
                )
            )
            connection.execute(
                sql.SQL("ALTER INDEX {} ATTACH PARTITION {}").format(
                    self._name(name), self._name(partition_index)
                )
            )

    @contextmanager
    def bulk_load(self):
        """A rebuild fills the table first and indexes its text once at the end: a RUM
        index grows slowly row by row (30 minutes for 100,000 documents), and is
        built whole in about a minute. Meanwhile searches read the table itself, and a
        process that opens the index sees it unfinished (``IndexCorrupt``)."""
        with self._db() as connection, connection.transaction():
            self._take_write_lock(connection)
            for index in [*TEXT_INDEXES.values(), *PAIR_INDEXES.values()]:
                connection.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(self._name(index)))
        self.text_index = None
        yield
        with self._db() as connection, connection.transaction():
            self._take_write_lock(connection)
            connection.execute("SET LOCAL maintenance_work_mem = '256MB'")
            self._create_text_indexes(connection)
            # The planner's statistics of the new rows at once, not when autovacuum comes.
            connection.execute(sql.SQL("ANALYZE {}").format(self._name("documents")))
            self.text_index = self._text_index_method(connection)

    def clear(self) -> None:
        with self._db(ensure=False) as connection:
            with connection.transaction():
                self._take_write_lock(connection)
                for table in ("documents", "vocabulary", "known_phrases", "state"):
                    connection.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(self._name(table)))
            self._ready = False
            create, self.create = self.create, True
            try:
                self._ensure(connection)
            finally:
                self.create = create

    # -- bookkeeping -------------------------------------------------------------------

    def last_applied_log_id(self) -> int:
        with self._db() as connection:
            row = connection.execute(
                sql.SQL("SELECT last_applied_log_id FROM {}").format(self._name("state"))
            ).fetchone()
            return int(row[0]) if row else 0

    def _forget_log_id(self) -> None:
        self._remember_log_id(0)

    def _remember_log_id(self, log_id: int | None) -> None:
        if log_id is None:
            return
        with self._db() as connection:
            connection.execute(
                sql.SQL("UPDATE {} SET last_applied_log_id = %s").format(self._name("state")), (int(log_id),)
            )

    # -- writing -----------------------------------------------------------------------

    def _take_write_lock(self, connection) -> None:
        key = lock_key(self.write_lock_name)
        deadline = time.monotonic() + self.write_timeout
        while not connection.execute("SELECT pg_try_advisory_xact_lock(%s)", (key,)).fetchone()[0]:
            if time.monotonic() >= deadline:
                raise SearchUnavailable("another process is writing to the search index")
            time.sleep(0.05)

    def _commit(
        self, documents: list[PreparedDocument], delete_ids: set[int], through_log_id: int | None
    ) -> None:
        # The batch and the log position it reaches commit together.
        with self._db() as connection, connection.transaction():
            self._take_write_lock(connection)
            replaced = sorted(delete_ids | {d["id"] for d in documents})
            if replaced:
                self._remove(connection, replaced)
            if documents:
                self._insert(connection, documents)
            if through_log_id is not None:
                connection.execute(
                    sql.SQL("UPDATE {} SET last_applied_log_id = %s").format(self._name("state")),
                    (int(through_log_id),),
                )

    def _remove(self, connection, ids: list[int]) -> None:
        connection.execute(
            sql.SQL("""
            UPDATE {vocabulary} v SET documents = v.documents - old.n
            FROM (SELECT w, count(*) AS n FROM {documents} d, unnest(d.spell) AS w
                  WHERE d.id = ANY(%s) GROUP BY w) AS old
            WHERE v.word = old.w""").format(
                vocabulary=self._name("vocabulary"), documents=self._name("documents")
            ),
            (ids,),
        )
        connection.execute(
            sql.SQL("DELETE FROM {} WHERE id = ANY(%s)").format(self._name("documents")), (ids,)
        )

    def _insert(self, connection, documents: list[PreparedDocument]) -> None:
        def vector(language: str, parameter: str, weight: str) -> sql.Composable:
            return sql.SQL("setweight(to_tsvector({}::regconfig, {}), {})").format(
                sql.Literal(self._config(language)), sql.Placeholder(parameter), sql.Literal(weight)
            )

        per_language = {
            language: sql.SQL(" || ").join(
                [
                    vector(language, "title", "A"),
                    vector(language, "summary", "B"),
                    vector(language, "body", "C"),
                    vector(language, "names", "D"),
                ]
            )
            for language in STEM_LANGUAGES
        }
        head = sql.SQL(" || ").join(
            vector(language, part, weight)
            for language in STEM_LANGUAGES
            for part, weight in (("title", "A"), ("summary", "B"))
        )
        # Each text's tsvector is made once, then read for the known phrases it holds.
        statement = sql.SQL("""
            INSERT INTO {documents} (id, visibility, organization_id, doc_type, language, year, published,
                                     tags, countries, fingerprint, title, summary, stored_text, listing,
                                     head, tsv_en, tsv_es, phrases, spell)
            SELECT %(id)s::bigint, %(visibility)s::text, %(organization_id)s::bigint, %(doc_type)s::text,
                   %(language)s::text, %(year)s::integer, %(published)s::bigint, %(tags)s::text[],
                   %(countries)s::text[], %(fingerprint)s::text, %(raw_title)s::text,
                   %(raw_summary)s::text, %(stored_text)s::text, %(listing)s::text, {head},
                   v.en, v.es, {known_phrases_of}(v.en, v.es), %(spell)s::text[]
            FROM (SELECT {en} AS en, {es} AS es) AS v""").format(
            documents=self._name("documents"),
            head=head,
            en=per_language["en"],
            es=per_language["es"],
            known_phrases_of=self._name("known_phrases_of"),
        )
        rows = []
        for doc in documents:
            rows.append(
                {
                    "id": doc["id"],
                    "visibility": doc["visibility"],
                    "organization_id": doc["organization_id"],
                    "doc_type": doc["doc_type"],
                    "language": doc["language"],
                    "year": doc["year"],
                    "published": doc["published"],
                    "tags": doc["tags"],
                    "countries": doc["countries"],
                    "fingerprint": doc["fingerprint"],
                    "raw_title": doc["title"],
                    "raw_summary": doc["summary"],
                    "stored_text": doc["stored_text"],
                    "listing": doc["listing"],
                    **dict(
                        zip(
                            ("title", "summary", "names", "body"),
                            indexed_words(
                                doc["title"],
                                doc["summary"],
                                doc["names"],
                                doc["body"] + "\n" + doc["attachments_text"],
                            ),
                            strict=True,
                        )
                    ),
                    # Lowercased like the other engines' spelling fields, accents kept.
                    "spell": sorted(
                        {w.lower() for w in doc["vocabulary"].split() if len(w) <= MAX_TOKEN_CHARS}
                    ),
                }
            )
        with connection.cursor() as cursor:
            cursor.executemany(statement, rows)
        connection.execute(
            sql.SQL("""
            INSERT INTO {vocabulary} (word, documents)
            SELECT w, count(*) FROM {documents} d, unnest(d.spell) AS w
            WHERE d.id = ANY(%s) GROUP BY w
            ON CONFLICT (word)
            DO UPDATE SET documents = {vocabulary}.documents + EXCLUDED.documents""").format(
                vocabulary=self._name("vocabulary"), documents=self._name("documents")
            ),
            ([d["id"] for d in documents],),
        )

    # -- queries -----------------------------------------------------------------------

    def _lexemes(self, connection, words: set[str]) -> dict[tuple[str, str], tuple[str, ...]]:
        """How each configuration analyzes each word (cached: the analysis never changes)."""
        missing = sorted(w for w in words if ("en", w) not in self._lexeme_cache)
        if missing:
            if len(self._lexeme_cache) > 100_000:
                self._lexeme_cache.clear()
            rows = connection.execute(
                sql.SQL("""
                SELECT w,
                       ARRAY(SELECT lexeme FROM unnest(to_tsvector({en}::regconfig, w))
                             ORDER BY positions[1]),
                       ARRAY(SELECT lexeme FROM unnest(to_tsvector({es}::regconfig, w))
                             ORDER BY positions[1])
                FROM unnest(%s::text[]) AS w""").format(
                    en=sql.Literal(self._config("en")), es=sql.Literal(self._config("es"))
                ),
                (missing,),
            )
            for word, english, spanish in rows:
                self._lexeme_cache[("en", word)] = tuple(english)
                self._lexeme_cache[("es", word)] = tuple(spanish)
        return self._lexeme_cache

    def _restrictions(self, query: SearchQuery) -> list[sql.Composable]:
        parts = []
        access = access_predicate(query.access)
        if access is not None:
            parts.append(access)
        if query.tags:
            parts.append(sql.SQL("d.tags @> {}::text[]").format(sql.Literal(list(query.tags))))
        if query.countries:
            parts.append(
                sql.SQL("d.countries @> {}::text[]").format(sql.Literal([c.upper() for c in query.countries]))
            )
        for column, value in (("doc_type", query.doc_type), ("language", query.language)):
            if value:
                parts.append(sql.SQL("d.{} = {}").format(sql.Identifier(column), sql.Literal(str(value))))
        if query.year is not None:
            parts.append(sql.SQL("d.year = {}").format(sql.Literal(int(query.year))))
        if query.organization_id is not None:
            parts.append(sql.SQL("d.organization_id = {}").format(sql.Literal(int(query.organization_id))))
        return parts

    @contextmanager
    def _text_plan(self, connection, plan: QueryPlan | None = None):
        """The statements of a text search (``plan``, or related documents: None),
        planned to read the text indexes.

        The planner counts ``@@`` as one operator call where it is a read of the row's
        tsvector out of TOAST: were it to scan the table for a search with many
        alternatives of common words, it would read every row's tsvectors (1.5 s instead
        of 0.3 s for a word in half the documents at 100,000). A search that has words
        reads their index (the text columns keep no statistics for the same reason, see
        ``_create``); one without words (filters alone) may scan the table.

        Every search lets a parallel worker share its matches (``PARALLEL_PLAN_SETTINGS``).

        Each statement may take what is left of the search's time (``time_left``):
        PostgreSQL cancels it past that, and the search ends with ``SearchTooSlow``.
        """
        settings: dict[str, sql.Composable] = {
            name: sql.Literal(value) for name, value in PARALLEL_PLAN_SETTINGS.items()
        }
        # at most SEARCH_WORKERS, and none where the server allows none
        settings["max_parallel_workers_per_gather"] = sql.SQL(
            "least(current_setting('max_parallel_workers_per_gather')::int, {})::text"
        ).format(sql.Literal(SEARCH_WORKERS))
        if plan is None or not plan.is_empty:
            settings["enable_seqscan"] = sql.Literal("off")
        left = self.time_left()
        if left is not None:
            settings["statement_timeout"] = sql.Literal(str(math.ceil(left * 1000)))
        with connection.transaction():
            # One round trip; ``set_config(…, true)`` is ``SET LOCAL``.
            connection.execute(
                sql.SQL("SELECT {}").format(
                    sql.SQL(", ").join(
                        sql.SQL("set_config({}, {}, true)").format(sql.Literal(name), value)
                        for name, value in settings.items()
                    )
                )
            )
            yield

    def _compile(self, connection, plan: QueryPlan, query: SearchQuery):
        """(WHERE over ``d``, rank expression or None, head tsquery text) or None."""
        lexemes = self._lexemes(connection, _plan_words(plan))
        positive, excluded, satisfiable = compile_plan(
            plan,
            _Builder(
                lexemes,
                self._weights,
                self._name("documents"),
                self._name("word_pairs") if self.text_index != "rum" else None,
                self.known_phrases,
            ),
        )
        if not satisfiable:
            return None
        parts = [positive.where] if positive is not None else []
        parts += self._restrictions(query)
        if excluded:
            parts.append(
                sql.SQL("d.id NOT IN (SELECT d.id FROM {} d WHERE {})").format(
                    self._name("documents"), sql.SQL(" OR ").join(n.where for n in excluded)
                )
            )
        where = sql.SQL(" AND ").join(parts) if parts else sql.SQL("TRUE")
        head = " | ".join(f"({q})" for q in positive.head) if positive is not None else None
        return where, (positive.rank if positive is not None else None), head

    def _execute(self, plan, query, by_relevance):
        with self._db() as connection, self._text_plan(connection, plan):
            compiled = self._compile(connection, plan, query)
            if compiled is None:
                return [], 0, empty_facets()
            where, rank, head = compiled
            offset = (query.page - 1) * query.per_page
            documents = self._name("documents")
            by_relevance = by_relevance and rank is not None
            proxy = (
                sql.SQL("ts_rank({}, d.head, {}::tsquery)").format(self._weights, sql.Literal(head))
                if by_relevance
                else sql.SQL("0::float4")
            )
            if by_relevance:
                # Full-text ranking reads each tsvector out of TOAST: only the candidates
                # with the best title/summary rank pay for it.
                tail = (
                    sql.SQL("""
                    UNION ALL SELECT m.id, m.published, 1, m.proxy, 0::float8 FROM m
                    WHERE m.id NOT IN (SELECT id FROM c)""")
                    if offset + query.per_page > RANK_CANDIDATES
                    else sql.SQL("")
                )
                ordered = sql.SQL("""
                    c AS (SELECT id, published FROM m ORDER BY proxy DESC, published DESC, id
                          LIMIT {candidates}),
                    ordered AS (
                        SELECT d.id, d.published, 0 AS tier,
                               {rank}::float8 AS sort_key, {rank}::float8 AS score
                        FROM (SELECT c.id, c.published, t.tsv_en || ''::tsvector AS tsv_en,
                                     t.tsv_es || ''::tsvector AS tsv_es
                              FROM c JOIN {documents} t ON t.id = c.id OFFSET 0) AS d
                        {tail})""").format(
                    candidates=sql.Literal(RANK_CANDIDATES), rank=rank, documents=documents, tail=tail
                )
                order = sql.SQL("tier, sort_key DESC, published DESC, id")
            else:
                ordered = sql.SQL(
                    "ordered AS (SELECT id, published, 0 AS tier, 0::float8 AS sort_key, "
                    "0::float8 AS score FROM m)"
                )
                order = sql.SQL("published DESC, id DESC")
            facet_columns, facet_ctes, facets = _facet_counts(
                with_lists=not set(LIST_FACET_NAMES).isdisjoint(query.facets)
            )
            statement = sql.SQL("""
                WITH m AS MATERIALIZED (
                    SELECT d.id, d.published, {facet_columns}, {proxy} AS proxy
                    FROM {documents} d WHERE {where}),
                {ordered},
                page AS (SELECT id, score, row_number() OVER (ORDER BY {order}) AS position
                         FROM ordered ORDER BY {order} LIMIT {limit} OFFSET {offset}),
                {facet_ctes}
                SELECT 'hit', p.id::text, p.position, p.score, t.title, t.summary, t.stored_text, t.listing
                FROM page p JOIN {documents} t ON t.id = p.id
                UNION ALL {facets}""").format(
                proxy=proxy,
                documents=documents,
                where=where,
                ordered=ordered,
                order=order,
                limit=sql.Literal(query.per_page),
                offset=sql.Literal(offset),
                facet_columns=facet_columns,
                facet_ctes=facet_ctes,
                facets=facets,
            )
            hits, total, counts = [], 0, empty_facets()
            for kind, key, number, score, title, summary, stored_text, listing in connection.execute(
                statement
            ):
                if kind == "hit":
                    hits.append(
                        (
                            number,
                            {
                                "id": int(key),
                                "score": float(score) if by_relevance else 0.0,
                                "title": title,
                                "summary": summary,
                                "stored_text": stored_text,
                                "listing": listing,
                            },
                        )
                    )
                elif kind == "total":
                    total = int(number)
                else:
                    counts[kind][key] = int(number)
            return [row for _position, row in sorted(hits, key=lambda h: h[0])], total, sorted_facets(counts)

    def _count(self, plan, query):
        with self._db() as connection, self._text_plan(connection, plan):
            compiled = self._compile(connection, plan, query)
            if compiled is None:
                return 0
            return connection.execute(
                sql.SQL("SELECT count(*) FROM {} d WHERE {}").format(self._name("documents"), compiled[0])
            ).fetchone()[0]

    def _among(self, plan, query, ids):
        with self._db() as connection, self._text_plan(connection, plan):
            compiled = self._compile(connection, plan, SearchQuery(access=query.access))
            if compiled is None or not ids:
                return set()
            return {
                row[0]
                for row in connection.execute(
                    sql.SQL("SELECT d.id FROM {} d WHERE {} AND d.id = ANY(%s)").format(
                        self._name("documents"), compiled[0]
                    ),
                    ([int(i) for i in ids],),
                )
            }

    def _spelled(self, term, access):
        with self._db() as connection:
            visible = access_predicate(access)
            return connection.execute(
                sql.SQL("SELECT EXISTS (SELECT 1 FROM {} d WHERE d.spell @> ARRAY[%s]::text[]{})").format(
                    self._name("documents"),
                    sql.SQL(" AND {}").format(visible) if visible is not None else sql.SQL(""),
                ),
                (term,),
            ).fetchone()[0]

    def _spelling_candidates(self, word, access):
        with self._db() as connection:
            prefix = word[:1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            return connection.execute(
                sql.SQL(
                    "SELECT word, documents FROM {} WHERE word LIKE %s AND length(word) BETWEEN %s AND %s "
                    "AND documents > 0"
                ).format(self._name("vocabulary")),
                (prefix, len(word) - 2, len(word) + 2),
            ).fetchall()

    def _stored(self, document_id):
        with self._db() as connection:
            row = connection.execute(
                sql.SQL(
                    "SELECT title, summary, stored_text, visibility, organization_id FROM {} WHERE id = %s"
                ).format(self._name("documents")),
                (document_id,),
            ).fetchone()
        if row is None:
            return None
        return {
            "title": row[0],
            "summary": row[1],
            "stored_text": row[2],
            "visibility": row[3],
            "organization_id": row[4],
        }

    def _similar(self, texts, access, limit, exclude_id):
        text = words_for_index("\n".join((texts["title"], texts["summary"], texts["stored_text"])))
        if not text or limit < 1:
            return []
        documents = self._name("documents")
        with self._db() as connection, self._text_plan(connection):
            total = connection.execute(sql.SQL("SELECT count(*) FROM {}").format(documents)).fetchone()[0]
            if total == 0:
                return []
            queries = {}
            for language in STEM_LANGUAGES:
                column = sql.Identifier(f"tsv_{language}")
                tokens = [
                    lexeme
                    for lexeme, count in connection.execute(
                        sql.SQL(
                            "SELECT lexeme, coalesce(array_length(positions, 1), 1) "
                            "FROM unnest(to_tsvector({}::regconfig, %s))"
                        ).format(sql.Literal(self._config(language))),
                        (text,),
                    )
                    for _ in range(count)
                ]
                candidates = [term for term, _n in key_term_candidates(tokens, RELATED_TERM_CANDIDATES)]
                if not candidates:
                    continue
                frequencies = dict(
                    connection.execute(
                        sql.SQL("""
                    SELECT u.term, (SELECT count(*) FROM (SELECT 1 FROM {documents} d WHERE d.{column} @@ u.q
                                                           LIMIT {cap}) AS x)
                    FROM unnest(%s::text[], %s::tsquery[]) AS u(term, q)""").format(
                            documents=documents, column=column, cap=sql.Literal(DOC_FREQUENCY_CAP)
                        ),
                        (candidates, [tsquery_lexeme(t) for t in candidates]),
                    )
                )
                weighted = key_terms(tokens, lambda t, counted=frequencies: counted.get(t, 0), total)
                if weighted:
                    queries[language] = weighted
            if not queries:
                return []
            where = sql.SQL(" OR ").join(
                sql.SQL("d.{} @@ {}::tsquery").format(
                    sql.Identifier(f"tsv_{language}"),
                    sql.Literal(" | ".join(tsquery_lexeme(t) for t, _w in weighted)),
                )
                for language, weighted in queries.items()
            )
            rank = sql.SQL(" + ").join(
                sql.SQL("{} * ts_rank({}, d.{}, {}::tsquery)").format(
                    sql.Literal(weight),
                    self._weights,
                    sql.Identifier(f"tsv_{language}"),
                    sql.Literal(tsquery_lexeme(term)),
                )
                for language, weighted in queries.items()
                for term, weight in weighted
            )
            head = " | ".join(tsquery_lexeme(t) for weighted in queries.values() for t, _w in weighted)
            restrictions = [sql.SQL("({})").format(where)]
            access_part = access_predicate(access)
            if access_part is not None:
                restrictions.append(access_part)
            if exclude_id is not None:
                restrictions.append(sql.SQL("d.id <> {}").format(sql.Literal(int(exclude_id))))
            statement = sql.SQL("""
                WITH c AS (SELECT d.id, d.published FROM {documents} d WHERE {where}
                           ORDER BY ts_rank({weights}, d.head, {head}::tsquery) DESC, d.published DESC, d.id
                           LIMIT {candidates})
                SELECT d.id FROM (SELECT c.id, c.published, t.tsv_en || ''::tsvector AS tsv_en,
                                         t.tsv_es || ''::tsvector AS tsv_es
                                  FROM c JOIN {documents} t ON t.id = c.id OFFSET 0) AS d
                ORDER BY {rank} DESC, d.published DESC, d.id LIMIT {limit}""").format(
                documents=documents,
                where=sql.SQL(" AND ").join(restrictions),
                weights=self._weights,
                head=sql.Literal(head),
                candidates=sql.Literal(RANK_CANDIDATES),
                rank=rank,
                limit=sql.Literal(limit),
            )
            return [row[0] for row in connection.execute(statement)]

    # -- listing -----------------------------------------------------------------------

    def ids(self) -> set[int]:
        with self._db() as connection:
            return {
                row[0]
                for row in connection.execute(sql.SQL("SELECT id FROM {}").format(self._name("documents")))
            }

    def count(self) -> int:
        with self._db() as connection:
            return connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(self._name("documents"))
            ).fetchone()[0]

    def fingerprints(self) -> dict[int, str]:
        with self._db() as connection:
            return dict(
                connection.execute(
                    sql.SQL("SELECT id, fingerprint FROM {}").format(self._name("documents"))
                ).fetchall()
            )


def access_predicate(access: AccessFilter) -> sql.Composable | None:
    """The caller's rights as an SQL predicate over ``d``, applied before anything is counted."""
    if access.everything:
        return None
    parts = []
    if access.visibilities:
        parts.append(
            sql.SQL("d.visibility = ANY({}::text[])").format(sql.Literal(sorted(access.visibilities)))
        )
    if access.organization_id is not None:
        parts.append(sql.SQL("d.organization_id = {}").format(sql.Literal(int(access.organization_id))))
    return sql.SQL("({})").format(sql.SQL(" OR ").join(parts)) if parts else sql.SQL("FALSE")


@contextmanager
def hold_write_lock(dsn: str, schema: str = DEFAULT_SCHEMA):
    """Keep the index's writer lock from another session (for tests of a second writer)."""
    with psycopg.connect(dsn) as connection:
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(f"rcm_search:{schema}:write"),))
        try:
            yield
        finally:
            connection.rollback()
