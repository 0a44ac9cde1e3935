"""Searching and filtering published documents: the list endpoint, the Atom feed and
the search page read the same parameters (see API.md, GET /documents)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from rcm_exchange.forum_facets import FACETS as FORUM_FACETS
from rcm_exchange.models import DocType, Language, Standing
from rcm_exchange.schemas import (
    MAX_PAGE,
    MAX_YEAR,
    MIN_YEAR,
    TOO_MANY_COUNTRIES,
    TOO_MANY_TOPICS,
    Id,
    Text,
    at_most_list_values,
)
from rcm_exchange.schemas.documents import DocumentOutSchema
from search_index import FACET_NAMES, MAX_QUERY_CHARS, SORTS

# The facets a page of results counts: the index's, but organization (the search page
# shows it; the contract does not name it), and the forum's.
RESULT_FACETS = tuple(name for name in FACET_NAMES if name != "organization") + FORUM_FACETS
# Repeated parameters (``?tag=a&tag=b``), for ``schemas.form_data``.
LIST_PARAMETERS = frozenset({"tag", "country"})


class DocumentSearchSchema(Schema):
    q = Text(
        load_default="",
        validate=validate.Length(max=MAX_QUERY_CHARS),
        metadata={
            "description": "Words to look for (accents and case do not matter). Filters may "
            "be typed among them: `tag:`, `country:`, `type:`, `lang:`, "
            "`year:`, `org:` (a name or code in either language)."
        },
    )
    tag = fields.List(
        Text(validate=validate.Length(min=1, max=80)),
        load_default=list,
        validate=at_most_list_values(TOO_MANY_TOPICS),
        metadata={"description": "Tag slug; repeat for documents with all of them."},
    )
    country = fields.List(
        Text(validate=validate.Length(equal=2)),
        load_default=list,
        validate=at_most_list_values(TOO_MANY_COUNTRIES),
        metadata={"description": "ISO alpha-2 code; repeat for documents about all of them."},
    )
    doc_type = fields.Enum(
        DocType,
        by_value=True,
        load_default=None,
        error_messages={"unknown": _l("Choose the type of document.")},
    )
    language = fields.Enum(
        Language,
        by_value=True,
        load_default=None,
        error_messages={"unknown": _l("Choose the language of the document.")},
    )
    year = fields.Integer(
        load_default=None,
        strict=False,
        validate=validate.Range(min=MIN_YEAR, max=MAX_YEAR),
        metadata={"description": "Year of publication."},
    )
    organization = Id(load_default=None, metadata={"description": "Id of the submitting organization."})
    meeting = Id(
        load_default=None,
        metadata={"description": "Id of a meeting the document was presented or adopted at."},
    )
    body = Text(
        load_default=None,
        validate=validate.Length(min=1, max=80),
        metadata={"description": "Slug of an RCM body one of the document's meetings belongs to."},
    )
    standing = fields.Enum(
        Standing,
        by_value=True,
        load_default=None,
        error_messages={"unknown": _l("Choose the document's standing.")},
    )
    ppt_year = fields.Integer(
        load_default=None,
        strict=False,
        validate=validate.Range(min=1996, max=2100),
        metadata={"description": "Presidency Pro-Tempore year of one of its meetings."},
    )
    call = Id(load_default=None, metadata={"description": "Id of the call for practices it answers."})
    sort = Text(
        load_default=None,
        validate=validate.OneOf(SORTS),
        metadata={"description": "`relevance` (the default with `q`) or `newest` (the default without)."},
    )
    page = fields.Integer(load_default=1, strict=False, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=20, strict=False, validate=validate.Range(min=1, max=100))
    exact = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Search `q` exactly as typed: when it finds nothing, a correction is offered in "
            "`suggestion` but not searched."
        },
    )


class DocumentHitSchema(DocumentOutSchema):
    """A document in a result list, with the passages that matched."""

    highlights = fields.List(
        Text(),
        required=True,
        metadata={"description": "HTML fragments with the matched words in <mark>; empty without `q`."},
    )
    missing_words = fields.List(
        Text(),
        required=True,
        metadata={
            "description": "Words of `q` this document lacks: it holds most of them, and follows every "
            "document that holds them all."
        },
    )


class DocumentResultsSchema(Schema):
    items = fields.List(fields.Nested(DocumentHitSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    facets = fields.Dict(
        keys=Text(validate=validate.OneOf(RESULT_FACETS)),
        values=fields.Dict(keys=Text(), values=fields.Integer()),
        required=True,
        metadata={
            "description": "For each of tags, countries, doc_type, language, year, meeting (id), "
            "body (slug), standing and ppt_year: value → number of matching "
            "documents the caller may see."
        },
    )
    suggestion = Text(
        required=True, allow_none=True, metadata={"description": "A corrected query to offer, or null."}
    )
    corrected = fields.Boolean(
        required=True,
        metadata={"description": "True when `q` found nothing and the items are those of `suggestion`."},
    )
