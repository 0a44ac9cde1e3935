"""The permission tables of ``services/access.py`` themselves: every capability the code
asks for is declared, every tier has readers, and each kind of account holds exactly the
capabilities it held before they were declared in a table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from rcm_exchange.errors import Forbidden
from rcm_exchange.extensions import db
from rcm_exchange.models import AuditEvent, Document, DocumentStatus, OrganizationKind, Role, Visibility
from rcm_exchange.services import access, taxonomy
from rcm_exchange.web import NAVIGATION
from tests.builders import make_document, make_user
from tests.conftest import on_both_databases

ROOT = Path(__file__).resolve().parents[2]
# can(user, "x"), require(user, "x"), roles_with("x"), in Python and in templates.
CAPABILITY_CALL = re.compile(r"""\b(?:can|require|roles_with)\((?:[^()"']*,\s*)?["'](\w+)["']\)""")


def _capabilities_named_in_code() -> set[str]:
    sources = [*(ROOT / "rcm_exchange").rglob("*.py"), *(ROOT / "templates").rglob("*.html")]
    named = {name for path in sources for name in CAPABILITY_CALL.findall(path.read_text(encoding="utf-8"))}
    return named | {capability for _endpoint, _label, capability in NAVIGATION if capability}


def test_every_capability_named_in_code_is_declared_and_every_declared_one_is_used():
    named = _capabilities_named_in_code()
    assert named - set(access.CAPABILITIES) == set()
    assert set(access.CAPABILITIES) - named == set()


def test_an_unknown_capability_is_an_error_not_a_refusal():
    with pytest.raises(KeyError):
        access.can(None, "reveiw")


def test_every_tier_has_readers_and_those_who_review_read_every_tier():
    assert set(access.TIER_READERS) == set(Visibility)
    assert access.TIER_READERS[Visibility.PUBLIC].anyone
    for tier, readers in access.TIER_READERS.items():
        assert readers.anyone or readers.signed_in or readers.roles or readers.organization_kinds, tier
        # A moderator approves a document of any tier, so reads them all.
        assert access.roles_with("review") <= readers.roles or readers.signed_in or readers.anyone, tier
    assert access.UNPUBLISHED_READERS.roles == access.roles_with("review")


SIGNED_IN = {
    "create_document",
    "see_own_documents",
    "keep_form_drafts",
    "answer_calls",
    "follow",
    "read_notifications",
    "hold_api_tokens",
}
MODERATING = {"review", "curate_forum", "see_statistics"}
ADMINISTERING = {"lead_review", "administer", "manage_organizations", "see_audit_log"}
ALL_TIERS = set(Visibility)
OPEN_TIERS = {Visibility.PUBLIC, Visibility.PARTICIPANTS}

# The behaviour of the functions the tables replaced (is_moderator, is_admin,
# can_see_statistics, require_signed_in, ...): what each kind of account may do and read.
ACCOUNTS = {
    #                   account          capabilities                      tiers read
    "anonymous": (None, set(), {Visibility.PUBLIC}),
    "inactive": (dict(role=Role.ADMIN, active=False), set(), {Visibility.PUBLIC}),
    "member_state": (dict(kind=OrganizationKind.MEMBER_STATE), SIGNED_IN, OPEN_TIERS | {Visibility.MEMBERS}),
    "observer_state": (dict(kind=OrganizationKind.OBSERVER_STATE), SIGNED_IN, OPEN_TIERS),
    "observer_org": (dict(kind=OrganizationKind.OBSERVER_ORG), SIGNED_IN, OPEN_TIERS),
    "civil_society": (dict(kind=OrganizationKind.CIVIL_SOCIETY), SIGNED_IN, OPEN_TIERS),
    "secretariat": (dict(org="TS"), SIGNED_IN | {"see_statistics"}, ALL_TIERS),
    "moderator": (dict(role=Role.MODERATOR), SIGNED_IN | MODERATING, ALL_TIERS),
    # A moderator's role counts, not the organization's kind.
    "member_moderator": (dict(role=Role.MODERATOR, org="MX"), SIGNED_IN | MODERATING, ALL_TIERS),
    "admin": (dict(role=Role.ADMIN), SIGNED_IN | MODERATING | ADMINISTERING, ALL_TIERS),
}


@pytest.mark.parametrize("account", ACCOUNTS)
def test_each_kind_of_account_holds_the_capabilities_and_reads_the_tiers_it_did(app, account):
    spec, capabilities, tiers = ACCOUNTS[account]
    user = None if spec is None else make_user(**spec)
    for capability in access.CAPABILITIES:
        assert access.can(user, capability) is (capability in capabilities), capability
        if capability in capabilities:
            access.require(user, capability)
        else:
            with pytest.raises(Forbidden):
                access.require(user, capability)
    assert access.visible_levels(user) == tiers
    assert access.search_access_filter(user).everything is (tiers == ALL_TIERS)


@on_both_databases
def test_the_query_clauses_select_exactly_the_documents_each_account_may_open(app):
    """The clauses are derived from the tables: on both databases they agree with the
    check on one document, for every account, tier, status and organization."""
    documents = [
        make_document(status=status, visibility=tier, org=org)
        for status in (DocumentStatus.PUBLISHED, DocumentStatus.DRAFT, DocumentStatus.SUBMITTED)
        for tier in Visibility
        for org in ("MX", "CO")
    ]
    readers = [None, access.SYSTEM] + [make_user(**spec) for spec, _caps, _tiers in ACCOUNTS.values() if spec]
    readers.append(make_user(kind=OrganizationKind.OBSERVER_STATE))  # of Colombia, the other author
    for reader in readers:
        may_open = {document.id for document in documents if access.can_view_document(reader, document)}
        for published_only in (True, False):
            listed = set(
                db.session.scalars(
                    select(Document.id).where(
                        access.visible_documents_clause(reader, published_only=published_only)
                    )
                )
            )
            expected = {
                document.id
                for document in documents
                if document.id in may_open
                and (not published_only or document.status == DocumentStatus.PUBLISHED)
            }
            assert listed == expected, (reader, published_only)


def test_the_system_holds_every_capability_and_reads_everything_without_being_signed_in(app):
    assert all(access.can(access.SYSTEM, capability) for capability in access.CAPABILITIES)
    assert access.visible_levels(access.SYSTEM) == ALL_TIERS
    assert not access.is_signed_in(access.SYSTEM)
    assert access.organization_id(access.SYSTEM) is None


def test_none_is_an_anonymous_caller_and_the_system_is_audited_without_an_actor(app):
    data = {"slug": "system-made", "name_en": "Made by the system", "name_es": "Hecho por el sistema"}
    with pytest.raises(Forbidden):
        taxonomy.create_tag(None, data)
    taxonomy.create_tag(access.SYSTEM, data)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tag_created"))
    assert event.actor_id is None


def test_every_api_endpoint_declares_who_may_call_it(app):
    from rcm_exchange.api.spec import CALLER_RULE, SECURITY

    api_endpoints = {
        endpoint: view
        for endpoint, view in app.view_functions.items()
        if endpoint.split(".")[0] in {blueprint.name for blueprint in _api_blueprints()}
    }
    assert api_endpoints
    for endpoint, view in api_endpoints.items():
        rule = getattr(view, CALLER_RULE, None)
        assert rule is not None, endpoint
        assert rule.token in SECURITY, endpoint


def _api_blueprints():
    from rcm_exchange.api import documents, forum, reference, review, tokens

    return [module.blp for module in (documents, forum, reference, review, tokens)]
