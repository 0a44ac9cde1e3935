"""A form sent with an expired or missing CSRF token is refused with a clear 400, on
every form, and the document form comes back with what was typed."""

from __future__ import annotations

import pytest

from rcm_exchange.models import DocumentStatus, Role
from tests.builders import make_document, make_user

POST_FORMS = [
    "/auth/sign-in",
    "/auth/reset",
    "/auth/password",
    "/auth/sign-out",
    "/language",
    "/documents/new",
    "/documents/{id}/edit",
    "/documents/{id}/submit",
    "/documents/{id}/withdraw",
    "/documents/{id}/attachments",
    "/attachments/1/delete",
    "/review/{id}",
    "/review/bulk",
    "/review/{id}/reassign",
    "/notifications/read",
    "/settings/tokens",
    "/settings/tokens/1/revoke",
    "/admin/users/new",
    "/admin/users/1",
    "/admin/users/1/password-link",
    "/auth/password/new",
]


@pytest.mark.parametrize("path", POST_FORMS)
def test_a_stale_form_is_refused_clearly_everywhere(login_as, path):
    admin = make_user(role=Role.ADMIN)
    document = make_document(status=DocumentStatus.DRAFT, org="TS", author=admin)
    browser = login_as(admin)
    response = browser.post_form(
        path.replace("{id}", str(document.id)), {"csrf_token": "stale", "title": "x"}
    )
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_a_stale_new_document_form_keeps_what_was_typed(login_as):
    browser = login_as(make_user(org="MX"))
    response = browser.post_form(
        "/documents/new",
        {
            "csrf_token": "stale",
            "title": "Three hours of typing",
            "summary": "Long summary",
            "body_html": "<p>Everything the author wrote.</p>",
            "doc_type": "guidance",
            "language": "en",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Three hours of typing" in page
    assert "Everything the author wrote." in page


def test_a_stale_edit_form_keeps_what_was_typed(login_as):
    author = make_user(org="MX")
    draft = make_document(status=DocumentStatus.DRAFT, org="MX", author=author)
    response = login_as(author).post_form(
        f"/documents/{draft.id}/edit",
        {
            "csrf_token": "stale",
            "title": "Edited for an hour",
            "summary": "s",
            "body_html": "<p>New paragraph.</p>",
            "doc_type": "guidance",
            "language": "en",
            "version": str(draft.version),
        },
    )
    assert response.status_code == 400
    assert "Edited for an hour" in response.get_data(as_text=True)


def test_a_stale_edit_form_of_someone_elses_document_reveals_nothing(login_as):
    draft = make_document(status=DocumentStatus.DRAFT, org="MX", title="Hidden draft title")
    response = login_as(make_user(org="GT")).post_form(
        f"/documents/{draft.id}/edit", {"csrf_token": "stale", "title": "x"}
    )
    assert response.status_code == 400
    assert "Hidden draft title" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/documents/new", "/documents/{id}/edit"])
def test_a_form_posted_without_a_session_does_not_come_back_filled_in(app, client, path):
    document = make_document(status=DocumentStatus.DRAFT, org="MX")
    response = client.post(
        path.replace("{id}", str(document.id)),
        data={
            "title": "Staged by another site",
            "summary": "x",
            "body_html": "<p>x</p>",
            "doc_type": "guidance",
            "language": "en",
        },
    )
    # Sent to sign in, with nothing of what was posted: only the signed-in author's own
    # form ever comes back filled in (the author's text waits in their own browser).
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Staged by another site" not in page and 'name="title"' not in page


def test_another_organizations_edit_form_does_not_come_back_filled_in(login_as):
    document = make_document(status=DocumentStatus.DRAFT, org="MX")
    browser = login_as(make_user(org="GT"))
    response = browser.post_form(f"/documents/{document.id}/edit", {"csrf_token": "stale", "title": "Staged"})
    assert response.status_code in (400, 404) and "Staged" not in response.get_data(as_text=True)
