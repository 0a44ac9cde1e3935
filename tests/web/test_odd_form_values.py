"""Tampered or odd values in the hidden fields of forms: the page still works."""

from __future__ import annotations

import pytest

from tests.builders import make_user
from tests.conftest import on_both_databases
from tests.web.test_nul_in_forms import DOCUMENT, NUL


@on_both_databases
def test_a_tampered_idempotency_key_still_saves_the_draft(login_as):
    browser = login_as(make_user(org="MX"))
    response = browser.post_form("/documents/new", {**DOCUMENT, "idempotency_key": NUL})
    assert response.status_code == 302


@on_both_databases
@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999999"])
def test_marking_odd_notification_ids_as_read_is_harmless(login_as, value):
    browser = login_as(make_user(org="MX"))
    assert browser.post_form("/notifications/read", {"id": value}).status_code < 500
