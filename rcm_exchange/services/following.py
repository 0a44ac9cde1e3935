"""Following topics, countries, organizations, document types and saved searches, and
the digests that bring what is new to the people who follow them.

Digests are sent by ``send_due_digests(now)``, which the worker calls on a schedule
(and ``flask rcm send-digests`` by hand). Each subscription's period is claimed with one
conditional UPDATE of ``covered_through`` in the same transaction that queues the mail,
so two workers or two overlapping runs send each period exactly once. What a digest
lists is searched at send time for the recipient as they are then, through the one
access policy (``search.search_documents``): a document whose tier was raised, or a
recipient who moved to another organization, changes the next digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from rcm_exchange.errors import Conflict, NotFound, ValidationFailed
from rcm_exchange.extensions import db, rows_changed
from rcm_exchange.labels import doc_type_label, frequency_label, language_label
from rcm_exchange.links import external_url
from rcm_exchange.models import (
    Country,
    Delivery,
    Document,
    Frequency,
    Notification,
    NotificationDigest,
    NotificationKind,
    NotificationPreference,
    Organization,
    Subscription,
    SubscriptionKind,
    Tag,
    User,
    utcnow,
)
from rcm_exchange.services import access, browse, search
from rcm_exchange.services.mail import queue_mail
from rcm_exchange.services.notifications import DEFAULT_DELIVERY, describe_notification, language_of
from rcm_exchange.services.unit_of_work import unit_of_work

MAX_SUBSCRIPTIONS = 100
PERIODS = {
    Frequency.IMMEDIATELY: timedelta(0),
    Frequency.DAILY: timedelta(days=1),
    Frequency.WEEKLY: timedelta(days=7),
}
NOTIFICATION_DIGEST_PERIOD = PERIODS[Frequency.DAILY]
# A run covers documents published until this long before it: an approval committed a
# moment after its publication time is not missed by a run that started in between.
SETTLE_TIME = timedelta(minutes=5)
# How many new documents one section of a digest lists; the rest are counted and linked.
SECTION_SIZE = 20
SUMMARY_CHARS = 300

# The search parameter that names each kind's subject.
SUBJECT_PARAMETER = {
    SubscriptionKind.TOPIC: "tag",
    SubscriptionKind.COUNTRY: "country",
    SubscriptionKind.ORGANIZATION: "organization",
    SubscriptionKind.DOC_TYPE: "doc_type",
}
SEARCH_PARAMETERS = ("q", "tag", "country", "doc_type", "language", "year", "organization")


# --- following -------------------------------------------------------------------


def _criteria(kind: SubscriptionKind, loaded: dict) -> dict:
    """The search parameters a subscription keeps: only the subject for a listing, the
    words and filters for a saved search; names are checked to exist."""
    values: dict[str, Any] = {
        key: getattr(loaded.get(key), "value", loaded.get(key)) for key in SEARCH_PARAMETERS
    }
    values = {key: value for key, value in values.items() if value not in (None, "", [])}
    if kind != SubscriptionKind.SEARCH:
        name = SUBJECT_PARAMETER[kind]
        subject = values.get(name)
        if isinstance(subject, list):
            subject = subject[0] if len(subject) == 1 else None
        if subject is None:
            raise ValidationFailed(errors={name: [_("Choose what to follow.")]})
        values = {
            name: [subject.upper() if name == "country" else subject]
            if name in ("tag", "country")
            else subject
        }
    elif not values:
        raise ValidationFailed(errors={"q": [_("Search for something before following the search.")]})
    if "country" in values:
        values["country"] = [code.upper() for code in values["country"]]
    try:
        for tag in values.get("tag", []):
            browse.selection(tag=tag)
        for code in values.get("country", []):
            browse.selection(country=code)
        if "organization" in values:
            browse.selection(organization=values["organization"])
    except NotFound:
        raise ValidationFailed(errors={"kind": [_("There is nothing by that name to follow.")]}) from None
    return values


def _same(criteria: dict) -> dict:
    return {key: sorted(value) if isinstance(value, list) else value for key, value in criteria.items()}


def find_subscription(user, kind: SubscriptionKind, criteria: dict) -> Subscription | None:
    wanted = _same(criteria)
    for subscription in db.session.scalars(
        select(Subscription).where(Subscription.user_id == user.id, Subscription.kind == kind)
    ):
        if _same(subscription.criteria) == wanted:
            return subscription
    return None


def follow(user, loaded: dict) -> tuple[Subscription, bool]:
    """Follow what ``loaded`` (``FollowSchema`` data) names; returns the subscription and
    whether it is new (following the same thing twice keeps one)."""
    access.require(user, "follow")
    kind = loaded["kind"]
    criteria = _criteria(kind, loaded)
    with unit_of_work():
        existing = find_subscription(user, kind, criteria)
        if existing is not None:
            return existing, False
        count = (
            db.session.scalar(
                select(func.count()).select_from(Subscription).where(Subscription.user_id == user.id)
            )
            or 0
        )
        if count >= MAX_SUBSCRIPTIONS:
            raise Conflict(
                _("You follow %(count)d things already; stop following some first.", count=MAX_SUBSCRIPTIONS)
            )
        subscription = Subscription(
            user_id=user.id,
            kind=kind,
            criteria=criteria,
            frequency=loaded["frequency"],
            covered_through=utcnow(),
        )
        db.session.add(subscription)
    return subscription, True


def subscriptions_of(user) -> list[Subscription]:
    access.require(user, "follow")
    return list(
        db.session.scalars(
            select(Subscription)
            .where(Subscription.user_id == user.id)
            .order_by(Subscription.created_at, Subscription.id)
        )
    )


def _own_subscription(user, subscription_id: int) -> Subscription:
    access.require(user, "follow")
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is None or subscription.user_id != user.id:
        raise NotFound()
    return subscription


def set_frequency(user, subscription_id: int, frequency: Frequency) -> Subscription:
    with unit_of_work():
        subscription = _own_subscription(user, subscription_id)
        subscription.frequency = frequency
    return subscription


def unfollow(user, subscription_id: int) -> str:
    """Stop following; returns the name of what was followed."""
    with unit_of_work():
        subscription = _own_subscription(user, subscription_id)
        name = describe(subscription)
        db.session.delete(subscription)
    return name


def is_following(user, kind: SubscriptionKind, subject) -> bool:
    """For a listing's Follow button: does ``user`` follow this listing's subject?"""
    if not access.is_signed_in(user):
        return False
    name = SUBJECT_PARAMETER[kind]
    value = [subject] if name in ("tag", "country") else subject
    return find_subscription(user, kind, {name: value}) is not None


def search_criteria(subscription: Subscription) -> search.SearchParams:
    return search.SearchParams(**subscription.criteria, sort="newest", per_page=SECTION_SIZE)


def describe(subscription: Subscription) -> str:
    """What is followed, named in the current language: 'Topic: Return and reintegration'."""
    return describe_criteria(subscription.kind, subscription.criteria)


def describe_criteria(kind: SubscriptionKind, criteria: dict) -> str:
    from rcm_exchange.labels import subscription_kind_label

    return f"{subscription_kind_label(kind)}: {subject_name(criteria)}"


def subject_name(criteria: dict) -> str:
    """The words and names of a subscription's criteria: 'Return and reintegration, Guatemala'."""
    from rcm_exchange.i18n import current_language

    language = current_language()
    parts = []
    if criteria.get("q"):
        parts.append(f"“{criteria['q']}”")
    tags = {t.slug: t for t in db.session.scalars(select(Tag).where(Tag.slug.in_(criteria.get("tag", []))))}
    parts += [tags[s].name(language) if s in tags else s for s in criteria.get("tag", [])]
    countries = {
        c.code: c
        for c in db.session.scalars(select(Country).where(Country.code.in_(criteria.get("country", []))))
    }
    parts += [countries[c].name(language) if c in countries else c for c in criteria.get("country", [])]
    if criteria.get("organization"):
        organization = db.session.get(Organization, criteria["organization"])
        parts.append(organization.display_name(language) if organization else str(criteria["organization"]))
    if criteria.get("doc_type"):
        parts.append(doc_type_label(criteria["doc_type"], plural=True))
    if criteria.get("language"):
        parts.append(language_label(criteria["language"]))
    if criteria.get("year"):
        parts.append(str(criteria["year"]))
    return ", ".join(parts)


def listing_url(subscription: Subscription) -> str:
    """Where the followed documents are listed on the site."""
    criteria = subscription.criteria
    if subscription.kind == SubscriptionKind.TOPIC:
        return external_url("browse.topic", slug=criteria["tag"][0])
    if subscription.kind == SubscriptionKind.COUNTRY:
        return external_url("browse.country", code=criteria["country"][0])
    if subscription.kind == SubscriptionKind.ORGANIZATION:
        return external_url("browse.organization", organization_id=criteria["organization"])
    if subscription.kind == SubscriptionKind.DOC_TYPE:
        return external_url("browse.doc_type", doc_type=criteria["doc_type"])
    return external_url("search.search", **criteria, sort="newest")


# --- notification preferences ------------------------------------------------------


def notification_kinds_for(user) -> list[NotificationKind]:
    """The kinds of notification this account can receive."""
    kinds = [NotificationKind.DECISION, NotificationKind.COMMENT]
    if access.can(user, "review"):
        kinds.append(NotificationKind.SUBMISSION)
    return kinds


def preferences(user) -> dict[NotificationKind, Delivery]:
    access.require(user, "read_notifications")
    chosen = {
        p.kind: p.delivery
        for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    return {kind: chosen.get(kind, DEFAULT_DELIVERY) for kind in notification_kinds_for(user)}


def set_preferences(user, loaded: dict) -> dict[NotificationKind, Delivery]:
    access.require(user, "read_notifications")
    allowed = set(notification_kinds_for(user))
    with unit_of_work():
        for name, delivery in loaded.items():
            kind = NotificationKind(name)
            if kind not in allowed:
                continue
            preference = db.session.get(NotificationPreference, (user.id, kind))
            if preference is None:
                db.session.add(NotificationPreference(user_id=user.id, kind=kind, delivery=delivery))
            else:
                preference.delivery = delivery
    return preferences(user)


# --- unsubscribing without signing in -------------------------------------------------


def _serializer() -> URLSafeSerializer:
    from flask import current_app

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(user_id: int, subscription_ids: list[int], *, notifications: bool = False) -> str:
    """A link's token that stops exactly these subscriptions (and, with
    ``notifications``, the daily digest of notifications) of this account."""
    return _serializer().dumps({"u": user_id, "s": sorted(subscription_ids), "n": notifications})


@dataclass(frozen=True)
class UnsubscribeRequest:
    user_id: int
    subscriptions: list[Subscription]
    notifications: bool


def read_unsubscribe_token(token: str) -> UnsubscribeRequest:
    """What a token would stop; NotFound for a token this site did not sign."""
    try:
        data = _serializer().loads(token)
        user_id, ids, notifications = int(data["u"]), [int(i) for i in data["s"]], bool(data["n"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise NotFound() from None
    subscriptions = list(
        db.session.scalars(
            select(Subscription).where(Subscription.id.in_(ids), Subscription.user_id == user_id)
        )
    )
    return UnsubscribeRequest(user_id, subscriptions, notifications)


def unsubscribe(token: str) -> list[str]:
    """Stop what the token names; returns the names of what was stopped. Using the
    link twice is harmless."""
    with unit_of_work():
        wanted = read_unsubscribe_token(token)
        names = [describe(s) for s in wanted.subscriptions]
        for subscription in wanted.subscriptions:
            db.session.delete(subscription)
        if wanted.notifications:
            db.session.execute(
                update(NotificationPreference)
                .where(
                    NotificationPreference.user_id == wanted.user_id,
                    NotificationPreference.delivery == Delivery.DIGEST,
                )
                .values(delivery=Delivery.SITE)
            )
            db.session.execute(
                update(Notification)
                .where(Notification.user_id == wanted.user_id, Notification.digest_pending)
                .values(digest_pending=False)
            )
            names.append(_("The daily digest of your notifications"))
    return names


# --- digests -------------------------------------------------------------------------


@dataclass
class Section:
    subscription: Subscription
    documents: list[Document]
    total: int


def _due(end: datetime):
    """Subscriptions whose period ends by ``end`` (a run's ``now - SETTLE_TIME``)."""
    return or_(
        *(
            and_(Subscription.frequency == frequency, Subscription.covered_through <= end - period)
            for frequency, period in PERIODS.items()
        )
    )


def _claim(subscription_id: int, start: datetime, end: datetime) -> bool:
    """Move the subscription's period from ``start`` to ``end`` unless another run did.
    On PostgreSQL a concurrent run waits for the row and then finds it moved."""
    moved = rows_changed(
        update(Subscription)
        .where(Subscription.id == subscription_id, Subscription.covered_through == start)
        .values(covered_through=end)
        .execution_options(synchronize_session=False)
    )
    return moved == 1


def new_documents(
    user: User, subscription: Subscription, start: datetime, end: datetime
) -> tuple[list[Document], int]:
    """Documents published in (start, end] that match and that ``user`` may see end,
    newest first: the first ``SECTION_SIZE`` and how many there are."""
    params = search_criteria(subscription)
    shown: list[Document] = []
    total = 0
    page = 1
    while True:
        params.page = page
        result = search.search_documents(user, params)
        for item in result.items:
            published = item.document.published_at
            if published is None:  # a search lists published documents only
                raise ValueError(f"document {item.document.id} is listed but not published")
            if published <= start:
                return shown, total
            if published <= end:
                total += 1
                if len(shown) < SECTION_SIZE:
                    shown.append(item.document)
        if page >= result.pages or not result.items:
            return shown, total
        page += 1


def _claim_notification_digest(user: User, end: datetime) -> datetime | None:
    row = db.session.get(NotificationDigest, user.id)
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(NotificationDigest(user_id=user.id, covered_through=end))
        except IntegrityError:
            return None  # another run started this account's first digest
        return datetime.min.replace(tzinfo=end.tzinfo)
    if row.covered_through > end - NOTIFICATION_DIGEST_PERIOD:
        return None
    start = row.covered_through
    moved = rows_changed(
        update(NotificationDigest)
        .where(NotificationDigest.user_id == user.id, NotificationDigest.covered_through == start)
        .values(covered_through=end)
        .execution_options(synchronize_session=False)
    )
    return start if moved == 1 else None


def _pending_notifications(user: User, end: datetime) -> list[tuple[Notification, Document | None]]:
    rows = db.session.execute(
        select(Notification, Document)
        .outerjoin(Document, Document.id == Notification.document_id)
        .where(
            Notification.user_id == user.id,
            Notification.digest_pending,
            Notification.created_at <= end,
            Notification.document_id.is_(None) | access.visible_documents_clause(user, published_only=False),
        )
        .order_by(Notification.id)
    ).all()
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.digest_pending, Notification.created_at <= end)
        .values(digest_pending=False)
        .execution_options(synchronize_session=False)
    )
    return [(notification, document) for notification, document in rows]


def _users_due(end: datetime) -> list[int]:
    with_subscriptions = select(Subscription.user_id).where(_due(end))
    with_notifications = select(Notification.user_id).where(
        Notification.digest_pending, Notification.created_at <= end
    )
    ids = set(db.session.scalars(with_subscriptions)) | set(db.session.scalars(with_notifications))
    return sorted(ids)


def send_due_digests(now: datetime | None = None) -> int:
    """Queue every digest that is due at ``now``; returns how many mails were queued.

    Call it from the worker on a schedule (every few minutes: "as soon as published"
    subscriptions are sent by the next run). Safe to run in several workers at once.
    """
    end = (now or utcnow()) - SETTLE_TIME
    # Every change committed by now is in this host's index before any period is read
    # from it (a search that finds the drain busy would read a lagging index).
    search.catch_up(wait=True)
    queued = 0
    for user_id in _users_due(end):
        if _send_digest(user_id, end):
            queued += 1
    return queued


def _send_digest(user_id: int, end: datetime) -> bool:
    """One account's digest. Searching comes first, outside the transaction, because
    the search may end a read transaction to catch its index up; then the periods are
    claimed, as read, and the mail queued in one transaction."""
    user = db.session.get(User, user_id)
    if user is None:
        return False
    due = [
        (s.id, s.covered_through)
        for s in db.session.scalars(
            select(Subscription).where(Subscription.user_id == user_id, _due(end)).order_by(Subscription.id)
        )
    ]
    found = {}
    if user.active:
        for subscription_id, start in due:
            subscription = db.session.get_one(Subscription, subscription_id)
            found[subscription_id] = new_documents(user, subscription, start, end)
    with unit_of_work():
        claimed = [subscription_id for subscription_id, start in due if _claim(subscription_id, start, end)]
        notifications = []
        pending = db.session.scalar(
            select(Notification.id)
            .where(
                Notification.user_id == user_id, Notification.digest_pending, Notification.created_at <= end
            )
            .limit(1)
        )
        if pending is not None and _claim_notification_digest(user, end) is not None:
            notifications = _pending_notifications(user, end)
        if not user.active:
            return False  # periods move on; nothing goes to a closed account
        sections = [Section(db.session.get_one(Subscription, i), *found[i]) for i in claimed if found[i][0]]
        if not sections and not notifications:
            return False  # never an empty digest
        with force_locale(language_of(user)):
            subject, body = _digest_text(user, sections, notifications, describe_notification)
        token = unsubscribe_token(
            user.id, [s.subscription.id for s in sections], notifications=bool(notifications)
        )
        unsubscribe_url = external_url("following.unsubscribe", token=token)
        queue_mail(
            user.email,
            subject,
            body,
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
    return True


def _digest_text(user, sections: list[Section], notifications, describe_notification) -> tuple[str, str]:
    count = sum(section.total for section in sections)
    names = "; ".join(subject_name(section.subscription.criteria) for section in sections)
    if sections:
        subject = ngettext(
            "RCM Exchange: %(num)d new document (%(names)s)",
            "RCM Exchange: %(num)d new documents (%(names)s)",
            count,
            names=names,
        )
    else:
        subject = _("RCM Exchange: your notifications")
    lines = [_("Hello %(name)s,", name=user.name), ""]
    for section in sections:
        heading = describe(section.subscription)
        lines += [
            heading,
            "=" * len(heading),
            ngettext(
                "%(num)d new document (%(frequency)s).",
                "%(num)d new documents (%(frequency)s).",
                section.total,
                frequency=frequency_label(section.subscription.frequency),
            ),
            "",
        ]
        for document in section.documents:
            summary = " ".join(document.summary.split())
            if len(summary) > SUMMARY_CHARS:
                summary = summary[: SUMMARY_CHARS - 1].rstrip() + "…"
            lines += [
                f"* {document.title}",
                f"  {summary}",
                f"  {external_url('documents.detail', document_id=document.id)}",
                "",
            ]
        if section.total > len(section.documents):
            lines += [_("See all of them: %(url)s", url=listing_url(section.subscription)), ""]
        token = unsubscribe_token(user.id, [section.subscription.id])
        lines += [
            _("Stop following this: %(url)s", url=external_url("following.unsubscribe", token=token)),
            "",
        ]
    if notifications:
        heading = _("Your notifications")
        lines += [heading, "=" * len(heading)]
        for notification, document in notifications:
            lines.append("* " + describe_notification(notification, document))
            if document is not None:
                lines.append(f"  {external_url('documents.detail', document_id=document.id)}")
        lines.append("")
        token = unsubscribe_token(user.id, [], notifications=True)
        lines += [
            _(
                "Stop the daily digest of notifications: %(url)s",
                url=external_url("following.unsubscribe", token=token),
            ),
            "",
        ]
    lines.append(_("Choose what you follow and how often: %(url)s", url=external_url("following.index")))
    return subject, "\n".join(lines) + "\n"
