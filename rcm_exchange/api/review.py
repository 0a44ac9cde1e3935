"""Moderation by the Secretariat: the queue and one review action at a time."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from rcm_exchange.api.spec import API_PREFIX, ID, caller, error_responses
from rcm_exchange.schemas.documents import DocumentOutSchema
from rcm_exchange.schemas.review import QueueFilterSchema, ReviewActionSchema
from rcm_exchange.services import documents, review

blp = Blueprint(
    "api_review",
    __name__,
    url_prefix=API_PREFIX,
    description="The Secretariat's review queue and review actions (moderators).",
)


class ReviewQueueSchema(Schema):
    items = fields.List(fields.Nested(DocumentOutSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


@blp.route("/review/queue", methods=["GET"])
@blp.arguments(QueueFilterSchema, location="query", as_kwargs=True)
@blp.response(200, ReviewQueueSchema)
@error_responses(blp, 401, 403)
@caller(blp, token="required")
def queue(**filters):
    """Documents waiting for review, oldest submission first"""
    page = review.review_queue(current_user, **filters)
    return {
        "items": [item.document for item in page.items],
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
    }


@blp.route(f"/documents/<{ID}:document_id>/review", methods=["POST"])
@blp.arguments(ReviewActionSchema)
@blp.response(200, DocumentOutSchema)
@error_responses(blp, 401, 403, 404, 409, 415)
@caller(blp, token="required")
def act(data, document_id: int):
    """Claim, approve, request changes, reject or archive

    `comment` is required for `request_changes` and `reject`. A transition not allowed
    from the current status, or a stale `version`, is 409; not a moderator is 403.
    """
    document = documents.get_document_for(current_user, document_id)
    return review.act(
        current_user, document, data["action"], version=data["version"], comment=data["comment"]
    )
