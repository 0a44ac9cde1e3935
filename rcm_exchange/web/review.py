"""The Secretariat's pages: the review queue, one decision, the same decision on several
documents, handing an item to another moderator, and what a revision changes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from rcm_exchange.errors import Conflict, ValidationFailed
from rcm_exchange.i18n import current_language
from rcm_exchange.models import utcnow
from rcm_exchange.schemas import form_data, load
from rcm_exchange.schemas.review import (
    BulkReviewSchema,
    PageReviewActionSchema,
    QueueFilterSchema,
    ReassignSchema,
)
from rcm_exchange.services import access, accounts, browse, conversation, documents, review, search
from rcm_exchange.transitions import BULK_ACTIONS, PAGE_ACTIONS, TRANSITIONS, Claim

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.before_request
@login_required
def require_moderator():
    access.require(current_user, "review")


@bp.get("")
def queue():
    return _render_queue()


def _render_queue(values=None, errors=None, status: int = 200):
    """The queue; after a refused bulk decision, with the decision, the comment and the
    selection as the moderator left them and the problem next to its field."""
    filters = load(QueueFilterSchema(), form_data(request.args))
    page = review.review_queue(current_user, **filters)
    return render_template(
        "review/queue.html",
        page=page,
        filters=filters,
        tags=browse.taxonomy(),
        country_groups=documents.country_groups(current_language()),
        organizations=accounts.list_organizations(),
        age=_age,
        bulk_actions=[TRANSITIONS[name] for name in BULK_ACTIONS],
        values=values or {},
        errors=errors or {},
    ), status


def _age(since) -> str:
    return format_timedelta(utcnow() - since, threshold=1.1)


@bp.get("/<int:document_id>")
def item(document_id: int):
    return _render_item(documents.get_document_for(current_user, document_id))


def _render_item(
    document,
    values=None,
    errors=None,
    status: int = 200,
    *,
    change=None,
    comment_values=None,
    comment_errors=None,
):
    """The review page: the document with every field that will be published, what a
    revision changes, the conversation with its organization, and the published
    documents most like it, so that a repeat submission is caught before approval."""
    return render_template(
        "review/item.html",
        document=document,
        review_status=documents.review_status(document),
        change=change,
        threads=conversation.conversation(current_user, document),
        comment_values=comment_values or {},
        comment_errors=comment_errors or {},
        revision=documents.pending_revision(document),
        diff=review.revision_diff(current_user, document),
        moderators=review.moderators(),
        similar=search.similar_published(current_user, document),
        actions=[TRANSITIONS[name] for name in PAGE_ACTIONS],
        reassign=TRANSITIONS["reassign"],
        values=values or {},
        errors=errors or {},
    ), status


@bp.post("/<int:document_id>")
def act(document_id: int):
    document = documents.get_document_for(current_user, document_id)
    values = form_data(request.form)
    try:
        data = load(PageReviewActionSchema(), values)
        review.act(current_user, document, data["action"], version=data["version"], comment=data["comment"])
    except ValidationFailed as error:
        return _render_item(document, values, error.errors, 422)
    except Conflict as error:
        # Someone acted first: the decision page again, with the comment as typed and
        # what happened meanwhile, so the moderator decides on what is there now.
        return _render_item(
            document,
            values,
            {"_schema": [error.describe()]},
            409,
            change=documents.latest_change(current_user, document),
        )
    rule = TRANSITIONS[data["action"]]
    flash(_("Done: the document was %(action)s.", action=rule.done_label), "success")
    if rule.claim is Claim.TAKE:  # the moderator now holds it: on to the review
        return redirect(url_for("review.item", document_id=document.id))
    return redirect(url_for("review.queue"))


@bp.post("/<int:document_id>/reassign")
def reassign(document_id: int):
    document = documents.get_document_for(current_user, document_id)
    data = load(ReassignSchema(), form_data(request.form))
    moderator = accounts.get_user(data["moderator_id"])
    review.reassign(
        current_user, document, moderator=moderator, version=data["version"], comment=data["comment"]
    )
    flash(_("The document is now with %(name)s.", name=moderator.name), "success")
    return redirect(url_for("review.item", document_id=document.id))


@bp.post("/bulk")
def bulk():
    values = form_data(request.form, frozenset({"items"}))
    try:
        data = load(BulkReviewSchema(), values)
    except ValidationFailed as error:
        return _render_queue(values, error.errors, 422)
    try:
        result = review.bulk_review(
            current_user, data["action"], items=data["items"], comment=data["comment"]
        )
    except ValidationFailed as error:  # e.g. a comment is required for this decision
        return _render_queue(values, error.errors, 422)
    if result.done:
        flash(
            ngettext(
                "%(num)d document was %(action)s.",
                "%(num)d documents were %(action)s.",
                len(result.done),
                action=TRANSITIONS[data["action"]].done_label,
            ),
            "success",
        )
    for document_id, message in result.failed:
        flash(_("Document %(id)d was left as it was: %(message)s", id=document_id, message=message), "error")
    return redirect(url_for("review.queue"))
