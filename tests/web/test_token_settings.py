"""Settings → API tokens: an account lists, creates (seeing the token once) and revokes
its own tokens."""

from __future__ import annotations

import re

from tests.builders import make_user


def _new_token(browser, name="Ministry system"):
    response = browser.post_form("/settings/tokens", {"name": name})
    assert response.status_code == 201
    return re.search(r'<code id="new-token">([^<]+)</code>', response.get_data(as_text=True)).group(1)


def test_a_new_token_is_shown_once_and_works_with_the_api(app, login_as):
    browser = login_as(make_user())
    token = _new_token(browser)
    assert token not in browser.get("/settings/tokens").get_data(as_text=True)
    response = app.test_client(use_cookies=False).delete(
        "/api/v1/auth/tokens/current", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 204


def test_the_list_shows_the_accounts_live_tokens_by_name(app, login_as):
    browser = login_as(make_user())
    _new_token(browser, "Statistics office")
    other = login_as(make_user())
    _new_token(other, "Someone else's")
    page = browser.get("/settings/tokens").get_data(as_text=True)
    assert "Statistics office" in page
    assert "Someone else&#39;s" not in page and "Someone else's" not in page


def test_revoking_a_token_stops_it_at_once(app, login_as):
    browser = login_as(make_user())
    token = _new_token(browser, "Old script")
    page = browser.get("/settings/tokens").get_data(as_text=True)
    token_id = re.search(r"/settings/tokens/(\d+)/revoke", page).group(1)
    response = browser.post_form(f"/settings/tokens/{token_id}/revoke")
    assert response.status_code == 302
    assert "Old script" not in browser.get("/settings/tokens").get_data(as_text=True)
    response = app.test_client(use_cookies=False).get(
        "/api/v1/tags", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


def test_nobody_revokes_someone_elses_token(app, login_as):
    owner = login_as(make_user())
    _new_token(owner)
    token_id = re.search(
        r"/settings/tokens/(\d+)/revoke", owner.get("/settings/tokens").get_data(as_text=True)
    ).group(1)
    intruder = login_as(make_user())
    assert intruder.post_form(f"/settings/tokens/{token_id}/revoke").status_code == 404
    assert f"/settings/tokens/{token_id}/revoke" in owner.get("/settings/tokens").get_data(as_text=True)


def test_the_settings_page_needs_a_signed_in_account(app, client):
    response = client.get("/settings/tokens")
    assert response.status_code == 302
    assert "/auth/sign-in" in response.headers["Location"]


def test_creating_a_token_needs_the_pages_csrf_token(app, login_as):
    browser = login_as(make_user())
    assert browser.post_form("/settings/tokens", {"name": "x"}, csrf=False).status_code == 400


def test_the_api_reference_page_uses_only_assets_of_this_site(app, client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts and all(src.startswith("/static/") for src in scripts)
    assert "<script>" not in page  # the CSP allows no inline script
    for asset in scripts + re.findall(r'<link rel="stylesheet" href="([^"]+)"', page):
        response = client.get(asset)
        assert response.status_code == 200
        response.close()
