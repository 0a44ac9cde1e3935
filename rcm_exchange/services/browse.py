"""Read-side queries for the pages that list published material: the home page and
browsing by pillar and tag, country, organization, type and year.

Every list and every count comes from the search index (``search.newest_documents``,
``search.tally``), under the ``AccessFilter`` of ``access.search_access_filter``, so a
count never reveals material the reader may not open, and no page scans the documents a
reader may see: the index counts them, and the database only loads the page shown.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy import select

from rcm_exchange.errors import NotFound
from rcm_exchange.extensions import db
from rcm_exchange.models import (
    Country,
    DocType,
    Document,
    Organization,
    OrganizationKind,
    RcmStatus,
    Tag,
)
from rcm_exchange.schemas import MAX_YEAR, MIN_YEAR
from rcm_exchange.services import search

PAGE_SIZE = 20
HOME_RECENT = 6  # the newest documents the home page shows


def pillars() -> list[Tag]:
    return list(db.session.scalars(select(Tag).where(Tag.is_pillar).order_by(Tag.position)))


def taxonomy() -> list[Tag]:
    """The tags in use: retired (and merged) ones are no longer offered or listed."""
    return list(db.session.scalars(select(Tag).where(~Tag.retired).order_by(Tag.position, Tag.slug)))


@dataclass(frozen=True)
class DocumentPage:
    items: list[Document]
    total: int
    page: int
    per_page: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_number(self) -> int:
        """The position of the first item shown, counting from 1 (0 when empty)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_number(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)


@dataclass(frozen=True)
class Selection:
    """What a browse listing shows: one subject (a tag, country, organization, type or
    year), optionally narrowed by type and year."""

    tag: Tag | None = None
    country: Country | None = None
    organization: Organization | None = None
    doc_type: DocType | None = None
    year: int | None = None

    def filters(self) -> dict:
        """The selection as the index's filters (``search.SearchParams`` fields)."""
        filters: dict = {}
        if self.tag is not None:
            filters["tag"] = [self.tag.slug]
        if self.country is not None:
            filters["country"] = [self.country.code]
        if self.organization is not None:
            filters["organization"] = self.organization.id
        if self.doc_type is not None:
            filters["doc_type"] = self.doc_type.value
        if self.year is not None:
            filters["year"] = self.year
        return filters


def selection(
    *,
    tag: str | None = None,
    country: str | None = None,
    organization: int | None = None,
    doc_type: str | None = None,
    year: int | None = None,
) -> Selection:
    """Resolve the names in a URL; NotFound for any that does not exist."""
    found_tag = found_country = found_organization = found_type = None
    if tag is not None:
        found_tag = db.session.scalar(select(Tag).where(Tag.slug == tag))
        if found_tag is None:
            raise NotFound()
    if country is not None:
        found_country = db.session.get(Country, country.upper())
        if found_country is None:
            raise NotFound()
    if organization is not None:
        found_organization = db.session.get(Organization, organization)
        if found_organization is None:
            raise NotFound()
    if doc_type is not None:
        try:
            found_type = DocType(doc_type)
        except ValueError:
            raise NotFound() from None
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise NotFound()
    return Selection(
        tag=found_tag, country=found_country, organization=found_organization, doc_type=found_type, year=year
    )


@dataclass(frozen=True)
class Listing:
    chosen: Selection
    documents: DocumentPage


def listing(user, *, page: int = 1, **names) -> Listing:
    """The browse listing a URL names (see ``selection``), one page of it."""
    chosen = selection(**names)
    return Listing(chosen=chosen, documents=list_documents(user, chosen, page))


def list_documents(user, chosen: Selection, page: int = 1) -> DocumentPage:
    """Published documents the user may see that match ``chosen``, newest first."""
    page = max(1, page)
    found = search.newest_documents(user, page=page, per_page=PAGE_SIZE, **chosen.filters())
    return DocumentPage(items=found.documents, total=found.tally.total, page=page)


# --- Overviews with counts -------------------------------------------------------------


Subject = TypeVar("Subject")


@dataclass(frozen=True)
class Counted(Generic[Subject]):
    subject: Subject
    count: int


@dataclass(frozen=True)
class TagOverview:
    pillars: list[Counted[Tag]]
    themes: list[Counted[Tag]]


def tag_overview(user, tally: search.Tally | None = None) -> TagOverview:
    counts = (tally or search.tally(user, facets=("tags",))).facets["tags"]
    tags = [Counted(tag, counts.get(tag.slug, 0)) for tag in taxonomy()]
    return TagOverview(
        pillars=[c for c in tags if c.subject.is_pillar], themes=[c for c in tags if not c.subject.is_pillar]
    )


@dataclass(frozen=True)
class CountryOverview:
    members: list[Counted[Country]]
    observers: list[Counted[Country]]
    others: list[Counted[Country]]


def country_overview(user, language: str) -> CountryOverview:
    """Member states, then observer states (all of them, even without documents), then
    any other country that documents are about; each group by name in ``language``."""
    counts = search.tally(user, facets=("countries",)).facets["countries"]
    countries = db.session.scalars(
        select(Country).where((Country.rcm_status.is_not(None)) | (Country.code.in_(list(counts))))
    ).all()
    groups: dict[RcmStatus | None, list[Counted[Country]]] = defaultdict(list)
    for country in sorted(countries, key=lambda c: _sort_key(c.name(language))):
        groups[country.rcm_status].append(Counted(country, counts.get(country.code, 0)))
    return CountryOverview(
        members=groups[RcmStatus.MEMBER], observers=groups[RcmStatus.OBSERVER], others=groups[None]
    )


ORGANIZATION_KIND_ORDER = (
    OrganizationKind.MEMBER_STATE,
    OrganizationKind.OBSERVER_STATE,
    OrganizationKind.OBSERVER_ORG,
    OrganizationKind.CIVIL_SOCIETY,
    OrganizationKind.SECRETARIAT,
)


def organization_overview(user, language: str) -> list[tuple[OrganizationKind, list[Counted[Organization]]]]:
    """Organizations grouped by kind; civil-society groups appear once they have published."""
    counts = search.tally(user, facets=("organization",)).facets["organization"]
    groups: dict[OrganizationKind, list[Counted[Organization]]] = defaultdict(list)
    organizations = db.session.scalars(select(Organization)).all()
    for organization in sorted(organizations, key=lambda o: _sort_key(o.display_name(language))):
        count = counts.get(str(organization.id), 0)
        if organization.kind == OrganizationKind.CIVIL_SOCIETY and not count:
            continue
        groups[organization.kind].append(Counted(organization, count))
    return [(kind, groups[kind]) for kind in ORGANIZATION_KIND_ORDER if groups[kind]]


@dataclass(frozen=True)
class TypeYearOverview:
    years: list[int]  # newest first
    counts: dict[tuple[DocType, int], int]  # (type, year) -> documents
    type_totals: dict[DocType, int] = field(default_factory=dict)
    year_totals: dict[int, int] = field(default_factory=dict)

    @property
    def types(self) -> list[DocType]:
        return list(DocType)

    @property
    def total(self) -> int:
        return sum(self.type_totals.values())


def type_year_overview(user) -> TypeYearOverview:
    """The index counts years per type: one tally for each type."""
    counts: dict[tuple[DocType, int], int] = {}
    type_totals: dict[DocType, int] = defaultdict(int)
    year_totals: dict[int, int] = defaultdict(int)
    for doc_type in DocType:
        by_year = search.tally(user, facets=("year",), doc_type=doc_type.value).facets["year"]
        for published_year, count in by_year.items():
            key = (doc_type, int(published_year))
            counts[key] = count
            type_totals[key[0]] += count
            year_totals[key[1]] += count
    return TypeYearOverview(
        years=sorted(year_totals, reverse=True),
        counts=counts,
        type_totals=dict(type_totals),
        year_totals=dict(year_totals),
    )


def _sort_key(name: str) -> str:
    """Alphabetical order that ignores accents and case, as a Spanish reader expects."""
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(ch)
    )


@dataclass(frozen=True)
class HomePage:
    recent: list[Document]
    pillars: list[Counted]
    presidency: object | None  # PresidencyProTempore of the current year
    published_total: int


def home_page(user, year: int) -> HomePage:
    from rcm_exchange.services import reference_data

    newest = search.newest_documents(user, per_page=HOME_RECENT, facets=("tags",))
    return HomePage(
        recent=newest.documents,
        pillars=tag_overview(user, newest.tally).pillars,
        presidency=reference_data.presidency_for(year),
        published_total=newest.tally.total,
    )


def countries() -> list[Country]:
    return list(db.session.scalars(select(Country).order_by(Country.code)))


def tags_with_counts(user) -> list[tuple[Tag, int]]:
    """Every tag with the number of published documents under it that ``user`` may see."""
    counts = search.tally(user, facets=("tags",)).facets["tags"]
    return [(tag, counts.get(tag.slug, 0)) for tag in taxonomy()]
