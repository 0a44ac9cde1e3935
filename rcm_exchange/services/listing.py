"""Published documents a caller may see, filtered, sorted, paged and counted by facet.

``list_documents`` is the single entry the API's list and the Atom feed use. This
implementation answers with plain SQL through ``access.visible_documents_clause``;
the search engine's ``search_documents`` takes its place behind the same call once it
is there, and the result keeps this shape.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from rcm_exchange.extensions import db
from rcm_exchange.models import Document, Tag, document_countries, document_tags
from rcm_exchange.services import access

FACETS = ("tags", "countries", "doc_type", "language", "year")


@dataclass
class DocumentListing:
    items: list[Document]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None
    # Document id -> HTML fragments with the matched words in <mark>.
    highlights: dict[int, list[str]] = field(default_factory=dict)


def list_documents(user, params: dict) -> DocumentListing:
    """``params`` as loaded by ``schemas.document_search.DocumentSearchSchema``."""
    page, per_page = params.get("page", 1), params.get("per_page", 20)
    where = and_(access.visible_documents_clause(user), *_filters(params))
    total = db.session.scalar(select(func.count()).select_from(Document).where(where))
    items = list(db.session.scalars(
        select(Document)
        .where(where)
        .options(selectinload(Document.tags), selectinload(Document.countries),
                 selectinload(Document.organization), selectinload(Document.author),
                 selectinload(Document.attachments))
        .order_by(Document.published_at.desc(), Document.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ))
    return DocumentListing(items=items, total=total, page=page, per_page=per_page,
                           facets=_facets(where))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filters(params: dict) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for word in (params.get("q") or "").split():
        pattern = f"%{_escape_like(word.lower())}%"
        conditions.append(or_(*(func.lower(column).like(pattern, escape="\\")
                                for column in (Document.title, Document.summary, Document.body_html))))
    for slug in params.get("tag") or ():
        conditions.append(exists().where(
            document_tags.c.document_id == Document.id,
            document_tags.c.tag_id == select(Tag.id).where(Tag.slug == slug).scalar_subquery(),
        ))
    for code in params.get("country") or ():
        conditions.append(exists().where(
            document_countries.c.document_id == Document.id,
            document_countries.c.country_code == code.upper(),
        ))
    if params.get("doc_type"):
        conditions.append(Document.doc_type == params["doc_type"])
    if params.get("language"):
        conditions.append(Document.language == params["language"])
    if params.get("year"):
        year = params["year"]
        conditions.append(and_(
            Document.published_at >= datetime(year, 1, 1, tzinfo=timezone.utc),
            Document.published_at < datetime(year + 1, 1, 1, tzinfo=timezone.utc),
        ))
    if params.get("organization"):
        conditions.append(Document.organization_id == params["organization"])
    return conditions


def _facets(where: ColumnElement[bool]) -> dict[str, dict[str, int]]:
    """Counts over the matching documents only, so nothing hidden is ever counted."""
    matching = select(Document.id).where(where).subquery()

    def counts(key, *joins) -> dict[str, int]:
        query = select(key, func.count()).select_from(matching)
        for target, condition in joins:
            query = query.join(target, condition)
        query = query.group_by(key).order_by(func.count().desc(), key)
        return {str(value): count for value, count in db.session.execute(query) if value is not None}

    year = func.extract("year", Document.published_at)
    by_document = (Document, Document.id == matching.c.id)
    return {
        "tags": counts(Tag.slug, (document_tags, document_tags.c.document_id == matching.c.id),
                       (Tag, Tag.id == document_tags.c.tag_id)),
        "countries": counts(document_countries.c.country_code,
                            (document_countries, document_countries.c.document_id == matching.c.id)),
        "doc_type": counts(Document.doc_type, by_document),
        "language": counts(Document.language, by_document),
        "year": {str(int(float(key))): n for key, n in counts(year, by_document).items()},
    }
