"""The tag taxonomy as the Technical Secretariat curates it: create, rename in both
languages, describe, order, retire and merge. The three pillars always come first.

A merge moves every document (and call) of one tag to another in a few set-based
statements, whatever the number of documents: the moved documents' version is bumped
and each published one gets a search-log entry in the same transaction, so every index
catches up from the log. The merged tag stays, retired, so that its address (and its
slug in a search or an API filter) leads to the tag it was merged into.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import aliased

from rcm_exchange.errors import Conflict, NotFound, ValidationFailed
from rcm_exchange.extensions import db
from rcm_exchange.models import (
    AuditEvent,
    Document,
    DocumentRevision,
    DocumentStatus,
    SearchLogEntry,
    SearchOperation,
    Tag,
    call_tags,
    document_tags,
    utcnow,
)
from rcm_exchange.services import access
from rcm_exchange.services.merged_tags import current_tag
from rcm_exchange.services.unit_of_work import after_commit, unit_of_work
from rcm_exchange.transitions import PENDING_REVIEW

# Where a new theme goes when no position is given: after every tag there is.
POSITION_STEP = 10


def ordered(query):
    """Pillars first, then by position: the order of every list of tags."""
    return query.order_by(Tag.is_pillar.desc(), Tag.position, Tag.slug)


def curated_tags(user) -> list[Tag]:
    """Every tag, retired and merged ones included, for the Secretariat's page."""
    access.require(user, "curate_forum")
    return list(db.session.scalars(ordered(select(Tag))))


def tag_list(user, *, changed_since: date | None = None) -> list[dict]:
    """The API's tag list: the tags in use, each with what ``user`` may see under it; or,
    with ``changed_since``, every tag changed since that day, retired and merged ones too."""
    from rcm_exchange.i18n import localized
    from rcm_exchange.services.browse import tags_with_counts

    since = datetime.combine(changed_since, time.min, UTC) if changed_since else None
    counted = sorted(
        tags_with_counts(user), key=lambda row: (not row[0].is_pillar, row[0].position, row[0].slug)
    )
    successors = {tag.id: tag.slug for tag, _count in counted}
    rows = []
    for tag, count in counted:
        if (since is None and tag.retired) or (since is not None and tag.updated_at < since):
            continue
        rows.append(
            {
                "slug": tag.slug,
                "name_en": tag.name_en,
                "name_es": tag.name_es,
                "description": localized(tag, "description"),
                "description_en": tag.description_en,
                "description_es": tag.description_es,
                "is_pillar": tag.is_pillar,
                "position": tag.position,
                "retired": tag.retired,
                "merged_into": successors.get(tag.merged_into_id) if tag.merged_into_id else None,
                "updated_at": tag.updated_at,
                "count": count,
            }
        )
    return rows


def form_tags(kept=()) -> list[Tag]:
    """The tags a document form offers: those in use, and the retired ones among ``kept``
    (the document's own), so that saving the form again keeps them; a retired tag is
    never offered to a document that does not have it."""
    kept = list(kept)
    offered = or_(~Tag.retired, Tag.slug.in_(kept)) if kept else ~Tag.retired
    return list(db.session.scalars(select(Tag).where(offered).order_by(Tag.position, Tag.slug)))


def get_tag(slug: str) -> Tag:
    tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
    if tag is None:
        raise NotFound()
    return tag


def merged_slugs() -> dict[str, str]:
    """Every merged slug and the slug it leads to (for the search page's links)."""
    successor = aliased(Tag)
    return dict(
        db.session.execute(
            select(Tag.slug, successor.slug).join(successor, successor.id == Tag.merged_into_id)
        ).all()
    )


def _last_pillar_position() -> int:
    return db.session.scalar(select(func.max(Tag.position)).where(Tag.is_pillar)) or 0


def _check_position(tag_is_pillar: bool, position: int | None) -> None:
    if position is not None and not tag_is_pillar and position <= _last_pillar_position():
        raise ValidationFailed(
            errors={
                "position": [
                    _(
                        "The three pillars stay first: choose a position after %(last)s.",
                        last=_last_pillar_position(),
                    )
                ]
            }
        )


def _audit(user, action: str, **details) -> None:
    db.session.add(AuditEvent(actor_id=user.id, action=action, details=details))


def create_tag(user, data: dict) -> Tag:
    """A new theme from ``TagSchema`` data. ``user`` is ``access.SYSTEM`` on the command line."""
    access.require(user, "curate_forum")
    with unit_of_work():
        if db.session.scalar(select(Tag.id).where(Tag.slug == data["slug"])) is not None:
            raise ValidationFailed(errors={"slug": [_("A tag with this address already exists.")]})
        position = data.get("position")
        _check_position(False, position)
        if position is None:
            position = (db.session.scalar(select(func.max(Tag.position))) or 0) + POSITION_STEP
        tag = Tag(
            slug=data["slug"],
            name_en=data["name_en"].strip(),
            name_es=data["name_es"].strip(),
            description_en=data.get("description_en", ""),
            description_es=data.get("description_es", ""),
            is_pillar=False,
            position=position,
            retired=False,
        )
        db.session.add(tag)
        db.session.flush()
        _audit(user, "tag_created", tag=tag.slug)
    return tag


def update_tag(user, tag: Tag, data: dict) -> Tag:
    """Rename, describe, move or retire a tag (``TagEditSchema`` data, any subset)."""
    access.require(user, "curate_forum")
    with unit_of_work():
        if tag.merged_into_id is not None:
            raise Conflict(_("This tag was merged into another; change that one instead."))
        if "position" in data:
            _check_position(tag.is_pillar, data["position"])
        if data.get("retired") and tag.is_pillar:
            raise Conflict(_("The three pillars of the RCM cannot be retired."))
        changed = {}
        for name in ("name_en", "name_es", "description_en", "description_es", "position", "retired"):
            if name in data and getattr(tag, name) != data[name]:
                value = (
                    data[name].strip()
                    if isinstance(data[name], str) and name.startswith("name")
                    else data[name]
                )
                changed[name] = value
                setattr(tag, name, value)
        if changed:
            tag.updated_at = utcnow()
            _audit(user, "tag_updated", tag=tag.slug, changes=sorted(changed))
    return tag


def merge_tags(user, source: Tag, target: Tag) -> int:
    """Move every document and call of ``source`` to ``target`` and retire ``source``,
    its address leading to ``target``. Returns how many documents moved."""
    access.require(user, "curate_forum")
    if source.id == target.id:
        raise ValidationFailed(errors={"into": [_("Choose another tag to merge into.")]})
    if source.is_pillar:
        raise Conflict(_("The three pillars of the RCM cannot be merged into another tag."))
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise Conflict(_("A tag that was already merged cannot take part in another merge."))
    with unit_of_work():
        moved = (
            select(document_tags.c.document_id).where(document_tags.c.tag_id == source.id).scalar_subquery()
        )
        count = (
            db.session.scalar(
                select(func.count()).select_from(document_tags).where(document_tags.c.tag_id == source.id)
            )
            or 0
        )
        now = utcnow()
        # Indexes hold tags by slug, and a document's listing and fingerprint follow its
        # version: every moved document changes, and the published ones are re-indexed.
        db.session.execute(
            update(Document)
            .where(Document.id.in_(moved))
            .values(version=Document.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            insert(SearchLogEntry).from_select(
                ["document_id", "operation", "created_at"],
                select(
                    Document.id,
                    literal(SearchOperation.UPSERT, SearchLogEntry.operation.type),
                    literal(now, SearchLogEntry.created_at.type),
                )
                .where(Document.id.in_(moved), Document.status == DocumentStatus.PUBLISHED)
                .order_by(Document.id),
            )
        )
        for table, owner in ((document_tags, document_tags.c.document_id), (call_tags, call_tags.c.call_id)):
            other = table.alias()
            db.session.execute(
                insert(table).from_select(
                    [owner.name, "tag_id"],
                    select(owner, literal(target.id, table.c.tag_id.type)).where(
                        table.c.tag_id == source.id,
                        ~exists().where(and_(other.c[owner.name] == owner, other.c.tag_id == target.id)),
                    ),
                )
            )
            db.session.execute(table.delete().where(table.c.tag_id == source.id))
        _rewrite_pending_revisions(source.slug, target.slug)
        # Addresses that led to the merged tag now lead to its successor.
        db.session.execute(
            update(Tag)
            .where(Tag.merged_into_id == source.id)
            .values(merged_into_id=target.id, updated_at=now)
        )
        source.retired, source.merged_into_id, source.updated_at = True, target.id, now
        target.updated_at = now
        _audit(user, "tag_merged", tag=source.slug, into=target.slug, documents=count)
    from rcm_exchange.services.search import catch_up_quietly

    after_commit(catch_up_quietly)
    return count


def merge_into(user, source: Tag, into: str) -> tuple[Tag, int]:
    """Merge ``source`` into the tag the slug ``into`` names now (``TagMergeSchema``)."""
    target = current_tag(into)
    if target is None:
        raise ValidationFailed(errors={"into": [_("Choose another tag to merge into.")]})
    return target, merge_tags(user, source, target)


def _rewrite_pending_revisions(old: str, new: str) -> None:
    """A revision waiting for review keeps its tags as slugs; it must not bring the
    merged tag back when it is approved."""
    revisions = db.session.scalars(
        select(DocumentRevision).where(DocumentRevision.status.in_(PENDING_REVIEW))
    )
    for revision in revisions:
        slugs = (revision.data or {}).get("tags") or []
        if old in slugs:
            replaced = list(dict.fromkeys(new if slug == old else slug for slug in slugs))
            revision.data = {**revision.data, "tags": replaced}
