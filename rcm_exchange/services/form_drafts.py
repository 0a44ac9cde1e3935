"""What a document form held, saved while its author types, so that a closed tab, a
lost connection or an ended session loses nothing. Saving the form itself supersedes it.

A form is named by its key: ``new`` for the new-document form, else the document's id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from rcm_exchange.extensions import db
from rcm_exchange.models import FormDraft, utcnow
from rcm_exchange.services import access
from rcm_exchange.services.unit_of_work import unit_of_work

NEW_FORM = "new"


def form_key(document) -> str:
    return NEW_FORM if document is None else str(document.id)


def save_form_draft(user, document, values: dict) -> FormDraft:
    """Keep ``values`` (``FormDraftSchema`` data) for ``user``'s form of ``document``
    (None: a new document), replacing what was kept before."""
    access.require(user, "keep_form_drafts")
    if document is not None:
        access.require_submitting_organization(user, document)
    key = form_key(document)
    with unit_of_work():
        draft = db.session.scalar(
            select(FormDraft).where(FormDraft.user_id == user.id, FormDraft.form_key == key)
        )
        if draft is None:
            draft = FormDraft(user_id=user.id, form_key=key, data=values)
            db.session.add(draft)
        else:
            draft.data, draft.saved_at = values, utcnow()
    return draft


def unsaved_form_draft(user, document) -> FormDraft | None:
    """What ``user`` typed in this form and did not save: kept after the document's last
    change, else nothing."""
    if not access.is_signed_in(user):
        return None
    draft = db.session.scalar(
        select(FormDraft).where(FormDraft.user_id == user.id, FormDraft.form_key == form_key(document))
    )
    if draft is None:
        return None
    changed: datetime | None = document.updated_at if document is not None else None
    return draft if changed is None or draft.saved_at > changed else None


def discard_form_draft(user, document) -> None:
    """Drop what was kept of the form (it was saved, or its author chose to discard it),
    in the caller's unit of work."""
    if not access.is_signed_in(user):
        return
    with unit_of_work():
        db.session.execute(
            delete(FormDraft).where(FormDraft.user_id == user.id, FormDraft.form_key == form_key(document))
        )
