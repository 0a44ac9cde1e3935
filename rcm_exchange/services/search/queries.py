"""Asking the index: searches, the browse pages' newest documents and counts, related
and similar documents, and the records behind facet keys. Every question goes
through the one access policy, inside the engine's query and again on the rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

import search_index
from rcm_exchange import errors
from rcm_exchange.extensions import db
from rcm_exchange.models import Country, Document, Organization, Tag, User
from rcm_exchange.services import access, forum_search
from rcm_exchange.services.merged_tags import current_slugs
from rcm_exchange.services.search.engine import get_engine
from rcm_exchange.services.search.entries import index_entry
from rcm_exchange.services.search.params import SearchParams
from rcm_exchange.services.search.sync import BATCH_SIZE, catch_up, pending_changes, rebuild_in_background
from rcm_exchange.services.search.typed_filters import apply_typed_filters
from search_index import FACET_NAMES, MAX_QUERY_CHARS

# How long a search waits for a drainer already at work before reading the index as
# it is: long enough for a batch of changes, short enough not to be felt.
READER_WAITS_FOR_DRAINER_SECONDS = 1.0


@dataclass
class SearchItem:
    document: Document
    highlights: list[str]
    missing: list[str] = field(default_factory=list)  # typed words this document lacks


@dataclass
class SearchPage:
    params: SearchParams  # as searched: filters typed in ``q`` moved to the filters
    items: list[SearchItem]
    total: int
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    corrected: bool = False  # the items are those of ``suggestion``; ``params.q`` found nothing

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.params.per_page))


def _clean_query_text(text: str) -> str:
    return "".join(ch for ch in (text or "") if ch >= " " or ch in "\t\n").strip()[:MAX_QUERY_CHARS]


def _engine_call(call):
    try:
        return call()
    except search_index.IndexCorrupt:
        rebuild_in_background()
        raise errors.SearchRebuilding() from None
    except search_index.SearchTooSlow:
        raise errors.SearchTooBroad() from None
    except search_index.SearchUnavailable:
        raise errors.SearchUnavailable() from None


def _catch_up_before_reading() -> None:
    """A reader applies pending changes first, so an approval is searchable at once
    even when its own request could not drain. When another drainer is at it (the
    worker, after a file's text was read) with no more than a batch to apply, the
    reader gives it a moment to finish: otherwise one host would show the change and
    the next search, on a host still draining, would not. An index far behind (being
    rebuilt, or after a large import) is read as it is, at once."""
    try:
        behind = pending_changes()
        if behind:
            catch_up(wait=READER_WAITS_FOR_DRAINER_SECONDS if behind <= BATCH_SIZE else False)
    except search_index.SearchUnavailable:
        pass  # the search itself reports it


def search_documents(user, params: SearchParams) -> SearchPage:
    params = apply_typed_filters(params)
    result = _search(user, params)
    documents = load_visible(user, [hit.id for hit in result.hits])
    items = [
        SearchItem(documents[hit.id], hit.highlights, hit.missing)
        for hit in result.hits
        if hit.id in documents
    ]
    return SearchPage(
        params=params,
        items=items,
        total=result.total,
        facets=result.facets,
        suggestion=result.suggestion,
        corrected=result.corrected,
    )


def search_hits(user, params: SearchParams) -> tuple[SearchParams, search_index.SearchResult]:
    """The engine's answer to a search as asked (filters typed in ``q`` moved to the
    filters), for a caller that serves the hits itself (the API's listing)."""
    params = apply_typed_filters(params)
    return params, _search(user, params)


def _search(user, params: SearchParams, facets: tuple[str, ...] = FACET_NAMES) -> search_index.SearchResult:
    text = _clean_query_text(params.q)
    sort = params.sort or ("relevance" if text else "newest")
    _catch_up_before_reading()
    query = search_index.SearchQuery(
        access=access.search_access_filter(user),
        text=text,
        tags=tuple(current_slugs(params.tag)) + forum_search.filter_keywords(params),
        countries=tuple(c.upper() for c in params.country),
        doc_type=params.doc_type,
        language=params.language,
        year=params.year,
        organization_id=params.organization,
        sort=sort,
        page=params.page,
        per_page=params.per_page,
        correct=not params.exact,
        facets=facets,
    )
    result = _engine_call(lambda: get_engine().search(query))
    result.facets = forum_search.split_facets(result.facets)
    return result


@dataclass(frozen=True)
class Tally:
    """How many published documents a reader may see under some filters, in all and by
    the facets of the index that were asked for (of tags, countries, doc_type, language,
    year, organization; the others are empty)."""

    total: int
    facets: dict[str, dict[str, int]]


@dataclass(frozen=True)
class NewestPage:
    documents: list[Document]
    tally: Tally


def newest_documents(
    user, *, page: int = 1, per_page: int = 20, facets: tuple[str, ...] = (), **filters
) -> NewestPage:
    """One page of the published documents ``user`` may see under ``filters`` (the
    ``SearchParams`` filter fields), newest first, with their tally: the total, and the
    ``facets`` asked for (none unless asked: a listing that shows its total alone does
    not pay for counting every facet of every match).

    The index answers, under the same ``AccessFilter`` as every search: it counts the
    matches and each facet without reading a row of the database, so the browse pages
    cost the same at 100,000 documents as at 1,000. The database then loads the page's
    documents, checked once more against the policy.
    """
    result = _search(user, SearchParams(page=page, per_page=per_page, sort="newest", **filters), facets)
    found = load_visible(user, [hit.id for hit in result.hits])
    return NewestPage(
        [found[hit.id] for hit in result.hits if hit.id in found], Tally(result.total, result.facets)
    )


def tally(user, *, facets: tuple[str, ...], **filters) -> Tally:
    """``newest_documents``' counts alone (the index fetches one hit, the database none):
    the total and the ``facets`` named (``()`` for the total alone)."""
    result = _search(user, SearchParams(per_page=1, sort="newest", **filters), facets)
    return Tally(result.total, result.facets)


def listing_rows(user, ids: list[int]) -> dict:
    """For each of these hits the caller may still see: the document's version and last
    change (to tell a current listing from a stale one), and its organization and
    author as they are now, in one light query."""
    if not ids:
        return {}
    return {
        row.id: row
        for row in db.session.execute(
            select(
                Document.id,
                Document.version,
                Document.updated_at,
                Organization.id.label("organization_id"),
                Organization.name.label("organization_name"),
                Organization.acronym,
                Organization.kind,
                User.id.label("author_id"),
                User.name.label("author_name"),
            )
            .join(Document.organization)
            .outerjoin(Document.author)
            .where(Document.id.in_(ids), access.visible_documents_clause(user))
        )
    }


def load_visible(user, ids: list[int]) -> dict[int, Document]:
    """The documents of these hits, in one query, checked once more against the policy
    (the index may lag a change of visibility by a moment)."""
    if not ids:
        return {}
    documents = db.session.scalars(
        select(Document)
        .where(Document.id.in_(ids), access.visible_documents_clause(user))
        # One row per document with its organization and author; the lists in three more.
        .options(
            joinedload(Document.organization),
            joinedload(Document.author),
            selectinload(Document.tags),
            selectinload(Document.countries),
            selectinload(Document.attachments),
        )
    )
    return {d.id: d for d in documents}


def related_documents(user, document: Document, limit: int = 5) -> list[Document]:
    """Published documents most like this one that the user may see."""
    try:
        ids = get_engine().related(document.id, access.search_access_filter(user), limit=limit)
    except search_index.SearchUnavailable:
        return []
    found = load_visible(user, ids)
    return [found[i] for i in ids if i in found and i != document.id]


def similar_published(user, document: Document, limit: int = 5) -> list[Document]:
    """For a submission under review: published documents like it (a repeat submission
    is caught before it is approved). Works before the submission is indexed."""
    entry = index_entry(document) | {"published_at": document.submitted_at or document.created_at}
    try:
        ids = get_engine().similar_to_text(entry, access.search_access_filter(user), limit=limit)
    except search_index.SearchUnavailable:
        return []
    found = load_visible(user, ids)
    return [found[i] for i in ids if i in found and i != document.id]


@dataclass
class FacetLabels:
    tags: dict[str, Tag]
    countries: dict[str, Country]
    organizations: dict[str, Organization]


def facet_labels(facets: dict[str, dict[str, int]]) -> FacetLabels:
    """The tag, country and organization records behind facet keys (three queries)."""
    tag_slugs = list(facets.get("tags", {}))
    country_codes = list(facets.get("countries", {}))
    org_ids = [int(k) for k in facets.get("organization", {}) if str(k).isdigit()]
    return FacetLabels(
        tags={t.slug: t for t in db.session.scalars(select(Tag).where(Tag.slug.in_(tag_slugs)))},
        countries={
            c.code: c for c in db.session.scalars(select(Country).where(Country.code.in_(country_codes)))
        },
        organizations={
            str(o.id): o for o in db.session.scalars(select(Organization).where(Organization.id.in_(org_ids)))
        },
    )
