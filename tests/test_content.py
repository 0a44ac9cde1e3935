"""The content definition is the one list of a document's fields: every field of it is
stored, copied into a revision, cleaned, compared, indexed, loaded, shown by the API and
offered by the form. Each check runs for every field of ``content.FIELDS``, so a field
added to the definition that one of these places does not handle fails here."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from rcm_exchange import content, labels
from rcm_exchange.content import ContentField, Kind
from rcm_exchange.extensions import db
from rcm_exchange.models import Document, Role, Tag
from rcm_exchange.sanitize import html_to_text
from rcm_exchange.schemas import load
from rcm_exchange.schemas.conversation import FormDraftSchema
from rcm_exchange.schemas.documents import (
    DocumentEditSchema,
    DocumentOutSchema,
    DocumentPatchSchema,
    DocumentSchema,
)
from rcm_exchange.services import documents, lifecycle, review, search
from tests.builders import make_document, make_user
from tests.conftest import on_both_databases


def _tags_in_shown_order(count: int) -> list[str]:
    return list(db.session.scalars(select(Tag.slug).order_by(Tag.position).limit(count)))


def new_value(field: ContentField, current):
    """A value of the field's kind, as the API sends it, that differs from ``current``."""
    if field.kind in (Kind.LINE, Kind.TEXT):
        return f"New words for {field.name}"
    if field.kind is Kind.HTML:
        return f"<p>New <strong>words</strong> for {field.name}</p>"
    if field.kind is Kind.ENUM:
        return next(member.value for member in field.enum if member.value != current)
    if field.kind is Kind.DATE:
        return "2024-03-31" if current != "2024-03-31" else "2024-04-30"
    if field.kind is Kind.TAGS:
        return next([slug] for slug in _tags_in_shown_order(20) if slug not in current)
    return next([code] for code in ("CR", "GT", "MX") if code not in current)


def every_field_filled() -> dict:
    """A practice report's content with a value in every field, in the order the
    database gives lists back (so that reading it again gives the same)."""
    filled = {field.name: new_value(field, field.empty) for field in content.FIELDS}
    filled.update(
        doc_type="practice_report",
        tags=_tags_in_shown_order(2),
        countries=["CR", "MX"],
        period_start="2023-01-01",
        period_end="2024-03-31",
    )
    return filled


def reloaded(document: Document) -> Document:
    """The document as a new session reads it from the database."""
    db.session.commit()
    document_id = document.id
    db.session.expunge_all()
    return db.session.get(Document, document_id)


@on_both_databases
def test_every_field_round_trips_snapshot_apply_snapshot(app):
    filled = every_field_filled()
    assert set(filled) == set(content.NAMES)
    first = make_document()
    content.apply_content(first, filled)
    stored = content.snapshot(reloaded(first))
    assert stored == filled
    assert json.loads(json.dumps(stored)) == stored  # a revision keeps it as JSON

    second = make_document()
    assert all(content.snapshot(second)[name] != stored[name] for name in ("title", "tags", "period_end"))
    content.apply_content(second, stored)
    assert content.snapshot(reloaded(second)) == stored


def test_every_field_is_loaded_kept_while_typing_and_named(app):
    for schema in (DocumentSchema(), DocumentEditSchema(), DocumentPatchSchema()):
        assert set(content.NAMES) <= set(schema.fields)
    assert set(content.NAMES) <= set(DocumentOutSchema().fields)
    typed = {name: "typed" for name in content.NAMES}
    assert load(FormDraftSchema(), {"values": typed}) == {"values": typed}
    assert all(labels.field_label(name) for name in content.NAMES)


@pytest.mark.parametrize("field", content.FIELDS, ids=lambda field: field.name)
def test_a_change_of_any_field_goes_through_a_revision_to_the_api(app, field):
    author, moderator = make_user(org="MX"), make_user(role=Role.MODERATOR)
    document = make_document(org="MX", author=author)
    before = content.snapshot(document)
    sent = new_value(field, before[field.name])
    changes = load(DocumentPatchSchema(), {field.name: sent, "version": document.version})
    documents.update_document(author, document, changes, changes["version"])

    proposed = lifecycle.pending_revision(document).data
    assert proposed == {**before, field.name: sent}
    assert [change.field for change in review.revision_diff(moderator, document)] == [field.name]

    content.apply_content(document, proposed)  # as approving the revision does
    document = reloaded(document)
    assert content.snapshot(document) == proposed
    assert DocumentOutSchema().dump(document)[field.name] == sent
    if field.search is not None:
        words = html_to_text(sent) if field.kind is Kind.HTML else sent
        assert words in search.index_entry(document)[field.search]


def test_the_document_form_offers_every_field(app, login_as):
    author = make_user(org="MX")
    document = make_document(org="MX", author=author)
    page = login_as(author).get(f"/documents/{document.id}/edit").get_data(as_text=True)
    assert [name for name in content.NAMES if f'name="{name}"' not in page] == []


def test_practice_details_are_dropped_when_a_document_stops_being_a_practice(app):
    practice = every_field_filled()
    guidance = content.merged_content(practice, {"doc_type": "guidance"})
    assert {name for name in practice if guidance[name] != practice[name]} == {
        "doc_type",
        *(field.name for field in content.PRACTICE_FIELDS),
    }
    assert all(guidance[field.name] == field.empty for field in content.PRACTICE_FIELDS)
