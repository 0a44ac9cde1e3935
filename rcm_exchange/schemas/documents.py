"""Documents: what a contributor may send (pages and API alike) and how a document is shown.

The load schemas are strict: an unknown field is refused, and the fields the server
decides (``id``, ``status``, ``organization``, ``author``, ``version`` on create) can
never be set by a client. Field names and enum values are those of the API contract.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from rcm_exchange.models import (
    DocType,
    DocumentStatus,
    ImplementationStatus,
    Language,
    OrganizationKind,
    Visibility,
)
from rcm_exchange.schemas import Text

TITLE_MAX = 300
SUMMARY_MAX = 4000
BODY_MAX = 500_000
SHORT_TEXT_MAX = 500

PRACTICE_FIELDS = ("implementation_status", "period_start", "period_end", "implementing_bodies",
                   "partners", "results_html")
PRACTICE_TYPES = frozenset({DocType.PRACTICE_REPORT, DocType.EXPERIENCE})
# Fields a form sends more than once (checkboxes and multiple selects).
LIST_FIELDS = frozenset({"tags", "countries"})


def _enum(enum_class, message, **kwargs):
    return fields.Enum(enum_class, by_value=True, error_messages={"unknown": message}, **kwargs)


def _document_fields(*, partial: bool) -> dict:
    """The editable fields; ``partial`` (PATCH) leaves out what is not sent instead of
    filling defaults, so a missing field means "unchanged"."""
    required = not partial

    def default(value):
        return {} if partial else {"load_default": value}

    return {
        "title": Text(required=required, validate=validate.Length(min=1, max=TITLE_MAX)),
        "summary": Text(required=required, validate=validate.Length(min=1, max=SUMMARY_MAX)),
        "body_html": Text(required=required, validate=validate.Length(min=1, max=BODY_MAX)),
        "doc_type": _enum(DocType, _l("Choose the type of document."), required=required),
        "language": _enum(Language, _l("Choose the language of the document."), required=required),
        "visibility": _enum(Visibility, _l("Choose who may read the document."),
                            **default(Visibility.PARTICIPANTS)),
        "tags": fields.List(Text(validate=validate.Length(min=1, max=80)), **default(list)),
        "countries": fields.List(Text(validate=validate.Length(equal=2)), **default(list)),
        "implementation_status": _enum(ImplementationStatus, _l("Choose an implementation status."),
                                       allow_none=True, **default(None)),
        "period_start": fields.Date(allow_none=True, **default(None)),
        "period_end": fields.Date(allow_none=True, **default(None)),
        "implementing_bodies": Text(validate=validate.Length(max=SHORT_TEXT_MAX),
                                             **default("")),
        "partners": Text(validate=validate.Length(max=SHORT_TEXT_MAX), **default("")),
        "results_html": Text(validate=validate.Length(max=BODY_MAX), **default("")),
    }


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
        if doc_type is None or doc_type in PRACTICE_TYPES:
            return
        given = [name for name in PRACTICE_FIELDS if data.get(name) not in (None, "")]
        if given:
            message = str(_l("Practice details belong to practice reports and experiences only."))
            raise ValidationError({name: [message] for name in given})


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


class DocumentOutSchema(Schema):
    """A document as the API returns it (see API.md, "Documents")."""

    id = fields.Integer(required=True)
    title = Text(required=True)
    summary = Text(required=True)
    body_html = Text(required=True)
    doc_type = fields.Enum(DocType, by_value=True, required=True)
    language = fields.Enum(Language, by_value=True, required=True)
    tags = fields.Method("_tags", required=True,
                         metadata={"type": "array", "items": {"type": "string"}, "description": "Tag slugs."})
    countries = fields.Method("_countries", required=True, metadata={
        "type": "array", "items": {"type": "string"}, "description": "ISO alpha-2 codes."})
    visibility = fields.Enum(Visibility, by_value=True, required=True)
    status = fields.Enum(DocumentStatus, by_value=True, required=True)
    version = fields.Integer(required=True)
    implementation_status = fields.Enum(ImplementationStatus, by_value=True, allow_none=True, required=True)
    period_start = fields.Date(allow_none=True, required=True)
    period_end = fields.Date(allow_none=True, required=True)
    implementing_bodies = Text(required=True)
    partners = Text(required=True)
    results_html = Text(required=True)
    organization = fields.Nested(OrganizationRefSchema, required=True)
    author = fields.Nested(AuthorRefSchema, allow_none=True, required=True)
    attachments = fields.List(fields.Nested(AttachmentOutSchema), required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(allow_none=True, required=True)
    published_at = fields.DateTime(allow_none=True, required=True)
    url = fields.Method("_url", required=True, metadata={
        "type": "string", "format": "uri", "description": "The document's page on the site."})
    standing = fields.Function(
        lambda document: document.standing_record.standing.value if document.standing_record else None,
        required=True, allow_none=True, metadata={"type": "string", "nullable": True, "description": (
            "national_practice, organizational_practice, or an RCM document: declaration, "
            "regional_guideline, recommendation, vice_ministerial_decision.")})
    meetings = fields.Method("_meetings", required=True, metadata={
        "type": "array", "items": {"type": "object", "properties": {
            "meeting": {"type": "string"}, "role": {"type": "string", "enum": ["presented_at", "adopted_at"]}}},
        "description": "Meetings it was presented at or adopted at, by meeting slug (e.g. rcgm-27)."})
    call = fields.Function(lambda document: document.call_answer.call_id if document.call_answer else None,
                           required=True, allow_none=True, metadata={
                               "type": "integer", "nullable": True,
                               "description": "Id of the call for practices it answers."})

    def _meetings(self, document) -> list[dict]:
        return [{"meeting": link.meeting.slug, "role": link.role.value}
                for link in sorted(document.meeting_links, key=lambda l: (l.meeting.starts_on, l.role.value))]

    def _tags(self, document) -> list[str]:
        return [tag.slug for tag in document.tags]

    def _countries(self, document) -> list[str]:
        return [country.code for country in document.countries]

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
