"""Behaviour every backend shares: batching, bookkeeping, search orchestration.

A backend subclasses ``BaseEngine`` and supplies the index-specific hooks (write a
batch, run a compiled query, count, list candidate words, find similar texts).
Parsing, thesaurus expansion, highlighting and the suggestion rules live here
once, so the backends cannot drift apart on what a query means or who sees what.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import shutil
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .analysis import WORD_RE, fold, is_stop_word, word_keys
from .contract import (
    FACET_NAMES,
    AccessFilter,
    SearchHit,
    SearchQuery,
    SearchResult,
    SearchTooSlow,
    SettingsError,
)
from .highlight import Highlighter
from .query_syntax import Phrase, QueryBuilder, QueryPlan, Word, group_label, parse, replace_words
from .suggest import rank_corrections
from .thesaurus import Thesaurus

STATE_FILE = "rcm_search_state.json"
# Stored text used for highlights and "related": enough for the useful parts of a
# report, bounded so that huge attachments do not bloat the index.
MAX_STORED_BODY_CHARS = 20_000
MAX_STORED_ATTACHMENT_CHARS = 5_000
MAX_INDEXED_CHARS = 1_000_000
# The names a document is filed under (its tags, countries and organization, in
# every language, and acronyms) are words it can be found by; a match there weighs
# this much, below a match in the document's own text (body 1).
NAMES_WEIGHT = 0.25
MAX_NAMES_CHARS = 5_000
# The text fields the whoosh and tantivy engines index (each once per stemming
# language), and how much a match in them weighs: a word in the title says more
# than the same word in the body.
TEXT_FIELDS = {"title": 3.0, "summary": 1.5, "body": 1.0, "names": NAMES_WEIGHT}
# The longest a search (or a page's related documents) may take, in seconds: past it
# the engine gives up with ``SearchTooSlow`` rather than hold a worker that others wait
# for (thirty common words took postgres seven seconds at 100,000 documents).
SEARCH_TIME_LIMIT = 5.0
# When the search running in this thread (or task) must end, if one is.
_deadline: ContextVar[float | None] = ContextVar("search_deadline", default=None)


class FieldedBuilder(QueryBuilder):
    """A query builder that searches words and phrases field by field (``TEXT_FIELDS``).
    A thesaurus equivalent is searched in the same fields as the words typed, names
    included: that is how a document tagged "Trafficking in persons" is found by
    "human trafficking" or "trata de personas"."""

    @abstractmethod
    def word(self, word: Word, fields: Mapping[str, float] = TEXT_FIELDS):
        """The query for ``word`` in any of ``fields``."""

    @abstractmethod
    def phrase(self, phrase: Phrase, fields: Mapping[str, float] = TEXT_FIELDS):
        """The query for ``phrase`` in any of ``fields``."""


class PreparedDocument(dict):
    """A document dict checked and reduced to what the indexes hold."""


def prepare(doc: dict) -> PreparedDocument:
    try:
        doc_id = int(doc["id"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"document without an integer id: {doc.get('id')!r}") from None
    visibility = doc.get("visibility")
    if not isinstance(visibility, str) or not visibility:
        raise ValueError(f"document {doc_id}: visibility must name a tier, not {visibility!r}")
    published = doc.get("published_at")
    if not isinstance(published, datetime) or published.tzinfo is None:
        raise ValueError(f"document {doc_id}: published_at must be a timezone-aware datetime")
    published = published.astimezone(UTC)
    body = (doc.get("body") or "")[:MAX_INDEXED_CHARS]
    attachments = (doc.get("attachments_text") or "")[:MAX_INDEXED_CHARS]
    organization_id = doc.get("organization_id")
    names = doc.get("names") or ""
    if not isinstance(names, str):
        names = "\n".join(str(n) for n in names)
    return PreparedDocument(
        id=doc_id,
        title=doc.get("title") or "",
        summary=doc.get("summary") or "",
        body=body,
        attachments_text=attachments,
        names=names[:MAX_NAMES_CHARS],
        stored_text=_stored_text(body, attachments),
        language=doc.get("language") or "",
        doc_type=doc.get("doc_type") or "",
        tags=sorted({str(t) for t in doc.get("tags") or ()}),
        countries=sorted({str(c).upper() for c in doc.get("countries") or ()}),
        organization_id=int(organization_id) if organization_id is not None else None,
        visibility=visibility,
        published=int(published.timestamp()),
        year=published.year,
        fingerprint=str(doc.get("fingerprint") or ""),
        listing=str(doc.get("listing") or ""),
        # Each distinct word once: "did you mean" needs which words exist, not how often.
        vocabulary=" ".join(
            dict.fromkeys(
                WORD_RE.findall("\n".join((doc.get("title") or "", doc.get("summary") or "", body)))
            )
        ),
    )


def _stored_text(body: str, attachments: str) -> str:
    text = body[:MAX_STORED_BODY_CHARS]
    if attachments:
        text += "\n\n" + attachments[:MAX_STORED_ATTACHMENT_CHARS]
    return text


def may_see(access: AccessFilter, visibility: str, organization_id: int | None) -> bool:
    """The access rule, for a single stored document (engines filter in the query)."""
    return (
        access.everything
        or visibility in access.visibilities
        or (access.organization_id is not None and organization_id == access.organization_id)
    )


class BaseEngine(ABC):
    """Shared orchestration; subclasses implement the abstract ``_`` hooks."""

    def __init__(self, thesaurus_path: str | os.PathLike | None = None):
        self.thesaurus = Thesaurus.load(thesaurus_path)

    def apply(
        self, upserts: Iterable[dict], deletes: Iterable[int], through_log_id: int | None = None
    ) -> None:
        """Index ``upserts`` and remove ``deletes`` in one commit.

        Idempotent. An id both upserted and deleted in the same batch is deleted:
        when in doubt, a document leaves the index rather than lingering.
        """
        delete_ids = {int(i) for i in deletes}
        documents: dict[int, PreparedDocument] = {}
        for doc in upserts:
            prepared = prepare(doc)
            documents[prepared["id"]] = prepared
        for doc_id in delete_ids:
            documents.pop(doc_id, None)
        self._commit(list(documents.values()), delete_ids, through_log_id)

    @abstractmethod
    def _commit(
        self, documents: list[PreparedDocument], delete_ids: set[int], through_log_id: int | None
    ) -> None:
        """Write the batch and remember the log position it reaches (an engine with
        transactions does both at once)."""

    @abstractmethod
    def _remember_log_id(self, log_id: int | None) -> None:
        """Remember the last applied search-log id."""

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Around the batches that refill an index after ``clear`` (a rebuild): an engine
        may put off until the end work that is cheaper done once for everything."""
        yield

    @contextmanager
    def bulk_update(self) -> Iterator[None]:
        """Around the batches of one catch-up: an engine may hold their writes back and
        commit them together when the block ends, with the log position of the last
        (an error in the block leaves them unapplied, to be applied again)."""
        yield

    # -- search ------------------------------------------------------------------

    time_limit: float = SEARCH_TIME_LIMIT

    @contextmanager
    def _timed(self) -> Iterator[None]:
        """The work inside has ``time_limit`` seconds (``time_left``)."""
        token = _deadline.set(time.monotonic() + self.time_limit)
        try:
            yield
        finally:
            _deadline.reset(token)

    @staticmethod
    def time_left() -> float | None:
        """Seconds left to the search running now (None outside one); raises
        ``SearchTooSlow`` once none are."""
        deadline = _deadline.get()
        if deadline is None:
            return None
        left = deadline - time.monotonic()
        if left <= 0:
            raise SearchTooSlow()
        return left

    def search(self, query: SearchQuery) -> SearchResult:
        with self._timed():
            return self._search(query)

    def _search(self, query: SearchQuery) -> SearchResult:
        plan = parse(query.text, self.thesaurus)
        # Checked between the steps too, for engines that cannot stop one midway.
        self.time_left()
        if query.access.sees_nothing:
            return SearchResult([], 0, query.page, query.per_page, empty_facets(), None)
        by_relevance = query.sort == "relevance" and bool(plan.groups)
        strict = self._execute(plan, query, by_relevance)
        suggestion = self._suggest(query) if strict[1] == 0 and plan.groups else None
        if suggestion is not None and query.correct:
            # No document holds every word as typed and the correction finds some: show
            # the correction's results (a misspelt word is worth more corrected than left out).
            corrected = self._graded(parse(suggestion, self.thesaurus), query)
            corrected.suggestion, corrected.corrected = suggestion, True
            return corrected
        result = self._graded(plan, query, strict)
        result.suggestion = suggestion
        return result

    def _graded(self, plan: QueryPlan, query: SearchQuery, strict=None) -> SearchResult:
        """The documents holding every word, then (when they fill less than a page)
        those holding most of them, each with the words it lacks."""
        by_relevance = query.sort == "relevance" and bool(plan.groups)
        rows, total, facets = strict if strict is not None else self._execute(plan, query, by_relevance)
        missing: dict[int, list[str]] = {}
        for tier in plan.tiers():
            if total >= query.per_page:
                break
            self.time_left()
            more, more_total, more_facets = self._page_after(tier, query, by_relevance, total)
            if more_total:
                rows = rows + more
                total += more_total
                facets = sorted_facets(_added(facets, more_facets))
                missing.update(self._missing(tier, query, [row["id"] for row in more]))
        highlight = Highlighter(plan)
        hits = [
            SearchHit(
                id=row["id"],
                score=float(row["score"]),
                highlights=highlight([row["title"], row["summary"], row["stored_text"]]),
                listing=row["listing"],
                missing=missing.get(row["id"], []),
            )
            for row in rows
        ]
        asked = {name: facets.get(name, {}) if name in query.facets else {} for name in FACET_NAMES}
        return SearchResult(hits, total, query.page, query.per_page, asked, None)

    def _page_after(self, plan: QueryPlan, query: SearchQuery, by_relevance: bool, before: int):
        """The rows of ``plan`` that fill this page after ``before`` rows of a tier
        that ranks first, with ``plan``'s total and facets."""
        size = query.per_page
        start = max(0, (query.page - 1) * size - before)
        wanted = query.page * size - before - start
        first_page = start // size + 1
        rows, total, facets = self._execute(plan, replace(query, page=first_page), by_relevance)
        skip = start - (first_page - 1) * size
        rows = rows[skip:]
        if len(rows) < wanted and skip and total > first_page * size:
            # The rows alone: the facets are those of the first call.
            rows += self._execute(plan, replace(query, page=first_page + 1, facets=()), by_relevance)[0]
        return rows[:wanted], total, facets

    def _missing(self, tier: QueryPlan, query: SearchQuery, ids: list[int]) -> dict[int, list[str]]:
        """For each of ``ids`` (found by a graded tier), the typed words it lacks."""
        if not ids:
            return {}
        missing: dict[int, list[str]] = {i: [] for i in ids}
        for group in tier.optional_groups():
            holding = self._among(QueryPlan(groups=[group]), query, ids)
            for document_id in ids:
                if document_id not in holding:
                    missing[document_id].append(group_label(group))
        return missing

    def _finds(self, plan: QueryPlan, query: SearchQuery) -> bool:
        """Whether ``plan`` finds anything under ``query``'s filters and access, all
        words or graded."""
        return any(self._count(tier, query) > 0 for tier in [plan] + plan.tiers())

    def _suggest(self, query: SearchQuery) -> str | None:
        # Corrections are checked without the thesaurus: a suggested word must itself
        # occur in a document the caller may see, not merely translate into one.
        plain = parse(query.text)
        # When the words together find visible documents without the filters, the
        # filters leave nothing, not the spelling.
        if self._count(plain, SearchQuery(access=query.access)) > 0:
            return None
        corrections: dict[str, str] = {}
        for word in plain.correctable_words():
            self.time_left()
            if is_stop_word(word):
                continue
            candidates = list(self._spelling_candidates(word, query.access))
            # A word a visible document spells so is right. One whose stem visible
            # documents hold may still be a misspelling that happens to be a stem
            # ("programm", the stem of "programme"): it is only replaced by a word of
            # another stem, so a correct inflection is never "corrected".
            if any(fold(term) == word and self._spelled(term, query.access) for term, _count in candidates):
                continue
            held = self._count(parse(word), SearchQuery(access=query.access)) > 0
            usable = [
                candidate
                for candidate in rank_corrections(word, candidates)
                if not (held and word_keys(fold(candidate)) & word_keys(word))
                and self._count(parse(candidate), query) > 0
            ]
            if not usable:
                continue
            # Of the corrections that find documents alone, the first with which the
            # query, corrected so far, finds some: "permios trabajadores" means
            # "permisos trabajadores", not "permits trabajadores", though "permits" is
            # as near and more frequent.
            corrections[word] = next(
                (
                    candidate
                    for candidate in usable
                    if self._finds(parse(replace_words(plain.text, {**corrections, word: candidate})), query)
                ),
                usable[0],
            )
        if not corrections:
            return None
        suggestion = replace_words(plain.text, corrections)
        return suggestion if self._finds(parse(suggestion), query) else None

    def related(self, document_id: int, access: AccessFilter, limit: int = 5) -> list[int]:
        stored = self._stored(int(document_id))
        # Related documents of a document the caller cannot see would describe it.
        if stored is None or not may_see(access, stored["visibility"], stored["organization_id"]):
            return []
        with self._timed():
            return self._similar(stored, access, limit, exclude_id=int(document_id))

    def similar_to_text(self, doc: dict, access: AccessFilter, limit: int = 5) -> list[int]:
        with self._timed():
            return self._similar_to_text(doc, access, limit)

    def _similar_to_text(self, doc: dict, access: AccessFilter, limit: int) -> list[int]:
        texts = {
            "title": doc.get("title") or "",
            "summary": doc.get("summary") or "",
            "stored_text": _stored_text(doc.get("body") or "", doc.get("attachments_text") or ""),
        }
        exclude = doc.get("id")
        return self._similar(texts, access, limit, exclude_id=int(exclude) if exclude is not None else None)

    # -- hooks ---------------------------------------------------------------------

    @abstractmethod
    def _execute(self, plan: QueryPlan, query: SearchQuery, by_relevance: bool):
        """Return (rows of id/score/title/summary/stored_text, total, facets)."""

    @abstractmethod
    def _count(self, plan: QueryPlan, query: SearchQuery) -> int:
        """How many documents ``plan`` finds under the filters of ``query``."""

    @abstractmethod
    def _among(self, plan: QueryPlan, query: SearchQuery, ids: list[int]) -> set[int]:
        """Which of ``ids`` ``plan`` finds under the access filter of ``query``."""

    @abstractmethod
    def _spelled(self, term: str, access: AccessFilter) -> bool:
        """Whether a document the caller may see holds ``term`` exactly (as spelt)."""

    @abstractmethod
    def _spelling_candidates(self, word: str, access: AccessFilter) -> Iterable[tuple[str, int]]:
        """Words near ``word`` with their frequency, from documents the caller may see."""

    @abstractmethod
    def _stored(self, document_id: int) -> dict | None:
        """The stored fields of one document, or None."""

    @abstractmethod
    def _similar(self, texts: dict, access: AccessFilter, limit: int, exclude_id: int | None) -> list[int]:
        """Ids of visible documents most like ``texts``."""


class DirectoryEngine(BaseEngine):
    """An engine whose index lives in files under ``index_dir``; the last applied
    log id is kept in a small JSON file beside them."""

    SETTINGS = ("INDEX_DIR",)

    def __init__(self, index_dir: str | os.PathLike, thesaurus_path: str | os.PathLike | None = None):
        super().__init__(thesaurus_path)
        self.index_dir = Path(index_dir)

    @classmethod
    def options_from(cls, settings: Mapping[str, Any], prefix: str = "") -> dict:
        index_dir = settings.get(prefix + "INDEX_DIR")
        if not index_dir:
            raise SettingsError(f"the index of this search backend lives in files: set {prefix}INDEX_DIR")
        return {"index_dir": index_dir}

    @property
    def location(self) -> str:
        return os.fspath(self.index_dir)

    @contextmanager
    def lock(self, name: str, wait: bool | float = False) -> Iterator[bool]:
        """An ``flock`` on a file beside the index: the index belongs to this host.
        Beside it, not in it: an engine treats unknown files in its folder as damage.

        ``flock`` has no timeout, so a wait of some seconds tries again every few
        milliseconds until it is over."""
        self.index_dir.parent.mkdir(parents=True, exist_ok=True)
        with open(self.index_dir.with_name(f"{self.index_dir.name}.{name}.lock"), "a+") as handle:
            if not _take_flock(handle, wait):
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def last_applied_log_id(self) -> int:
        try:
            return int(json.loads((self.index_dir / STATE_FILE).read_text())["last_applied_log_id"])
        except FileNotFoundError:
            return 0
        except (ValueError, KeyError, TypeError):
            return 0  # an unreadable note only makes the next catch-up start over

    def close(self) -> None:
        self._forget_index()

    def clear(self) -> None:
        self._forget_index()
        if self.index_dir.exists():
            shutil.rmtree(self.index_dir)
        self.index_dir.mkdir(parents=True)
        self._forget_log_id()
        self._create_empty_index()

    @abstractmethod
    def _forget_index(self) -> None:
        """Drop the open index handle (the next read opens the index anew)."""

    @abstractmethod
    def _create_empty_index(self) -> None:
        """Create an empty index in ``index_dir``."""

    def _commit(
        self, documents: list[PreparedDocument], delete_ids: set[int], through_log_id: int | None
    ) -> None:
        # Written first, remembered second: a crash in between means the entries are
        # applied again, which is harmless.
        if documents or delete_ids:
            self._write(documents, delete_ids)
        self._remember_log_id(through_log_id)

    @abstractmethod
    def _write(self, documents: list[PreparedDocument], delete_ids: set[int]) -> None:
        """Index ``documents`` and remove ``delete_ids`` in one commit."""

    def _remember_log_id(self, log_id: int | None) -> None:
        if log_id is None:
            return
        path = self.index_dir / STATE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"last_applied_log_id": int(log_id)}))
        os.replace(tmp, path)

    def _forget_log_id(self) -> None:
        (self.index_dir / STATE_FILE).unlink(missing_ok=True)


KEY_TERM_CANDIDATES = 200


def key_term_candidates(tokens: list[str], limit: int = KEY_TERM_CANDIDATES) -> list[tuple[str, int]]:
    """The terms of a text worth weighing for similarity, most frequent first."""
    return Counter(t for t in tokens if len(t) > 2 and not is_stop_word(t)).most_common(limit)


def key_terms(tokens: list[str], doc_frequency, total_docs: int, limit: int = 12) -> list[tuple[str, float]]:
    """The terms that best characterise a text: frequent in it, rare in the index.

    ``tokens`` are analyzed terms; ``doc_frequency(term)`` counts documents holding
    one. Returns up to ``limit`` (term, weight) pairs, weights normalised to 1.
    """
    scored = []
    for term, frequency in key_term_candidates(tokens):
        found = doc_frequency(term)
        if found == 0:
            continue  # a word no other document has says nothing about similarity
        idf = math.log(1 + max(total_docs, found) / found)
        scored.append((frequency * idf, term))
    scored.sort(reverse=True)
    top = scored[:limit]
    if not top:
        return []
    best = top[0][0]
    return [(term, score / best) for score, term in top]


def _added(first: dict[str, dict[str, int]], second: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Facet counts of two disjoint sets of documents, together."""
    total = {name: dict(values) for name, values in first.items()}
    for name, values in second.items():
        for key, count in values.items():
            total.setdefault(name, {})[key] = total.get(name, {}).get(key, 0) + count
    return total


def empty_facets() -> dict[str, dict[str, int]]:
    return {name: {} for name in FACET_NAMES}


def sorted_facets(facets: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Facet values by count, most frequent first, for a stable output."""
    return {
        name: dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))) for name, values in facets.items()
    }


def with_text(query: SearchQuery, text: str) -> SearchQuery:
    return replace(query, text=text)


# How often a lock waited for with a time limit is tried again.
FLOCK_RETRY_SECONDS = 0.01


def _take_flock(handle, wait: bool | float) -> bool:
    """Take an exclusive ``flock`` on ``handle``: True once taken, False when another
    holds it past ``wait`` (False: no wait; True: as long as it takes; else seconds)."""
    if wait is True:
        fcntl.flock(handle, fcntl.LOCK_EX)
        return True
    deadline = time.monotonic() + float(wait or 0)
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(FLOCK_RETRY_SECONDS)
