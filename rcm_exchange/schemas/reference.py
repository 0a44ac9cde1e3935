"""Reference data as the API shows it: tags, organizations and countries."""

from marshmallow import Schema, fields

from rcm_exchange.models import OrganizationKind, RcmStatus
from rcm_exchange.schemas import Text


class TagOutSchema(Schema):
    slug = Text(required=True)
    name_en = Text(required=True)
    name_es = Text(required=True)
    description = Text(
        required=True,
        metadata={"description": "In the language of the request (Accept-Language), English by default."},
    )
    description_en = Text(required=True)
    description_es = Text(required=True)
    is_pillar = fields.Boolean(required=True)
    position = fields.Integer(required=True, metadata={"description": "Pillars first, then by position."})
    retired = fields.Boolean(required=True, metadata={"description": "No longer offered for new documents."})
    merged_into = Text(
        required=True,
        allow_none=True,
        metadata={
            "description": "Slug of the tag this one was merged into; its address and slug lead there."
        },
    )
    updated_at = fields.DateTime(required=True)
    count = fields.Integer(
        required=True, metadata={"description": "Published documents with this tag that the caller may see."}
    )


class OrganizationOutSchema(Schema):
    id = fields.Integer(required=True)
    name = Text(required=True)
    acronym = Text(required=True)
    kind = fields.Enum(OrganizationKind, by_value=True, required=True)
    country = Text(
        required=True,
        allow_none=True,
        attribute="country_code",
        metadata={"description": "ISO alpha-2 code, for states."},
    )
    name_es = Text(required=True, allow_none=True)
    active = fields.Boolean(required=True)


class CountryOutSchema(Schema):
    code = Text(required=True)
    name_en = Text(required=True)
    name_es = Text(required=True)
    rcm_status = fields.Enum(RcmStatus, by_value=True, required=True, allow_none=True)
