"""One line of the JSON Lines file of ``flask rcm import`` / ``export``: the document
fields of the API, plus the organization's acronym and the publication date."""

from __future__ import annotations

from datetime import UTC

from marshmallow import fields, validate

from rcm_exchange.models import Standing
from rcm_exchange.schemas import Id, Text
from rcm_exchange.schemas.documents import DocumentSchema
from rcm_exchange.schemas.forum import MeetingLinkInSchema


class ImportLineSchema(DocumentSchema):
    id = Id(load_default=None, strict=True, metadata={"description": "The document's id where it came from."})
    organization = Text(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "Acronym, e.g. MX, IOM, TS."},
    )
    published_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    standing = fields.Enum(Standing, by_value=True, load_default=None, allow_none=True)
    meetings = fields.List(
        fields.Nested(MeetingLinkInSchema),
        load_default=list,
        metadata={
            "description": "Meetings it was presented at or adopted at: "
            '[{"meeting": "rcgm-27", "role": ...}].'
        },
    )
    call = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=2, max=80),
        metadata={"description": "Slug of the call for practices it answers, e.g. 2026-labour-integration."},
    )
