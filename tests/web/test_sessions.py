"""Sessions that end: sign-out, remember-me cookies, password changes and resets."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import ApiToken, PasswordTokenPurpose
from rcm_exchange.services import accounts
from tests.builders import PASSWORD, make_user
from tests.clients import BrowserClient, api_client, is_signed_in, new_browser, sign_in
from tests.conftest import on_both_databases

NEW_PASSWORD = "a brand new passphrase"


def _cookie(browser, name):
    cookie = browser.get_cookie(name)
    return cookie.value if cookie is not None else None


def _browser_with(app, **cookies) -> BrowserClient:
    browser = new_browser(app)
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser


def _token(app, user) -> str:
    return api_client(app, user).token


def _token_works(app, token) -> bool:
    return (
        api_client(app)
        .get("/api/v1/documents/mine", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 200
    )


@on_both_databases
def test_a_session_cookie_copied_before_sign_out_stops_working_at_sign_out(app, login_as):
    user = make_user()
    browser = login_as(user)
    copy = _browser_with(app, session=_cookie(browser, "session"))
    assert is_signed_in(copy, user)
    browser.post_form("/auth/sign-out")
    assert not is_signed_in(copy, user)


def test_a_remember_me_cookie_stops_working_at_sign_out(app, login_as):
    user = make_user()
    browser = login_as(user, remember=True)
    remembered = _cookie(browser, "remember_token")
    browser.post_form("/auth/sign-out")
    assert not is_signed_in(_browser_with(app, remember_token=remembered), user)


def test_each_sign_in_gets_its_own_remember_me_cookie_and_using_one_replaces_it(app, login_as):
    user = make_user()
    first, second = login_as(user, remember=True), login_as(user, remember=True)
    assert _cookie(first, "remember_token") != _cookie(second, "remember_token")
    stolen = _cookie(first, "remember_token")
    returning = _browser_with(app, remember_token=stolen)
    assert is_signed_in(returning, user)
    assert _cookie(returning, "remember_token") != stolen
    # The copy made before the owner came back is worth nothing now.
    assert not is_signed_in(_browser_with(app, remember_token=stolen), user)
    returning.delete_cookie("session")
    assert is_signed_in(returning, user)


def test_changing_the_password_needs_the_current_password(app, login_as):
    user = make_user()
    browser = login_as(user)
    for current in ({}, {"current_password": "not my password"}):
        response = browser.post_form(
            "/auth/password", {**current, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        )
        assert response.status_code == 422
    assert accounts.authenticate(user.email, PASSWORD) is not None
    assert accounts.authenticate(user.email, NEW_PASSWORD) is None


def test_a_password_change_revokes_the_accounts_api_tokens_and_says_so(app, login_as):
    user = make_user()
    token = _token(app, user)
    browser = login_as(user)
    response = browser.post_form(
        "/auth/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        follow_redirects=True,
    )
    assert "API tokens revoked" in response.get_data(as_text=True)
    assert not _token_works(app, token)
    assert db.session.scalar(select(ApiToken.revoked_at)) is not None


def test_a_password_reset_ends_every_session_and_revokes_the_api_tokens(app, login_as, client):
    user = make_user()
    token = _token(app, user)
    elsewhere = login_as(user, remember=True)
    link = accounts.create_password_link(user, PasswordTokenPurpose.RESET, hours=1)
    page = client.get(f"/auth/password/{link.token}", follow_redirects=True).get_data(as_text=True)
    assert "revokes its API tokens" in page
    client.post_form("/auth/password/new", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert not _token_works(app, token)
    assert not is_signed_in(elsewhere, user)
    elsewhere.delete_cookie("session")
    assert not is_signed_in(elsewhere, user)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _form_token(browser) -> str:
    return CSRF.search(browser.get("/auth/sign-in").get_data(as_text=True)).group(1)


def test_signing_in_gives_the_browser_a_new_csrf_token(app, client):
    user = make_user()
    before = _form_token(client)
    sign_in(client, user.email, PASSWORD)
    form = client.get("/auth/password").get_data(as_text=True)
    after = CSRF.search(form).group(1)
    assert before != after
    # A page staged with the token of before the sign-in is refused.
    response = client.post(
        "/auth/password",
        data={
            "csrf_token": before,
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400


def test_a_form_token_expires(app, login_as, monkeypatch):
    user = make_user()
    browser = login_as(user)
    token = CSRF.search(browser.get("/auth/password").get_data(as_text=True)).group(1)
    later = time.time() + app.config["WTF_CSRF_TIME_LIMIT"] + 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = browser.post(
        "/auth/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
