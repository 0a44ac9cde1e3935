"""Moderation: one decision on a document, the same decision on several, and the queue's
filters. Used by the review pages and by the API's ``/review`` endpoints."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from rcm_exchange.labels import AUDIT_ACTIONS
from rcm_exchange.models import DocumentStatus
from rcm_exchange.models.base import MAX_ID
from rcm_exchange.schemas import Id, Page, PlainText, Text
from rcm_exchange.transitions import (
    COMMENT_MISSING,
    COMMENT_REQUIRED,
    PAGE_ACTIONS,
    PENDING_REVIEW,
    REVIEW_ACTIONS,
)

COMMENT_MAX = 5000


def _require_comment(data) -> None:
    if data.get("action") in COMMENT_REQUIRED and not (data.get("comment") or "").strip():
        raise ValidationError(str(COMMENT_MISSING), "comment")


class ReviewActionSchema(Schema):
    """POST /documents/<id>/review ``{"action", "comment", "version"}``."""

    class Meta:
        unknown = RAISE

    action = Text(
        required=True, validate=validate.OneOf(REVIEW_ACTIONS, error=_l("Choose one of the review actions."))
    )
    comment = PlainText(load_default="", validate=validate.Length(max=COMMENT_MAX))
    version = fields.Integer(required=True, strict=False)

    @validates_schema
    def _comment_when_required(self, data, **kwargs):
        _require_comment(data)


class PageReviewActionSchema(ReviewActionSchema):
    """The review page's buttons: the API's actions plus releasing a claim."""

    action = Text(
        required=True, validate=validate.OneOf(PAGE_ACTIONS, error=_l("Choose one of the review actions."))
    )


class DocumentRefField(fields.Field):
    """A document and the version the moderator saw: ``{"id": 3, "version": 2}`` in JSON,
    ``"3:2"`` from a checkbox of the queue page."""

    default_error_messages = {"invalid": _l("Not a valid document reference.")}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            if isinstance(value, str):
                document_id, version = value.split(":")
            elif isinstance(value, dict) and set(value) == {"id", "version"}:
                document_id, version = value["id"], value["version"]
            else:
                raise ValueError
            if isinstance(document_id, bool) or isinstance(version, bool):
                raise ValueError
            reference = {"id": int(document_id), "version": int(version)}
        except (TypeError, ValueError) as error:
            raise self.make_error("invalid") from error
        # An id no row can have would overflow the database's integer (a 500).
        if not 1 <= reference["id"] <= MAX_ID:
            raise self.make_error("invalid")
        return reference


class BulkReviewSchema(Schema):
    """The same decision, with one shared comment, on several documents."""

    class Meta:
        unknown = RAISE

    action = Text(
        required=True, validate=validate.OneOf(REVIEW_ACTIONS, error=_l("Choose one of the review actions."))
    )
    comment = PlainText(load_default="", validate=validate.Length(max=COMMENT_MAX))
    items = fields.List(
        DocumentRefField(),
        required=True,
        validate=validate.Length(min=1, max=200, error=_l("Select at least one document.")),
    )

    @validates_schema
    def _comment_when_required(self, data, **kwargs):
        _require_comment(data)


class ReassignSchema(Schema):
    class Meta:
        unknown = RAISE

    moderator_id = Id(required=True)
    version = fields.Integer(required=True, strict=False)
    comment = PlainText(load_default="", validate=validate.Length(max=COMMENT_MAX))


class QueueFilterSchema(Schema):
    """GET /review/queue and the queue page's filters."""

    class Meta:
        unknown = RAISE

    status = fields.Enum(
        DocumentStatus,
        by_value=True,
        load_default=None,
        validate=validate.OneOf(PENDING_REVIEW, error=_l("Choose a status of the review queue.")),
    )
    tag = Text(load_default=None, validate=validate.Length(max=80))
    country = Text(load_default=None, validate=validate.Length(equal=2))
    organization = Id(load_default=None)
    call = Id(load_default=None, metadata={"description": "Only answers to this call for practices."})
    page = Page()
    per_page = fields.Integer(load_default=50, strict=False, validate=validate.Range(min=1, max=100))


class AuditFilterSchema(Schema):
    """The admins' audit log: by actor, document and date."""

    class Meta:
        unknown = RAISE

    actor = Id(load_default=None)
    document = Id(load_default=None)
    action = fields.String(load_default=None, validate=validate.OneOf(list(AUDIT_ACTIONS)))
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    before = Id(load_default=None, metadata={"description": "Continue with the events older than this one."})
