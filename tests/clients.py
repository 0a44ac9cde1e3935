"""How the tests talk to the app: a browser that sends the CSRF token from the page, a
program calling the API with a token, and the forms both of them post most."""

from __future__ import annotations

import io
import re

from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.builders import PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class BrowserClient(FlaskClient):
    """Posts forms the way a browser does: with the CSRF token the site handed out.

    Each request runs in an application context of its own, as in production, so it
    has its own database session and its own ``g`` (the signed-in user is loaded anew).
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        page = self.get("/auth/sign-in")
        return CSRF_FIELD.search(page.get_data(as_text=True)).group(1)

    def post_form(self, url: str, data: dict | None = None, *, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf and "csrf_token" not in data:
            data["csrf_token"] = self.csrf_token()
        return self.post(url, data=data, **kwargs)


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


def new_browser(app) -> BrowserClient:
    """A new browser (its own cookies) on ``app``."""
    app.test_client_class = BrowserClient
    return app.test_client()


def sign_in(client: BrowserClient, email: str, password: str, **extra):
    """Post the sign-in form as a person would; the answer as it comes."""
    return client.post_form("/auth/sign-in", {"email": email, "password": password, **extra})


def is_signed_in(browser: BrowserClient, user) -> bool:
    """Whether the home page shows ``browser`` signed in as ``user``."""
    page = browser.get("/").get_data(as_text=True)
    return user.name in page and "Sign out" in page


def api_client(app, user=None) -> ApiClient:
    """A program calling the API; with ``user``, it carries a new token of theirs."""
    app.test_client_class = ApiClient
    client = app.test_client(use_cookies=False)
    if user is not None:
        response = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
        assert response.status_code == 201, response.get_json()
        client.token = response.get_json()["token"]
    return client


def upload(browser: BrowserClient, document_id: int, content: bytes, name: str, **kwargs):
    """Attach a file to a document through its page, as the form sends it."""
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(
        {"csrf_token": browser.csrf_token(), "file": FileStorage(io.BytesIO(content), filename=name)}
    )
    return browser.post(
        f"/documents/{document_id}/attachments",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        **kwargs,
    )
