"""Sign-in sessions kept on the server.

Flask-Login keeps the signed-in account in the session cookie and, with "remember me",
in a long-lived cookie; both carry what ``User.get_id`` returns. Here that is
``<session id>.<secret>`` of a ``UserSession`` row, whose secret is stored hashed: a
session ends on the server (sign-out, password change, an administrator's change), a
copied cookie stops working at once, and a remember-me secret is replaced each time
it brings a browser back.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm import joinedload

from rcm_exchange.extensions import db
from rcm_exchange.models import User, UserSession, utcnow
from rcm_exchange.models.base import MAX_ID
from rcm_exchange.services.token_hashes import hash_token
from rcm_exchange.services.unit_of_work import unit_of_work


def _lifetime(remember: bool) -> timedelta:
    if remember:
        return current_app.config["REMEMBER_COOKIE_DURATION"]
    return timedelta(hours=current_app.config["RCM_SESSION_HOURS"])


def start_session(user: User, *, remember: bool = False) -> User:
    """A new server-side session for ``user``; ``login_user`` then stores its id."""
    secret = secrets.token_urlsafe(32)
    with unit_of_work():
        row = UserSession(
            user_id=user.id,
            secret_hash=hash_token(secret),
            epoch=user.session_epoch,
            remember=remember,
            expires_at=utcnow() + _lifetime(remember),
        )
        db.session.add(row)
        db.session.flush()
    user.sign_in_session = f"{row.id}.{secret}"
    return user


def _row(session_id: str | None) -> UserSession | None:
    """The live row that ``session_id`` names with its right secret, else None."""
    try:
        row_number, secret = str(session_id).split(".", 1)
        row_id = int(row_number)
    except (ValueError, AttributeError):
        return None
    if not 0 < row_id <= MAX_ID:
        return None
    # The account comes in the same statement: every signed-in request needs both.
    row = db.session.get(UserSession, row_id, options=[joinedload(UserSession.user)])
    if row is None or row.ended_at is not None or row.expires_at <= utcnow():
        return None
    if not hmac.compare_digest(row.secret_hash, hash_token(secret)):
        return None
    return row


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: the account of a live session of the current epoch."""
    row = _row(session_id)
    if row is None:
        return None
    user = row.user
    if not user.active or user.session_epoch != row.epoch:
        return None
    lifetime = _lifetime(row.remember)
    if row.expires_at - utcnow() < lifetime / 2:
        # Sliding expiry, written at most a few times over a session's life.
        with unit_of_work():
            row.expires_at = utcnow() + lifetime
    user.sign_in_session = session_id
    return user


def rotate_remembered_session(user: User) -> str:
    """A new secret for the session a remember-me cookie just brought back; the old
    cookie value stops working, so a copied one is good only until the owner returns."""
    row = _row(user.sign_in_session)
    if row is None:
        return user.sign_in_session
    secret = secrets.token_urlsafe(32)
    with unit_of_work():
        row.secret_hash = hash_token(secret)
        row.expires_at = utcnow() + _lifetime(row.remember)
    user.sign_in_session = f"{row.id}.{secret}"
    return user.sign_in_session


def end_session(user: User) -> None:
    """Sign-out: the session of this browser ends on the server."""
    row = _row(getattr(user, "sign_in_session", None))
    if row is not None:
        with unit_of_work():
            row.ended_at = utcnow()


def end_all_sessions(user: User) -> None:
    """Every session of the account ends (its password changed or was reset)."""
    with unit_of_work():
        db.session.execute(
            update(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
