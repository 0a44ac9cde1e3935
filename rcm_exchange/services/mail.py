"""Outgoing mail: queued in the caller's transaction, sent after commit, retried later.

Sending is off unless ``RCM_MAIL_URL`` is set, e.g. ``smtp://user:pass@host:587?starttls=1``
or ``smtps://host:465``. A failure is logged and the message waits for the next attempt
(``flask rcm send-mail``, or the next action that sends mail); the action itself stands.
"""
from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import OutgoingMail, utcnow
from rcm_exchange.services.unit_of_work import after_commit, unit_of_work

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def queue_mail(recipient: str, subject: str, body: str,
               headers: dict[str, str] | None = None) -> OutgoingMail | None:
    """Queue a message in the current unit of work; it is sent once that commits.
    ``headers`` adds header fields (``List-Unsubscribe`` of a digest)."""
    if not current_app.config.get("RCM_MAIL_URL"):
        return None
    message = OutgoingMail(recipient=recipient, subject=subject, body=body, headers=headers)
    db.session.add(message)
    after_commit(send_pending_mail)
    return message


def _connect(url: str) -> smtplib.SMTP:
    parts = urlsplit(url)
    options = parse_qs(parts.query)
    if parts.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=10)
    else:
        smtp = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=10)
        if options.get("starttls", ["0"])[0] in {"1", "true", "yes"}:
            smtp.starttls()
    if parts.username:
        smtp.login(unquote(parts.username), unquote(parts.password or ""))
    return smtp


def send_pending_mail(limit: int = 100) -> int:
    """Send what is due; returns how many were sent."""
    url = current_app.config.get("RCM_MAIL_URL")
    if not url:
        return 0
    now = utcnow()
    pending = list(db.session.scalars(
        select(OutgoingMail)
        .where(OutgoingMail.sent_at.is_(None), OutgoingMail.attempts < MAX_ATTEMPTS,
               OutgoingMail.next_attempt_at <= now)
        .order_by(OutgoingMail.id).limit(limit)
    ))
    if not pending:
        return 0
    sent = 0
    with unit_of_work():
        try:
            smtp = _connect(url)
        except (OSError, smtplib.SMTPException) as error:
            log.warning("mail server unreachable: %s", error)
            for message in pending:
                _record_failure(message, error)
            return 0
        with smtp:
            for message in pending:
                email = EmailMessage()
                email["From"] = current_app.config["RCM_MAIL_SENDER"]
                email["To"] = message.recipient
                email["Subject"] = message.subject
                for name, value in (message.headers or {}).items():
                    email[name] = value
                email.set_content(message.body)
                try:
                    smtp.send_message(email)
                except (OSError, smtplib.SMTPException) as error:
                    log.warning("mail %s to %s not sent: %s", message.id, message.recipient, error)
                    _record_failure(message, error)
                else:
                    message.sent_at = utcnow()
                    message.attempts += 1
                    sent += 1
    return sent


def _record_failure(message: OutgoingMail, error: Exception) -> None:
    message.attempts += 1
    message.last_error = str(error)[:1000]
    # Back off: 1, 2, 4, 8 … minutes.
    message.next_attempt_at = utcnow() + timedelta(minutes=2 ** (message.attempts - 1))
