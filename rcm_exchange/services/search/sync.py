"""Keeping this host's index in step with the database through the search log: catch
up, rebuild, check and repair, prune the log, and say where the index stands.

The database is the source of truth. Every change that affects search appends a
search-log entry in its own transaction (``search_log.record_change``); this module
applies entries in id order to the local index (``catch_up``). One drainer per index
at a time: a writing request that finds the drain lock busy simply skips, and whoever
holds it (or the next request, or the background worker) applies the entry; a search
gives a busy drainer a moment first (``queries._catch_up_before_reading``).
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

import search_index
from rcm_exchange.extensions import db, rows_changed
from rcm_exchange.models import Document, DocumentStatus, SearchLogEntry, SearchLogPrune, utcnow
from rcm_exchange.services.search.engine import drain_lock, get_engine
from rcm_exchange.services.search.entries import database_fingerprints, split_by_state

log = logging.getLogger(__name__)

BATCH_SIZE = 500
# On databases where transactions may commit out of id order (PostgreSQL sequences),
# entries this recent are applied again on every drain: a late commit is not missed,
# and applying an entry twice is harmless.
LATE_COMMIT_WINDOW = timedelta(seconds=90)
REBUILD_THREAD_NAME = "rcm-index-rebuild"


def _pruned_through() -> int:
    return db.session.scalar(select(func.max(SearchLogPrune.pruned_through))) or 0


def catch_up(*, wait: bool | float = False) -> int | None:
    """Apply every search-log entry the index has not applied yet.

    Returns how many entries were applied, or None when another drainer is busy (at
    once, or after ``wait`` seconds; this caller skips, the busy one or the next will
    apply them). An index that is missing, corrupt, or behind the pruned part of the
    log is rebuilt from the database.
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
        query = select(SearchLogEntry.id, SearchLogEntry.document_id).where(SearchLogEntry.id > last_applied)
        rows = list(db.session.execute(query.order_by(SearchLogEntry.id).limit(BATCH_SIZE)))
        if recheck_recent and applied == 0:
            rows += list(
                db.session.execute(
                    select(SearchLogEntry.id, SearchLogEntry.document_id).where(
                        SearchLogEntry.id <= last_applied,
                        SearchLogEntry.created_at >= utcnow() - LATE_COMMIT_WINDOW,
                    )
                )
            )
        if not rows:
            return applied
        through = max(last_applied, max(row.id for row in rows))
        upserts, deletes = split_by_state({row.document_id for row in rows})
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


def pending_changes() -> int:
    """How far the index is behind the search log, in log ids (0: in step)."""
    engine = get_engine()
    newest = db.session.scalar(select(func.max(SearchLogEntry.id))) or 0
    return max(0, newest - engine.last_applied_log_id())


def published_count() -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(Document).where(Document.status == DocumentStatus.PUBLISHED)
        )
        or 0
    )


def rebuild(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the index from the database (waits for the drain lock)."""
    with drain_lock(wait=True):
        return _rebuild_locked(get_engine(), progress)


def _rebuild_locked(engine, progress: Callable[[int], None] | None = None) -> int:
    # Read the log position first: changes made while rebuilding are applied again
    # afterwards, which is harmless.
    through = db.session.scalar(select(func.max(SearchLogEntry.id))) or 0
    engine.clear()
    ids = list(
        db.session.scalars(
            select(Document.id).where(Document.status == DocumentStatus.PUBLISHED).order_by(Document.id)
        )
    )
    done = 0
    with engine.bulk_load(), _older_objects_left_out_of_collection():
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start : start + BATCH_SIZE]
            upserts, _ = split_by_state(chunk)
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
    # The app itself, not the request-bound proxy Flask types as the app.
    app = current_app._get_current_object()  # type: ignore[attr-defined]

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


def check_index(*, repair: bool = False) -> IndexReport:
    """Compare the index with the database; with ``repair``, bring it in step."""
    with drain_lock(wait=True):
        engine = get_engine()
        try:
            indexed = engine.fingerprints()
        except search_index.IndexCorrupt:
            indexed = None
        expected = database_fingerprints()
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
                upserts, deletes = split_by_state(report.missing + report.stale + report.extra)
                engine.apply(upserts, deletes)
            report.repaired = True
        return report


def prune_search_log() -> int:
    """Delete applied entries older than the retention period and remember how far."""
    from rcm_exchange.services.unit_of_work import unit_of_work

    cutoff = utcnow() - timedelta(days=current_app.config["RCM_SEARCH_LOG_RETENTION_DAYS"])
    with unit_of_work():
        through = db.session.scalar(
            select(func.max(SearchLogEntry.id)).where(SearchLogEntry.created_at < cutoff)
        )
        if through is None:
            return 0
        removed = rows_changed(delete(SearchLogEntry).where(SearchLogEntry.id <= through))
        db.session.add(SearchLogPrune(pruned_through=through))
    return removed


def index_status() -> dict:
    """For the command line and admins: where the index stands."""
    engine = get_engine()
    return {
        "backend": current_app.config["RCM_SEARCH_BACKEND"],
        "index": engine.location,
        "documents": engine.count(),
        "last_applied_log_id": engine.last_applied_log_id(),
        "newest_log_id": db.session.scalar(select(func.max(SearchLogEntry.id))) or 0,
        "published": published_count(),
    }
