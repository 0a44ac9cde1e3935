"""The forum's structure: tags as the Secretariat curates them, organizations, RCM
bodies and meetings, a document's standing and meeting links, calls for practices and
their answers. One module validates the pages' forms and the API's bodies alike."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from rcm_exchange.models import BodyKind, MeetingRole, OrganizationKind, Standing
from rcm_exchange.schemas import (
    TOO_MANY_MEETINGS,
    TOO_MANY_TOPICS,
    Id,
    Line,
    PlainText,
    Text,
    at_most_list_values,
)

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
NAME_MAX = 160
DESCRIPTION_MAX = 2000
THEME_MAX = 300
CRITERIA_MAX = 10_000
PLACE_MAX = 200
MIN_YEAR, MAX_YEAR = 1996, 2100  # the RCM first met in 1996
# Fields a form sends more than once.
LIST_FIELDS = frozenset({"tags", "answerable_by", "presented_at", "adopted_at"})


def _enum(enum_class, message, **kwargs):
    return fields.Enum(enum_class, by_value=True, error_messages={"unknown": message}, **kwargs)


def _year(**kwargs):
    return fields.Integer(strict=False, validate=validate.Range(min=MIN_YEAR, max=MAX_YEAR), **kwargs)


def _slug(**kwargs):
    return Text(
        validate=[
            validate.Length(min=2, max=80),
            validate.Regexp(
                SLUG_PATTERN,
                error=_l("Use lowercase letters, digits and single hyphens, e.g. labour-rights."),
            ),
        ],
        **kwargs,
    )


class _Strict(Schema):
    class Meta:
        unknown = RAISE


# --- tags ------------------------------------------------------------------------


class TagSchema(_Strict):
    """A new theme (POST /tags, the new-tag form)."""

    slug = _slug(required=True)
    name_en = Line(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    name_es = Line(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    description_en = PlainText(load_default="", validate=validate.Length(max=DESCRIPTION_MAX))
    description_es = PlainText(load_default="", validate=validate.Length(max=DESCRIPTION_MAX))
    position = fields.Integer(
        load_default=None, allow_none=True, strict=False, validate=validate.Range(min=1, max=10_000)
    )


class TagEditSchema(_Strict):
    """Renaming, describing, ordering and retiring (PATCH /tags/<slug>, the tag form)."""

    name_en = Line(validate=validate.Length(min=1, max=NAME_MAX))
    name_es = Line(validate=validate.Length(min=1, max=NAME_MAX))
    description_en = PlainText(validate=validate.Length(max=DESCRIPTION_MAX))
    description_es = PlainText(validate=validate.Length(max=DESCRIPTION_MAX))
    position = fields.Integer(strict=False, validate=validate.Range(min=1, max=10_000))
    retired = fields.Boolean()


class TagMergeSchema(_Strict):
    into = Text(
        required=True,
        validate=validate.Length(min=1, max=80),
        metadata={"description": "Slug of the tag that takes over the documents."},
    )


class TagListQuerySchema(Schema):
    changed_since = fields.Date(
        load_default=None,
        metadata={
            "description": "Only tags created, renamed, reordered, retired or merged on or after this "
            "day (UTC), retired and merged ones included."
        },
    )


# --- organizations ---------------------------------------------------------------


class OrganizationSchema(_Strict):
    """POST /organizations and the organization form."""

    acronym = Line(required=True, validate=validate.Length(min=1, max=40))
    name = Line(
        required=True, validate=validate.Length(min=1, max=200), metadata={"description": "In English."}
    )
    name_es = Line(required=True, validate=validate.Length(min=1, max=200))
    kind = _enum(OrganizationKind, _l("Choose the kind of organization."), required=True)
    country = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(equal=2),
        metadata={"description": "ISO alpha-2 code; states must give theirs."},
    )
    active = fields.Boolean(load_default=True)


class OrganizationChangesSchema(OrganizationSchema):
    """PATCH /organizations/<id>: any subset of the fields (loaded with ``partial``)."""


class OrganizationEditSchema(OrganizationSchema):
    """The organization form when editing: every field again."""

    active = fields.Boolean(load_default=False)  # an unticked box is not sent


# --- bodies and meetings ---------------------------------------------------------


class BodyOutSchema(Schema):
    slug = Text(required=True)
    kind = fields.Enum(BodyKind, by_value=True, required=True)
    name_en = Text(required=True)
    name_es = Text(required=True)


class MeetingSchema(_Strict):
    """POST /meetings and the meeting form."""

    body = Text(
        required=True,
        validate=validate.Length(min=1, max=80),
        metadata={"description": "Slug of the RCM body, e.g. rcgm."},
    )
    number = fields.Integer(required=True, strict=False, validate=validate.Range(min=1, max=1000))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    place = Line(required=True, validate=validate.Length(min=1, max=PLACE_MAX))
    host_country = Text(load_default=None, allow_none=True, validate=validate.Length(equal=2))
    ppt_year = _year(required=True, metadata={"description": "Year of the Presidency Pro-Tempore."})
    theme_en = Line(load_default="", validate=validate.Length(max=THEME_MAX))
    theme_es = Line(load_default="", validate=validate.Length(max=THEME_MAX))

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError(str(_l("The meeting ends before it starts.")), "ends_on")


class MeetingOutSchema(Schema):
    id = fields.Integer(required=True)
    slug = fields.Method(
        "_slug",
        required=True,
        metadata={"type": "string", "description": "The body's slug and the meeting's number, e.g. rcgm-27."},
    )
    body = fields.Function(lambda meeting: meeting.body.slug, required=True, metadata={"type": "string"})
    number = fields.Integer(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    place = Text(required=True)
    host_country = Text(required=True, allow_none=True, attribute="host_country_code")
    ppt_year = fields.Integer(required=True)
    theme_en = Text(required=True)
    theme_es = Text(required=True)
    url = fields.Method("_url", required=True, metadata={"type": "string", "format": "uri"})

    def _slug(self, meeting) -> str:
        return meeting.slug

    def _url(self, meeting) -> str:
        from rcm_exchange.links import external_url

        return external_url("meetings.meeting", meeting_id=meeting.id)


class MeetingListQuerySchema(Schema):
    body = Text(load_default=None, validate=validate.Length(max=80))
    ppt_year = _year(load_default=None)


class DocumentForumSchema(_Strict):
    """PUT /documents/<id>/forum and the Secretariat's form on the document page: the
    document's standing and the meetings it was presented at and adopted at (ids)."""

    standing = _enum(Standing, _l("Choose the document's standing."), load_default=None, allow_none=True)
    presented_at = fields.List(Id(), load_default=list, validate=at_most_list_values(TOO_MANY_MEETINGS))
    adopted_at = fields.List(Id(), load_default=list, validate=at_most_list_values(TOO_MANY_MEETINGS))
    version = fields.Integer(required=True, strict=False)


class MeetingLinkOutSchema(Schema):
    meeting = fields.Method(
        "_meeting", required=True, metadata={"type": "string", "description": "Meeting slug."}
    )
    role = fields.Enum(MeetingRole, by_value=True, required=True)

    def _meeting(self, link) -> str:
        return link.meeting.slug


class MeetingLinkInSchema(_Strict):
    """A meeting link in an import line: the meeting's slug and the role."""

    meeting = Text(required=True, validate=validate.Length(min=3, max=100))
    role = _enum(MeetingRole, _l("Choose presented_at or adopted_at."), required=True)


# --- calls for practices -----------------------------------------------------------

ANSWERING_KINDS = (
    OrganizationKind.MEMBER_STATE,
    OrganizationKind.OBSERVER_STATE,
    OrganizationKind.OBSERVER_ORG,
    OrganizationKind.CIVIL_SOCIETY,
)


class CallSchema(_Strict):
    """POST /calls and the form that opens a call."""

    slug = _slug(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Its key in import and export files; without one, made from ppt_year and "
            "theme_en (e.g. 2026-labour-integration) on creation, and kept on a change."
        },
    )
    theme_en = Line(required=True, validate=validate.Length(min=1, max=THEME_MAX))
    theme_es = Line(required=True, validate=validate.Length(min=1, max=THEME_MAX))
    criteria_en = PlainText(required=True, validate=validate.Length(min=1, max=CRITERIA_MAX))
    criteria_es = PlainText(required=True, validate=validate.Length(min=1, max=CRITERIA_MAX))
    tags = fields.List(
        Text(validate=validate.Length(min=1, max=80)),
        load_default=list,
        validate=at_most_list_values(TOO_MANY_TOPICS),
    )
    opens_on = fields.Date(required=True)
    closes_on = fields.Date(required=True)
    ppt_year = _year(required=True)
    answerable_by = fields.List(
        _enum(OrganizationKind, _l("Choose who may answer.")),
        required=True,
        validate=validate.Length(min=1, error=_l("Choose at least one kind of organization.")),
        metadata={"description": "Organization kinds whose accounts may answer."},
    )

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            raise ValidationError(str(_l("The call closes before it opens.")), "closes_on")


class CallOutSchema(Schema):
    id = fields.Integer(required=True)
    slug = Text(required=True)
    theme_en = Text(required=True)
    theme_es = Text(required=True)
    criteria_en = Text(required=True)
    criteria_es = Text(required=True)
    tags = fields.Function(
        lambda call: [tag.slug for tag in call.tags],
        required=True,
        metadata={"type": "array", "items": {"type": "string"}},
    )
    opens_on = fields.Date(required=True)
    closes_on = fields.Date(required=True)
    ppt_year = fields.Integer(required=True)
    answerable_by = fields.List(Text(), required=True)
    is_open = fields.Method("_is_open", required=True, metadata={"type": "boolean"})
    url = fields.Method("_url", required=True, metadata={"type": "string", "format": "uri"})

    def _is_open(self, call) -> bool:
        return call.is_open()

    def _url(self, call) -> str:
        from rcm_exchange.links import external_url

        return external_url("calls.call", call_id=call.id)


class CallAnswerSchema(_Strict):
    """POST /calls/<id>/answers: one of the caller's organization's documents answers."""

    document_id = Id(required=True)


class CallListQuerySchema(Schema):
    open = fields.Boolean(
        load_default=None, metadata={"description": "Only open (true) or closed (false) calls."}
    )
