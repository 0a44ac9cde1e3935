"""Getting, using and revoking API tokens, and who the API thinks is calling."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import ApiToken, DocumentStatus, Visibility, utcnow
from rcm_exchange.services import accounts
from tests.builders import PASSWORD, make_document, make_user


def test_a_token_is_issued_for_the_right_password_and_only_its_hash_is_stored(app, api_client):
    user = make_user()
    response = api_client().post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert stored == [accounts.hash_token(body["token"])]
    assert body["token"] not in stored


def test_token_lifetime_comes_from_the_setting(app, api_client):
    app.config["RCM_TOKEN_LIFETIME_HOURS"] = 2
    user = make_user()
    api_client(user)
    record = db.session.scalar(select(ApiToken))
    assert timedelta(hours=1, minutes=59) < record.expires_at - record.created_at <= timedelta(hours=2)


def test_wrong_password_and_unknown_email_get_the_same_401(app, api_client):
    user = make_user()
    client = api_client()
    wrong = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": "not it at all"})
    unknown = client.post("/api/v1/auth/tokens", json={"email": "nobody@example.org", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")


def test_too_many_failed_tries_are_refused_with_429(app, api_client):
    user = make_user()
    client = api_client()
    statuses = [
        client.post("/api/v1/auth/tokens", json={"email": user.email, "password": "guess"}).status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    response = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert response.get_json()["code"] == 429
    assert "Retry-After" in response.headers


def test_a_token_shows_what_its_account_may_see(app, api_client):
    member = make_user(org="GT")
    document = make_document(visibility=Visibility.PARTICIPANTS, tags=("trafficking-in-persons",))
    anonymous_count = _tag_count(api_client(), "trafficking-in-persons")
    member_count = _tag_count(api_client(member), "trafficking-in-persons")
    assert (anonymous_count, member_count) == (0, 1), document.id


def _tag_count(client, slug):
    return next(tag["count"] for tag in client.get("/api/v1/tags").get_json() if tag["slug"] == slug)


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"])
def test_a_bad_authorization_header_is_401_not_anonymous(app, api_client, header):
    response = api_client().get("/api/v1/tags", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert set(response.get_json()) == {"code", "message"}


def test_revoking_the_current_token_ends_it(app, api_client):
    client = api_client(make_user())
    assert client.delete("/api/v1/auth/tokens/current").status_code == 204
    assert client.get("/api/v1/tags").status_code == 401
    assert client.delete("/api/v1/auth/tokens/current").status_code == 401


def test_an_expired_token_is_401(app, api_client):
    client = api_client(make_user())
    db.session.scalar(select(ApiToken)).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/tags").status_code == 401


def test_deactivating_an_account_ends_its_tokens(app, api_client):
    user = make_user()
    client = api_client(user)
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/tags").status_code == 401


def test_the_session_cookie_alone_is_not_a_signed_in_api_caller(app, login_as):
    """A page on another site can make the browser send its cookie, never a token."""
    moderator = make_user(role="moderator")
    make_document(
        status=DocumentStatus.PUBLISHED, visibility=Visibility.MEMBERS, tags=("trafficking-in-persons",)
    )
    browser = login_as(moderator)
    tags = browser.get("/api/v1/tags").get_json()
    assert next(t["count"] for t in tags if t["slug"] == "trafficking-in-persons") == 0
    response = browser.delete("/api/v1/auth/tokens/current")
    assert response.status_code == 401
    response = browser.post("/api/v1/auth/tokens", data={"email": moderator.email, "password": PASSWORD})
    assert response.status_code == 415


def test_a_read_only_token_reads_but_changes_nothing(app, api_client):
    user = make_user(org="MX")
    draft = make_document(author=user, org="MX", status=DocumentStatus.DRAFT)
    client = api_client()
    answer = client.post(
        "/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD, "read_only": True}
    )
    assert answer.status_code == 201
    client.token = answer.get_json()["token"]
    assert client.get("/api/v1/documents/mine").status_code == 200
    refused = client.post(f"/api/v1/documents/{draft.id}/submit", json={"version": draft.version})
    assert refused.status_code == 403 and "read-only" in refused.get_json()["message"]
    assert (
        client.post(
            "/api/v1/documents",
            json={
                "title": "T",
                "summary": "S",
                "body_html": "<p>B</p>",
                "doc_type": "guidance",
                "language": "en",
            },
        ).status_code
        == 403
    )
    assert client.delete("/api/v1/auth/tokens/current").status_code == 204


def test_the_settings_page_makes_read_only_tokens(app, login_as, api_client):
    user = make_user(org="MX")
    browser = login_as(user)
    page = browser.post_form("/settings/tokens", {"name": "reporting", "read_only": "true"}).get_data(
        as_text=True
    )
    token = re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)
    assert "read-only" in page
    client = api_client()
    client.token = token
    assert client.get("/api/v1/documents/mine").status_code == 200
    assert client.post("/api/v1/documents", json={}).status_code == 403
