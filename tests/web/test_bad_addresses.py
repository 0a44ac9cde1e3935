"""Addresses a person can mistype or tamper with answer 404, not a server error."""

from __future__ import annotations

import pytest

from tests.conftest import on_both_databases


@on_both_databases
@pytest.mark.parametrize(
    "url",
    [
        "/documents/99999999999999999999999",
        "/documents/2147483648",
        "/attachments/9223372036854775808",
        "/browse/organizations/2147483648",
        "/review/2147483648",
        "/api/v1/documents/2147483648",
    ],
)
def test_an_id_larger_than_any_row_is_not_found(client, url):
    assert client.get(url).status_code in (404, 302)


@on_both_databases
@pytest.mark.parametrize(
    "url", ["/browse/topics/%00", "/browse/countries/M%00", "/browse/types/guid%00ance", "/auth/password/%00"]
)
def test_a_nul_character_in_an_address_is_not_found(client, url):
    assert client.get(url).status_code == 404
