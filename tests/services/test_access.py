"""The one access policy, as a table: who sees which document in which status."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import Document, DocumentStatus, OrganizationKind, Role
from rcm_exchange.services import access
from tests.builders import PA, SEC, M, P, make_document, make_reader, make_user

# Readers of a document written by Mexico (a member state).
READERS = {
    "anonymous": None,
    "civil_society": dict(kind=OrganizationKind.CIVIL_SOCIETY),
    "observer_org": dict(kind=OrganizationKind.OBSERVER_ORG),
    "observer_state": dict(kind=OrganizationKind.OBSERVER_STATE),
    "other_member": dict(org="GT"),
    "same_org": dict(org="MX"),
    "secretariat_staff": dict(org="TS"),
    "moderator": dict(role=Role.MODERATOR),
}

PUBLISHED_TABLE = {
    #                    public participants members secretariat
    "anonymous": (True, False, False, False),
    "civil_society": (True, True, False, False),
    "observer_org": (True, True, False, False),
    "observer_state": (True, True, False, False),
    "other_member": (True, True, True, False),
    "same_org": (True, True, True, True),
    "secretariat_staff": (True, True, True, True),
    "moderator": (True, True, True, True),
}

UNPUBLISHED = [s for s in DocumentStatus if s != DocumentStatus.PUBLISHED]
UNPUBLISHED_READERS = {"same_org", "moderator"}


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("visibility", [P, PA, M, SEC])
def test_published_document_visibility(app, reader, visibility):
    expected = PUBLISHED_TABLE[reader][[P, PA, M, SEC].index(visibility)]
    document = make_document(visibility=visibility, org="MX")
    user = make_reader(READERS[reader])
    assert access.can_view_document(user, document) is expected
    listed = db.session.scalars(select(Document.id).where(access.visible_documents_clause(user))).all()
    assert (document.id in listed) is expected


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("status", UNPUBLISHED)
def test_unpublished_documents_are_seen_only_by_their_organization_and_moderators(app, reader, status):
    document = make_document(status=status, visibility=P, org="MX")
    user = make_reader(READERS[reader])
    expected = reader in UNPUBLISHED_READERS
    assert access.can_view_document(user, document) is expected
    any_status = access.visible_documents_clause(user, published_only=False)
    assert (document.id in db.session.scalars(select(Document.id).where(any_status)).all()) is expected
    # Lists of published material never show unpublished work, whoever asks.
    assert (
        document.id
        not in db.session.scalars(select(Document.id).where(access.visible_documents_clause(user))).all()
    )


def test_deactivated_account_sees_what_the_public_sees(app):
    user = make_user(org="MX", active=False)
    document = make_document(visibility=PA, org="GT")
    assert not access.can_view_document(user, document)
