"""A NUL character typed or pasted into any form field gets a clear message next to the
field and the form back with what was typed: never a server error (PostgreSQL cannot
store NUL in text)."""

from __future__ import annotations

import pytest

from rcm_exchange.models import DocumentStatus, Role
from tests.builders import PASSWORD, make_document, make_user
from tests.conftest import on_both_databases

NUL = "bad\x00value"

DOCUMENT = {
    "title": "Labour mobility pilot",
    "summary": "What was done.",
    "body_html": "<p>The body.</p>",
    "doc_type": "practice_report",
    "language": "en",
    "visibility": "participants",
    "implementing_bodies": "Ministry",
    "partners": "IOM",
}


@on_both_databases
@pytest.mark.parametrize(
    "field",
    [
        "title",
        "summary",
        "body_html",
        "implementing_bodies",
        "partners",
        "results_html",
        "tags",
        "countries",
        "period_start",
    ],
)
def test_nul_in_the_new_document_form_is_refused_and_the_text_kept(login_as, field):
    browser = login_as(make_user(org="MX"))
    response = browser.post_form("/documents/new", {**DOCUMENT, field: NUL})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "character that is not allowed" in page or field in ("period_start", "countries", "tags")
    assert "Labour mobility pilot" in page or field == "title"
    assert "Ministry" in page or field == "implementing_bodies"


@on_both_databases
@pytest.mark.parametrize("field", ["title", "body_html", "version"])
def test_nul_in_the_edit_form_is_refused(login_as, field):
    author = make_user(org="MX")
    draft = make_document(status=DocumentStatus.DRAFT, org="MX", author=author)
    browser = login_as(author)
    response = browser.post_form(
        f"/documents/{draft.id}/edit", {**DOCUMENT, "version": str(draft.version), field: NUL}
    )
    assert response.status_code == 422


@on_both_databases
@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/auth/sign-in", {"email": NUL, "password": PASSWORD}),
        ("/auth/sign-in", {"email": "someone@example.org", "password": NUL}),
        ("/auth/reset", {"email": "a\x00@example.org"}),
    ],
)
def test_nul_in_the_sign_in_and_reset_forms_is_refused(client, url, data):
    response = client.post_form(url, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "character that is not allowed" in page or "Not a valid email address" in page


@on_both_databases
@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/settings/tokens", {"name": NUL}),
        ("/auth/password", {"current_password": NUL, "password": NUL, "confirm": NUL}),
        ("/language", {"language": NUL, "next": "/\x00"}),
        ("/notifications/read", {"id": NUL}),
    ],
)
def test_nul_in_a_signed_in_form_is_refused(login_as, url, data):
    browser = login_as(make_user(org="MX"))
    assert browser.post_form(url, data).status_code < 500


@on_both_databases
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/review/{id}", {"action": "reject", "comment": NUL, "version": "1"}),
        ("/review/{id}", {"action": NUL, "comment": "x", "version": "1"}),
        ("/review/{id}/reassign", {"moderator_id": "1", "comment": NUL, "version": "1"}),
        ("/review/bulk", {"action": "reject", "comment": NUL, "items": "{id}:1"}),
        ("/admin/users/new", {"email": "x@example.org", "name": NUL, "organization_id": "1"}),
        ("/admin/users/new", {"email": "x\x00@example.org", "name": "X", "organization_id": "1"}),
    ],
)
def test_nul_in_a_moderator_form_is_refused(login_as, path, data):
    document = make_document(status=DocumentStatus.SUBMITTED, org="MX")
    browser = login_as(make_user(role=Role.ADMIN))
    data = {key: value.replace("{id}", str(document.id)) for key, value in data.items()}
    response = browser.post_form(path.replace("{id}", str(document.id)), data, follow_redirects=True)
    assert response.status_code == 422 or path == "/review/bulk"  # the queue shows it as a notice
    page = response.get_data(as_text=True)
    assert "character that is not allowed" in page or "Not a valid email address" in page
