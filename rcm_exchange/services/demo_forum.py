"""The forum's part of the demo data: meetings of its bodies with their Presidency
Pro-Tempore years, documents of the RCM itself adopted at them, the demo practices
linked to the meetings where they were presented, and two calls for practices (one
open, one closed) with answers. Runs inside ``demo_data.load_demo_data``'s unit of work."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import (
    Call,
    CallAnswer,
    Country,
    DocType,
    Document,
    DocumentMeeting,
    DocumentStanding,
    DocumentStatus,
    Language,
    Meeting,
    MeetingRole,
    OrganizationKind,
    RcmBody,
    Standing,
    Tag,
    User,
    Visibility,
)
from rcm_exchange.services import search_log
from rcm_exchange.services.calls import call_slug

# (body, number, years before now, month, day, days, place, host, theme in English, in Spanish)
MEETINGS = (
    (
        "vice-ministerial-meeting",
        28,
        2,
        11,
        29,
        2,
        "Ciudad de Guatemala",
        "GT",
        "Migration and sustainable development: regional responses",
        "Migración y desarrollo sostenible: respuestas regionales",
    ),
    (
        "rcgm",
        31,
        1,
        6,
        12,
        2,
        "San José",
        "CR",
        "Labour mobility and regular pathways",
        "Movilidad laboral y vías regulares",
    ),
    (
        "vice-ministerial-meeting",
        29,
        1,
        11,
        20,
        2,
        "Tegucigalpa",
        "HN",
        "Protection of migrants in vulnerable situations",
        "Protección de personas migrantes en situación de vulnerabilidad",
    ),
    (
        "consular-protection-network",
        15,
        0,
        3,
        5,
        2,
        "Ciudad de México",
        "MX",
        "Consular assistance to unaccompanied children",
        "Asistencia consular a la niñez no acompañada",
    ),
    (
        "trafficking-smuggling-network",
        18,
        0,
        4,
        23,
        1,
        "Panamá",
        "PA",
        "Identifying victims at borders",
        "Identificación de víctimas en las fronteras",
    ),
)

RCM_DOCUMENTS = (
    # (language, standing, meeting index, title, summary, paragraphs, tags, countries)
    (
        Language.ES,
        Standing.DECLARATION,
        2,
        "Declaración de Tegucigalpa de la XXIX Reunión Viceministerial",
        "Los Viceministros reafirman el compromiso regional con la protección de las personas migrantes en situación de vulnerabilidad.",
        (
            "Los Viceministros de Relaciones Exteriores y de Gobernación de los países miembros de la Conferencia Regional sobre Migración, reunidos en Tegucigalpa, reafirman su compromiso con la protección de los derechos humanos de las personas migrantes.",
            "Encomiendan al Grupo Regional de Consulta sobre Migración dar seguimiento a los lineamientos regionales y presentar un informe en la próxima reunión.",
        ),
        ("human-rights-of-migrants", "children-and-adolescents"),
        ("HN", "GT", "MX", "SV"),
    ),
    (
        Language.EN,
        Standing.REGIONAL_GUIDELINE,
        0,
        "Regional guidelines for the protection of migrant children and adolescents",
        "Guidelines adopted by the Vice-Ministers for the identification, referral and protection of migrant children and adolescents.",
        (
            "The guidelines set common minimum standards for identifying migrant children and adolescents, assessing their best interests and referring them to national child protection systems.",
            "Member countries report on their implementation to the Regional Consultation Group on Migration each year.",
        ),
        ("children-and-adolescents", "consular-protection", "human-rights-of-migrants"),
        ("GT", "HN", "SV", "MX", "CR"),
    ),
    (
        Language.EN,
        Standing.VICE_MINISTERIAL_DECISION,
        0,
        "Decision of the Vice-Ministers on a regional labour mobility initiative",
        "The Vice-Ministers ask the RCGM to map regular labour mobility pathways in the region and to share practices.",
        (
            "The Vice-Ministers decide to launch a regional initiative on labour mobility and regular pathways, and ask the Technical Secretariat to open a call for practices on labour integration.",
        ),
        ("labour-migration", "migration-and-development"),
        ("CA", "MX", "GT", "US"),
    ),
)


def _meetings(now: datetime) -> list[Meeting]:
    bodies = {b.slug: b for b in db.session.scalars(select(RcmBody))}
    countries = {c.code: c for c in db.session.scalars(select(Country))}
    found = []
    for body, number, years_ago, month, day, days, place, host, theme_en, theme_es in MEETINGS:
        starts = date(now.year - years_ago, month, day)
        meeting = Meeting(
            body=bodies[body],
            number=number,
            starts_on=starts,
            ends_on=starts + timedelta(days=days - 1),
            place=place,
            host_country=countries[host],
            ppt_year=starts.year,
            theme_en=theme_en,
            theme_es=theme_es,
        )
        db.session.add(meeting)
        found.append(meeting)
    db.session.flush()
    return found


def _standing_of(document: Document) -> Standing:
    states = (OrganizationKind.MEMBER_STATE, OrganizationKind.OBSERVER_STATE)
    return (
        Standing.NATIONAL_PRACTICE
        if document.organization.kind in states
        else Standing.ORGANIZATIONAL_PRACTICE
    )


def load_demo_forum(now: datetime, users: dict[str, User], documents: list[Document]) -> int:
    """Returns how many documents of the RCM itself were added."""
    meetings = _meetings(now)
    tags = {t.slug: t for t in db.session.scalars(select(Tag))}
    countries = {c.code: c for c in db.session.scalars(select(Country))}
    secretariat = users["TS"]
    for language, standing, meeting_index, title, summary, paragraphs, tag_slugs, codes in RCM_DOCUMENTS:
        meeting = meetings[meeting_index]
        published = datetime.combine(meeting.ends_on, datetime.min.time(), now.tzinfo) + timedelta(days=14)
        document = Document(
            title=title,
            summary=summary,
            body_html="".join(f"<p>{p}</p>" for p in paragraphs),
            doc_type=DocType.GUIDANCE,
            language=language,
            visibility=Visibility.PUBLIC,
            status=DocumentStatus.PUBLISHED,
            organization=secretariat.organization,
            author=secretariat,
            tags=[tags[s] for s in tag_slugs],
            countries=[countries[c] for c in codes],
            created_at=published,
            updated_at=published,
            submitted_at=published,
            published_at=published,
        )
        db.session.add(document)
        db.session.flush()
        db.session.add(DocumentStanding(document_id=document.id, standing=standing))
        db.session.add(
            DocumentMeeting(document_id=document.id, meeting_id=meeting.id, role=MeetingRole.ADOPTED_AT)
        )
        search_log.record_change(document)
    published_documents = [d for d in documents if d.status == DocumentStatus.PUBLISHED]
    # The practices were presented where their theme was discussed.
    presented = {
        "consular-protection": 3,
        "children-and-adolescents": 3,
        "labour-migration": 1,
        "trafficking-in-persons": 4,
        "migrant-smuggling": 4,
        "return-and-reintegration": 0,
    }
    for document in published_documents:
        db.session.add(DocumentStanding(document_id=document.id, standing=_standing_of(document)))
        for tag in document.tags:
            if tag.slug in presented:
                db.session.add(
                    DocumentMeeting(
                        document_id=document.id,
                        meeting_id=meetings[presented[tag.slug]].id,
                        role=MeetingRole.PRESENTED_AT,
                    )
                )
                break
    _calls(now, secretariat, tags, published_documents)
    return len(RCM_DOCUMENTS)


def _calls(now: datetime, secretariat: User, tags: dict[str, Tag], published: list[Document]) -> None:
    today = now.date()
    answering = [
        k.value
        for k in (
            OrganizationKind.MEMBER_STATE,
            OrganizationKind.OBSERVER_STATE,
            OrganizationKind.OBSERVER_ORG,
            OrganizationKind.CIVIL_SOCIETY,
        )
    ]
    open_call = Call(
        slug=call_slug(today.year, "Practices of labour integration of migrants"),
        theme_en="Practices of labour integration of migrants",
        theme_es="Prácticas de integración laboral de las personas migrantes",
        criteria_en="Programmes in place for at least a year that help migrants and returnees into decent work, with their results and the partners involved.",
        criteria_es="Programas en marcha desde hace al menos un año que facilitan el acceso de personas migrantes y retornadas al trabajo decente, con sus resultados y las instituciones participantes.",
        opens_on=today - timedelta(days=20),
        closes_on=today + timedelta(days=40),
        ppt_year=today.year,
        answerable_by=answering,
        created_by_id=secretariat.id,
        tags=[tags["labour-migration"], tags["integration"]],
    )
    closed_call = Call(
        slug=call_slug(today.year - 1, "Protection of migrant children and adolescents"),
        theme_en="Protection of migrant children and adolescents",
        theme_es="Protección de niñas, niños y adolescentes migrantes",
        criteria_en="Protocols and services of member and observer states for unaccompanied and separated children.",
        criteria_es="Protocolos y servicios de los Estados miembros y observadores para la niñez no acompañada y separada.",
        opens_on=today - timedelta(days=200),
        closes_on=today - timedelta(days=120),
        ppt_year=today.year - 1,
        answerable_by=answering[:2],
        created_by_id=secretariat.id,
        tags=[tags["children-and-adolescents"]],
    )
    db.session.add_all([open_call, closed_call])
    db.session.flush()
    for call, tag in ((closed_call, "children-and-adolescents"), (open_call, "labour-migration")):
        for document in [d for d in published if tag in {t.slug for t in d.tags}][:2]:
            if document.organization.kind.value in call.answerable_by:
                db.session.add(
                    CallAnswer(
                        document_id=document.id,
                        call_id=call.id,
                        answered_by_id=document.author_id,
                        answered_at=document.submitted_at or now,
                    )
                )
