"""Where a merged tag leads: the tag an address or a search filter names now.

Searches, pages and the taxonomy read it; it reads tags only, so the search service
can use it without depending on the taxonomy's curation.
"""

from __future__ import annotations

from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import Tag


def current_tag(slug: str) -> Tag | None:
    """The tag an address names now: a merged tag leads to the one it was merged into."""
    tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
    seen = set()
    while tag is not None and tag.merged_into_id is not None and tag.id not in seen:
        seen.add(tag.id)
        tag = db.session.get(Tag, tag.merged_into_id)
    return tag


def current_slugs(slugs) -> list[str]:
    """Slugs as a search should use them: merged tags replaced by their successors."""
    slugs = list(slugs)
    merged = (
        dict(
            db.session.execute(
                select(Tag.slug, Tag.merged_into_id).where(
                    Tag.slug.in_(slugs), Tag.merged_into_id.is_not(None)
                )
            ).all()
        )
        if slugs
        else {}
    )
    if not merged:
        return slugs
    return [_successor_slug(slug) if slug in merged else slug for slug in slugs]


def _successor_slug(slug: str) -> str:
    tag = current_tag(slug)
    return tag.slug if tag is not None else slug
