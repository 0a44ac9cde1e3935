"""Password links: opened by an admin or asked for by the account holder, used once."""

from __future__ import annotations

import re
from datetime import timedelta

from rcm_exchange.extensions import db
from rcm_exchange.models import PasswordToken, PasswordTokenPurpose, Role, utcnow
from rcm_exchange.services import accounts
from tests.builders import PASSWORD, make_user


def _token_from(text: str) -> str:
    return re.search(r"/auth/password/([A-Za-z0-9_\-]+)", text).group(1)


def test_admin_opens_an_account_and_the_link_lets_the_person_choose_a_password(app, login_as, client):
    admin = make_user(role=Role.ADMIN)
    browser = login_as(admin)
    organization_id = accounts.organization_by_acronym("GT").id
    response = browser.post_form(
        "/admin/users/new",
        {
            "email": "new.official@example.gt",
            "name": "Nueva Funcionaria",
            "organization_id": str(organization_id),
            "role": "contributor",
            "active": "true",
            "preferred_language": "es",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    token = _token_from(response.get_data(as_text=True))
    opened = client.get(f"/auth/password/{token}")
    # The token leaves the address at once: the form lives at an address without it.
    assert opened.status_code == 302 and opened.headers["Location"] == "/auth/password/new"
    page = client.get("/auth/password/new").get_data(as_text=True)
    assert token not in page
    chosen = client.post_form(
        "/auth/password/new", {"password": "una contraseña larga", "confirm": "una contraseña larga"}
    )
    assert chosen.status_code == 302
    signed_in = client.post_form(
        "/auth/sign-in", {"email": "new.official@example.gt", "password": "una contraseña larga"}
    )
    assert signed_in.status_code == 302
    # The link worked once.
    assert client.get(f"/auth/password/{token}").status_code == 404


def test_admin_form_with_a_problem_keeps_every_value(app, login_as):
    browser = login_as(make_user(role=Role.ADMIN))
    response = browser.post_form(
        "/admin/users/new",
        {"email": "not-an-email", "name": "Keep Me", "organization_id": "", "role": "contributor"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Keep Me"' in page and 'value="not-an-email"' in page
    assert 'id="field-email-error"' in page


def test_only_admins_reach_account_administration(app, login_as):
    for role in (Role.CONTRIBUTOR, Role.MODERATOR):
        assert login_as(make_user(role=role)).get("/admin/users").status_code == 403


def test_expired_link_does_not_work(app, client):
    user = make_user()
    link = accounts.create_password_link(user, PasswordTokenPurpose.RESET, hours=1)
    record = db.session.query(PasswordToken).one()
    record.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/auth/password/{link.token}").status_code == 404
    response = client.post_form("/auth/password/new", {"password": "x" * 12, "confirm": "x" * 12})
    assert response.status_code == 404
    assert client.post_form("/auth/sign-in", {"email": user.email, "password": PASSWORD}).status_code == 302


def test_reset_request_answers_the_same_for_unknown_addresses(app, client):
    make_user(email="known@example.org")
    known = client.post_form("/auth/reset", {"email": "known@example.org"}, follow_redirects=True)
    unknown = client.post_form("/auth/reset", {"email": "unknown@example.org"}, follow_redirects=True)
    message = "If an account exists for that address"
    assert message in known.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_two_different_passwords_are_refused_with_a_message_next_to_the_field(app, login_as):
    browser = login_as(make_user())
    response = browser.post_form(
        "/auth/password",
        {
            "current_password": PASSWORD,
            "password": "one long passphrase",
            "confirm": "another long passphrase",
        },
    )
    assert response.status_code == 422
    assert "The two passwords do not match." in response.get_data(as_text=True)
