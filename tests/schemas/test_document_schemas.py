"""The document and review schemas are strict: what the server decides cannot be sent."""

from __future__ import annotations

import pytest

from rcm_exchange.errors import ValidationFailed
from rcm_exchange.schemas import load
from rcm_exchange.schemas.documents import DocumentPatchSchema, DocumentSchema, VersionSchema
from rcm_exchange.schemas.review import BulkReviewSchema, ReviewActionSchema

VALID = {"title": "t", "summary": "s", "body_html": "<p>b</p>", "doc_type": "guidance", "language": "es"}


@pytest.mark.parametrize("field", ["status", "organization", "author", "id", "version", "published_at"])
def test_fields_the_server_decides_are_refused_on_create(app, field):
    with pytest.raises(ValidationFailed) as caught:
        load(DocumentSchema(), {**VALID, field: "published"})
    assert field in caught.value.errors


@pytest.mark.parametrize("field", ["status", "organization", "author", "id"])
def test_fields_the_server_decides_are_refused_on_patch(app, field):
    with pytest.raises(ValidationFailed):
        load(DocumentPatchSchema(), {"version": 1, field: 1})


def test_a_patch_changes_only_what_is_sent_and_needs_the_version(app):
    assert load(DocumentPatchSchema(), {"title": "New", "version": "3"}) == {"title": "New", "version": 3}
    with pytest.raises(ValidationFailed) as caught:
        load(DocumentPatchSchema(), {"title": "New"})
    assert "version" in caught.value.errors
    with pytest.raises(ValidationFailed):
        load(VersionSchema(), {})


def test_create_defaults_to_participants_and_checks_enum_values(app):
    assert load(DocumentSchema(), VALID)["visibility"].value == "participants"
    with pytest.raises(ValidationFailed) as caught:
        load(DocumentSchema(), {**VALID, "visibility": "everyone", "language": "de"})
    assert set(caught.value.errors) == {"visibility", "language"}


def test_review_actions_are_those_of_the_contract_and_some_need_a_comment(app):
    assert load(ReviewActionSchema(), {"action": "approve", "version": 2})["comment"] == ""
    for action in ("request_changes", "reject"):
        with pytest.raises(ValidationFailed) as caught:
            load(ReviewActionSchema(), {"action": action, "version": 2})
        assert "comment" in caught.value.errors
    with pytest.raises(ValidationFailed):
        load(ReviewActionSchema(), {"action": "publish", "version": 2})


def test_bulk_items_come_as_id_and_version_from_json_or_a_form(app):
    data = load(BulkReviewSchema(), {"action": "claim", "items": ["4:2", {"id": 5, "version": 1}]})
    assert data["items"] == [{"id": 4, "version": 2}, {"id": 5, "version": 1}]
    with pytest.raises(ValidationFailed):
        load(BulkReviewSchema(), {"action": "claim", "items": ["4"]})
    with pytest.raises(ValidationFailed):
        load(BulkReviewSchema(), {"action": "claim", "items": []})
