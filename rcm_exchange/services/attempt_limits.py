"""Limits on guessing: failed sign-ins, and password-reset mail to one account.

Failures are counted in the rate limiter's storage (``RCM_RATELIMIT_STORAGE_URL``), under
the same keys whichever door they come through (the sign-in page or the API's token
request), so the limit is one limit per account, not one per door or per worker (given
shared storage). Following OWASP's device-cookie scheme, a browser that signed in to an
account before carries a signed device cookie and is counted on its own: a flood of
wrong passwords from elsewhere exhausts the allowance that unknown clients share, never
the owner's. Unknown clients are also limited per account and address pair and per
address.

The counting is written here rather than with ``@limiter.limit`` decorators because one
attempt is checked against keys that depend on what it claims (the account, the device
cookie) and the same keys serve two routes of different kinds.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse

from rcm_exchange.errors import DomainError
from rcm_exchange.extensions import limiter

DEVICE_COOKIE = "rcm_device"
DEVICE_COOKIE_DAYS = 365


class TooManyAttempts(DomainError):
    status_code = 429
    default_message = _l("Too many attempts. Please wait a minute and try again.")


@dataclass(frozen=True)
class SignInAttempt:
    email: str  # normalized
    address: str
    device: str | None = None  # the device cookie, if the client sent one


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="rcm-device-cookie")


def device_cookie_for(email: str) -> str:
    """The value of the device cookie a browser receives when it signs in to ``email``."""
    import secrets

    return _serializer().dumps({"login": email, "nonce": secrets.token_urlsafe(12)})


def _device_nonce(attempt: SignInAttempt) -> str | None:
    """The nonce of a genuine device cookie for the account the attempt names."""
    if not attempt.device:
        return None
    try:
        data = _serializer().loads(attempt.device)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("login") != attempt.email:
        return None
    nonce = data.get("nonce")
    return nonce if isinstance(nonce, str) else None


def _counters(attempt: SignInAttempt) -> list[tuple]:
    per_account = parse(current_app.config["RCM_LOGIN_LIMIT"])
    nonce = _device_nonce(attempt)
    if nonce is not None:
        return [(per_account, "sign-in-device", nonce)]
    per_address = parse(current_app.config["RCM_LOGIN_ADDRESS_LIMIT"])
    return [
        (per_account, "sign-in-account", attempt.email),
        (per_account, "sign-in-pair", attempt.email, attempt.address),
        (per_address, "sign-in-address", attempt.address),
    ]


def check_sign_in_allowed(attempt: SignInAttempt) -> None:
    """Refuse (429) before the password is even looked at once a counter is spent.

    Only failures are counted, so an owner signing in often is never limited by their
    own successes; concurrent guesses checked at the same instant can pass together,
    at most one per busy worker (``bench/sign_in_flood.py`` measures it)."""
    strategy = limiter.limiter
    for limit, *keys in _counters(attempt):
        if not strategy.test(limit, *keys):
            error = TooManyAttempts()
            reset_at = strategy.get_window_stats(limit, *keys).reset_time
            error.headers = {"Retry-After": str(max(1, math.ceil(reset_at - time.time())))}
            raise error


def record_failed_sign_in(attempt: SignInAttempt) -> None:
    strategy = limiter.limiter
    for limit, *keys in _counters(attempt):
        strategy.hit(limit, *keys)


def allow_reset_mail(email: str) -> bool:
    """Whether another password-reset mail may go to this account now: a flood of
    requests from rotating addresses cannot fill a mailbox."""
    return limiter.limiter.hit(parse(current_app.config["RCM_RESET_LIMIT"]), "reset-mail", email)
