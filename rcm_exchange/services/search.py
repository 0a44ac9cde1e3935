"""Search in the app: adapts documents to the framework-free ``search_index`` package,
keeps this host's index in step with the database through the search log, and answers
queries through the one access policy.

The database is the source of truth. Every change that affects search appends a
search-log entry in its own transaction (``search_log.record_change``); this module
applies entries in id order to the local index (``catch_up``). One drainer per index
at a time: a request that finds the drain lock busy simply skips, and whoever holds
it (or the next request, or the background worker) applies the entry.
"""
from __future__ import annotations

import fcntl
import functools
import gc
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import search_index
from flask import current_app
from flask_babel import force_locale, gettext as _
from search_index.analysis import fold
from search_index.query_syntax import split_field_filters
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload, selectinload

from rcm_exchange import errors
from rcm_exchange.config import search_engine_options
from rcm_exchange.extensions import db
from rcm_exchange.labels import DOC_TYPES, LANGUAGES
from rcm_exchange.models import (
    Attachment,
    Country,
    DocType,
    Document,
    DocumentStatus,
    Language,
    Organization,
    SearchLogEntry,
    SearchLogPrune,
    Tag,
    User,
    utcnow,
)
from rcm_exchange.schemas.documents import AuthorRefSchema, DocumentOutSchema, OrganizationRefSchema
from rcm_exchange.sanitize import html_to_text
from rcm_exchange.services import access, forum_search

log = logging.getLogger(__name__)

BATCH_SIZE = 500
# On databases where transactions may commit out of id order (PostgreSQL sequences),
# entries this recent are applied again on every drain: a late commit is not missed,
# and applying an entry twice is harmless.
LATE_COMMIT_WINDOW = timedelta(seconds=90)
MAX_QUERY_CHARS = 500
REBUILD_THREAD_NAME = "rcm-index-rebuild"


# --- the engine of this process -------------------------------------------------

def get_engine() -> search_index.SearchEngine:
    """This process's engine for the configured backend and index (opened once)."""
    app = current_app._get_current_object()
    backend = app.config["RCM_SEARCH_BACKEND"]
    options = search_engine_options(app.config)
    key = (backend, tuple(sorted(options.items())))
    engines = app.extensions.setdefault("rcm_search_engines", {})
    engine = engines.get(key)
    if engine is None:
        if "index_dir" in options:
            Path(options["index_dir"]).mkdir(parents=True, exist_ok=True)
        engine = engines[key] = search_index.open_engine(backend, **options)
    return engine


@contextmanager
def drain_lock(wait: bool = False) -> Iterator[bool]:
    """One drainer per index, across processes and hosts. Yields False at once when
    another holds it and ``wait`` is not asked for.

    An index in PostgreSQL is shared by every host, so its lock is a PostgreSQL
    advisory lock; an index in files belongs to this host, so its lock is an
    ``flock`` on a file beside it.
    """
    options = search_engine_options(current_app.config)
    if "dsn" in options:
        from search_index.postgres_engine import advisory_lock

        lock = advisory_lock(options["dsn"], f"rcm_search:{options['schema']}:drain", wait)
    else:
        lock = _file_lock(Path(options["index_dir"]), wait)
    with lock as acquired:
        yield acquired


@contextmanager
def _file_lock(index_dir: Path, wait: bool) -> Iterator[bool]:
    # Beside the index, not in it: an engine treats unknown files in its folder as damage.
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(index_dir.with_name(index_dir.name + ".drain.lock"), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- documents as the engine sees them -------------------------------------------

def _fingerprint(version: int, attachments: list[tuple[int, str]]) -> str:
    """Changes whenever what the index holds for a document must change."""
    raw = f"{version}|" + ",".join(f"{aid}:{status}" for aid, status in sorted(attachments))
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def index_entry(document: Document) -> dict:
    practice = " ".join(filter(None, [document.implementing_bodies, document.partners,
                                      html_to_text(document.results_html or "")]))
    return {
        "id": document.id,
        "title": document.title,
        "summary": document.summary,
        "body": "\n".join(filter(None, [html_to_text(document.body_html), practice])),
        "attachments_text": "\n".join(a.text for a in document.attachments if a.text),
        "language": document.language.value,
        "doc_type": document.doc_type.value,
        "tags": [tag.slug for tag in document.tags] + forum_search.keywords(document),
        "countries": [country.code for country in document.countries],
        "organization_id": document.organization_id,
        "names": document_names(document),
        "visibility": document.visibility.value,
        "published_at": document.published_at,
        "fingerprint": _fingerprint(document.version,
                                    [(a.id, a.extraction_status) for a in document.attachments]),
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
# with each answer, so a renaming shows at once.
_LIVE_FIELDS = ("organization", "author")


def _listing(document: Document) -> str:
    """The document as the API lists it, as JSON text, after a line with its stamp."""
    shown = _schema(DocumentOutSchema, exclude=_LIVE_FIELDS).dump(document)
    return _listing_stamp(document.version, document.updated_at) + "\n" + json.dumps(shown)


def _listing_stamp(version: int, updated_at) -> str:
    """What a listing was made from: a change to the document (its row), or to the
    site's address that its links start with, makes an older listing stale."""
    return f"{version}|{updated_at.isoformat()}|{current_app.config['RCM_BASE_URL']}"


def _load_for_index(ids) -> dict[int, Document]:
    documents = db.session.scalars(
        select(Document).where(Document.id.in_(list(ids)))
        .options(joinedload(Document.organization), joinedload(Document.author),
                 selectinload(Document.tags), selectinload(Document.countries),
                 selectinload(Document.attachments))
    )
    return {d.id: d for d in documents}


def _split_by_state(ids) -> tuple[list[dict], set[int]]:
    """What to index and what to remove, from the documents' state now (not the
    operation logged): a later entry may already have changed it again."""
    found = _load_for_index(ids)
    upserts = [index_entry(d) for d in found.values()
               if d.status == DocumentStatus.PUBLISHED and d.published_at is not None]
    indexed = {entry["id"] for entry in upserts}
    return upserts, set(ids) - indexed


# --- keeping the index in step ---------------------------------------------------

def _pruned_through() -> int:
    return db.session.scalar(select(func.max(SearchLogPrune.pruned_through))) or 0


def catch_up(*, wait: bool = False) -> int | None:
    """Apply every search-log entry the index has not applied yet.

    Returns how many entries were applied, or None when another drainer is busy (this
    caller skips; the busy one or the next will apply them). An index that is missing,
    corrupt, or behind the pruned part of the log is rebuilt from the database.
    """
    with drain_lock(wait) as acquired:
        if not acquired:
            return None
        engine = get_engine()
        try:
            engine.count()  # opens the index: damage shows here rather than mid-batch
            last_applied = engine.last_applied_log_id()
        except search_index.IndexCorrupt:
            log.warning("search index is missing or corrupt; rebuilding it from the database")
            _rebuild_locked(engine)
            return 0
        if last_applied < _pruned_through():
            log.warning("search index fell behind the pruned search log; rebuilding it")
            _rebuild_locked(engine)
            return 0
        with engine.bulk_update(), _older_objects_left_out_of_collection():
            return _apply_pending(engine, last_applied)


@contextmanager
def _older_objects_left_out_of_collection() -> Iterator[None]:
    """While the index catches up, the cyclic garbage collector leaves out the objects
    that were there before: making thousands of ORM objects for a batch set it off
    often enough that scanning the whole process was half of loading the documents."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _apply_pending(engine, last_applied: int) -> int:
    applied = 0
    recheck_recent = db.engine.dialect.name != "sqlite"
    while True:
        query = select(SearchLogEntry.id, SearchLogEntry.document_id).where(
            SearchLogEntry.id > last_applied)
        rows = list(db.session.execute(query.order_by(SearchLogEntry.id).limit(BATCH_SIZE)))
        if recheck_recent and applied == 0:
            rows += list(db.session.execute(
                select(SearchLogEntry.id, SearchLogEntry.document_id)
                .where(SearchLogEntry.id <= last_applied,
                       SearchLogEntry.created_at >= utcnow() - LATE_COMMIT_WINDOW)))
        if not rows:
            return applied
        through = max(last_applied, max(row.id for row in rows))
        upserts, deletes = _split_by_state({row.document_id for row in rows})
        engine.apply(upserts, deletes, through_log_id=through)
        applied += sum(1 for row in rows if row.id > last_applied)
        last_applied = through
        db.session.rollback()  # end the read transaction; the next batch sees new commits
        if len(rows) < BATCH_SIZE:
            return applied


def catch_up_quietly() -> None:
    """After a commit: bring the index up to date if nobody else is at it."""
    try:
        catch_up()
    except search_index.SearchUnavailable as error:
        log.warning("search index not updated now (%s); the search log keeps the change", error)


def pending_changes() -> bool:
    engine = get_engine()
    newest = db.session.scalar(select(func.max(SearchLogEntry.id))) or 0
    return newest > engine.last_applied_log_id()


def published_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Document)
                             .where(Document.status == DocumentStatus.PUBLISHED)) or 0


def rebuild(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the index from the database (waits for the drain lock)."""
    with drain_lock(wait=True):
        return _rebuild_locked(get_engine(), progress)


def _rebuild_locked(engine, progress: Callable[[int], None] | None = None) -> int:
    # Read the log position first: changes made while rebuilding are applied again
    # afterwards, which is harmless.
    through = db.session.scalar(select(func.max(SearchLogEntry.id))) or 0
    engine.clear()
    ids = list(db.session.scalars(select(Document.id).where(
        Document.status == DocumentStatus.PUBLISHED).order_by(Document.id)))
    done = 0
    with engine.bulk_load(), _older_objects_left_out_of_collection():
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start:start + BATCH_SIZE]
            upserts, _ = _split_by_state(chunk)
            engine.apply(upserts, [])
            done += len(chunk)
            db.session.expunge_all()
            if progress:
                progress(len(chunk))
    # Remembered once the index is whole: a rebuild cut short is done again.
    engine.apply([], [], through_log_id=through)
    return done


def rebuild_in_background() -> bool:
    """Start rebuilding a broken index without holding up the request; False if a
    drainer is already at work (it will rebuild)."""
    app = current_app._get_current_object()

    def work():
        with app.app_context():
            try:
                with drain_lock(wait=False) as acquired:
                    if acquired:
                        _rebuild_locked(get_engine())
            except Exception:
                log.exception("rebuilding the search index failed")

    thread = threading.Thread(target=work, name=REBUILD_THREAD_NAME, daemon=True)
    thread.start()
    return True


@dataclass
class IndexReport:
    missing: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    repaired: bool = False

    @property
    def in_step(self) -> bool:
        return not (self.missing or self.extra or self.stale)


def _database_fingerprints() -> dict[int, str]:
    versions = dict(db.session.execute(select(Document.id, Document.version).where(
        Document.status == DocumentStatus.PUBLISHED)).all())
    attachments: dict[int, list[tuple[int, str]]] = {}
    for document_id, attachment_id, status in db.session.execute(
            select(Attachment.document_id, Attachment.id, Attachment.extraction_status)
            .join(Document).where(Document.status == DocumentStatus.PUBLISHED)):
        attachments.setdefault(document_id, []).append((attachment_id, status))
    return {doc_id: _fingerprint(version, attachments.get(doc_id, []))
            for doc_id, version in versions.items()}


def check_index(*, repair: bool = False) -> IndexReport:
    """Compare the index with the database; with ``repair``, bring it in step."""
    with drain_lock(wait=True):
        engine = get_engine()
        try:
            indexed = engine.fingerprints()
        except search_index.IndexCorrupt:
            indexed = None
        expected = _database_fingerprints()
        if indexed is None:
            report = IndexReport(missing=sorted(expected))
        else:
            report = IndexReport(
                missing=sorted(set(expected) - set(indexed)),
                extra=sorted(set(indexed) - set(expected)),
                stale=sorted(i for i in set(expected) & set(indexed) if expected[i] != indexed[i]),
            )
        if repair and (indexed is None or not report.in_step):
            if indexed is None:
                _rebuild_locked(engine)
            else:
                upserts, deletes = _split_by_state(report.missing + report.stale + report.extra)
                engine.apply(upserts, deletes)
            report.repaired = True
        return report


def prune_search_log() -> int:
    """Delete applied entries older than the retention period and remember how far."""
    from rcm_exchange.services.unit_of_work import unit_of_work

    cutoff = utcnow() - timedelta(days=current_app.config["RCM_SEARCH_LOG_RETENTION_DAYS"])
    with unit_of_work():
        through = db.session.scalar(select(func.max(SearchLogEntry.id))
                                    .where(SearchLogEntry.created_at < cutoff))
        if through is None:
            return 0
        removed = db.session.execute(delete(SearchLogEntry).where(SearchLogEntry.id <= through)).rowcount
        db.session.add(SearchLogPrune(pruned_through=through))
    return removed


# --- asking ----------------------------------------------------------------------

@dataclass
class SearchParams:
    """A search as a person or a client asks it (the API's query parameters)."""

    q: str = ""
    tag: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    doc_type: str | None = None
    language: str | None = None
    year: int | None = None
    organization: int | None = None
    meeting: int | None = None
    body: str | None = None
    standing: str | None = None
    ppt_year: int | None = None
    call: int | None = None
    sort: str | None = None
    page: int = 1
    per_page: int = 20
    exact: bool = False  # search ``q`` as typed: a correction is offered, never searched

    @classmethod
    def from_loaded(cls, data: dict) -> "SearchParams":
        """From ``DocumentSearchSchema`` data (enums become their values)."""
        values = dict(data)
        for key in ("doc_type", "language", "standing"):
            if values.get(key) is not None:
                values[key] = getattr(values[key], "value", values[key])
        return cls(**values)


# The facets the contract names; the engine also counts by organization for the page.
API_FACETS = ("tags", "countries", "doc_type", "language", "year") + forum_search.FACETS


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
    except search_index.SearchUnavailable:
        raise errors.SearchUnavailable() from None


def _catch_up_before_reading() -> None:
    """A reader applies pending changes first (unless a drainer is busy), so an
    approval is searchable at once even when its own request could not drain."""
    try:
        if pending_changes():
            catch_up()
    except search_index.SearchUnavailable:
        pass  # the search itself reports it


# --- filters typed in the search box ---------------------------------------------

# What a reader may type before a colon (folded, English and Spanish), and the
# search parameter it sets.
TYPED_FIELDS = {
    "tag": "tag", "tags": "tag", "topic": "tag", "tema": "tag",
    "country": "country", "pais": "country",
    "type": "doc_type", "tipo": "doc_type",
    "lang": "language", "language": "language", "idioma": "language",
    "year": "year", "ano": "year",
    "org": "organization", "organization": "organization", "organizacion": "organization",
}
TYPED_FIELD_NAMES = "tag:, country:, type:, lang:, year:, org:"
_LIST_FILTERS = ("tag", "country")


def _same_name(value: str, *names: str | None) -> bool:
    wanted = " ".join(fold(value).replace("-", " ").replace("_", " ").split())
    return any(name and " ".join(fold(name).replace("-", " ").split()) == wanted for name in names)


def _label_in_any_language(labels: dict, value: str):
    """The enum member whose value or label (English or Spanish) ``value`` names."""
    for member, label in labels.items():
        if fold(value) == member.value:
            return member.value
        for locale in ("en", "es"):
            with force_locale(locale):
                if _same_name(value, str(label)):
                    return member.value
    return None


def _typed_tag(value: str) -> str | None:
    return next((t.slug for t in db.session.scalars(select(Tag))
                 if t.slug == value.lower() or _same_name(value, t.slug, t.name_en, t.name_es)), None)


def _typed_country(value: str) -> str | None:
    if len(value) == 2 and value.isalpha():
        found = db.session.get(Country, value.upper())
        return found.code if found else None
    return next((c.code for c in db.session.scalars(select(Country)) if _same_name(value, c.name_en, c.name_es)),
                None)


def _typed_organization(value: str) -> int | None:
    return next((o.id for o in db.session.scalars(select(Organization))
                 if o.acronym.lower() == value.lower() or _same_name(value, o.name, o.name_es)), None)


def _typed_year(value: str) -> int | None:
    return int(value) if value.isdigit() and 1900 <= int(value) <= 2200 else None


_TYPED_RESOLVERS = {
    "tag": (_typed_tag, lambda v: _("No topic is called “%(value)s”.", value=v)),
    "country": (_typed_country, lambda v: _("No country is called “%(value)s”; use its name or its two-letter "
                                            "code.", value=v)),
    "doc_type": (lambda v: _label_in_any_language(DOC_TYPES, v),
                 lambda v: _("“%(value)s” is not a type of document.", value=v)),
    "language": (lambda v: _label_in_any_language({k: v for k, v in LANGUAGES.items()
                                                   if k in (Language.EN, Language.ES)}, v),
                 lambda v: _("“%(value)s” is not a language of the documents; use en or es.", value=v)),
    "year": (_typed_year, lambda v: _("“%(value)s” is not a year.", value=v)),
    "organization": (_typed_organization, lambda v: _("No organization is called “%(value)s”.", value=v)),
}


def apply_typed_filters(params: SearchParams) -> SearchParams:
    """Move the filters typed in ``q`` (``proteccion consular tag:consular-protection``)
    into the search's own filters, the same ones the facets set.

    A field or a value that names nothing raises ``ValidationFailed`` on ``q`` with a
    message saying which, rather than searching it as words and finding nothing.
    """
    rest, typed = split_field_filters(params.q)
    if not typed:
        return params
    changes: dict = {"q": rest, "tag": list(params.tag), "country": list(params.country)}
    problems = []
    for field_name, value in typed:
        name = TYPED_FIELDS.get(field_name)
        if name is None:
            problems.append(_("“%(field)s:” is not a search filter; use %(fields)s.",
                              field=field_name, fields=TYPED_FIELD_NAMES))
            continue
        resolve, message = _TYPED_RESOLVERS[name]
        resolved = resolve(value) if value else None
        if resolved is None:
            problems.append(message(value))
        elif name in _LIST_FILTERS:
            if resolved not in changes[name]:
                changes[name].append(resolved)
        else:
            changes[name] = resolved
    if problems:
        raise errors.ValidationFailed(errors={"q": problems})
    return replace(params, **changes)


def search_documents(user, params: SearchParams) -> SearchPage:
    params = apply_typed_filters(params)
    result = _search(user, params)
    documents = _load_visible(user, [hit.id for hit in result.hits])
    items = [SearchItem(documents[hit.id], hit.highlights, hit.missing) for hit in result.hits
             if hit.id in documents]
    return SearchPage(params=params, items=items, total=result.total, facets=result.facets,
                      suggestion=result.suggestion, corrected=result.corrected)


def listed_documents(user, params: SearchParams) -> str:
    """The API's page of results as JSON text (the ``DocumentResultsSchema``).

    A hit is served from the listing the index keeps for it (the document as the API
    shows it, serialized when it was indexed) once the database has confirmed, in one
    light query, that the caller may see it and that it has not changed since;
    organization and author come from that query. Any other hit is loaded from the
    database. Loading, dumping and encoding 20 documents was most of the API's own
    cost (6 of 8 ms), a third of a common word's whole answer on tantivy; a listing is
    joined into the answer as the text it already is.
    """
    params = apply_typed_filters(params)
    result = _search(user, params)
    ids = [hit.id for hit in result.hits]
    current = {row.id: row for row in db.session.execute(
        select(Document.id, Document.version, Document.updated_at,
               Organization.id.label("organization_id"), Organization.name.label("organization_name"),
               Organization.acronym, Organization.kind, User.id.label("author_id"),
               User.name.label("author_name"))
        .join(Document.organization).outerjoin(Document.author)
        .where(Document.id.in_(ids), access.visible_documents_clause(user)))} if ids else {}
    listed, stale = {}, []
    for hit in result.hits:
        row = current.get(hit.id)
        if row is None:
            continue  # no longer visible: the index lags the database by a moment
        shown = _current_listing(hit.listing, row)
        if shown is None:
            stale.append(hit.id)
        else:
            listed[hit.id] = _join_objects(json.dumps({**_live_fields(row), "highlights": hit.highlights,
                                                       "missing_words": hit.missing}), shown)
    if stale:
        dump = _schema(DocumentOutSchema).dump
        hits = {hit.id: hit for hit in result.hits}
        listed.update((document.id, json.dumps(dump(document) | {"highlights": hits[document.id].highlights,
                                                                 "missing_words": hits[document.id].missing}))
                      for document in _load_visible(user, stale).values())
    rest = json.dumps({"total": result.total, "page": params.page, "per_page": params.per_page,
                       "facets": {name: result.facets.get(name, {}) for name in API_FACETS},
                       "suggestion": result.suggestion, "corrected": result.corrected})
    items = "[" + ",".join(listed[hit.id] for hit in result.hits if hit.id in listed) + "]"
    return _join_objects('{"items":' + items + "}", rest)


def _current_listing(listing: str, row) -> str | None:
    """The listing's JSON object, or None if it is stale or not one of ours."""
    stamp, _, shown = listing.partition("\n")
    if stamp != _listing_stamp(row.version, row.updated_at) or not shown.startswith('{"'):
        return None
    return shown


def _live_fields(row) -> dict:
    """Organization and author of a listed document, from the freshness query's row."""
    return {"organization": _schema(OrganizationRefSchema).dump(
                {"id": row.organization_id, "name": row.organization_name, "acronym": row.acronym,
                 "kind": row.kind}),
            "author": (_schema(AuthorRefSchema).dump({"id": row.author_id, "name": row.author_name})
                       if row.author_id is not None else None)}


@functools.cache
def _schema(schema_class, exclude: tuple[str, ...] = ()):
    """One instance of each output schema: making one costs more than a dump (130 µs,
    13 s of a 100,000-document reindex)."""
    return schema_class(exclude=exclude)


def _join_objects(first: str, second: str) -> str:
    """Two JSON object texts, each with at least one member, as one object."""
    return first[:-1] + "," + second[1:]


def _search(user, params: SearchParams) -> search_index.SearchResult:
    text = _clean_query_text(params.q)
    sort = params.sort or ("relevance" if text else "newest")
    _catch_up_before_reading()
    from rcm_exchange.services.taxonomy import current_slugs

    query = search_index.SearchQuery(
        access=access.search_access_filter(user), text=text,
        tags=tuple(current_slugs(params.tag)) + forum_search.filter_keywords(params), countries=tuple(c.upper() for c in params.country),
        doc_type=params.doc_type, language=params.language, year=params.year,
        organization_id=params.organization, sort=sort, page=params.page, per_page=params.per_page,
        correct=not params.exact,
    )
    result = _engine_call(lambda: get_engine().search(query))
    result.facets = forum_search.split_facets(result.facets)
    return result


@dataclass(frozen=True)
class Tally:
    """How many published documents a reader may see under some filters, in all and by
    each facet of the index (tags, countries, doc_type, language, year, organization)."""

    total: int
    facets: dict[str, dict[str, int]]


@dataclass(frozen=True)
class NewestPage:
    documents: list[Document]
    tally: Tally


def newest_documents(user, *, page: int = 1, per_page: int = 20, **filters) -> NewestPage:
    """One page of the published documents ``user`` may see under ``filters`` (the
    ``SearchParams`` filter fields), newest first, with their tally.

    The index answers, under the same ``AccessFilter`` as every search: it counts the
    matches and each facet without reading a row of the database, so the browse pages
    cost the same at 100,000 documents as at 1,000. The database then loads the page's
    documents, checked once more against the policy.
    """
    result = _search(user, SearchParams(page=page, per_page=per_page, sort="newest", **filters))
    found = _load_visible(user, [hit.id for hit in result.hits])
    return NewestPage([found[hit.id] for hit in result.hits if hit.id in found],
                      Tally(result.total, result.facets))


def tally(user, **filters) -> Tally:
    """``newest_documents``' counts alone (the index fetches one hit, the database none)."""
    result = _search(user, SearchParams(per_page=1, sort="newest", **filters))
    return Tally(result.total, result.facets)


def _load_visible(user, ids: list[int]) -> dict[int, Document]:
    """The documents of these hits, in one query, checked once more against the policy
    (the index may lag a change of visibility by a moment)."""
    if not ids:
        return {}
    documents = db.session.scalars(
        select(Document).where(Document.id.in_(ids), access.visible_documents_clause(user))
        # One row per document with its organization and author; the lists in three more.
        .options(joinedload(Document.organization), joinedload(Document.author),
                 selectinload(Document.tags), selectinload(Document.countries),
                 selectinload(Document.attachments))
    )
    return {d.id: d for d in documents}


def related_documents(user, document: Document, limit: int = 5) -> list[Document]:
    """Published documents most like this one that the user may see."""
    try:
        ids = get_engine().related(document.id, access.search_access_filter(user), limit=limit)
    except search_index.SearchUnavailable:
        return []
    found = _load_visible(user, ids)
    return [found[i] for i in ids if i in found and i != document.id]


def similar_published(user, document: Document, limit: int = 5) -> list[Document]:
    """For a submission under review: published documents like it (a repeat submission
    is caught before it is approved). Works before the submission is indexed."""
    entry = index_entry(document) | {"published_at": document.submitted_at or document.created_at}
    try:
        ids = get_engine().similar_to_text(entry, access.search_access_filter(user), limit=limit)
    except search_index.SearchUnavailable:
        return []
    found = _load_visible(user, ids)
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
        countries={c.code: c for c in db.session.scalars(select(Country).where(Country.code.in_(country_codes)))},
        organizations={str(o.id): o for o in db.session.scalars(select(Organization).where(Organization.id.in_(org_ids)))},
    )


def index_status() -> dict:
    """For the command line and admins: where the index stands."""
    engine = get_engine()
    options = search_engine_options(current_app.config)
    where = (f"PostgreSQL schema {options['schema']}" if "dsn" in options
             else os.fspath(options["index_dir"]))
    return {"backend": current_app.config["RCM_SEARCH_BACKEND"], "index": where,
            "documents": engine.count(), "last_applied_log_id": engine.last_applied_log_id(),
            "newest_log_id": db.session.scalar(select(func.max(SearchLogEntry.id))) or 0,
            "published": published_count()}
