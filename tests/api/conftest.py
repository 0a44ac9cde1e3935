"""API fixtures: a client that speaks JSON, and tokens for accounts."""

from __future__ import annotations

import pytest

from tests.clients import ApiClient
from tests.clients import api_client as new_api_client


@pytest.fixture
def api_client(app):
    """``api_client(user=None)`` → a client; with a user, it carries a token of theirs."""

    def make(user=None) -> ApiClient:
        return new_api_client(app, user)

    return make
