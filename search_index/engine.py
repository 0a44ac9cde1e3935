"""The search engine contract shared by every backend.

The package takes plain dicts and returns ids, hits and facets; it knows nothing
of the web application. The caller's rights arrive as an ``AccessFilter`` that the
application's access policy builds; every backend applies it inside the query, so
hits, totals, facet counts, suggestions and related documents never count
anything the caller may not see.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from contextlib import AbstractContextManager
from typing import Callable, Iterable, Protocol, runtime_checkable

VISIBILITIES = ("public", "participants", "members", "secretariat")
SORTS = ("relevance", "newest")
FACET_NAMES = ("tags", "countries", "doc_type", "language", "year", "organization")


class SearchUnavailable(Exception):
    """The index cannot answer now (missing, corrupt, or locked beyond the timeout)."""


class IndexCorrupt(SearchUnavailable):
    """The index is missing or unreadable; rebuilding it from the database fixes it."""


@dataclass(frozen=True)
class AccessFilter:
    """What the caller may see.

    ``visibilities`` lists the visibilities open to the caller; ``organization_id``
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
        unknown = visibilities - set(VISIBILITIES)
        if unknown:
            raise ValueError(f"unknown visibilities: {sorted(unknown)}")
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
    def apply(self, upserts: Iterable[dict], deletes: Iterable[int],
              through_log_id: int | None = None) -> None: ...

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


_BACKENDS: dict[str, Callable[..., SearchEngine]] = {}


def register_backend(name: str, factory: Callable[..., SearchEngine]) -> None:
    """Make ``open_engine(name, ...)`` build engines with ``factory(**options)``."""
    _BACKENDS[name] = factory


def available_backends() -> list[str]:
    _load_builtin_backends()
    return sorted(_BACKENDS)


def open_engine(backend: str, **options) -> SearchEngine:
    """Open (creating when needed) the index of ``backend`` with its options.

    ``whoosh`` and ``tantivy`` take ``index_dir`` and optionally ``thesaurus_path``
    and ``create`` (default True: make a new index when the directory holds none).
    ``postgres`` takes ``dsn`` (a libpq connection string) and optionally ``schema``
    (default ``rcm_search``), ``thesaurus_path`` and ``create``.
    """
    _load_builtin_backends()
    try:
        factory = _BACKENDS[backend]
    except KeyError:
        raise ValueError(f"unknown search backend {backend!r}; known: {sorted(_BACKENDS)}") from None
    return factory(**options)


def _load_builtin_backends() -> None:
    # Imported lazily so that a missing optional library only breaks its own backend.
    if "whoosh" not in _BACKENDS:
        def whoosh_factory(**options):
            from .whoosh_engine import WhooshEngine
            return WhooshEngine(**options)
        register_backend("whoosh", whoosh_factory)
    if "tantivy" not in _BACKENDS:
        def tantivy_factory(**options):
            from .tantivy_engine import TantivyEngine
            return TantivyEngine(**options)
        register_backend("tantivy", tantivy_factory)
    if "postgres" not in _BACKENDS:
        def postgres_factory(**options):
            from .postgres_engine import PostgresEngine
            return PostgresEngine(**options)
        register_backend("postgres", postgres_factory)
