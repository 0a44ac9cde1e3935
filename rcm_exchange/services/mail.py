"""Outgoing mail: queued in the caller's transaction, delivered by the background worker.

Sending is off unless ``RCM_MAIL_URL`` is set, e.g. ``smtp://user:pass@host:587?starttls=1``
or ``smtps://host:465``. The ``outgoing_mail`` table is the source of truth: once the
action commits, a task carrying the message's id is enqueued; the worker claims the row
with one atomic UPDATE (so two workers never send one message twice), sends it with a
timeout (``RCM_MAIL_TIMEOUT``), and records the outcome. A temporary failure is retried
with back-off; a message that cannot be sent as it is (a header the email library
refuses, an address the server refuses for good) or that ran out of retries is parked
with its error and never holds up the others.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import select, update

from rcm_exchange.extensions import db, rows_changed
from rcm_exchange.models import OutgoingMail, utcnow
from rcm_exchange.services.unit_of_work import after_commit, unit_of_work

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Longer than any one delivery can take (connect, greet, send, each under the timeout).
CLAIM_TIME = timedelta(minutes=5)


def queue_mail(
    recipient: str, subject: str, body: str, headers: dict[str, str] | None = None
) -> OutgoingMail | None:
    """Queue a message in the current unit of work; it is sent once that commits.
    ``headers`` adds header fields (``List-Unsubscribe`` of a digest)."""
    if not current_app.config.get("RCM_MAIL_URL"):
        return None
    message = OutgoingMail(recipient=recipient, subject=subject, body=body, headers=headers)
    db.session.add(message)
    db.session.flush()
    mail_id = message.id
    after_commit(lambda: _enqueue(mail_id))
    return message


def _enqueue(mail_id: int, delay: float | None = None) -> None:
    from rcm_exchange.queue import enqueue

    enqueue("deliver_mail", mail_id, delay=delay)


def _connect(url: str) -> smtplib.SMTP:
    parts = urlsplit(url)
    options = parse_qs(parts.query)
    timeout = current_app.config["RCM_MAIL_TIMEOUT"]
    host = parts.hostname or ""
    smtp: smtplib.SMTP
    if parts.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(host, parts.port or 465, timeout=timeout)
    else:
        smtp = smtplib.SMTP(host, parts.port or 25, timeout=timeout)
        if options.get("starttls", ["0"])[0] in {"1", "true", "yes"}:
            smtp.starttls()
    if parts.username:
        smtp.login(unquote(parts.username), unquote(parts.password or ""))
    return smtp


def _claim(mail_id: int) -> bool:
    """Take the message for this worker, or learn that it is not due or not free."""
    from rcm_exchange.services.background import mail_due

    with unit_of_work():
        claimed = rows_changed(
            update(OutgoingMail)
            .where(OutgoingMail.id == mail_id, *mail_due())
            .values(claimed_until=utcnow() + CLAIM_TIME)
            .execution_options(synchronize_session=False)
        )
    return claimed == 1


def build_message(message: OutgoingMail, sender: str) -> EmailMessage:
    """The message as sent; raises (ValueError and kin) when the email library
    refuses a header, which no retry can change."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = message.message_id
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body)
    email.as_bytes()  # renders every header now: a refusal parks the message here
    return email


def _message_id(sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "rcm-exchange.local"
    return make_msgid(domain=domain)


def _permanent(error: Exception) -> bool:
    """An answer that a later attempt would get again."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def deliver(mail_id: int) -> str:
    """Deliver one queued message if it is due and no one else has it.

    Returns what happened: "sent", "retry", "parked", or "skipped" (not due, already
    sent or parked, claimed by another worker, or mail is off).
    """
    url = current_app.config.get("RCM_MAIL_URL")
    if not url or not _claim(mail_id):
        return "skipped"
    message = db.session.get_one(OutgoingMail, mail_id)  # claimed just above, so it exists
    sender = current_app.config["RCM_MAIL_SENDER"]
    with unit_of_work():
        message.message_id = message.message_id or _message_id(sender)
    try:
        email = build_message(message, sender)
    except Exception as error:  # a refused header or address: the message is malformed
        return _park(message, f"malformed message: {type(error).__name__}: {error}")
    try:
        with _connect(url) as smtp:
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as error:
        if _permanent(error):
            return _park(message, f"refused: {error}")
        return _retry_later(message, error)
    with unit_of_work():
        message.sent_at = utcnow()
        message.attempts += 1
        message.claimed_until = None
    return "sent"


def _park(message: OutgoingMail, error: str) -> str:
    log.warning("mail %s to %s parked: %s", message.id, message.recipient, error)
    with unit_of_work():
        message.attempts += 1
        message.last_error = error[:1000]
        message.parked_at = utcnow()
        message.claimed_until = None
    return "parked"


def _retry_later(message: OutgoingMail, error: Exception) -> str:
    if message.attempts + 1 >= MAX_ATTEMPTS:
        return _park(message, f"gave up after {MAX_ATTEMPTS} attempts: {error}")
    log.warning("mail %s to %s not sent: %s", message.id, message.recipient, error)
    # Back off: 1, 2, 4, 8 … minutes.
    delay = timedelta(minutes=2**message.attempts)
    with unit_of_work():
        message.attempts += 1
        message.last_error = str(error)[:1000]
        message.next_attempt_at = utcnow() + delay
        message.claimed_until = None
    _enqueue(message.id, delay=delay.total_seconds())
    return "retry"


def deliver_due(limit: int = 1000) -> int:
    """Deliver, in this process, every message that is due (``flask rcm send-mail``);
    returns how many were sent."""
    from rcm_exchange.services.background import mail_due

    if not current_app.config.get("RCM_MAIL_URL"):
        return 0
    ids = list(
        db.session.scalars(select(OutgoingMail.id).where(*mail_due()).order_by(OutgoingMail.id).limit(limit))
    )
    db.session.rollback()
    return sum(1 for mail_id in ids if deliver(mail_id) == "sent")
