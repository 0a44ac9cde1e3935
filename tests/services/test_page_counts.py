"""Every count a page shows (home, browse overviews and listings, tag counts, statistics)
comes from the search index; on a small mixed corpus it equals what the database says
each reader may see, for every kind of reader and on every engine."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from rcm_exchange.extensions import db
from rcm_exchange.models import (
    DocType,
    Document,
    DocumentStatus,
    OrganizationKind,
    Role,
    Visibility,
)
from rcm_exchange.services import access, browse, statistics
from tests.builders import make_document, make_user
from tests.conftest import requires_postgres

ENGINES = [
    pytest.param("sqlite", {"RCM_SEARCH_BACKEND": "whoosh"}, id="whoosh-sqlite"),
    pytest.param("sqlite", {"RCM_SEARCH_BACKEND": "tantivy"}, id="tantivy-sqlite"),
    pytest.param(
        "postgresql", {"RCM_SEARCH_BACKEND": "tantivy"}, id="tantivy-postgresql", marks=requires_postgres
    ),
    pytest.param(
        "postgresql", {"RCM_SEARCH_BACKEND": "postgres"}, id="postgres-postgresql", marks=requires_postgres
    ),
]

READERS = {
    "anonymous": None,
    "member state": dict(org="MX"),
    "other member state": dict(org="GT"),
    "observer state": dict(kind=OrganizationKind.OBSERVER_STATE),
    "observer organization": dict(kind=OrganizationKind.OBSERVER_ORG),
    "civil society": dict(kind=OrganizationKind.CIVIL_SOCIETY),
    "secretariat staff": dict(org="TS"),
    "moderator": dict(role=Role.MODERATOR),
    "admin": dict(role=Role.ADMIN),
}

TAGS = ("gender", "human-rights-of-migrants", "labour-migration")
COUNTRIES = ("MX", "GT", "HN")
STATUSES = (
    DocumentStatus.PUBLISHED,
    DocumentStatus.PUBLISHED,
    DocumentStatus.SUBMITTED,
    DocumentStatus.DRAFT,
    DocumentStatus.ARCHIVED,
)


@pytest.fixture
def corpus(app):
    """Documents of four organizations, at every visibility and in several states, over
    tags, countries, types and years; the civil-society group exists before its reader."""
    make_user(kind=OrganizationKind.CIVIL_SOCIETY)
    numbers = itertools.count()
    for org, visibility, status in itertools.product(
        ("MX", "CO", "IOM", "CSO-TEST"), list(Visibility), STATUSES
    ):
        n = next(numbers)
        make_document(
            org=org,
            visibility=visibility,
            status=status,
            tags=TAGS[: 1 + n % 3],
            countries=(COUNTRIES[n % 3],) + (("MX",) if n % 4 == 0 else ()),
            doc_type=list(DocType)[n % 3],
            published_at=datetime(2019 + n % 4, 1 + n % 12, 10, tzinfo=UTC),
        )


def _truth(user) -> dict:
    """What the policy lets ``user`` open among published documents, counted in Python."""
    documents = [
        d
        for d in db.session.scalars(
            select(Document).options(selectinload(Document.tags), selectinload(Document.countries))
        )
        if d.status == DocumentStatus.PUBLISHED and access.can_view_document(user, d)
    ]
    return {
        "total": len(documents),
        "tags": Counter(t.slug for d in documents for t in d.tags),
        "countries": Counter(c.code for d in documents for c in d.countries),
        "organizations": Counter(d.organization_id for d in documents),
        "types": Counter(d.doc_type for d in documents),
        "type_years": Counter((d.doc_type, d.published_at.year) for d in documents),
        "years": Counter(d.published_at.year for d in documents),
    }


def _nonzero(pairs) -> dict:
    return {key: value for key, value in pairs if value}


@pytest.mark.parametrize("database, app_config", ENGINES, indirect=["database"])
def test_every_page_count_equals_what_the_reader_may_open(app, corpus):
    for name, reader in READERS.items():
        user = make_user(**reader) if reader is not None else None
        truth = _truth(user)
        assert truth["total"] > 0, name

        home = browse.home_page(user, 2026)
        assert home.published_total == truth["total"], name
        assert len(home.recent) == min(browse.HOME_RECENT, truth["total"])
        assert {c.subject.slug: c.count for c in home.pillars if c.count} == {
            t.slug: truth["tags"][t.slug] for t in browse.pillars() if truth["tags"][t.slug]
        }, name

        topics = browse.tag_overview(user)
        assert _nonzero((c.subject.slug, c.count) for c in topics.pillars + topics.themes) == truth["tags"], (
            name
        )
        assert _nonzero((tag.slug, n) for tag, n in browse.tags_with_counts(user)) == truth["tags"], name

        countries = browse.country_overview(user, "en")
        listed = countries.members + countries.observers + countries.others
        assert _nonzero((c.subject.code, c.count) for c in listed) == truth["countries"], name

        organizations = [c for _kind, group in browse.organization_overview(user, "en") for c in group]
        assert _nonzero((c.subject.id, c.count) for c in organizations) == truth["organizations"], name

        types = browse.type_year_overview(user)
        assert _nonzero(types.type_totals.items()) == truth["types"], name
        assert _nonzero(types.counts.items()) == truth["type_years"], name
        assert types.total == truth["total"] and types.years == sorted(truth["years"], reverse=True), name

        for names, expected in [
            *((dict(tag=slug), n) for slug, n in truth["tags"].items()),
            *((dict(country=code), n) for code, n in truth["countries"].items()),
            *((dict(organization=org), n) for org, n in truth["organizations"].items()),
            *((dict(doc_type=t.value), n) for t, n in truth["types"].items()),
            *((dict(year=y), n) for y, n in truth["years"].items()),
        ]:
            listing = browse.listing(user, **names)
            assert listing.documents.total == expected, (name, names)
            assert len(listing.documents.items) == min(expected, browse.PAGE_SIZE), (name, names)

        if access.can(user, "see_statistics"):
            figures = statistics.overview(user)
            assert figures.published_total == truth["total"], name
            assert {bar.key: bar.value for bar in figures.per_tag} == truth["tags"], name
            assert {bar.key: bar.value for bar in figures.per_country} == truth["countries"], name
            assert _nonzero((bar.subject, bar.value) for bar in figures.per_type) == truth["types"], name


@pytest.mark.parametrize("database, app_config", ENGINES[:2], indirect=["database"])
def test_a_listing_pages_through_every_document_newest_first(app):
    for day in range(1, 26):
        make_document(tags=("gender",), published_at=datetime(2024, 3, day, tzinfo=UTC))
    first, second = (browse.listing(None, tag="gender", page=page).documents for page in (1, 2))
    assert first.total == second.total == 25 and first.pages == 2
    dates = [d.published_at for d in first.items + second.items]
    assert len(set(d.id for d in first.items + second.items)) == 25 and dates == sorted(dates, reverse=True)
