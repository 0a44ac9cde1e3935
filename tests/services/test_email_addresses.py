"""An address that only looks like an existing one never becomes a second account."""

from __future__ import annotations

import pytest

from rcm_exchange.errors import ValidationFailed
from rcm_exchange.services import accounts
from tests.builders import PASSWORD, make_user

REAL = "admin@ts.example.org"
LOOK_ALIKES = [
    "ａｄｍｉｎ@ts.example.org",  # full-width letters
    "admın@ts.example.org",  # dotless i
    "аdmin@ts.example.org",  # Cyrillic a
    "admin@tѕ.example.org",  # Cyrillic dze in the domain
    "ad\u200bmin@ts.example.org",  # zero-width space
    "admin\u00ad@ts.example.org",  # soft hyphen
    " ADMIN@TS.EXAMPLE.ORG ",
]


@pytest.mark.parametrize("address", LOOK_ALIKES)
def test_a_look_alike_address_is_refused_or_is_the_same_account(app, address):
    make_user(email=REAL)
    with pytest.raises(ValidationFailed) as refused:
        make_user(email=address)
    assert "email" in refused.value.errors
    assert len(accounts.list_users()) == 1


def test_a_full_width_address_signs_in_to_the_real_account(app, client):
    make_user(email=REAL)
    response = client.post_form("/auth/sign-in", {"email": "ａｄｍｉｎ@ts.example.org", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("address", ["no-at-sign", "two@@example.org", "a@localhost", "a@example..org"])
def test_a_malformed_address_is_refused_with_a_message(app, address):
    with pytest.raises(ValidationFailed) as refused:
        make_user(email=address)
    assert refused.value.errors["email"]
