"""`flask rcm init`: the forum's organizations, countries and taxonomy, loaded idempotently."""

from __future__ import annotations

from sqlalchemy import func, select

from rcm_exchange.extensions import db
from rcm_exchange.models import Country, Organization, OrganizationKind, RcmStatus, Tag
from rcm_exchange.services.reference_data import load_reference_data
from tests.conftest import on_both_databases

MEMBERS = {"BZ", "CA", "CR", "DO", "SV", "GT", "HN", "MX", "NI", "PA", "US"}
OBSERVER_STATES = {"AR", "CO", "EC", "JM", "PE"}
OBSERVER_ORGS = {
    "IACHR",
    "IOM",
    "ECLAC/CELADE",
    "UNHCR",
    "OHCHR",
    "SICA",
    "UNFPA",
    "SEGIB",
    "ICRC",
    "UNICEF",
    "ILO",
    "UNDP",
}


def _acronyms(kind):
    return set(db.session.scalars(select(Organization.acronym).where(Organization.kind == kind)))


@on_both_databases
def test_reference_data_is_all_there_after_init_twice(app):
    load_reference_data()
    load_reference_data()
    assert _acronyms(OrganizationKind.MEMBER_STATE) == MEMBERS
    assert _acronyms(OrganizationKind.OBSERVER_STATE) == OBSERVER_STATES
    assert _acronyms(OrganizationKind.OBSERVER_ORG) == OBSERVER_ORGS
    assert _acronyms(OrganizationKind.SECRETARIAT) == {"TS"}
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 29
    tags = list(db.session.scalars(select(Tag).order_by(Tag.position)))
    assert [t.slug for t in tags[:3]] == [
        "human-rights-of-migrants",
        "integrity-laws-borders-security",
        "migration-and-development",
    ]
    assert all(t.is_pillar for t in tags[:3]) and not any(t.is_pillar for t in tags[3:])
    assert {
        "trafficking-in-persons",
        "migrant-smuggling",
        "children-and-adolescents",
        "return-and-reintegration",
        "labour-migration",
        "consular-protection",
        "asylum-and-refugees",
        "climate-and-disasters",
        "integration",
        "gender",
        "data-and-statistics",
    } <= {t.slug for t in tags}
    assert len(tags) == len({t.slug for t in tags})


def test_countries_have_english_and_spanish_names_and_rcm_status(app):
    mexico = db.session.get(Country, "MX")
    assert (mexico.name_en, mexico.name_es, mexico.rcm_status) == ("Mexico", "México", RcmStatus.MEMBER)
    assert db.session.get(Country, "PE").rcm_status == RcmStatus.OBSERVER
    assert db.session.get(Country, "FR").rcm_status is None
    assert db.session.get(Country, "DO").name_es == "República Dominicana"
    members = db.session.scalars(select(Country.code).where(Country.rcm_status == RcmStatus.MEMBER))
    assert set(members) == MEMBERS


def test_spanish_taxonomy_names_are_filled(app):
    for tag in db.session.scalars(select(Tag)):
        assert (tag.name_es and tag.name_es != tag.name_en) or (
            tag.slug == "gender" and tag.name_es == "Género"
        )


def test_secretariat_is_recorded_under_ts(app):
    secretariat = db.session.scalar(select(Organization).where(Organization.acronym == "TS"))
    assert secretariat.kind == OrganizationKind.SECRETARIAT
    assert secretariat.name_es == "Secretaría Técnica de la Conferencia Regional sobre Migración"
