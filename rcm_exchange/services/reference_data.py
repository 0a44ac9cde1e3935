"""Reference data loaded by ``flask rcm init``: countries, the forum's organizations and
the starting tag taxonomy. Loading is idempotent: it adds what is missing and brings
names up to date, and never deletes what the Secretariat added."""

from __future__ import annotations

import gettext
from dataclasses import dataclass

import pycountry
from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import (
    BodyKind,
    Country,
    Organization,
    OrganizationKind,
    PresidencyProTempore,
    RcmBody,
    RcmStatus,
    Tag,
)
from rcm_exchange.services.unit_of_work import unit_of_work

MEMBER_STATES = ("BZ", "CA", "CR", "DO", "SV", "GT", "HN", "MX", "NI", "PA", "US")
OBSERVER_STATES = ("AR", "CO", "EC", "JM", "PE")

# (acronym, English name, Spanish name)
OBSERVER_ORGANIZATIONS = (
    ("IACHR", "Inter-American Commission on Human Rights", "Comisión Interamericana de Derechos Humanos"),
    ("IOM", "International Organization for Migration", "Organización Internacional para las Migraciones"),
    (
        "ECLAC/CELADE",
        "Economic Commission for Latin America and the Caribbean – "
        "Latin American and Caribbean Demographic Centre",
        "Comisión Económica para América Latina y el Caribe – "
        "Centro Latinoamericano y Caribeño de Demografía",
    ),
    (
        "UNHCR",
        "Office of the United Nations High Commissioner for Refugees",
        "Oficina del Alto Comisionado de las Naciones Unidas para los Refugiados",
    ),
    (
        "OHCHR",
        "Office of the United Nations High Commissioner for Human Rights",
        "Oficina del Alto Comisionado de las Naciones Unidas para los Derechos Humanos",
    ),
    ("SICA", "Central American Integration System", "Sistema de la Integración Centroamericana"),
    ("UNFPA", "United Nations Population Fund", "Fondo de Población de las Naciones Unidas"),
    ("SEGIB", "Ibero-American General Secretariat", "Secretaría General Iberoamericana"),
    ("ICRC", "International Committee of the Red Cross", "Comité Internacional de la Cruz Roja"),
    ("UNICEF", "United Nations Children's Fund", "Fondo de las Naciones Unidas para la Infancia"),
    ("ILO", "International Labour Organization", "Organización Internacional del Trabajo"),
    ("UNDP", "United Nations Development Programme", "Programa de las Naciones Unidas para el Desarrollo"),
)

SECRETARIAT = (
    "TS",
    "Technical Secretariat of the Regional Conference on Migration",
    "Secretaría Técnica de la Conferencia Regional sobre Migración",
    "CR",
)


@dataclass(frozen=True)
class TagSeed:
    slug: str
    name_en: str
    name_es: str
    description_en: str = ""
    description_es: str = ""
    is_pillar: bool = False


# The forum's three pillars first, then common themes.
TAXONOMY = (
    TagSeed(
        "human-rights-of-migrants",
        "Human rights of migrants",
        "Derechos humanos de las personas migrantes",
        "Regional efforts to protect the human rights of migrants, whatever their status.",
        "Esfuerzos regionales para proteger los derechos humanos de las personas migrantes, "
        "cualquiera sea su condición.",
        True,
    ),
    TagSeed(
        "integrity-laws-borders-security",
        "Integrity of migration laws, borders and national security",
        "Integridad de las leyes migratorias, fronteras y seguridad nacional",
        "Strengthening the integrity of each member state's immigration laws, borders and national security.",
        "Fortalecimiento de la integridad de las leyes migratorias, las fronteras "
        "y la seguridad nacional de cada país miembro.",
        True,
    ),
    TagSeed(
        "migration-and-development",
        "Migration and development",
        "Migración y desarrollo",
        "The links between migration and economic and social development.",
        "Los vínculos entre la migración y el desarrollo económico y social.",
        True,
    ),
    TagSeed("trafficking-in-persons", "Trafficking in persons", "Trata de personas"),
    TagSeed("migrant-smuggling", "Migrant smuggling", "Tráfico ilícito de migrantes"),
    TagSeed("children-and-adolescents", "Children and adolescents", "Niñez y adolescencia"),
    TagSeed("return-and-reintegration", "Return and reintegration", "Retorno y reintegración"),
    TagSeed("labour-migration", "Labour migration", "Migración laboral"),
    TagSeed("consular-protection", "Consular protection", "Protección consular"),
    TagSeed("asylum-and-refugees", "Asylum and refugees", "Asilo y refugio"),
    TagSeed("climate-and-disasters", "Climate and disasters", "Clima y desastres"),
    TagSeed("integration", "Integration", "Integración"),
    TagSeed("gender", "Gender", "Género"),
    TagSeed("data-and-statistics", "Data and statistics", "Datos y estadísticas"),
)


def _spanish_country_names():
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"]).gettext


def _rcm_status(code: str) -> RcmStatus | None:
    if code in MEMBER_STATES:
        return RcmStatus.MEMBER
    if code in OBSERVER_STATES:
        return RcmStatus.OBSERVER
    return None


def load_countries() -> dict[str, Country]:
    spanish = _spanish_country_names()
    existing = {c.code: c for c in db.session.scalars(select(Country))}
    for entry in pycountry.countries:
        name_en = getattr(entry, "common_name", None) or entry.name
        country = existing.get(entry.alpha_2)
        if country is None:
            country = existing[entry.alpha_2] = Country(code=entry.alpha_2)
            db.session.add(country)
        country.name_en = name_en
        country.name_es = spanish(entry.name)
        country.rcm_status = _rcm_status(entry.alpha_2)
    return existing


def _upsert_organization(
    existing: dict[str, Organization],
    acronym: str,
    name: str,
    name_es: str,
    kind: OrganizationKind,
    country_code: str | None,
) -> None:
    # Seeded once: afterwards the Secretariat keeps organizations up to date on the site.
    if acronym in existing:
        return
    organization = existing[acronym] = Organization(acronym=acronym, active=True)
    db.session.add(organization)
    organization.name, organization.name_es = name, name_es
    organization.kind, organization.country_code = kind, country_code


def load_organizations(countries: dict[str, Country]) -> None:
    existing = {o.acronym: o for o in db.session.scalars(select(Organization))}
    for code in MEMBER_STATES + OBSERVER_STATES:
        kind = OrganizationKind.MEMBER_STATE if code in MEMBER_STATES else OrganizationKind.OBSERVER_STATE
        country = countries[code]
        _upsert_organization(existing, code, country.name_en, country.name_es, kind, code)
    for acronym, name, name_es in OBSERVER_ORGANIZATIONS:
        _upsert_organization(existing, acronym, name, name_es, OrganizationKind.OBSERVER_ORG, None)
    acronym, name, name_es, country_code = SECRETARIAT
    _upsert_organization(existing, acronym, name, name_es, OrganizationKind.SECRETARIAT, country_code)


def load_taxonomy() -> None:
    existing = {t.slug: t for t in db.session.scalars(select(Tag))}
    for position, seed in enumerate(TAXONOMY, start=1):
        # Seeded once: the Secretariat curates the taxonomy afterwards (names, order,
        # retiring and merging), and a new ``init`` must not undo that.
        if seed.slug in existing:
            continue
        tag = Tag(slug=seed.slug, retired=False)
        db.session.add(tag)
        tag.name_en, tag.name_es = seed.name_en, seed.name_es
        tag.description_en, tag.description_es = seed.description_en, seed.description_es
        tag.is_pillar, tag.position = seed.is_pillar, position


# The forum's bodies, as its brochure describes them (seeded by ``flask rcm init``).
BODIES = (
    (
        "vice-ministerial-meeting",
        BodyKind.VICE_MINISTERIAL,
        "Vice-Ministerial Meeting",
        "Reunión Viceministerial",
    ),
    (
        "rcgm",
        BodyKind.RCGM,
        "Regional Consultation Group on Migration (RCGM)",
        "Grupo Regional de Consulta sobre Migración (GRCM)",
    ),
    (
        "consular-protection-network",
        BodyKind.LIAISON_NETWORK,
        "Liaison Officers Network for Consular Protection",
        "Red de Funcionarios de Enlace para la Protección Consular",
    ),
    (
        "children-protection-network",
        BodyKind.LIAISON_NETWORK,
        "Liaison Officers Network for the Protection of Children and Adolescents",
        "Red de Funcionarios de Enlace para la Protección de Niñas, Niños y Adolescentes",
    ),
    (
        "trafficking-smuggling-network",
        BodyKind.LIAISON_NETWORK,
        "Liaison Officers Network to Combat Migrant Smuggling and Trafficking in Persons",
        "Red de Funcionarios de Enlace para el Combate al Tráfico Ilícito de Migrantes "
        "y la Trata de Personas",
    ),
    ("ad-hoc-group", BodyKind.AD_HOC_GROUP, "Ad hoc groups", "Grupos ad hoc"),
    ("workshops", BodyKind.WORKSHOP, "Workshops and seminars", "Talleres y seminarios"),
)


def load_bodies() -> None:
    """Seed the bodies that are missing (inside the caller's unit of work)."""
    existing = set(db.session.scalars(select(RcmBody.slug)))
    for position, (slug, kind, name_en, name_es) in enumerate(BODIES, start=1):
        if slug not in existing:
            db.session.add(
                RcmBody(slug=slug, kind=kind, name_en=name_en, name_es=name_es, position=position * 10)
            )


def load_reference_data() -> None:
    with unit_of_work():
        countries = load_countries()
        db.session.flush()
        load_organizations(countries)
        load_taxonomy()
        load_bodies()


def set_presidency(year: int, country_code: str) -> PresidencyProTempore:
    from rcm_exchange.errors import ValidationFailed

    code = country_code.strip().upper()
    if code not in MEMBER_STATES:
        raise ValidationFailed(f"The Presidency Pro-Tempore rotates among member states; {code} is not one.")
    with unit_of_work():
        presidency = db.session.get(PresidencyProTempore, year)
        if presidency is None:
            presidency = PresidencyProTempore(year=year, country_code=code)
            db.session.add(presidency)
        presidency.country_code = code
    return presidency


def presidency_for(year: int) -> PresidencyProTempore | None:
    return db.session.get(PresidencyProTempore, year)
