"""What the background worker does besides single tasks: the sweep that re-enqueues
what a crash or an unreachable queue left behind, the heartbeat that ``/readyz``
reads, and the figures the metrics show."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select

import search_index
from rcm_exchange.extensions import db
from rcm_exchange.models import Attachment, OutgoingMail, SearchLogEntry, WorkerHeartbeat, utcnow
from rcm_exchange.services.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

SWEEP_LIMIT = 1000
# A heartbeat row this old belongs to a worker that is gone for good.
FORGET_AFTER = timedelta(days=1)


def mail_due():
    """Outgoing mail a worker should deliver now (unsent, not parked, due, unclaimed)."""
    now = utcnow()
    return (
        OutgoingMail.sent_at.is_(None),
        OutgoingMail.parked_at.is_(None),
        OutgoingMail.next_attempt_at <= now,
        or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now),
    )


def extraction_due():
    """Attachments whose text nobody is extracting now."""
    now = utcnow()
    return (
        Attachment.extraction_status == "pending",
        or_(Attachment.extraction_claimed_until.is_(None), Attachment.extraction_claimed_until < now),
    )


def sweep() -> dict[str, int]:
    """Enqueue every row that is due and unclaimed; a row already queued is enqueued
    again harmlessly (its claim lets one task deliver it)."""
    from rcm_exchange.queue import enqueue

    found = {"mail": 0, "extraction": 0}
    if current_app.config.get("RCM_MAIL_URL"):
        for mail_id in db.session.scalars(
            select(OutgoingMail.id).where(*mail_due()).order_by(OutgoingMail.id).limit(SWEEP_LIMIT)
        ):
            enqueue("deliver_mail", mail_id)
            found["mail"] += 1
    for attachment_id in db.session.scalars(
        select(Attachment.id).where(*extraction_due()).order_by(Attachment.id).limit(SWEEP_LIMIT)
    ):
        enqueue("extract_text", attachment_id)
        found["extraction"] += 1
    db.session.rollback()
    enqueue("catch_up_index")
    if any(found.values()):
        log.info("sweep enqueued %(mail)d message(s) and %(extraction)d extraction(s)", found)
    return found


def heartbeat(name: str) -> None:
    """Record that worker ``name`` is alive, and catch up this host's index."""
    from rcm_exchange.services import search

    now = utcnow()
    try:
        with unit_of_work():
            row = db.session.get(WorkerHeartbeat, name)
            if row is None:
                db.session.add(WorkerHeartbeat(name=name, seen_at=now))
            else:
                row.seen_at = now
            db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now - FORGET_AFTER))
    except Exception:
        log.exception("worker heartbeat not recorded")
    try:
        search.catch_up_quietly()
    except Exception:
        log.exception("search index not caught up")
    finally:
        db.session.remove()


def forget_worker(name: str) -> None:
    """A worker that stops cleanly takes its heartbeat with it."""
    with unit_of_work():
        db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.name == name))


def stale_after() -> timedelta:
    """A worker that has not reported for this long counts as gone."""
    return timedelta(seconds=3 * current_app.config["RCM_WORKER_HEARTBEAT_SECONDS"])


@dataclass(frozen=True)
class Readiness:
    ready: bool
    checks: dict[str, str]


def readiness() -> Readiness:
    """Database, this host's index and the workers, each "ok" or the reason it is not."""
    from rcm_exchange.services import search

    checks: dict[str, str] = {}
    try:
        newest_beat = db.session.scalar(select(func.max(WorkerHeartbeat.seen_at)))
        checks["database"] = "ok"
    except Exception as error:
        db.session.rollback()
        checks["database"] = f"unreachable: {type(error).__name__}"
        newest_beat = None
    try:
        search.get_engine().count()
        checks["index"] = "ok"
    except search_index.IndexCorrupt:
        checks["index"] = "missing or damaged; being rebuilt"
    except search_index.SearchUnavailable as error:
        checks["index"] = f"unavailable: {error}"
    if checks["database"] == "ok":
        if current_app.extensions["rcm_queue"].immediate:
            checks["worker"] = "ok"
        elif newest_beat is None:
            checks["worker"] = "no worker has reported"
        else:
            silent = utcnow() - newest_beat
            checks["worker"] = (
                "ok"
                if silent <= stale_after()
                else f"no worker has reported for {int(silent.total_seconds())} s"
            )
    else:
        checks["worker"] = "unknown (no database)"
    return Readiness(all(value == "ok" for value in checks.values()), checks)


@dataclass(frozen=True)
class WorkFigures:
    mail_waiting: int
    mail_parked: int
    extraction_pending: int
    search_log_lag: int


def work_figures() -> WorkFigures:
    """What the metrics show of the outbox tables and this host's index."""
    from rcm_exchange.services import search

    waiting = (
        db.session.scalar(
            select(func.count())
            .select_from(OutgoingMail)
            .where(OutgoingMail.sent_at.is_(None), OutgoingMail.parked_at.is_(None))
        )
        or 0
    )
    parked = (
        db.session.scalar(
            select(func.count()).select_from(OutgoingMail).where(OutgoingMail.parked_at.is_not(None))
        )
        or 0
    )
    pending = (
        db.session.scalar(
            select(func.count()).select_from(Attachment).where(Attachment.extraction_status == "pending")
        )
        or 0
    )
    try:
        applied = search.get_engine().last_applied_log_id()
        lag = (
            db.session.scalar(
                select(func.count()).select_from(SearchLogEntry).where(SearchLogEntry.id > applied)
            )
            or 0
        )
    except search_index.SearchUnavailable:
        lag = -1
    return WorkFigures(waiting, parked, pending, lag)
