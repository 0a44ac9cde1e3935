"""Telling people what happened: in the site and, when mail is set up, by email in the
recipient's language."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from rcm_exchange.extensions import db, rows_changed
from rcm_exchange.links import external_url
from rcm_exchange.models import (
    Delivery,
    Document,
    Notification,
    NotificationKind,
    NotificationPreference,
    PasswordTokenPurpose,
    User,
    utcnow,
)
from rcm_exchange.services import access, accounts
from rcm_exchange.services.mail import queue_mail
from rcm_exchange.services.unit_of_work import unit_of_work
from rcm_exchange.transitions import Audience, Notice


def language_of(user: User) -> str:
    return user.preferred_language or "en"


def absolute_url(endpoint: str, **values) -> str:
    return current_app.config["RCM_BASE_URL"] + url_for(endpoint, **values)


def password_link_url(token: str) -> str:
    return absolute_url("auth.open_password_link", token=token)


def send_password_reset(email: str) -> None:
    """Mail a reset link if an active account has this address; say nothing otherwise."""
    from rcm_exchange.services.attempt_limits import allow_reset_mail

    user = accounts.user_by_email(email)
    if user is None or not user.active or not allow_reset_mail(user.email):
        return
    hours = current_app.config["RCM_PASSWORD_LINK_HOURS"]
    with unit_of_work():
        link = accounts.create_password_link(user, PasswordTokenPurpose.RESET, hours=hours)
        with force_locale(language_of(user)):
            queue_mail(
                user.email,
                _("Choose a new password for RCM Exchange"),
                _(
                    "Hello %(name)s,\n\nSomeone (we hope you) asked to choose a new password for "
                    "your RCM Exchange account. Open this link within %(hours)d hours:\n\n%(url)s\n\n"
                    "If you did not ask, ignore this message: your password stays as it is.",
                    name=user.name,
                    hours=hours,
                    url=password_link_url(link.token),
                ),
            )


def send_invitation(user: User) -> str:
    """Create a one-time link to choose a password, mail it if mail is set up, and
    return it so the admin can pass it on another way."""
    hours = current_app.config["RCM_PASSWORD_LINK_HOURS"]
    with unit_of_work():
        link = accounts.create_password_link(user, PasswordTokenPurpose.INVITE, hours=hours)
        url = password_link_url(link.token)
        with force_locale(language_of(user)):
            queue_mail(
                user.email,
                _("Your RCM Exchange account"),
                _(
                    "Hello %(name)s,\n\nAn account on RCM Exchange has been opened for you. Choose "
                    "your password with this link within %(hours)d hours:\n\n%(url)s",
                    name=user.name,
                    hours=hours,
                    url=url,
                ),
            )
    return url


# --- documents ------------------------------------------------------------------


def _subject(kind: str, title: str) -> str:
    """A notification in one line, in the current locale (a mail's subject, a digest's line)."""
    subjects = {
        "submitted": _("New submission for review: %(title)s", title=title),
        "claimed": _("A moderator is reviewing “%(title)s”", title=title),
        "changes_requested": _("Changes requested on “%(title)s”", title=title),
        "approved": _("Published: “%(title)s”", title=title),
        "rejected": _("Not accepted: “%(title)s”", title=title),
        "archived": _("Archived: “%(title)s”", title=title),
        "assigned": _("Assigned to you for review: “%(title)s”", title=title),
        "resubmitted": _("Resubmitted to you: “%(title)s”", title=title),
        "commented": _("New comment on “%(title)s”", title=title),
    }
    return subjects.get(kind, title)


def describe_notification(notification: Notification, document: Document | None) -> str:
    line = _subject(notification.kind, document.title if document is not None else "")
    if notification.comment:
        line += " — " + " ".join(notification.comment.split())
    return line


def _document_mail(kind: str, user: User, document: Document, comment: str) -> tuple[str, str]:
    """Subject and body in the current locale."""
    title = document.title
    intros = {
        "submitted": _("A document was submitted to the review queue."),
        "claimed": _("A moderator of the Technical Secretariat has started reviewing your document."),
        "changes_requested": _(
            "The Technical Secretariat asks for changes before publishing your "
            "document. Edit it and submit it again."
        ),
        "approved": _("Your document has been approved and is now published."),
        "rejected": _("The Technical Secretariat did not accept your document for publication."),
        "archived": _("Your document has been archived."),
        "assigned": _("A review item has been handed to you."),
        "resubmitted": _(
            "A document you sent back for changes has been submitted again. It "
            "is back with you, in its place in the queue."
        ),
        "commented": _("There is a new message in the conversation about this document."),
    }
    body = _("Hello %(name)s,", name=user.name) + "\n\n" + intros[kind] + "\n\n" + title + "\n"
    if comment:
        label = _("The message:") if kind == "commented" else _("Comment from the moderator:")
        body += "\n" + label + "\n" + comment + "\n"
    body += (
        "\n"
        + _("Open the document: %(url)s", url=external_url("documents.detail", document_id=document.id))
        + "\n"
    )
    return _subject(kind, title), body


# Which notification (by the kind this module records) is of which preference kind.
NOTIFICATION_KIND_OF = {
    "submitted": NotificationKind.SUBMISSION,
    "assigned": NotificationKind.SUBMISSION,
    "changes_requested": NotificationKind.COMMENT,
    "claimed": NotificationKind.DECISION,
    "approved": NotificationKind.DECISION,
    "rejected": NotificationKind.DECISION,
    "archived": NotificationKind.DECISION,
}
DEFAULT_DELIVERY = Delivery.MAIL


def delivery_for(user: User, notification_kind: str) -> Delivery:
    kind = NOTIFICATION_KIND_OF.get(notification_kind, NotificationKind.DECISION)
    preference = db.session.get(NotificationPreference, (user.id, kind))
    return preference.delivery if preference else DEFAULT_DELIVERY


def _notify(users, kind: str, document: Document, comment: str) -> None:
    """Each recipient hears of it as they chose for this kind: a mail now, a line in
    the daily digest, or on the notifications page only."""
    for user in users:
        delivery = delivery_for(user, kind)
        db.session.add(
            Notification(
                user_id=user.id,
                document_id=document.id,
                kind=kind,
                comment=comment or "",
                digest_pending=delivery == Delivery.DIGEST,
            )
        )
        if delivery != Delivery.MAIL:
            continue
        with force_locale(language_of(user)):
            subject, body = _document_mail(kind, user, document, comment)
        queue_mail(user.email, subject, body)


def _audience(notice: Notice, document: Document, author: User | None, assignee: User | None) -> list[User]:
    if notice.audience is Audience.MODERATORS:
        return list(
            db.session.scalars(
                select(User).where(User.active, User.role.in_(sorted(access.roles_with("review"))))
            )
        )
    if notice.audience is Audience.AUTHOR:
        author = author or document.author
        return [author] if author is not None else []
    return [assignee] if assignee is not None else []


def document_event(
    document: Document,
    notice: Notice | None,
    *,
    actor: User | None,
    comment: str = "",
    author: User | None = None,
    assignee: User | None = None,
) -> None:
    """Tell the people a move's ``notice`` names (see ``rcm_exchange.transitions``) that it
    happened, in the caller's unit of work: moderators hear of new submissions, the
    author of the Secretariat's decisions, a moderator of what is handed to them."""
    if notice is None:
        return
    actor_id = getattr(actor, "id", None)
    # The title and the moderator's comment go out in the message: only to those who may
    # still open the document (an author may have moved to another organization).
    recipients = [
        user
        for user in _audience(notice, document, author, assignee)
        if user.active and user.id != actor_id and access.can_view_document(user, document)
    ]
    if recipients:
        _notify(recipients, notice.kind, document, comment)


def comment_added(document: Document, comment, recipients: list[User]) -> None:
    """Tell the other side of a document's conversation of a new message, each in their
    own language, in the caller's unit of work."""
    if recipients:
        _notify(recipients, "commented", document, comment.body)


@dataclass(frozen=True)
class NotificationItem:
    notification: Notification
    document: Document | None


def _visible_notifications(user):
    # A notification about a document the reader may no longer see is not shown.
    return (
        select(Notification, Document)
        .outerjoin(Document, Document.id == Notification.document_id)
        .where(
            Notification.user_id == user.id,
            Notification.document_id.is_(None) | access.visible_documents_clause(user, published_only=False),
        )
    )


def list_notifications(user, *, limit: int = 100) -> list[NotificationItem]:
    access.require(user, "read_notifications")
    rows = db.session.execute(_visible_notifications(user).order_by(Notification.id.desc()).limit(limit))
    return [NotificationItem(notification, document) for notification, document in rows]


def unread_count(user) -> int:
    if not access.is_signed_in(user):
        return 0
    # Every signed-in page shows the count, and most are read with nothing new: a look at
    # the reader's own unread rows spares building the visibility join (half the cost of
    # a page's count) when there are none.
    if (
        db.session.scalar(
            select(Notification.id)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .limit(1)
        )
        is None
    ):
        return 0
    query = _visible_notifications(user).where(Notification.read_at.is_(None)).subquery()
    return db.session.scalar(select(func.count()).select_from(query)) or 0


def mark_read(user, *, notification_ids: list[int] | None = None) -> int:
    """Mark the given notifications (or all) of ``user`` as read; returns how many."""
    access.require(user, "read_notifications")
    with unit_of_work():
        statement = update(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
        if notification_ids is not None:
            statement = statement.where(Notification.id.in_(notification_ids))
        marked = rows_changed(statement.values(read_at=utcnow()))
    return marked
