"""Whatever a script sends as a body to a write endpoint, the answer is a 4xx with the
contract's error shape, never a 500."""

from __future__ import annotations

import json

import pytest

from rcm_exchange.models import DocumentStatus, Role
from tests.builders import make_document, make_user
from tests.conftest import on_both_databases

BODIES = [
    b"",
    b"null",
    b"[]",
    b'"text"',
    b"123",
    b"{",
    b'{"title": 1}',
    b"\xff\xfe",
    b'{"version": 99999999999999999999999}',
    b'{"version": 1e400}',
    b'{"version": -1}',
    b'{"version": true}',
    b'{"version": "1\\u0000"}',
    b'{"tags": "x", "countries": [1]}',
    b'{"tags": [null]}',
    b'{"period_start": "2024-02-30"}',
    b'{"period_start": "99999-01-01"}',
    b'{"action": ["approve"], "version": 1}',
    b'{"comment": {}, "version": 1}',
    b'{"email": [], "password": {}}',
    b'{"title": "\\ud800"}',
    b'{"unknown": 1, "status": "published"}',
    json.dumps({"title": "x" * 400000}).encode(),
    # Nested deeper than the parser's recursion, nested less deep but in every field,
    # and larger than any document could be.
    b"[" * 100_000 + b"]" * 100_000,
    b'{"tags": ' + b"[" * 900 + b"]" * 900 + b"}",
    b'{"title": ' + b'{"a": ' * 500 + b"1" + b"}" * 501,
    json.dumps({"body_html": "x" * 9_000_000}).encode(),
]


@on_both_databases
@pytest.mark.parametrize("body", BODIES)
def test_odd_json_bodies_are_refused_cleanly(app, api_client, body):
    author = make_user(org="MX", role=Role.MODERATOR)
    draft = make_document(status=DocumentStatus.DRAFT, org="MX", author=author)
    api = api_client(author)
    calls = [
        ("post", "/api/v1/documents"),
        ("patch", f"/api/v1/documents/{draft.id}"),
        ("post", f"/api/v1/documents/{draft.id}/submit"),
        ("post", f"/api/v1/documents/{draft.id}/withdraw"),
        ("post", f"/api/v1/documents/{draft.id}/review"),
        ("post", "/api/v1/auth/tokens"),
    ]
    for method, url in calls:
        response = getattr(api, method)(url, data=body, content_type="application/json")
        assert response.status_code < 500, (url, response.status_code)
        assert response.get_json()["code"] == response.status_code or response.status_code < 300


def test_a_body_larger_than_any_document_is_refused_as_too_large(app, api_client):
    api = api_client(make_user(org="MX"))
    response = api.post(
        "/api/v1/documents", data=json.dumps({"body_html": "x" * 9_000_000}), content_type="application/json"
    )
    assert response.status_code == 413 and response.get_json()["code"] == 413


def test_a_body_nested_too_deeply_is_a_bad_request(app, api_client):
    api = api_client(make_user(org="MX"))
    response = api.post(
        "/api/v1/documents", data=b"[" * 100_000 + b"]" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400 and response.get_json()["code"] == 400
