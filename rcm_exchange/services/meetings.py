"""RCM bodies and their meetings, and what each document is to the forum: its standing
and the meetings it was presented at or adopted at.

The Secretariat keeps this record (``access.can(user, "curate_forum")``); everyone reads it
through the one access policy: a meeting's page lists only the documents the reader
may see, and counts only those.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from rcm_exchange.errors import NotFound, ValidationFailed
from rcm_exchange.extensions import db
from rcm_exchange.models import (
    AuditEvent,
    Country,
    Document,
    DocumentMeeting,
    DocumentStanding,
    Meeting,
    MeetingRole,
    RcmBody,
    Standing,
)
from rcm_exchange.schemas import whole_number
from rcm_exchange.services import access, lifecycle, search_log
from rcm_exchange.services.browse import PAGE_SIZE, DocumentPage
from rcm_exchange.services.unit_of_work import unit_of_work

# The standings that make a document the RCM's own rather than a participant's practice.
RCM_STANDINGS = frozenset(
    {
        Standing.DECLARATION,
        Standing.REGIONAL_GUIDELINE,
        Standing.RECOMMENDATION,
        Standing.VICE_MINISTERIAL_DECISION,
    }
)


def bodies() -> list[RcmBody]:
    return list(db.session.scalars(select(RcmBody).order_by(RcmBody.position, RcmBody.slug)))


def get_body(slug: str) -> RcmBody:
    body = db.session.scalar(select(RcmBody).where(RcmBody.slug == slug))
    if body is None:
        raise NotFound()
    return body


def get_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound()
    return meeting


def meeting_by_slug(slug: str) -> Meeting | None:
    body_slug, _sep, number = slug.rpartition("-")
    meeting_number = whole_number(number, maximum=999_999)
    if meeting_number is None:
        return None
    return db.session.scalar(
        select(Meeting).join(Meeting.body).where(RcmBody.slug == body_slug, Meeting.number == meeting_number)
    )


def meetings(*, body: str | None = None, ppt_year: int | None = None) -> list[Meeting]:
    """Meetings newest first, optionally of one body or one Presidency Pro-Tempore year."""
    query = select(Meeting).join(Meeting.body)
    if body is not None:
        query = query.where(RcmBody.slug == body)
    if ppt_year is not None:
        query = query.where(Meeting.ppt_year == ppt_year)
    return list(db.session.scalars(query.order_by(Meeting.starts_on.desc(), Meeting.id.desc())))


def ppt_years() -> list[int]:
    return list(db.session.scalars(select(Meeting.ppt_year).distinct().order_by(Meeting.ppt_year.desc())))


def _meeting_values(data: dict) -> dict:
    body = db.session.scalar(select(RcmBody).where(RcmBody.slug == data["body"]))
    errors = {}
    if body is None:
        errors["body"] = [_("Choose one of the RCM's bodies.")]
    host = (data.get("host_country") or "").upper() or None
    if host is not None and db.session.get(Country, host) is None:
        errors["host_country"] = [_("Unknown country code: %(codes)s.", codes=host)]
    if errors or body is None:  # a missing body is one of the errors
        raise ValidationFailed(errors=errors)
    return {
        "body_id": body.id,
        "number": data["number"],
        "starts_on": data["starts_on"],
        "ends_on": data["ends_on"],
        "place": data["place"].strip(),
        "host_country_code": host,
        "ppt_year": data["ppt_year"],
        "theme_en": data.get("theme_en", "").strip(),
        "theme_es": data.get("theme_es", "").strip(),
    }


def _check_unique(values: dict, meeting_id: int | None = None) -> None:
    clash = db.session.scalar(
        select(Meeting.id).where(Meeting.body_id == values["body_id"], Meeting.number == values["number"])
    )
    if clash is not None and clash != meeting_id:
        raise ValidationFailed(errors={"number": [_("This body already has a meeting with this number.")]})


def create_meeting(user, data: dict) -> Meeting:
    """A meeting from ``MeetingSchema`` data; ``user`` is ``access.SYSTEM`` on the command line."""
    access.require(user, "curate_forum")
    with unit_of_work():
        values = _meeting_values(data)
        _check_unique(values)
        meeting = Meeting(**values)
        db.session.add(meeting)
        db.session.flush()
        db.session.add(
            AuditEvent(actor_id=user.id, action="meeting_created", details={"meeting": meeting.slug})
        )
    return meeting


def update_meeting(user, meeting: Meeting, data: dict) -> Meeting:
    access.require(user, "curate_forum")
    with unit_of_work():
        values = _meeting_values(data)
        _check_unique(values, meeting.id)
        moves = values["body_id"] != meeting.body_id or values["ppt_year"] != meeting.ppt_year
        for name, value in values.items():
            setattr(meeting, name, value)
        db.session.flush()
        db.session.expire(meeting, ["body"])
        db.session.add(
            AuditEvent(actor_id=user.id, action="meeting_updated", details={"meeting": meeting.slug})
        )
        if moves:
            # Search finds documents by their meetings' body and PPT year.
            for document in _linked_documents(meeting.id):
                lifecycle.save_document(document)
                search_log.record_change(document)
    return meeting


def _linked_documents(meeting_id: int) -> list[Document]:
    return list(
        db.session.scalars(
            select(Document).where(
                Document.id.in_(
                    select(DocumentMeeting.document_id).where(DocumentMeeting.meeting_id == meeting_id)
                )
            )
        )
    )


# --- a document in the forum --------------------------------------------------------


@dataclass(frozen=True)
class ForumRecord:
    standing: Standing | None
    presented_at: list[Meeting]
    adopted_at: list[Meeting]

    @property
    def is_empty(self) -> bool:
        return self.standing is None and not self.presented_at and not self.adopted_at


def forum_record(document: Document) -> ForumRecord:
    by_role: dict[MeetingRole, list[Meeting]] = {MeetingRole.PRESENTED_AT: [], MeetingRole.ADOPTED_AT: []}
    for link in document.meeting_links:
        by_role[link.role].append(link.meeting)
    for found in by_role.values():
        found.sort(key=lambda m: (m.starts_on, m.id))
    standing = document.standing_record
    return ForumRecord(
        standing.standing if standing else None,
        by_role[MeetingRole.PRESENTED_AT],
        by_role[MeetingRole.ADOPTED_AT],
    )


def set_forum_record(
    user,
    document: Document,
    *,
    standing: Standing | None,
    presented_at: list[int],
    adopted_at: list[int],
    version: int | None,
) -> ForumRecord:
    """Record a document's standing and meetings (``DocumentForumSchema`` data); the
    document's version is checked and bumped, and search learns of the change."""
    access.require_view_document(user, document)
    access.require(user, "curate_forum")
    lifecycle.check_version(document, version)
    with unit_of_work():
        _write_record(
            document, standing, {MeetingRole.PRESENTED_AT: presented_at, MeetingRole.ADOPTED_AT: adopted_at}
        )
        lifecycle.save_document(document)
        lifecycle.audit(
            user,
            document,
            "forum_record",
            document.status,
            document.status,
            standing=standing.value if standing else None,
            presented_at=sorted(set(presented_at)),
            adopted_at=sorted(set(adopted_at)),
        )
        search_log.record_change(document)
    return forum_record(document)


def _write_record(document: Document, standing: Standing | None, links: dict[MeetingRole, list[int]]) -> None:
    wanted = {meeting_id for ids in links.values() for meeting_id in ids}
    known = (
        {m.id: m for m in db.session.scalars(select(Meeting).where(Meeting.id.in_(wanted)))} if wanted else {}
    )
    errors = {role.value: [_("Unknown meeting.")] for role, ids in links.items() if set(ids) - set(known)}
    if errors:
        raise ValidationFailed(errors=errors)
    if standing is None:
        document.standing_record = None
    elif document.standing_record is None:
        document.standing_record = DocumentStanding(standing=standing)
    else:
        document.standing_record.standing = standing
    kept = {(link.meeting_id, link.role): link for link in document.meeting_links}
    document.meeting_links = [
        kept.get((meeting_id, role)) or DocumentMeeting(meeting=known[meeting_id], role=role)
        for role, ids in links.items()
        for meeting_id in dict.fromkeys(ids)
    ]
    db.session.flush()


def check_import_links(links: list[dict]) -> None:
    """An import line naming a meeting this database does not have is refused."""
    unknown = [link["meeting"] for link in links if meeting_by_slug(link["meeting"]) is None]
    if unknown:
        raise ValidationFailed(
            errors={"meetings": [_("Unknown meeting: %(slug)s.", slug=", ".join(unknown))]}
        )


def import_record(document: Document, standing: Standing | None, links: list[dict]) -> None:
    """For ``flask rcm import``: links name meetings by slug (inside its unit of work)."""
    by_role: dict[MeetingRole, list[int]] = {MeetingRole.PRESENTED_AT: [], MeetingRole.ADOPTED_AT: []}
    for link in links:
        meeting = meeting_by_slug(link["meeting"])
        if meeting is None:  # check_import_links refuses such a line before
            raise ValueError(f"no meeting {link['meeting']!r}")
        by_role[link["role"]].append(meeting.id)
    if standing is not None or links:
        _write_record(document, standing, by_role)


def export_record(document: Document) -> dict:
    """A document's standing and meeting links as an export line carries them."""
    record = forum_record(document)
    return {
        "standing": record.standing.value if record.standing else None,
        "meetings": [
            {"meeting": m.slug, "role": role.value}
            for role, found in (
                (MeetingRole.PRESENTED_AT, record.presented_at),
                (MeetingRole.ADOPTED_AT, record.adopted_at),
            )
            for m in found
        ],
    }


# --- a meeting's page -----------------------------------------------------------------


@dataclass(frozen=True)
class MeetingPage:
    meeting: Meeting
    adopted: list[Document]
    presented: DocumentPage


def meeting_page(user, meeting_id: int, *, page: int = 1) -> MeetingPage:
    """The documents adopted at a meeting and, a page at a time, those presented at it:
    only published documents the user may see, counted under the same rule."""
    meeting = get_meeting(meeting_id)
    visible = access.visible_documents_clause(user)

    def linked(role: MeetingRole):
        return Document.id.in_(
            select(DocumentMeeting.document_id).where(
                DocumentMeeting.meeting_id == meeting.id, DocumentMeeting.role == role
            )
        )

    options = (selectinload(Document.tags), selectinload(Document.organization))
    adopted = list(
        db.session.scalars(
            select(Document)
            .where(visible, linked(MeetingRole.ADOPTED_AT))
            .options(*options)
            .order_by(Document.published_at.desc())
        )
    )
    page = max(1, page)
    where = (visible, linked(MeetingRole.PRESENTED_AT))
    total = db.session.scalar(select(func.count()).select_from(Document).where(*where)) or 0
    presented = list(
        db.session.scalars(
            select(Document)
            .where(*where)
            .options(*options)
            .order_by(Document.published_at.desc(), Document.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    return MeetingPage(meeting, adopted, DocumentPage(items=presented, total=total, page=page))


@dataclass(frozen=True)
class MeetingsOverview:
    bodies: list[RcmBody]
    years: list[int]
    meetings: list[Meeting]
    body: RcmBody | None
    ppt_year: int | None


def meetings_overview(*, body: str | None = None, ppt_year: int | None = None) -> MeetingsOverview:
    chosen = get_body(body) if body else None
    if ppt_year is not None and not 1900 <= ppt_year <= 9999:
        raise NotFound()
    return MeetingsOverview(
        bodies=bodies(),
        years=ppt_years(),
        meetings=meetings(body=body, ppt_year=ppt_year),
        body=chosen,
        ppt_year=ppt_year,
    )
