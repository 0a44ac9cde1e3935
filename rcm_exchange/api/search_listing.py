"""The API's page of search results, served mostly from the listings the index keeps.

A listing is a document as the API lists it, serialized when it was indexed, after a
line with its stamp: what it was made from. It is served for a hit once the database
has confirmed, in one light query, that the caller may see the document and that the
stamp is still the document's; organization and author come from that query. Any
other hit is loaded from the database. Loading, dumping and encoding 20 documents was
most of the API's own cost (6 of 8 ms), a third of a common word's whole answer on
tantivy; a listing is joined into the answer as the text it already is.
"""

from __future__ import annotations

import functools
import hashlib
import json

from flask import current_app
from marshmallow import Schema, fields

from rcm_exchange.models import Document
from rcm_exchange.schemas.document_search import RESULT_FACETS
from rcm_exchange.schemas.documents import AuthorRefSchema, DocumentOutSchema, OrganizationRefSchema
from rcm_exchange.services import search

# Organization and author are not kept in a listing: they come from the database
# with each answer, so a renaming shows at once.
_LIVE_FIELDS = ("organization", "author")


def listing(document: Document) -> str:
    """The document as the API lists it, as JSON text, after a line with its stamp."""
    shown = _schema(DocumentOutSchema, exclude=_LIVE_FIELDS).dump(document)
    return listing_stamp(document.version, document.updated_at) + "\n" + json.dumps(shown)


def listing_stamp(version: int, updated_at) -> str:
    """What a listing was made from: a change to the document (its row), to the site's
    address that its links start with, or to the fields the API lists (its format)
    makes an older listing stale."""
    return (
        f"{version}|{updated_at.isoformat()}|{current_app.config['RCM_BASE_URL']}"
        f"|{format_fingerprint(DocumentOutSchema)}"
    )


@functools.cache
def format_fingerprint(schema_class: type[Schema]) -> str:
    """Changes whenever the fields ``schema_class`` dumps change: their names, keys and
    kinds, nested schemas included (worked out once per schema class)."""
    return hashlib.sha1(_fields_shape(_schema(schema_class)).encode()).hexdigest()[:12]


def _fields_shape(schema: Schema, seen: frozenset = frozenset()) -> str:
    if type(schema) in seen:
        return type(schema).__name__  # a schema nested in itself: named, not walked again
    seen |= {type(schema)}
    return (
        "{"
        + ",".join(
            f"{name}={_field_shape(field, seen)}"
            for name, field in sorted(schema.fields.items())
            if not field.load_only
        )
        + "}"
    )


def _field_shape(field: fields.Field, seen: frozenset) -> str:
    shape = f"{type(field).__name__}:{field.data_key or ''}"
    if isinstance(field, fields.Nested):
        shape += _fields_shape(field.schema, seen)
    for inner in (getattr(field, "inner", None), getattr(field, "value_field", None)):
        if isinstance(inner, fields.Field):
            shape += "[" + _field_shape(inner, seen) + "]"
    return shape


def keep_listings(state) -> None:
    """On registering the documents API: every document's index entry keeps its listing."""
    search.keep_listings(state.app, listing)


def listed_documents(user, params: search.SearchParams) -> str:
    """The API's page of results as JSON text (the ``DocumentResultsSchema``)."""
    params, result = search.search_hits(user, params)
    current = search.listing_rows(user, [hit.id for hit in result.hits])
    listed, stale = {}, []
    for hit in result.hits:
        row = current.get(hit.id)
        if row is None:
            continue  # no longer visible: the index lags the database by a moment
        shown = _current_listing(hit.listing, row)
        if shown is None:
            stale.append(hit.id)
        else:
            listed[hit.id] = _join_objects(
                json.dumps({**_live_fields(row), "highlights": hit.highlights, "missing_words": hit.missing}),
                shown,
            )
    if stale:
        dump = _schema(DocumentOutSchema).dump
        hits = {hit.id: hit for hit in result.hits}
        listed.update(
            (
                document.id,
                json.dumps(
                    dump(document)
                    | {"highlights": hits[document.id].highlights, "missing_words": hits[document.id].missing}
                ),
            )
            for document in search.load_visible(user, stale).values()
        )
    rest = json.dumps(
        {
            "total": result.total,
            "page": params.page,
            "per_page": params.per_page,
            "facets": {name: result.facets.get(name, {}) for name in RESULT_FACETS},
            "suggestion": result.suggestion,
            "corrected": result.corrected,
        }
    )
    items = "[" + ",".join(listed[hit.id] for hit in result.hits if hit.id in listed) + "]"
    return _join_objects('{"items":' + items + "}", rest)


def _current_listing(listing: str, row) -> str | None:
    """The listing's JSON object, or None if it is stale or not one of ours."""
    stamp, _, shown = listing.partition("\n")
    if stamp != listing_stamp(row.version, row.updated_at) or not shown.startswith('{"'):
        return None
    return shown


def _live_fields(row) -> dict:
    """Organization and author of a listed document, from the freshness query's row."""
    return {
        "organization": _schema(OrganizationRefSchema).dump(
            {
                "id": row.organization_id,
                "name": row.organization_name,
                "acronym": row.acronym,
                "kind": row.kind,
            }
        ),
        "author": (
            _schema(AuthorRefSchema).dump({"id": row.author_id, "name": row.author_name})
            if row.author_id is not None
            else None
        ),
    }


@functools.cache
def _schema(schema_class, exclude: tuple[str, ...] = ()):
    """One instance of each output schema: making one costs more than a dump (130 µs,
    13 s of a 100,000-document reindex)."""
    return schema_class(exclude=exclude)


def _join_objects(first: str, second: str) -> str:
    """Two JSON object texts, each with at least one member, as one object."""
    return first[:-1] + "," + second[1:]
