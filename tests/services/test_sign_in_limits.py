"""Guessing limits: nobody can lock an owner out, one counter for both doors, and
password-reset mail to one account is limited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from rcm_exchange.extensions import db
from rcm_exchange.models import OutgoingMail
from tests.builders import PASSWORD, make_user
from tests.clients import api_client, new_browser
from tests.local_servers import free_test_port as free_port


def _from(address):
    return {"environ_base": {"REMOTE_ADDR": address}}


def _web(client, email, password, address):
    return client.post_form(
        "/auth/sign-in", {"email": email, "password": password}, **_from(address)
    ).status_code


def _api(app, email, password, address):
    return (
        api_client(app)
        .post("/api/v1/auth/tokens", json={"email": email, "password": password}, **_from(address))
        .status_code
    )


def test_a_flood_of_wrong_passwords_from_many_addresses_never_locks_the_owner_out(app):
    admin = make_user(email="admin@ts.example.org")
    owner = new_browser(app)
    assert _web(owner, admin.email, PASSWORD, "192.0.2.10") == 302
    owner.post_form("/auth/sign-out")
    attackers = [_web(new_browser(app), admin.email, f"guess {n}", f"198.51.100.{n}") for n in range(1, 12)]
    assert attackers[:5] == [401] * 5 and set(attackers[5:]) == {429}
    # An unknown client with the right password waits like the guessers ...
    assert _web(new_browser(app), admin.email, PASSWORD, "203.0.113.7") == 429
    # ... but the browser that signed in before has an allowance of its own.
    assert _web(owner, admin.email, PASSWORD, "192.0.2.10") == 302


def test_failures_on_the_page_and_through_the_api_share_one_counter(app):
    user = make_user()
    for n in range(3):
        assert _web(new_browser(app), user.email, "guess", f"198.51.100.{n}") == 401
    for n in range(3, 5):
        assert _api(app, user.email, "guess", f"198.51.100.{n}") == 401
    assert _api(app, user.email, PASSWORD, "198.51.100.99") == 429
    assert _web(new_browser(app), user.email, PASSWORD, "198.51.100.98") == 429


def test_one_address_guessing_many_accounts_is_stopped(app):
    limit = int(app.config["RCM_LOGIN_ADDRESS_LIMIT"].split()[0])
    statuses = [
        _web(new_browser(app), f"someone{n}@example.org", "guess", "198.51.100.1") for n in range(limit + 1)
    ]
    assert statuses == [401] * limit + [429]
    # Other addresses are not affected.
    assert _web(new_browser(app), "someone@example.org", "guess", "198.51.100.2") == 401


@pytest.fixture
def app_config():
    # Mail is queued to a port where nothing listens: the messages wait in the outbox.
    return {"RCM_MAIL_URL": f"smtp://127.0.0.1:{free_port()}"}


def test_reset_mail_to_one_account_is_limited_even_from_rotating_addresses(app):
    user = make_user(email="target@example.org")
    for n in range(10):
        response = new_browser(app).post_form(
            "/auth/reset", {"email": user.email}, **_from(f"198.51.100.{n}")
        )
        assert response.status_code == 302  # the same answer every time
    limit = int(app.config["RCM_RESET_LIMIT"].split()[0])
    sent = db.session.scalar(
        select(func.count()).select_from(OutgoingMail).where(OutgoingMail.recipient == user.email)
    )
    assert sent == limit
