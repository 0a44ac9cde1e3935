"""Organizations of the forum as the Secretariat keeps them: a new civil-society network
or observer, a change of name, kind or country, an organization made inactive.

What an organization's accounts may see follows its kind, read with the account on every
request, so a change here (or moving an account to another organization with
``accounts.update_user``) takes effect on their next request.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from rcm_exchange.errors import NotFound, ValidationFailed
from rcm_exchange.extensions import db
from rcm_exchange.models import AuditEvent, Country, Organization, OrganizationKind
from rcm_exchange.services import access
from rcm_exchange.services.unit_of_work import unit_of_work

STATE_KINDS = frozenset({OrganizationKind.MEMBER_STATE, OrganizationKind.OBSERVER_STATE})


def get_organization(organization_id: int) -> Organization:
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound()
    return organization


def _values(data: dict, current: Organization | None = None) -> dict:
    merged: dict[str, Any] = (
        {
            "acronym": current.acronym,
            "name": current.name,
            "name_es": current.name_es,
            "kind": current.kind,
            "country": current.country_code,
            "active": current.active,
        }
        if current
        else {}
    )
    merged.update(data)
    errors: dict[str, list[str]] = {}
    acronym = merged["acronym"].strip()
    clash = db.session.scalar(select(Organization.id).where(Organization.acronym == acronym))
    if clash is not None and (current is None or clash != current.id):
        errors["acronym"] = [_("Another organization already uses this acronym.")]
    country = (merged.get("country") or "").upper() or None
    if country is not None and db.session.get(Country, country) is None:
        errors["country"] = [_("Unknown country code: %(codes)s.", codes=country)]
    kind = OrganizationKind(merged["kind"])
    if kind in STATE_KINDS and country is None:
        errors["country"] = [_("A state is recorded with its country.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return {
        "acronym": acronym,
        "name": merged["name"].strip(),
        "name_es": (merged.get("name_es") or "").strip() or None,
        "kind": kind,
        "country_code": country,
        "active": bool(merged.get("active", True)),
    }


def create_organization(user, data: dict) -> Organization:
    """From ``OrganizationSchema`` data; ``user`` is ``access.SYSTEM`` on the command line."""
    access.require(user, "manage_organizations")
    with unit_of_work():
        organization = Organization(**_values(data))
        db.session.add(organization)
        db.session.flush()
        db.session.add(
            AuditEvent(
                actor_id=user.id,
                action="organization_created",
                details={"organization": organization.acronym},
            )
        )
    return organization


def update_organization(user, organization: Organization, data: dict) -> Organization:
    """Any subset of the ``OrganizationSchema`` fields."""
    access.require(user, "manage_organizations")
    with unit_of_work():
        values = _values(data, organization)
        changed = sorted(name for name, value in values.items() if getattr(organization, name) != value)
        for name, value in values.items():
            setattr(organization, name, value)
        if changed:
            db.session.add(
                AuditEvent(
                    actor_id=user.id,
                    action="organization_updated",
                    details={"organization": organization.acronym, "changes": changed},
                )
            )
    return organization
