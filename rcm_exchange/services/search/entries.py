"""Documents as the index holds them: the entry of a document (its words, filters,
fingerprint and the listing the API keeps with it), and which documents to index or
remove."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from rcm_exchange.content import search_text
from rcm_exchange.extensions import db
from rcm_exchange.models import Attachment, Document, DocumentStatus
from rcm_exchange.services import forum_search


def _fingerprint(version: int, attachments: list[tuple[int, str]]) -> str:
    """Changes whenever what the index holds for a document must change."""
    raw = f"{version}|" + ",".join(f"{aid}:{status}" for aid, status in sorted(attachments))
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def index_entry(document: Document) -> dict:
    return {
        "id": document.id,
        "title": search_text(document, "title"),
        "summary": search_text(document, "summary"),
        "body": search_text(document, "body"),
        "attachments_text": "\n".join(a.text for a in document.attachments if a.text),
        "language": document.language.value,
        "doc_type": document.doc_type.value,
        "tags": [tag.slug for tag in document.tags] + forum_search.keywords(document),
        "countries": [country.code for country in document.countries],
        "organization_id": document.organization_id,
        "names": document_names(document),
        "visibility": document.visibility.value,
        "published_at": document.published_at,
        "fingerprint": _fingerprint(
            document.version, [(a.id, a.extraction_status) for a in document.attachments]
        ),
        "listing": _listing(document),
    }


def document_names(document: Document) -> list[str]:
    """The names a document is filed under, in English and Spanish: its tags, its
    countries and its organization (with its acronym). The engines index them as
    words of their own, weighed below the document's text."""
    names = [name for tag in document.tags for name in (tag.name_en, tag.name_es)]
    names += [name for country in document.countries for name in (country.name_en, country.name_es)]
    organization = document.organization
    if organization is not None:
        names += [organization.name, organization.name_es or "", organization.acronym]
    return list(dict.fromkeys(name for name in names if name))


# Organization and author are not kept in a listing: they come from the database

LISTING_EXTENSION = "rcm_search_listing"


def keep_listings(app: Flask, make_listing: Callable[[Document], str]) -> None:
    """Keep ``make_listing(document)`` in each document's entry: text the index returns
    with the hit untouched (``SearchHit.listing``). The API registers what it lists, so
    that a page of results can be served as the index keeps it; without it, entries keep
    no listing and every hit is loaded from the database."""
    app.extensions[LISTING_EXTENSION] = make_listing


def _listing(document: Document) -> str:
    make_listing = current_app.extensions.get(LISTING_EXTENSION)
    return make_listing(document) if make_listing else ""


def _load_for_index(ids) -> dict[int, Document]:
    documents = db.session.scalars(
        select(Document)
        .where(Document.id.in_(list(ids)))
        .options(
            joinedload(Document.organization),
            joinedload(Document.author),
            selectinload(Document.tags),
            selectinload(Document.countries),
            selectinload(Document.attachments),
        )
    )
    return {d.id: d for d in documents}


def split_by_state(ids) -> tuple[list[dict], set[int]]:
    """What to index and what to remove, from the documents' state now (not the
    operation logged): a later entry may already have changed it again."""
    found = _load_for_index(ids)
    upserts = [
        index_entry(d)
        for d in found.values()
        if d.status == DocumentStatus.PUBLISHED and d.published_at is not None
    ]
    indexed = {entry["id"] for entry in upserts}
    return upserts, set(ids) - indexed


def database_fingerprints() -> dict[int, str]:
    """The fingerprint of every published document, from the database alone: what the
    index's ``fingerprints()`` holds when it is in step."""
    versions = dict(
        db.session.execute(
            select(Document.id, Document.version).where(Document.status == DocumentStatus.PUBLISHED)
        ).all()
    )
    attachments: dict[int, list[tuple[int, str]]] = {}
    for document_id, attachment_id, status in db.session.execute(
        select(Attachment.document_id, Attachment.id, Attachment.extraction_status)
        .join(Document)
        .where(Document.status == DocumentStatus.PUBLISHED)
    ):
        attachments.setdefault(document_id, []).append((attachment_id, status))
    return {
        doc_id: _fingerprint(version, attachments.get(doc_id, [])) for doc_id, version in versions.items()
    }
