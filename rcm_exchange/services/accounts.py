"""Accounts: creation by admins, sign-in, passwords and single-use password links."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from rcm_exchange.errors import NotFound, Unauthorized, ValidationFailed
from rcm_exchange.extensions import db
from rcm_exchange.models import (
    AuditEvent,
    Organization,
    PasswordToken,
    PasswordTokenPurpose,
    Role,
    User,
    utcnow,
)
from rcm_exchange.sanitize import clean_line
from rcm_exchange.services import access, api_tokens, sessions
from rcm_exchange.services.token_hashes import hash_token
from rcm_exchange.services.unit_of_work import unit_of_work


def _password_hasher() -> PasswordHasher:
    """Argon2id (memory-hard); the cost comes from configuration (the defaults are the
    library's recommended parameters; tests lower them to stay quick)."""
    extensions = current_app.extensions
    if "rcm_password_hasher" not in extensions:
        hasher = PasswordHasher(
            time_cost=current_app.config["RCM_PASSWORD_HASH_TIME_COST"],
            memory_cost=current_app.config["RCM_PASSWORD_HASH_MEMORY_KIB"],
        )
        # Verified against when the email is unknown, so both failures take the same time.
        extensions["rcm_password_hasher"] = (hasher, hasher.hash(secrets.token_hex(16)))
    return extensions["rcm_password_hasher"][0]


def _dummy_hash() -> str:
    _password_hasher()
    return current_app.extensions["rcm_password_hasher"][1]


MIN_PASSWORD_LENGTH = 10


def normalize_email(email: str) -> str:
    """The form an address is stored and looked up in: compatibility forms folded
    (full-width letters become plain ones), trimmed, lower case."""
    return unicodedata.normalize("NFKC", email).strip().lower()


def checked_email(email: str) -> str:
    """A new account's address, normalized and validated with email-validator.

    Only plain ASCII addresses are accepted: a dotless i, a Cyrillic letter or an
    invisible character would otherwise make a second account that reads like an
    existing one (international addresses can be given in their ASCII form)."""
    from email_validator import EmailNotValidError, validate_email
    from flask_babel import gettext as _

    normalized = normalize_email(email)
    if not normalized.isascii():
        raise ValidationFailed(
            errors={
                "email": [
                    _(
                        "Write the address with plain letters (a-z), digits and . _ - + only: letters of "
                        "other alphabets that look alike, and invisible characters, are not accepted."
                    )
                ]
            }
        )
    try:
        result = validate_email(normalized, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise ValidationFailed(errors={"email": [_("Not a valid email address.")]}) from None
    return result.normalized.lower()


def validate_password(password: str) -> None:
    from flask_babel import gettext as _

    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            errors={"password": [_("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]}
        )
    if len(password) > 1000:
        raise ValidationFailed(errors={"password": [_("Use at most 1000 characters.")]})


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def organization_by_acronym(acronym: str) -> Organization | None:
    return db.session.scalar(
        select(Organization).where(func.upper(Organization.acronym) == acronym.strip().upper())
    )


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.name)))


def list_organizations() -> list[Organization]:
    return list(db.session.scalars(select(Organization).order_by(Organization.kind, Organization.name)))


def _audit(actor, action: str, subject: User, **details) -> None:
    db.session.add(
        AuditEvent(
            actor_id=actor.id,
            subject_user_id=subject.id,
            action=action,
            details=details or None,
        )
    )


def create_user(
    actor,
    *,
    email: str,
    name: str,
    organization_id: int,
    role: Role = Role.CONTRIBUTOR,
    password: str | None = None,
    preferred_language: str | None = None,
) -> User:
    """Create an account. ``actor`` is an admin, or ``access.SYSTEM`` for the command line."""
    from flask_babel import gettext as _

    access.require(actor, "administer")
    email = checked_email(email)
    with unit_of_work():
        if user_by_email(email) is not None:
            raise ValidationFailed(errors={"email": [_("An account with this email already exists.")]})
        if db.session.get(Organization, organization_id) is None:
            raise ValidationFailed(errors={"organization_id": [_("Choose an organization.")]})
        user = User(
            email=email,
            name=clean_line(name),
            organization_id=organization_id,
            role=Role(role),
            preferred_language=preferred_language,
            active=True,
        )
        if password is not None:
            validate_password(password)
            user.password_hash = _password_hasher().hash(password)
        db.session.add(user)
        db.session.flush()
        _audit(actor, "account_created", user, role=str(user.role))
    return user


def update_user(
    actor: User,
    user: User,
    *,
    name: str,
    organization_id: int,
    role: Role,
    active: bool,
    preferred_language: str | None,
) -> User:
    from flask_babel import gettext as _

    access.require(actor, "administer")
    with unit_of_work():
        if db.session.get(Organization, organization_id) is None:
            raise ValidationFailed(errors={"organization_id": [_("Choose an organization.")]})
        ends_sessions = user.role != role or user.organization_id != organization_id or user.active != active
        user.name = clean_line(name)
        user.organization_id = organization_id
        user.role = Role(role)
        user.active = active
        user.preferred_language = preferred_language
        if ends_sessions:
            # Other sessions and remember-me cookies stop matching on their next request.
            user.session_epoch += 1
        _audit(actor, "account_updated", user, role=str(user.role), active=active)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account with this email and password, else None (same work either way)."""
    user = user_by_email(email) if email else None
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    try:
        _password_hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.password_hash or not user.active:
        return None
    with unit_of_work():
        if _password_hasher().check_needs_rehash(user.password_hash):
            user.password_hash = _password_hasher().hash(password)
        user.last_login_at = utcnow()
    return user


def sign_in(attempt, password: str) -> User | None:
    """``authenticate`` behind the guessing limits (``services.attempt_limits``): refused
    with 429 once the attempt's counters are spent, and a failure is counted."""
    from rcm_exchange.services import attempt_limits

    attempt_limits.check_sign_in_allowed(attempt)
    user = authenticate(attempt.email, password)
    if user is None:
        attempt_limits.record_failed_sign_in(attempt)
    return user


def issue_token_for_credentials(
    attempt, password: str, *, name: str = "", read_only: bool = False
) -> api_tokens.IssuedToken:
    """POST /auth/tokens: a new token for the account with these credentials, counted
    against the same sign-in limits as the sign-in page."""
    from flask_babel import gettext as _

    user = sign_in(attempt, password)
    if user is None:
        # One answer for an unknown email and a wrong password.
        raise Unauthorized(_("The email or password is not right."))
    return api_tokens.issue_token(user, name=name, read_only=read_only)


def change_password(user: User, *, current_password: str, password: str) -> None:
    """A new password, given the current one (a stolen session or remember-me cookie is
    not enough to take the account over). Every session and API token of the account
    ends; the page then starts a new session for this browser."""
    from flask_babel import gettext as _

    try:
        _password_hasher().verify(user.password_hash or _dummy_hash(), current_password)
    except (VerificationError, InvalidHashError):
        raise ValidationFailed(
            errors={"current_password": [_("This is not your current password.")]}
        ) from None
    validate_password(password)
    with unit_of_work():
        user.password_hash = _password_hasher().hash(password)
        _end_everything(user)
        _audit(user, "password_changed", user)


def _end_everything(user: User) -> None:
    """A new password ends every session and revokes every API token of the account."""
    sessions.end_all_sessions(user)
    api_tokens.revoke_all_tokens(user)


@dataclass
class PasswordLink:
    token: str
    expires_at: datetime


def create_password_link(user: User, purpose: PasswordTokenPurpose, *, hours: int) -> PasswordLink:
    token = secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + timedelta(hours=hours)
    with unit_of_work():
        db.session.add(
            PasswordToken(
                user_id=user.id, token_hash=hash_token(token), purpose=purpose, expires_at=expires_at
            )
        )
    return PasswordLink(token, expires_at)


def find_password_token(token: str) -> PasswordToken | None:
    """The unused, unexpired token record, or None."""
    record = db.session.scalar(select(PasswordToken).where(PasswordToken.token_hash == hash_token(token)))
    if record is None or record.used_at is not None or record.expires_at <= utcnow():
        return None
    if not record.user.active:
        return None
    return record


def set_password_with_token(token: str, password: str) -> User:
    from flask_babel import gettext as _

    validate_password(password)
    with unit_of_work():
        record = find_password_token(token)
        if record is None:
            raise ValidationFailed(_("This link has expired or has already been used. Ask for a new one."))
        record.used_at = utcnow()
        user = record.user
        user.password_hash = _password_hasher().hash(password)
        _end_everything(user)
        # Every other outstanding link for this account dies with this one.
        for other in db.session.scalars(
            select(PasswordToken).where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))
        ):
            other.used_at = record.used_at
        _audit(user, "password_set", user, purpose=str(record.purpose))
    return user


def set_preferred_language(user: User, language: str) -> None:
    with unit_of_work():
        user.preferred_language = language
