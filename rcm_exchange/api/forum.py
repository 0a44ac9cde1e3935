"""The forum's structure in the API: curating tags, organizations, RCM bodies and
meetings, a document's standing and meeting links, calls for practices and answers."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from rcm_exchange.api.spec import API_PREFIX, ID, caller, error_responses
from rcm_exchange.models import DocumentStatus
from rcm_exchange.schemas.documents import DocumentOutSchema
from rcm_exchange.schemas.forum import (
    BodyOutSchema,
    CallAnswerSchema,
    CallListQuerySchema,
    CallOutSchema,
    CallSchema,
    DocumentForumSchema,
    MeetingListQuerySchema,
    MeetingOutSchema,
    MeetingSchema,
    OrganizationChangesSchema,
    OrganizationSchema,
    TagEditSchema,
    TagMergeSchema,
    TagSchema,
)
from rcm_exchange.schemas.reference import OrganizationOutSchema, TagOutSchema
from rcm_exchange.services import calls, documents, meetings, organizations, taxonomy

blp = Blueprint(
    "api_forum",
    __name__,
    url_prefix=API_PREFIX,
    description="The forum's structure: the taxonomy, organizations, meetings, calls for practices.",
)

SLUG = "string(maxlength=80)"


def _tag_out(tag) -> dict:
    return next(
        row
        for row in taxonomy.tag_list(current_user, changed_since=tag.updated_at.date())
        if row["slug"] == tag.slug
    )


@blp.route("/tags", methods=["POST"])
@blp.arguments(TagSchema)
@blp.response(201, TagOutSchema)
@error_responses(blp, 401, 403, 415)
@caller(blp, token="required")
def create_tag(data):
    """Create a theme (the Secretariat)"""
    return _tag_out(taxonomy.create_tag(current_user, data))


@blp.route(f"/tags/<{SLUG}:slug>", methods=["PATCH"])
@blp.arguments(TagEditSchema)
@blp.response(200, TagOutSchema)
@error_responses(blp, 401, 403, 404, 409, 415)
@caller(blp, token="required")
def update_tag(data, slug: str):
    """Rename, describe, reorder or retire a tag (the Secretariat)

    The three pillars stay first: a theme's position must come after theirs.
    """
    return _tag_out(taxonomy.update_tag(current_user, taxonomy.get_tag(slug), data))


class MergeResultSchema(Schema):
    tag = fields.Nested(TagOutSchema, required=True, metadata={"description": "The tag that stays."})
    moved = fields.Integer(required=True, metadata={"description": "Documents moved to it."})


@blp.route(f"/tags/<{SLUG}:slug>/merge", methods=["POST"])
@blp.arguments(TagMergeSchema)
@blp.response(200, MergeResultSchema)
@error_responses(blp, 401, 403, 404, 409, 415)
@caller(blp, token="required")
def merge_tag(data, slug: str):
    """Merge a tag into another (the Secretariat)

    Its documents and calls move to `into`; it is retired, and its address and slug
    lead to `into` from then on. Recorded in the audit log.
    """
    target, moved = taxonomy.merge_into(current_user, taxonomy.get_tag(slug), data["into"])
    return {"tag": _tag_out(target), "moved": moved}


@blp.route("/organizations", methods=["POST"])
@blp.arguments(OrganizationSchema)
@blp.response(201, OrganizationOutSchema)
@error_responses(blp, 401, 403, 415)
@caller(blp, token="required")
def create_organization(data):
    """Add an organization (administrators)"""
    return organizations.create_organization(current_user, data)


@blp.route(f"/organizations/<{ID}:organization_id>", methods=["PATCH"])
@blp.arguments(OrganizationChangesSchema(partial=True))
@blp.response(200, OrganizationOutSchema)
@error_responses(blp, 401, 403, 404, 415)
@caller(blp, token="required")
def update_organization(data, organization_id: int):
    """Change an organization (administrators)

    A change of kind changes what its accounts may read from their next request on.
    """
    return organizations.update_organization(
        current_user, organizations.get_organization(organization_id), data
    )


@blp.route("/bodies", methods=["GET"])
@blp.response(200, BodyOutSchema(many=True))
@error_responses(blp, 401)
@caller(blp, token="optional")
def bodies():
    """The RCM's bodies: the Vice-Ministerial Meeting, the RCGM, networks, groups, workshops"""
    return meetings.bodies()


@blp.route("/meetings", methods=["GET"])
@blp.arguments(MeetingListQuerySchema, location="query", as_kwargs=True)
@blp.response(200, MeetingOutSchema(many=True))
@error_responses(blp, 401)
@caller(blp, token="optional")
def list_meetings(**filters):
    """Meetings, newest first, of a body or a Presidency Pro-Tempore year

    A meeting's documents: `GET /documents?meeting=<id>`.
    """
    return meetings.meetings(**filters)


@blp.route("/meetings", methods=["POST"])
@blp.arguments(MeetingSchema)
@blp.response(201, MeetingOutSchema)
@error_responses(blp, 401, 403, 415)
@caller(blp, token="required")
def create_meeting(data):
    """Record a meeting (the Secretariat)"""
    return meetings.create_meeting(current_user, data)


@blp.route(f"/meetings/<{ID}:meeting_id>", methods=["GET"])
@blp.response(200, MeetingOutSchema)
@error_responses(blp, 401, 404)
@caller(blp, token="optional")
def get_meeting(meeting_id: int):
    """One meeting"""
    return meetings.get_meeting(meeting_id)


@blp.route(f"/documents/<{ID}:document_id>/forum", methods=["PUT"])
@blp.arguments(DocumentForumSchema)
@blp.response(200, DocumentOutSchema)
@error_responses(blp, 401, 403, 404, 409, 415)
@caller(blp, token="required")
def set_document_forum(data, document_id: int):
    """Record a document's standing and meetings (the Secretariat)

    `presented_at` and `adopted_at` are meeting ids and replace the links there were;
    a stale `version` is 409.
    """
    document = documents.get_document_for(current_user, document_id)
    meetings.set_forum_record(
        current_user,
        document,
        standing=data["standing"],
        presented_at=data["presented_at"],
        adopted_at=data["adopted_at"],
        version=data["version"],
    )
    return document


@blp.route("/calls", methods=["GET"])
@blp.arguments(CallListQuerySchema, location="query", as_kwargs=True)
@blp.response(200, CallOutSchema(many=True))
@error_responses(blp, 401)
@caller(blp, token="optional")
def list_calls(**filters):
    """Calls for practices, latest closing first

    Published answers to a call: `GET /documents?call=<id>`.
    """
    return calls.list_calls(**filters)


@blp.route("/calls", methods=["POST"])
@blp.arguments(CallSchema)
@blp.response(201, CallOutSchema)
@error_responses(blp, 401, 403, 415)
@caller(blp, token="required")
def open_call(data):
    """Open a call for practices (the Secretariat)"""
    return calls.open_call(current_user, data)


@blp.route(f"/calls/<{ID}:call_id>", methods=["GET"])
@blp.response(200, CallOutSchema)
@error_responses(blp, 401, 404)
@caller(blp, token="optional")
def get_call(call_id: int):
    """One call for practices"""
    return calls.get_call(call_id)


@blp.route(f"/calls/<{ID}:call_id>", methods=["PUT"])
@blp.arguments(CallSchema)
@blp.response(200, CallOutSchema)
@error_responses(blp, 401, 403, 404, 415)
@caller(blp, token="required")
def update_call(data, call_id: int):
    """Change a call for practices, its dates too (the Secretariat)"""
    return calls.update_call(current_user, calls.get_call(call_id), data)


@blp.route(f"/calls/<{ID}:call_id>/answers", methods=["POST"])
@blp.arguments(CallAnswerSchema)
@blp.response(200, DocumentOutSchema)
@error_responses(blp, 401, 403, 404, 409, 415)
@caller(blp, token="required")
def answer_call(data, call_id: int):
    """Answer a call with one of the caller's organization's documents

    After the closing date (or before the opening) the answer is refused with 409 and a
    message saying so; an organization of a kind the call does not ask is 403.
    """
    call = calls.get_call(call_id)
    document = documents.get_document_for(current_user, data["document_id"])
    calls.answer_call(current_user, call, document)
    return document


@blp.route(f"/calls/<{ID}:call_id>/answers/<{ID}:document_id>", methods=["DELETE"])
@blp.response(204)
@error_responses(blp, 401, 403, 404, 409)
@caller(blp, token="required")
def withdraw_answer(call_id: int, document_id: int):
    """Withdraw a document's answer to a call (the document's organization)

    Once the call has closed its answers are settled: 409 with a message naming the
    closing date. A document that does not answer this call is 404.
    """
    call = calls.get_call(call_id)
    calls.withdraw_answer(current_user, documents.get_document_for(current_user, document_id), call)


class CallCountsSchema(Schema):
    total = fields.Integer(required=True)
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_organization = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "Organization acronym → answers."},
    )


@blp.route(f"/calls/<{ID}:call_id>/counts", methods=["GET"])
@blp.response(200, CallCountsSchema)
@error_responses(blp, 401, 403, 404)
@caller(blp, token="required")
def call_counts(call_id: int):
    """Answers to a call by status and by organization (the Secretariat)"""
    counts = calls.call_counts(current_user, calls.get_call(call_id))
    return {
        "total": counts.total,
        "by_status": {DocumentStatus(status).value: n for status, n in counts.by_status.items()},
        "by_organization": {organization.acronym: n for organization, n in counts.by_organization},
    }
