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


# Half a surrogate pair: a JSON string may spell it ("\ud800"), but it is no character, and
# no database can store or even compare it. Each body below is valid; each of its texts
# in turn gets one.
def _surrogate_in_each_text(body: dict):
    for name, value in body.items():
        if isinstance(value, str):
            yield name, {**body, name: "x\ud800"}
        elif isinstance(value, list):
            yield name, {**body, name: ["\udfff"]}


WRITES_WITH_TEXT = [
    ("post", "/api/v1/auth/tokens", {"email": "admin@ts.example.org", "password": "secret"}),
    (
        "post",
        "/api/v1/documents",
        {
            "title": "T",
            "summary": "S",
            "body_html": "<p>B</p>",
            "doc_type": "practice_report",
            "language": "en",
            "tags": ["gender"],
            "countries": ["MX"],
            "partners": "IOM",
        },
    ),
    ("post", "/api/v1/tags", {"slug": "new-theme", "name_en": "N", "name_es": "N", "description_en": "D"}),
    ("patch", "/api/v1/tags/gender", {"name_en": "Gender", "description_es": "D"}),
    ("post", "/api/v1/tags/gender/merge", {"into": "integration"}),
    (
        "post",
        "/api/v1/organizations",
        {"acronym": "NEW", "name": "N", "name_es": "N", "kind": "civil_society"},
    ),
    ("patch", "/api/v1/organizations/{org}", {"name": "N", "acronym": "MX"}),
    (
        "post",
        "/api/v1/meetings",
        {
            "body": "rcgm",
            "number": 90,
            "starts_on": "2026-01-01",
            "ends_on": "2026-01-02",
            "place": "San José",
            "host_country": "CR",
            "ppt_year": 2026,
            "theme_en": "T",
        },
    ),
    (
        "post",
        "/api/v1/calls",
        {
            "theme_en": "T",
            "theme_es": "T",
            "criteria_en": "C",
            "criteria_es": "C",
            "opens_on": "2026-01-01",
            "closes_on": "2026-12-31",
            "ppt_year": 2026,
            "answerable_by": ["member_state"],
            "tags": ["gender"],
        },
    ),
]


@on_both_databases
@pytest.mark.parametrize(("method", "url", "body"), WRITES_WITH_TEXT, ids=[w[1] for w in WRITES_WITH_TEXT])
def test_half_a_surrogate_pair_in_any_text_of_a_body_is_refused_next_to_its_field(
    app, api_client, method, url, body
):
    admin = make_user(role=Role.ADMIN, email="admin@ts.example.org")
    api = api_client(admin)
    url = url.format(org=admin.organization_id)
    for field, hostile in _surrogate_in_each_text(body):
        # json.dumps escapes it as \ud800, as any client that sends it does.
        response = getattr(api, method)(url, data=json.dumps(hostile), content_type="application/json")
        assert response.status_code == 422, (url, field, response.status_code)
        assert response.get_json()["errors"] == {field: ["This contains a character that is not allowed."]}


def test_half_a_surrogate_pair_is_refused_in_the_readers_language(app, api_client):
    response = api_client().post(
        "/api/v1/auth/tokens",
        data=json.dumps({"email": "x\ud800@example.org", "password": "x"}),
        content_type="application/json",
        headers={"Accept-Language": "es"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"email": ["Contiene un carácter que no está permitido."]}
