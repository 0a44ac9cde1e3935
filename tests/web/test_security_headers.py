"""Headers that keep signed-in answers out of shared caches and that harden the browser."""

from __future__ import annotations

import pytest

from rcm_exchange.models import PasswordTokenPurpose, Role
from rcm_exchange.services import accounts
from tests.builders import make_user
from tests.clients import api_client
from tests.conftest import make_app

SIGNED_IN_PAGES = ["/documents/mine", "/notifications", "/review", "/statistics/", "/settings/tokens", "/"]


def _private(response, varies_by):
    return response.headers.get("Cache-Control") == "private, no-store" and varies_by in response.headers.get(
        "Vary", ""
    )


@pytest.mark.parametrize("url", SIGNED_IN_PAGES)
def test_signed_in_pages_are_private_and_not_stored(app, login_as, url):
    browser = login_as(make_user(role=Role.ADMIN))
    response = browser.get(url, follow_redirects=True)
    assert response.status_code == 200
    assert _private(response, "Cookie")


def test_password_link_pages_are_private_and_not_stored(app, client):
    link = accounts.create_password_link(make_user(), PasswordTokenPurpose.RESET, hours=1)
    opened = client.get(f"/auth/password/{link.token}")
    assert _private(opened, "Cookie") and _private(client.get("/auth/password/new"), "Cookie")


def test_api_answers_vary_by_authorization_and_signed_in_ones_are_not_stored(app):
    user = make_user()
    client = api_client(app)
    anonymous = client.get("/api/v1/documents")
    assert "Authorization" in anonymous.headers.get("Vary", "")
    client.token = api_client(app, user).token
    assert _private(client.get("/api/v1/documents"), "Authorization")
    assert _private(client.get("/api/v1/documents/mine"), "Authorization")


def test_every_page_refuses_powerful_features_and_cross_origin_openers(client):
    response = client.get("/")
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # served over plain http


def test_hsts_is_sent_when_the_site_is_served_over_https(database, tmp_path):
    app = make_app(database, tmp_path, RCM_BASE_URL="https://rcm.example.org")
    with app.app_context():
        response = app.test_client().get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
