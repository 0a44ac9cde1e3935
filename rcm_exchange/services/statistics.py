"""Figures for the Technical Secretariat: what was published, where, on what, and how
long submissions wait for a decision.

What was published, by country, topic and type, is counted by the search index (one
tally, under the reader's ``AccessFilter``), never by scanning the documents; the rest
reads ranges of composite indexes whose size follows recent activity (the last
``MONTHS`` months of publications and decisions, the queue), not the whole collection.
"""

from __future__ import annotations

import statistics as stats
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import extract, func, select
from sqlalchemy.orm import aliased

from rcm_exchange.extensions import db
from rcm_exchange.models import (
    AuditEvent,
    Country,
    DocType,
    Document,
    Tag,
)
from rcm_exchange.services import access, search
from rcm_exchange.transitions import DECISIONS, PENDING_REVIEW

MONTHS = 24


Subject = TypeVar("Subject")


@dataclass(frozen=True)
class Bar(Generic[Subject]):
    """One bar of a chart: ``key`` identifies it (a month, a country code, a slug),
    ``subject`` is what a template names it by."""

    key: object
    subject: Subject
    value: int


@dataclass(frozen=True)
class DecisionTimes:
    decisions: int
    median: timedelta | None


@dataclass(frozen=True)
class Statistics:
    per_month: list[Bar[datetime]]  # oldest first, every month present
    per_country: list[Bar]  # most documents first
    per_tag: list[Bar]
    per_type: list[Bar]
    queue: list[Bar]  # one bar per queue status
    decision_times: DecisionTimes
    published_total: int
    since: datetime
    computed_at: datetime  # the figures are as of this moment

    @property
    def queue_size(self) -> int:
        return sum(bar.value for bar in self.queue)

    @property
    def published_in_period(self) -> int:
        return sum(bar.value for bar in self.per_month)


def overview(user, now: datetime | None = None) -> Statistics:
    access.require(user, "see_statistics")
    now = now or datetime.now(UTC)
    since = _month_start(now, MONTHS - 1)
    visible = access.visible_documents_clause(user)
    published = search.tally(user, facets=("countries", "tags", "doc_type"))
    return Statistics(
        per_month=_per_month(visible, since, now),
        per_country=_per_country(published.facets["countries"]),
        per_tag=_per_tag(published.facets["tags"]),
        per_type=_per_type(published.facets["doc_type"]),
        queue=_queue(),
        decision_times=_decision_times(since),
        published_total=published.total,
        since=since,
        computed_at=now,
    )


def _month_start(now: datetime, months_back: int) -> datetime:
    month_index = now.year * 12 + (now.month - 1) - months_back
    return datetime(month_index // 12, month_index % 12 + 1, 1, tzinfo=UTC)


def _per_month(visible, since: datetime, now: datetime) -> list[Bar[datetime]]:
    year, month = extract("year", Document.published_at), extract("month", Document.published_at)
    counts = {
        (int(y), int(m)): n
        for y, m, n in db.session.execute(
            select(year, month, func.count())
            .where(visible, Document.published_at >= since)
            .group_by(year, month)
        )
    }
    bars = []
    for offset in range(MONTHS - 1, -1, -1):
        start = _month_start(now, offset)
        bars.append(Bar(key=start, subject=start, value=counts.get((start.year, start.month), 0)))
    return bars


def _per_country(counts: dict[str, int]) -> list[Bar]:
    countries = {c.code: c for c in db.session.scalars(select(Country).where(Country.code.in_(list(counts))))}
    return [
        Bar(key=code, subject=countries[code], value=count)
        for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if code in countries
    ]


def _per_tag(counts: dict[str, int]) -> list[Bar]:
    tags = db.session.scalars(select(Tag).where(Tag.slug.in_(list(counts)))).all()
    return [
        Bar(key=tag.slug, subject=tag, value=counts[tag.slug])
        for tag in sorted(tags, key=lambda t: (-counts[t.slug], t.position))
    ]


def _per_type(counts: dict[str, int]) -> list[Bar]:
    return [Bar(key=t.value, subject=t, value=counts.get(t.value, 0)) for t in DocType]


def _queue() -> list[Bar]:
    counts = dict(
        db.session.execute(
            select(Document.status, func.count())
            .where(Document.status.in_(PENDING_REVIEW))
            .group_by(Document.status)
        ).all()
    )
    return [Bar(key=s.value, subject=s, value=counts.get(s, 0)) for s in PENDING_REVIEW]


def _decision_times(since: datetime) -> DecisionTimes:
    """From each decision back to the latest submission of the same document before it,
    for decisions taken since ``since``; a resubmission after changes starts a new wait."""
    submit = aliased(AuditEvent)
    submitted_at = (
        select(func.max(submit.at))
        .where(
            submit.document_id == AuditEvent.document_id,
            submit.action == "submit",
            submit.at <= AuditEvent.at,
        )
        .correlate(AuditEvent)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(AuditEvent.at, submitted_at).where(AuditEvent.action.in_(DECISIONS), AuditEvent.at >= since)
    ).all()
    waits = [_aware(decided) - _aware(submitted) for decided, submitted in rows if submitted is not None]
    # median only sorts, adds and halves, which durations do; typeshed allows numbers only.
    median = stats.median(waits) if waits else None  # type: ignore[type-var]
    return DecisionTimes(decisions=len(waits), median=median)


def _aware(value) -> datetime:
    # The subquery's MAX() bypasses the column type, so SQLite hands back text or naive values.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
