"""API fixtures: a client that speaks JSON, and tokens for accounts."""
from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.builders import PASSWORD


class ApiClient(FlaskClient):
    """A program calling the API: no cookies, an optional bearer token on every call."""

    token: str | None = None

    def open(self, *args, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        kwargs["headers"] = headers
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def api_client(app):
    """``api_client(user=None)`` → a client; with a user, it carries a token of theirs."""

    def make(user=None) -> ApiClient:
        app.test_client_class = ApiClient
        client = app.test_client(use_cookies=False)
        if user is not None:
            response = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
            assert response.status_code == 201, response.get_json()
            client.token = response.get_json()["token"]
        return client

    return make
