"""Documents: what a contributor may send (pages and API alike) and how a document is shown.

The load schemas are strict: an unknown field is refused, and the fields the server
decides (``id``, ``status``, ``organization``, ``author``, ``version`` on create) can
never be set by a client. Field names and enum values are those of the API contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from rcm_exchange import content
from rcm_exchange.content import ContentField, Kind
from rcm_exchange.models import DocumentStatus, OrganizationKind
from rcm_exchange.schemas import TOO_MANY_COUNTRIES, TOO_MANY_TOPICS, Text, at_most_list_values

# Fields a form sends more than once (checkboxes and multiple selects).
LIST_FIELDS = frozenset(content.names_of_kind(*content.LIST_KINDS))
# The document form's field for the call for practices a document answers: not content
# of the document (the answer is a record of its own), yet typed in the same form.
CALL_FIELD = "call"


def _enum(enum_class, message, **kwargs):
    return fields.Enum(enum_class, by_value=True, error_messages={"unknown": message}, **kwargs)


def _input_field(field: ContentField, **options) -> fields.Field:
    if field.kind in content.TEXT_KINDS:
        return Text(
            validate=validate.Length(min=1 if field.required else None, max=field.max_length), **options
        )
    if field.kind is Kind.ENUM:
        return _enum(field.enum, field.unknown_message, allow_none=field.nullable, **options)
    if field.kind is Kind.DATE:
        return fields.Date(allow_none=field.nullable, **options)
    if field.kind is Kind.TAGS:
        return fields.List(
            Text(validate=validate.Length(min=1, max=field.max_length)),
            validate=at_most_list_values(TOO_MANY_TOPICS),
            **options,
        )
    # ISO alpha-2 codes
    return fields.List(
        Text(validate=validate.Length(equal=2)), validate=at_most_list_values(TOO_MANY_COUNTRIES), **options
    )


def _document_fields(*, partial: bool) -> dict:
    """The editable fields; ``partial`` (PATCH) leaves out what is not sent instead of
    filling defaults, so a missing field means "unchanged"."""

    def presence(field: ContentField) -> dict:
        if field.required:
            return {"required": not partial}
        if partial:
            return {}
        default = field.default if field.default is not None else field.empty
        return {"load_default": list if field.kind in content.LIST_KINDS else default}

    return {field.name: _input_field(field, **presence(field)) for field in content.FIELDS}


class _DocumentRules(Schema):
    class Meta:
        unknown = RAISE

    @validates_schema
    def _check_period(self, data, **kwargs):
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            raise ValidationError(str(_l("The end of the period is before its start.")), "period_end")

    @validates_schema
    def _practice_fields_only_on_practices(self, data, **kwargs):
        doc_type = data.get("doc_type")
        if doc_type is None or doc_type in content.PRACTICE_TYPES:
            return
        given = [
            field.name for field in content.PRACTICE_FIELDS if data.get(field.name) not in (None, field.empty)
        ]
        if given:
            message = str(_l("Practice details belong to practice reports and experiences only."))
            raise ValidationError({name: [message] for name in given})


# Built from the content definition; the type checker, which cannot follow ``from_dict``,
# knows it by its base.
if TYPE_CHECKING:
    DocumentSchema = _DocumentRules
else:
    DocumentSchema = _DocumentRules.from_dict(_document_fields(partial=False), name="DocumentSchema")
DocumentSchema.__doc__ = "A new document (POST /documents, the new-document form)."


class DocumentEditSchema(DocumentSchema):
    """The edit form: every field again (a blank optional field clears it) plus the
    version the editor read."""

    version = fields.Integer(required=True, strict=False)


DocumentPatchSchema = _DocumentRules.from_dict(
    {**_document_fields(partial=True), "version": fields.Integer(required=True, strict=False)},
    name="DocumentPatchSchema",
)
DocumentPatchSchema.__doc__ = "PATCH /documents/<id>: any subset of the fields plus the version read last."


class VersionSchema(Schema):
    """Submit and withdraw: only the version the caller read."""

    class Meta:
        unknown = RAISE

    version = fields.Integer(required=True, strict=False)


# --- output -----------------------------------------------------------------


class OrganizationRefSchema(Schema):
    id = fields.Integer(required=True)
    name = Text(required=True)
    acronym = Text(required=True)
    kind = fields.Enum(OrganizationKind, by_value=True, required=True)


class AuthorRefSchema(Schema):
    id = fields.Integer(required=True)
    name = Text(required=True)


class AttachmentOutSchema(Schema):
    id = fields.Integer(required=True)
    filename = Text(required=True)
    content_type = Text(required=True)
    size = fields.Integer(required=True)
    # API clients download with their token, so the link is the API's.
    url = fields.Method("_url", required=True, metadata={"type": "string", "format": "uri"})

    def _url(self, attachment) -> str:
        from rcm_exchange.links import external_url

        return external_url("api_documents.download_attachment", attachment_id=attachment.id)


# What the API says of a list field's items.
_LIST_DESCRIPTIONS = {Kind.TAGS: "Tag slugs.", Kind.COUNTRIES: "ISO alpha-2 codes."}


def _output_field(field: ContentField) -> fields.Field:
    if field.kind in content.TEXT_KINDS:
        return Text(required=True)
    if field.kind is Kind.ENUM:
        assert field.enum is not None, "an enum field names its enum"
        return fields.Enum(field.enum, by_value=True, allow_none=field.nullable, required=True)
    if field.kind is Kind.DATE:
        return fields.Date(allow_none=field.nullable, required=True)
    # The codes, as a revision stores them.
    return fields.Function(
        lambda document: content.snapshot_value(document, field),
        required=True,
        metadata={
            "type": "array",
            "items": {"type": "string"},
            "description": _LIST_DESCRIPTIONS[field.kind],
        },
    )


if TYPE_CHECKING:  # as DocumentSchema above
    _DocumentContentOutSchema = Schema
else:
    _DocumentContentOutSchema = Schema.from_dict(
        {field.name: _output_field(field) for field in content.FIELDS}, name="DocumentContentOutSchema"
    )


class DocumentOutSchema(_DocumentContentOutSchema):
    """A document as the API returns it (see API.md, "Documents"): its content, then
    what the site keeps of it."""

    id = fields.Integer(required=True)
    status = fields.Enum(DocumentStatus, by_value=True, required=True)
    version = fields.Integer(required=True)
    organization = fields.Nested(OrganizationRefSchema, required=True)
    author = fields.Nested(AuthorRefSchema, allow_none=True, required=True)
    attachments = fields.List(fields.Nested(AttachmentOutSchema), required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(allow_none=True, required=True)
    published_at = fields.DateTime(allow_none=True, required=True)
    url = fields.Method(
        "_url",
        required=True,
        metadata={"type": "string", "format": "uri", "description": "The document's page on the site."},
    )
    standing = fields.Function(
        lambda document: document.standing_record.standing.value if document.standing_record else None,
        required=True,
        allow_none=True,
        metadata={
            "type": "string",
            "nullable": True,
            "description": (
                "national_practice, organizational_practice, or an RCM document: declaration, "
                "regional_guideline, recommendation, vice_ministerial_decision."
            ),
        },
    )
    meetings = fields.Method(
        "_meetings",
        required=True,
        metadata={
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "meeting": {"type": "string"},
                    "role": {"type": "string", "enum": ["presented_at", "adopted_at"]},
                },
            },
            "description": "Meetings it was presented at or adopted at, by meeting slug (e.g. rcgm-27).",
        },
    )
    call = fields.Function(
        lambda document: document.call_answer.call_id if document.call_answer else None,
        required=True,
        allow_none=True,
        metadata={
            "type": "integer",
            "nullable": True,
            "description": "Id of the call for practices it answers.",
        },
    )

    def _meetings(self, document) -> list[dict]:
        return [
            {"meeting": link.meeting.slug, "role": link.role.value}
            for link in sorted(
                document.meeting_links, key=lambda each: (each.meeting.starts_on, each.role.value)
            )
        ]

    def _url(self, document) -> str:
        from rcm_exchange.links import external_url

        return external_url("documents.detail", document_id=document.id)


class AuditEventOutSchema(Schema):
    """One entry of GET /documents/<id>/history."""

    at = fields.DateTime(required=True)
    actor = fields.Nested(AuthorRefSchema, required=True, allow_none=True)
    action = Text(required=True)
    from_status = Text(allow_none=True, required=True)
    to_status = Text(allow_none=True, required=True)
    comment = Text(required=True)
