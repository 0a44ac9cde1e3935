"""Odd filters on the moderators' lists (pages and API) are refused or ignored, never a 500."""

from __future__ import annotations

import pytest

from tests.conftest import on_both_databases


@on_both_databases
@pytest.mark.parametrize(
    "query",
    [
        "page=99999999999999999999999",
        "page=2147483648",
        "organization=99999999999999999999999",
        "actor=99999999999999999999999",
        "document=2147483648",
        "date_from=0001-01-01",
        "date_to=9999-12-31",
        "date_from=2024-02-30",
        "status=published",
        "page=1&page=x",
    ],
)
@pytest.mark.parametrize("path", ["/review", "/admin/audit", "/api/v1/review/queue"])
def test_odd_filters_on_the_moderators_lists_are_refused_or_ignored(login_as, api_client, path, query):
    from rcm_exchange.models import Role
    from tests.builders import make_user

    admin = make_user(role=Role.ADMIN)
    browser = api_client(admin) if path.startswith("/api/") else login_as(admin)
    assert browser.get(f"{path}?{query}").status_code in (200, 400, 404, 422)


@on_both_databases
@pytest.mark.parametrize("field", ["moderator_id", "version"])
def test_an_absurd_number_in_the_reassign_form_is_refused(login_as, field):
    from rcm_exchange.models import DocumentStatus, Role
    from tests.builders import make_document, make_user

    admin = make_user(role=Role.ADMIN)
    document = make_document(status=DocumentStatus.SUBMITTED)
    data = {
        "moderator_id": str(admin.id),
        "version": str(document.version),
        "comment": "x",
        field: "99999999999999999999999",
    }
    response = login_as(admin).post_form(f"/review/{document.id}/reassign", data)
    assert response.status_code in (302, 404, 409, 422)


@on_both_databases
def test_an_absurd_organization_in_the_account_form_is_refused(login_as):
    from rcm_exchange.models import Role
    from tests.builders import make_user

    response = login_as(make_user(role=Role.ADMIN)).post_form(
        "/admin/users/new",
        {"email": "new@example.org", "name": "New", "organization_id": "99999999999999999999999"},
    )
    assert response.status_code == 422
