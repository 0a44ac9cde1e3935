"""Bearer tokens for the REST API.

A token is shown once, when it is issued; only its SHA-256 hash is stored, so a copy
of the database cannot be used to call the API. Tokens expire after
``RCM_TOKEN_LIFETIME_HOURS`` and can be revoked one by one; an account that is
deactivated loses every token at once because ``user_for_token`` checks it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from rcm_exchange.errors import NotFound, Unauthorized
from rcm_exchange.extensions import db
from rcm_exchange.models import ApiToken, User, utcnow
from rcm_exchange.sanitize import clean_line
from rcm_exchange.services import access
from rcm_exchange.services.token_hashes import hash_token
from rcm_exchange.services.unit_of_work import unit_of_work

# Recording each use would write on every API call; once in a while is enough to
# show on the settings page whether a token is still in use.
LAST_USED_PRECISION = timedelta(minutes=10)
TOKEN_PREFIX = "rcm_"


@dataclass
class IssuedToken:
    token: str
    record: ApiToken

    @property
    def expires_at(self) -> datetime:
        return self.record.expires_at


def issue_token(user: User, *, name: str = "", read_only: bool = False) -> IssuedToken:
    if not access.is_signed_in(user):
        raise Unauthorized()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    hours = current_app.config["RCM_TOKEN_LIFETIME_HOURS"]
    with unit_of_work():
        record = ApiToken(
            user_id=user.id,
            token_hash=hash_token(token),
            name=clean_line(name),
            read_only=read_only,
            expires_at=utcnow() + timedelta(hours=hours),
        )
        db.session.add(record)
    return IssuedToken(token, record)


def find_token(token: str) -> ApiToken | None:
    """The live token record (not revoked, not expired, its account active), else None."""
    if not token or len(token) > 200:
        return None
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if record is None or record.revoked_at is not None or record.expires_at <= utcnow():
        return None
    if not record.user.active:
        return None
    return record


def use_token(token: str) -> ApiToken | None:
    """``find_token``, and note that it was used (coarsely, to spare a write per call)."""
    record = find_token(token)
    if record is not None:
        now = utcnow()
        if record.last_used_at is None or now - record.last_used_at > LAST_USED_PRECISION:
            with unit_of_work():
                record.last_used_at = now
    return record


def list_tokens(user: User) -> list[ApiToken]:
    """The account's tokens that still work, newest first."""
    access.require(user, "hold_api_tokens")
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the account's own tokens; anyone else's is not found."""
    access.require(user, "hold_api_tokens")
    with unit_of_work():
        record = db.session.get(ApiToken, token_id)
        if record is None or record.user_id != user.id:
            raise NotFound()
        if record.revoked_at is None:
            record.revoked_at = utcnow()
    return record


def revoke_all_tokens(user: User) -> None:
    """Every live token of the account stops working (its password changed)."""
    with unit_of_work():
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
