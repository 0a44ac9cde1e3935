"""The search engine contract shared by every backend: the data types, the errors and
the ``SearchEngine`` protocol. Which backends exist is ``registry``'s business.

The package takes plain dicts and returns ids, hits and facets; it knows nothing
of the web application. The caller's rights arrive as an ``AccessFilter`` that the
application's access policy builds; every backend applies it inside the query, so
hits, totals, facet counts, suggestions and related documents never count
anything the caller may not see. The names of the tiers (visibilities) are the
application's: a document's ``visibility`` and an ``AccessFilter``'s names are
compared as they are, never checked against a list of this package's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

SORTS = ("relevance", "newest")
# The facets of values a document holds several of (in list fields), then the others.
LIST_FACET_NAMES = ("tags", "countries")
FACET_NAMES = (*LIST_FACET_NAMES, "doc_type", "language", "year", "organization")


class SearchUnavailable(Exception):
    """The index cannot answer now (missing, corrupt, or locked beyond the timeout)."""


class IndexCorrupt(SearchUnavailable):
    """The index is missing or unreadable; rebuilding it from the database fixes it."""


class SearchTooSlow(SearchUnavailable):
    """The search would take longer than an engine gives one (``BaseEngine.time_limit``):
    a query of many common words on an engine that answers it slowly. Fewer or rarer
    words, or a filter, make it answerable."""

    def __init__(self, message: str = "the search took longer than an engine gives one"):
        super().__init__(message)


class SettingsError(ValueError):
    """The settings given to a backend's ``options_from`` cannot open an index."""


@dataclass(frozen=True)
class AccessFilter:
    """What the caller may see.

    ``visibilities`` names the tiers open to the caller, in the application's own
    names (those its documents carry as ``visibility``); ``organization_id``
    is the caller's organization, which always sees its own documents; and
    ``everything`` lifts every restriction (Secretariat staff and moderators).
    """

    visibilities: frozenset[str]
    organization_id: int | None = None
    everything: bool = False

    def __post_init__(self) -> None:
        # A plain set or a string would silently behave differently (a string is
        # iterable), so normalise and check here rather than in every backend.
        if isinstance(self.visibilities, str):
            raise TypeError("visibilities must be a collection of names, not a string")
        visibilities = frozenset(self.visibilities)
        if not all(isinstance(name, str) and name for name in visibilities):
            raise TypeError(f"visibilities must be non-empty names: {sorted(map(repr, visibilities))}")
        object.__setattr__(self, "visibilities", visibilities)

    @property
    def sees_nothing(self) -> bool:
        return not self.everything and not self.visibilities and self.organization_id is None


@dataclass
class SearchQuery:
    access: AccessFilter
    text: str = ""
    tags: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    doc_type: str | None = None
    language: str | None = None
    year: int | None = None
    organization_id: int | None = None
    sort: str = "relevance"  # "relevance" | "newest"; relevance without text means newest
    page: int = 1
    per_page: int = 20
    # When the text finds nothing and a spelling correction finds documents, search
    # the correction instead (``SearchResult.corrected``); False searches the text
    # exactly as typed and only offers the correction.
    correct: bool = True
    # The facets to count; the others come back empty. Counting every facet of every
    # match is most of a listing's cost in a large index (tags and countries above all),
    # and a page that shows a total or one facet asks for that alone.
    facets: tuple[str, ...] = FACET_NAMES

    def __post_init__(self) -> None:
        if not isinstance(self.access, AccessFilter):
            raise TypeError("SearchQuery needs an AccessFilter")
        if self.sort not in SORTS:
            raise ValueError(f"sort must be one of {SORTS}")
        if self.page < 1:
            raise ValueError("page starts at 1")
        if not 1 <= self.per_page <= 1000:
            raise ValueError("per_page must be between 1 and 1000")
        self.tags = tuple(self.tags)
        self.countries = tuple(self.countries)
        if isinstance(self.facets, str):
            raise TypeError("facets is a tuple of facet names, not one name")
        self.facets = tuple(self.facets)
        unknown = sorted(set(self.facets) - set(FACET_NAMES))
        if unknown:
            raise ValueError(f"unknown facets {unknown}: the facets are {FACET_NAMES}")


@dataclass
class SearchHit:
    id: int
    score: float
    highlights: list[str] = field(default_factory=list)  # escaped HTML, only <mark> kept
    # The document's ``listing`` text as it was indexed, returned untouched: an
    # application can keep in it what it shows for a hit, and check it is current.
    listing: str = ""
    # Typed words this document lacks: it was found by the graded rule (most of
    # the words), after every document that holds them all.
    missing: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None
    # True when the hits are those of ``suggestion``, searched because the text as
    # typed found nothing; False when ``suggestion`` is only offered.
    corrected: bool = False


@runtime_checkable
class SearchEngine(Protocol):
    # The settings ``options_from`` reads, by name (without the application's prefix).
    SETTINGS: tuple[str, ...]

    @classmethod
    def options_from(cls, settings: Mapping[str, Any], prefix: str = "") -> dict:
        """The constructor's options from an application's settings, each read as
        ``settings[prefix + name]`` for a name in ``SETTINGS``; ``SettingsError`` when
        they cannot work (its message names the settings with their prefix)."""
        ...

    @property
    def location(self) -> str:
        """Where the index lives, for people (a folder, a database schema)."""
        ...

    def lock(self, name: str, wait: bool | float = False) -> AbstractContextManager[bool]:
        """Hold the lock ``name`` of this index, for every process that uses the index
        (on every host, when the index is shared). ``wait`` is False (yield False at
        once when another holds it), True (wait until it is free) or a number of
        seconds to wait before yielding False."""
        ...

    def apply(
        self, upserts: Iterable[dict], deletes: Iterable[int], through_log_id: int | None = None
    ) -> None: ...

    def last_applied_log_id(self) -> int: ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def related(self, document_id: int, access: AccessFilter, limit: int = 5) -> list[int]: ...

    def similar_to_text(self, doc: dict, access: AccessFilter, limit: int = 5) -> list[int]: ...

    def ids(self) -> set[int]: ...

    def count(self) -> int: ...

    def clear(self) -> None: ...

    def bulk_load(self) -> AbstractContextManager[None]: ...

    def bulk_update(self) -> AbstractContextManager[None]: ...

    def fingerprints(self) -> dict[int, str]: ...

    def close(self) -> None: ...
