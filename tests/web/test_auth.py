"""Signing in and out, and what ends a session."""

from __future__ import annotations

import pytest

from rcm_exchange.extensions import db
from rcm_exchange.models import Role
from rcm_exchange.services import accounts
from tests.builders import PASSWORD, make_user
from tests.clients import is_signed_in, new_browser, sign_in


def test_a_demo_style_account_can_sign_in_and_out(client, app):
    user = make_user(name="Lucía Hernández")
    response = sign_in(client, user.email, PASSWORD)
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Lucía Hernández" in home
    client.post_form("/auth/sign-out")
    assert "Lucía Hernández" not in client.get("/").get_data(as_text=True)


def test_email_is_matched_whatever_its_case(client, app):
    user = make_user(email="Official@Example.org")
    assert sign_in(client, "  OFFICIAL@example.ORG ", PASSWORD).status_code == 302
    assert user.email == "official@example.org"


def test_wrong_password_and_unknown_email_get_the_same_answer(client, app):
    user = make_user()
    wrong_password = sign_in(client, user.email, "not the password")
    unknown_email = sign_in(client, "nobody@example.org", "not the password")
    assert wrong_password.status_code == unknown_email.status_code == 401
    message = "The email or password is not right."
    assert message in wrong_password.get_data(as_text=True)
    assert message in unknown_email.get_data(as_text=True)


def test_sixth_quick_wrong_try_is_refused_with_429(client, app):
    user = make_user()
    statuses = [sign_in(client, user.email, f"wrong {n}").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
    # Even the right password waits until the window has passed.
    assert sign_in(client, user.email, PASSWORD).status_code == 429


def test_wrong_tries_on_one_account_do_not_lock_out_another_address_of_the_office(client, app):
    first, second = make_user(), make_user()
    for n in range(4):
        sign_in(client, first.email, f"wrong {n}")
    assert sign_in(client, second.email, PASSWORD).status_code == 302


def test_form_posted_without_csrf_token_is_refused(client, app):
    user = make_user()
    response = client.post_form("/auth/sign-in", {"email": user.email, "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "https://elsewhere.example",
        "//elsewhere.example/path",
        "/\\elsewhere.example",
        "javascript:alert(1)",
        "http:/elsewhere.example",
        "/\r\nLocation: https://elsewhere.example",
        " //elsewhere.example",
    ],
)
def test_next_never_leaves_the_site(client, app, target):
    user = make_user()
    response = sign_in(client, user.email, PASSWORD, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_to_a_page_of_the_site_is_followed(client, app):
    user = make_user()
    response = sign_in(client, user.email, PASSWORD, next="/auth/password?tab=1")
    assert response.headers["Location"] == "/auth/password?tab=1"


def test_deactivated_account_cannot_sign_in(client, app):
    user = make_user(active=False)
    response = sign_in(client, user.email, PASSWORD)
    assert response.status_code == 401


def test_deactivation_ends_the_accounts_other_sessions_on_their_next_request(app, login_as):
    admin = make_user(role=Role.ADMIN)
    user = make_user()
    browser = login_as(user, remember=True)
    assert is_signed_in(browser, user)
    accounts.update_user(
        admin,
        user,
        name=user.name,
        organization_id=user.organization_id,
        role=user.role,
        active=False,
        preferred_language=None,
    )
    assert not is_signed_in(browser, user)


def test_role_change_ends_sessions_and_remember_me_cookies(app, login_as):
    admin = make_user(role=Role.ADMIN)
    user = make_user()
    browser = login_as(user, remember=True)
    accounts.update_user(
        admin,
        user,
        name=user.name,
        organization_id=user.organization_id,
        role=Role.MODERATOR,
        active=True,
        preferred_language=None,
    )
    # Without the session cookie, only the remember-me cookie could sign the browser in.
    browser.delete_cookie("session")
    assert not is_signed_in(browser, user)


def test_password_change_keeps_this_session_and_ends_the_others(app, login_as):
    user = make_user()
    here, elsewhere = login_as(user), login_as(user)
    response = here.post_form(
        "/auth/password",
        {
            "current_password": PASSWORD,
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert is_signed_in(here, user)
    assert not is_signed_in(elsewhere, user)


def test_session_and_remember_cookies_are_httponly_and_samesite_lax(client, app):
    user = make_user()
    response = sign_in(client, user.email, PASSWORD, remember="true")
    cookies = response.headers.getlist("Set-Cookie")
    for name in ("session", "remember_token"):
        cookie = next(c for c in cookies if c.startswith(name + "="))
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie


def test_cookies_are_secure_when_served_over_https(monkeypatch, tmp_path, database):
    from tests.conftest import make_app

    monkeypatch.setenv("RCM_BASE_URL", "https://exchange.example.org")
    monkeypatch.setenv("RCM_TRUSTED_HOSTS", "localhost")  # the test client's host name
    app = make_app(database, tmp_path)
    with app.app_context():
        db.create_all()
        from rcm_exchange.services.reference_data import load_reference_data

        load_reference_data()
        user = make_user()
        client = new_browser(app)
        response = sign_in(client, user.email, PASSWORD, remember="true")
        assert all("Secure" in c for c in response.headers.getlist("Set-Cookie"))
        db.session.remove()


def test_a_bad_sign_in_form_keeps_the_email_and_says_what_is_missing(client, app):
    response = client.post_form("/auth/sign-in", {"email": "someone@example.org", "password": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="someone@example.org"' in page
    assert "This field is required." in page


def test_nul_bytes_in_the_sign_in_form_get_a_clear_answer(client, app):
    response = client.post_form("/auth/sign-in", {"email": "a\x00b@example.org", "password": "x\x00y"})
    assert response.status_code == 422
    assert "This contains a character that is not allowed." in response.get_data(as_text=True)


def test_passwords_are_stored_as_argon2id_hashes(app):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_a_hash_made_at_a_lower_cost_is_upgraded_at_sign_in(app, client):
    user = make_user()
    app.config["RCM_PASSWORD_HASH_TIME_COST"] = 2
    app.extensions.pop("rcm_password_hasher")
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    db.session.refresh(user)
    assert "t=2" in user.password_hash


def test_a_visitor_sent_to_sign_in_from_several_pages_reads_the_notice_once(client, app):
    for page in ("/documents/new", "/notifications", "/documents/new", "/following"):
        assert client.get(page).status_code == 302
    page = client.get("/auth/sign-in").get_data(as_text=True)
    assert page.count("Please sign in to open this page.") == 1
    # The notice was shown: the next page has none.
    assert "Please sign in to open this page." not in client.get("/auth/sign-in").get_data(as_text=True)


def test_different_notices_waiting_together_are_all_shown(client, app):
    client.get("/documents/new")
    with client.session_transaction() as session:
        session["_flashes"] = [*session["_flashes"], ("error", "Another notice.")]
    page = client.get("/auth/sign-in").get_data(as_text=True)
    assert "Please sign in to open this page." in page and "Another notice." in page
