"""Every stored value a page shows has a label in the reader's language."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from rcm_exchange import labels
from rcm_exchange.models import (
    BodyKind,
    DocType,
    DocumentStatus,
    ImplementationStatus,
    MeetingRole,
    OrganizationKind,
    Standing,
    Visibility,
)

LABELLED = [
    (labels.doc_type_label, DocType),
    (labels.status_label, DocumentStatus),
    (labels.visibility_label, Visibility),
    (labels.implementation_status_label, ImplementationStatus),
    (labels.organization_kind_label, OrganizationKind),
    (labels.standing_label, Standing),
    (labels.body_kind_label, BodyKind),
    (labels.meeting_role_label, MeetingRole),
]


@pytest.mark.parametrize("label, enum_class", LABELLED, ids=lambda x: getattr(x, "__name__", ""))
def test_every_value_has_an_english_and_a_spanish_label(app, label, enum_class):
    with app.test_request_context():
        for member in enum_class:
            with force_locale("en"):
                english = label(member)
            with force_locale("es"):
                spanish = label(member.value)  # the stored string works as well as the member
            assert english and english != member.value, member
            assert spanish and spanish != english, member


def test_labels_in_spanish_read_naturally(app):
    with app.test_request_context(), force_locale("es"):
        assert labels.doc_type_label("guidance") == "Orientación"
        assert labels.status_label(DocumentStatus.CHANGES_REQUESTED) == "Cambios solicitados"
        assert labels.visibility_label("members") == "Estados miembros"


def test_an_unknown_value_shows_as_itself_rather_than_breaking_the_page(app):
    with app.test_request_context():
        assert labels.status_label("someday") == "someday"
        assert labels.doc_type_label(None) == ""
