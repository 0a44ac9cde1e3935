"""Keyword-only builders for test data: say what matters, defaults do the rest."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import (
    Country,
    DocType,
    Document,
    DocumentStatus,
    Language,
    Organization,
    OrganizationKind,
    Role,
    SearchLogEntry,
    SearchOperation,
    Tag,
    User,
    Visibility,
)
from rcm_exchange.services import accounts, harvest, search, search_log
from rcm_exchange.services.access import SYSTEM
from rcm_exchange.services.search import SearchParams
from rcm_exchange.services.unit_of_work import unit_of_work

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)

# A representative organization of each kind, from the reference data.
ORGANIZATION_OF_KIND = {
    OrganizationKind.MEMBER_STATE: "MX",
    OrganizationKind.OBSERVER_STATE: "CO",
    OrganizationKind.OBSERVER_ORG: "IOM",
    OrganizationKind.SECRETARIAT: "TS",
}


def organization(acronym: str | None = None, *, kind: OrganizationKind | None = None) -> Organization:
    if acronym is None and kind == OrganizationKind.CIVIL_SOCIETY:
        found = db.session.scalar(select(Organization).where(Organization.acronym == "CSO-TEST"))
        if found is None:
            found = Organization(
                acronym="CSO-TEST", name="Test civil society network", kind=OrganizationKind.CIVIL_SOCIETY
            )
            db.session.add(found)
            db.session.commit()
        return found
    acronym = acronym or ORGANIZATION_OF_KIND[kind or OrganizationKind.MEMBER_STATE]
    return db.session.scalar(select(Organization).where(Organization.acronym == acronym))


def make_user(
    *,
    role: Role = Role.CONTRIBUTOR,
    org: str | None = None,
    kind: OrganizationKind | None = None,
    email: str | None = None,
    name: str | None = None,
    language: str | None = None,
    active: bool = True,
) -> User:
    if org is None and kind is None and role in (Role.MODERATOR, Role.ADMIN):
        org = "TS"
    organization_ = organization(org, kind=kind)
    number = next(_sequence)
    user = accounts.create_user(
        SYSTEM,
        email=email or f"user{number}@example.org",
        name=name or f"Test User {number}",
        organization_id=organization_.id,
        role=role,
        password=PASSWORD,
        preferred_language=language,
    )
    if not active:
        user.active = False
        db.session.commit()
    return user


def make_document(
    *,
    status: DocumentStatus = DocumentStatus.PUBLISHED,
    visibility: Visibility = Visibility.PUBLIC,
    org: str = "MX",
    author: User | None = None,
    title: str | None = None,
    summary: str = "A summary of the practice.",
    body_html: str = "<p>The body of the practice.</p>",
    language: Language = Language.EN,
    doc_type: DocType = DocType.PRACTICE_REPORT,
    tags: tuple[str, ...] = (),
    countries: tuple[str, ...] = (),
    published_at: datetime | None = None,
) -> Document:
    now = datetime.now(UTC)
    published = status in (DocumentStatus.PUBLISHED, DocumentStatus.ARCHIVED)
    document = Document(
        title=title or f"Practice {next(_sequence)}",
        summary=summary,
        body_html=body_html,
        doc_type=doc_type,
        language=language,
        visibility=visibility,
        status=status,
        organization=organization(org),
        author=author,
        tags=list(db.session.scalars(select(Tag).where(Tag.slug.in_(tags)))) if tags else [],
        countries=list(db.session.scalars(select(Country).where(Country.code.in_(countries))))
        if countries
        else [],
        submitted_at=None if status == DocumentStatus.DRAFT else now - timedelta(days=2),
        published_at=(published_at or now - timedelta(days=1)) if published else None,
    )
    db.session.add(document)
    db.session.flush()
    # As the workflow does: the change is in the search log of the same transaction; the
    # next search catches the index up (tests that never search never pay for indexing).
    db.session.add(SearchLogEntry(document_id=document.id, operation=SearchOperation.UPSERT))
    harvest.record_document(document)
    db.session.commit()
    return document


def make_meeting(
    *,
    body: str = "rcgm",
    number: int | None = None,
    ppt_year: int = 2025,
    starts_on=None,
    place: str = "San José",
    host: str | None = "CR",
    theme_en: str = "Regular pathways",
    theme_es: str = "Vías regulares",
):
    from datetime import date

    from rcm_exchange.services import meetings

    starts_on = starts_on or date(ppt_year, 6, 12)
    return meetings.create_meeting(
        SYSTEM,
        {
            "body": body,
            "number": number or next(_sequence),
            "starts_on": starts_on,
            "ends_on": starts_on,
            "place": place,
            "host_country": host,
            "ppt_year": ppt_year,
            "theme_en": theme_en,
            "theme_es": theme_es,
        },
    )


def make_call(
    *,
    opens_in_days: int = -10,
    closes_in_days: int = 30,
    tags: tuple[str, ...] = (),
    answerable_by: tuple[str, ...] = ("member_state", "observer_state", "observer_org", "civil_society"),
    theme_en: str = "Labour integration practices",
    theme_es: str = "Prácticas de integración laboral",
    ppt_year: int = 2026,
    slug: str | None = None,
):
    from datetime import date

    from rcm_exchange.services import calls

    today = date.today()
    return calls.open_call(
        SYSTEM,
        {
            "slug": slug,
            "theme_en": theme_en,
            "theme_es": theme_es,
            "criteria_en": "Programmes running for a year.",
            "criteria_es": "Programas en marcha desde hace un año.",
            "tags": list(tags),
            "opens_on": today + timedelta(days=opens_in_days),
            "closes_on": today + timedelta(days=closes_in_days),
            "ppt_year": ppt_year,
            "answerable_by": list(answerable_by),
        },
    )


def link_document(document: Document, *, standing=None, presented_at=(), adopted_at=()) -> Document:
    """Record a document's standing and meetings as the Secretariat does."""
    from rcm_exchange.services import meetings

    moderator = db.session.scalar(select(User).where(User.role == Role.MODERATOR)) or make_user(
        role=Role.MODERATOR
    )
    db.session.refresh(document)
    meetings.set_forum_record(
        moderator,
        document,
        standing=standing,
        presented_at=[m.id for m in presented_at],
        adopted_at=[m.id for m in adopted_at],
        version=document.version,
    )
    return document


def answer_call(document: Document, call, *, by: User | None = None) -> Document:
    """``document`` answers ``call``, sent by an account of its organization."""
    from rcm_exchange.services import calls

    by = by or make_user(org=document.organization.acronym)
    db.session.refresh(document)
    calls.answer_call(by, call, document)
    return document


# Short names of the visibility tiers, for the tables of who sees what. ``SEC`` rather
# than ``S``: ``S`` is ``DocumentStatus`` in the tests that use it.
P, PA, M, SEC = Visibility.PUBLIC, Visibility.PARTICIPANTS, Visibility.MEMBERS, Visibility.SECRETARIAT


def make_reader(spec: dict | None) -> User | None:
    """The account a table row describes (the ``make_user`` keywords), or None for anonymous."""
    return None if spec is None else make_user(**spec)


def publish(**fields) -> Document:
    """A published document, recorded in the search log as the workflow does."""
    document = make_document(**fields)
    with unit_of_work():
        search_log.record_change(document)
    return document


def found(user: User | None, q: str = "", **params) -> list[int]:
    """The ids of the documents ``user`` finds with the words ``q`` and the filters ``params``."""
    return [item.document.id for item in search.search_documents(user, SearchParams(q=q, **params)).items]
