"""Calls for practices: the Secretariat asks the forum for practices on a theme, for a
Presidency Pro-Tempore year, between two dates, from the kinds of organization it names.

An answer is one of the answering organization's documents; it goes through review like
any other, and a call's page lists only its published answers that the reader may see
(``access.visible_documents_clause``). The Secretariat also sees how many answers there
are by status and by organization. After the closing date no answer is accepted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from rcm_exchange.errors import Conflict, Forbidden, NotFound, ValidationFailed
from rcm_exchange.extensions import db
from rcm_exchange.models import (
    AuditEvent,
    Call,
    CallAnswer,
    Document,
    DocumentStatus,
    Organization,
    OrganizationKind,
    Tag,
)
from rcm_exchange.schemas.documents import CALL_FIELD
from rcm_exchange.services import access, lifecycle, search_log
from rcm_exchange.services.browse import PAGE_SIZE, DocumentPage
from rcm_exchange.services.unit_of_work import unit_of_work

SLUG_MAX = 80


def today() -> date:
    return date.today()


def get_call(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    if call is None:
        raise NotFound()
    return call


def list_calls(*, open: bool | None = None) -> list[Call]:  # noqa: A002 - the API's parameter
    query = select(Call).options(selectinload(Call.tags))
    on = today()
    if open is True:
        query = query.where(Call.opens_on <= on, Call.closes_on >= on)
    elif open is False:
        query = query.where((Call.opens_on > on) | (Call.closes_on < on))
    return list(db.session.scalars(query.order_by(Call.closes_on.desc(), Call.id.desc())))


def open_calls() -> list[Call]:
    """Calls taking answers today, closing soonest first (the home page)."""
    return sorted(list_calls(open=True), key=lambda call: (call.closes_on, call.id))


def answerable_calls(user) -> list[Call]:
    """Open calls the user's organization may answer (the document form's choice)."""
    return [call for call in open_calls() if access.may_answer_calls_of_kind(user, call.answerable_by)]


def call_by_slug(slug: str) -> Call | None:
    return db.session.scalar(select(Call).where(Call.slug == slug))


def call_slug(ppt_year: int, theme_en: str, *, taken: set[str] | None = None) -> str:
    """A new call's slug when the Secretariat gives none: its Presidency Pro-Tempore year
    and the words of its English theme (``2026-labour-integration-practices``), so that
    installations that open the same call name it alike; a number follows if taken."""
    words = unicodedata.normalize("NFKD", theme_en).encode("ascii", "ignore").decode().lower()
    base = "-".join([str(ppt_year), *re.findall(r"[a-z0-9]+", words)])
    if len(base) > SLUG_MAX - 4:  # room for the number
        base = base[: SLUG_MAX - 4].rsplit("-", 1)[0]
    if taken is None:
        taken = set(db.session.scalars(select(Call.slug).where(Call.slug.startswith(base))))
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _check_slug_free(slug: str, call: Call | None = None) -> None:
    other = call_by_slug(slug)
    if other is not None and other is not call:
        raise ValidationFailed(errors={"slug": [_("Another call for practices has this key.")]})


def _call_values(data: dict) -> dict:
    slugs = list(dict.fromkeys(data.get("tags") or []))
    tags = {t.slug: t for t in db.session.scalars(select(Tag).where(Tag.slug.in_(slugs), ~Tag.retired))}
    unknown = [slug for slug in slugs if slug not in tags]
    if unknown:
        raise ValidationFailed(errors={"tags": [_("Unknown tag: %(tags)s.", tags=", ".join(unknown))]})
    return {
        "theme_en": data["theme_en"].strip(),
        "theme_es": data["theme_es"].strip(),
        "criteria_en": data["criteria_en"].strip(),
        "criteria_es": data["criteria_es"].strip(),
        "opens_on": data["opens_on"],
        "closes_on": data["closes_on"],
        "ppt_year": data["ppt_year"],
        "answerable_by": [OrganizationKind(kind).value for kind in dict.fromkeys(data["answerable_by"])],
        "tags": [tags[slug] for slug in slugs],
    }


def open_call(user, data: dict) -> Call:
    """A new call from ``CallSchema`` data."""
    access.require(user, "curate_forum")
    values = _call_values(data)
    if data.get("slug"):
        _check_slug_free(data["slug"])
    slug = data.get("slug") or call_slug(values["ppt_year"], values["theme_en"])
    with unit_of_work():
        call = Call(created_by_id=user.id, slug=slug, **values)
        db.session.add(call)
        db.session.flush()
        db.session.add(AuditEvent(actor_id=user.id, action="call_opened", details={"call": call.id}))
    return call


def update_call(user, call: Call, data: dict) -> Call:
    """Change a call (``CallSchema`` data): its dates too, to extend or end it, and its
    slug when one is given (to name it as another installation does)."""
    access.require(user, "curate_forum")
    values = _call_values(data)
    if data.get("slug"):  # without one the call keeps its slug
        _check_slug_free(data["slug"], call)
        values["slug"] = data["slug"]
    with unit_of_work():
        for name, value in values.items():
            setattr(call, name, value)
        db.session.add(AuditEvent(actor_id=user.id, action="call_updated", details={"call": call.id}))
    return call


def closed_message(call: Call) -> str:
    if call.opens_on > today():
        return _(
            "This call for practices opens on %(date)s; it does not take answers yet.",
            date=format_date(call.opens_on, "long"),
        )
    return _(
        "This call for practices closed on %(date)s; it no longer takes answers.",
        date=format_date(call.closes_on, "long"),
    )


def check_may_answer(user, call: Call) -> None:
    """Refuse an answer to a call that is not open, or from an organization it does not ask."""
    access.require(user, "answer_calls")
    if not call.is_open():
        raise Conflict(closed_message(call))
    if not access.may_answer_calls_of_kind(user, call.answerable_by):
        raise Forbidden(_("This call asks other kinds of organization for their practices."))


def answer_call(user, call: Call, document: Document) -> CallAnswer:
    """Make one of the user's organization's documents an answer to ``call``."""
    access.require_submitting_organization(user, document)
    check_may_answer(user, call)
    with unit_of_work():
        existing = db.session.get(CallAnswer, document.id)
        if existing is not None:
            if existing.call_id == call.id:
                return existing
            raise Conflict(_("This document already answers another call for practices."))
        answer = CallAnswer(document_id=document.id, call_id=call.id, answered_by_id=user.id)
        db.session.add(answer)
        lifecycle.save_document(document)
        lifecycle.audit(user, document, "answer_call", document.status, document.status, call=call.id)
        search_log.record_change(document)
    return answer


def _chosen_call(user, call_id: int | None) -> Call | None:
    """The call a document form chose (None: no call), or the reason it cannot be
    answered, next to the form's call field."""
    if call_id is None:
        return None
    call = db.session.get(Call, call_id)
    if call is None:
        raise ValidationFailed(errors={CALL_FIELD: [_("Choose one of the open calls.")]})
    try:
        check_may_answer(user, call)
    except (Conflict, Forbidden) as error:
        raise ValidationFailed(errors={CALL_FIELD: [error.describe()]}) from None
    return call


def create_answer_draft(
    user, call_id: int | None, data: dict, *, idempotency_key: str | None = None
) -> Document:
    """The document form: a new draft that, when a call is chosen, answers it. A call that
    closed meanwhile is reported next to its field and nothing is saved."""
    from rcm_exchange.services import documents

    call = _chosen_call(user, call_id)
    if call is None:
        return documents.create_draft(user, data, idempotency_key=idempotency_key)
    with unit_of_work():
        document = documents.create_draft(user, data, idempotency_key=idempotency_key)
        answer_call(user, call, document)
    return document


def check_answer_may_change(answer: CallAnswer) -> None:
    """A call's answers are settled when it closes: none is withdrawn or moved after that."""
    if not answer.call.is_open():
        raise Conflict(
            _(
                "This document answers a call for practices that closed on %(date)s; "
                "the answer can no longer change.",
                date=format_date(answer.call.closes_on, "long"),
            )
        )


def withdraw_answer(user, document: Document, call: Call | None = None) -> None:
    """The document no longer answers the call it answered (while that call is open);
    given ``call``, a document that does not answer it is not found."""
    access.require_submitting_organization(user, document)
    answer = db.session.get(CallAnswer, document.id)
    if call is not None and (answer is None or answer.call_id != call.id):
        raise NotFound()
    if answer is None:
        return
    check_answer_may_change(answer)
    with unit_of_work():
        call_id = answer.call_id
        document.call_answer = None
        db.session.delete(answer)
        lifecycle.save_document(document)
        lifecycle.audit(user, document, "withdraw_answer", document.status, document.status, call=call_id)
        search_log.record_change(document)


def update_answer_document(
    user, document: Document, call_id: int | None, data: dict, version: int | None
) -> Document:
    """The edit form: save the document and, when another call (or none) is chosen,
    answer it instead, with the rules of a first answer. A refused call is reported
    next to its field and nothing is saved."""
    from rcm_exchange.services import documents

    current = db.session.get(CallAnswer, document.id)
    if call_id == (current.call_id if current is not None else None):
        return documents.update_document(user, document, data, version)
    if current is not None:
        try:
            check_answer_may_change(current)
        except Conflict as error:
            raise ValidationFailed(errors={CALL_FIELD: [error.describe()]}) from None
    call = _chosen_call(user, call_id)
    with unit_of_work():
        documents.update_document(user, document, data, version)
        withdraw_answer(user, document)
        if call is not None:
            answer_call(user, call, document)
    return document


# --- import and export (``flask rcm import`` / ``export``) ------------------------------


def export_answer(document: Document) -> dict:
    """The call a document answers as an export line carries it: by slug."""
    return {"call": document.call_answer.call.slug if document.call_answer is not None else None}


def call_ids_by_slug() -> dict[str, int]:
    return dict(db.session.execute(select(Call.slug, Call.id)).all())


def check_import_answer(slug: str | None, known: dict[str, int]) -> int | None:
    """The id of the call an import line names, which this database must have."""
    if slug is None:
        return None
    if slug not in known:
        raise ValidationFailed(errors={CALL_FIELD: [_("Unknown call for practices: %(slug)s.", slug=slug)]})
    return known[slug]


def import_answer(document: Document, call_id: int | None) -> None:
    """An imported document answers the call it answered where it came from, whatever
    the call's dates: the file records what was (inside the import's unit of work)."""
    if call_id is not None:
        db.session.add(CallAnswer(document_id=document.id, call_id=call_id))


def answered_call(document: Document) -> Call | None:
    answer = db.session.get(CallAnswer, document.id)
    return answer.call if answer is not None else None


@dataclass(frozen=True)
class CallCounts:
    """The Secretariat's view of a call's answers (every answer, whatever its status)."""

    total: int
    by_status: dict[DocumentStatus, int]
    by_organization: list[tuple[Organization, int]]


@dataclass(frozen=True)
class CallPage:
    call: Call
    answers: DocumentPage
    counts: CallCounts | None
    may_answer: bool
    own_documents: list[Document]


def _answers_clause(call: Call):
    return Document.id.in_(select(CallAnswer.document_id).where(CallAnswer.call_id == call.id))


def call_answers(user, call: Call, *, page: int = 1) -> DocumentPage:
    """Published answers the user may see, newest first, and how many there are."""
    page = max(1, page)
    where = (access.visible_documents_clause(user), _answers_clause(call))
    total = db.session.scalar(select(func.count()).select_from(Document).where(*where)) or 0
    items = list(
        db.session.scalars(
            select(Document)
            .where(*where)
            .options(selectinload(Document.tags), selectinload(Document.organization))
            .order_by(Document.published_at.desc(), Document.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    return DocumentPage(items=items, total=total, page=page)


def call_counts(user, call: Call) -> CallCounts:
    if not access.can(user, "see_statistics"):
        raise Forbidden()
    answers = _answers_clause(call)
    by_status = {
        DocumentStatus(status): count
        for status, count in db.session.execute(
            select(Document.status, func.count()).where(answers).group_by(Document.status)
        )
    }
    by_organization = [
        (organization, count)
        for organization, count in db.session.execute(
            select(Organization, func.count(Document.id))
            .join(Document, Document.organization_id == Organization.id)
            .where(answers)
            .group_by(Organization.id)
            .order_by(func.count(Document.id).desc(), Organization.acronym)
        )
    ]
    return CallCounts(total=sum(by_status.values()), by_status=by_status, by_organization=by_organization)


def call_page(user, call_id: int, *, page: int = 1) -> CallPage:
    call = get_call(call_id)
    may_answer = (
        access.can(user, "answer_calls")
        and call.is_open()
        and access.may_answer_calls_of_kind(user, call.answerable_by)
    )
    own: list[Document] = []
    if may_answer:
        # The organization's documents that answer no call yet, to offer as an answer.
        own = list(
            db.session.scalars(
                select(Document)
                .where(
                    Document.organization_id == user.organization_id,
                    ~Document.id.in_(select(CallAnswer.document_id)),
                    Document.status.not_in([DocumentStatus.REJECTED, DocumentStatus.ARCHIVED]),
                )
                .order_by(Document.updated_at.desc())
                .limit(50)
            )
        )
    counts = call_counts(user, call) if access.can(user, "see_statistics") else None
    return CallPage(
        call=call,
        answers=call_answers(user, call, page=page),
        counts=counts,
        may_answer=may_answer,
        own_documents=own,
    )
