"""Restricted material never shows through a side door: search hits, totals, facets,
snippets and suggestions, related documents, the feed, tag and browse counts, the home
page, "my documents", notifications, history and the API, for every kind of reader."""

from __future__ import annotations

import pytest

from rcm_exchange.models import DocumentStatus, OrganizationKind, Visibility
from tests.builders import make_document, make_user

S, V = DocumentStatus, Visibility
TAG = "migration-and-development"

# marker word -> (status, visibility), all submitted by MX
RESTRICTED = {
    "quetzalmembers": (S.PUBLISHED, V.MEMBERS),
    "quetzalsecretariat": (S.PUBLISHED, V.SECRETARIAT),
    "quetzaldraft": (S.DRAFT, V.PUBLIC),
    "quetzalreview": (S.IN_REVIEW, V.PUBLIC),
    "quetzalrejected": (S.REJECTED, V.PUBLIC),
    "quetzalarchived": (S.ARCHIVED, V.PUBLIC),
    "quetzalparticipants": (S.PUBLISHED, V.PARTICIPANTS),
}
READERS = {
    "anonymous": None,
    "civil society": dict(kind=OrganizationKind.CIVIL_SOCIETY),
    "observer state": dict(org="CO"),
    "observer organization": dict(org="IOM"),
    "member state of another organization": dict(org="GT"),
}


def may_see(reader: str, marker: str) -> bool:
    status, visibility = RESTRICTED[marker]
    if status != S.PUBLISHED:
        return False
    if visibility == V.PARTICIPANTS:
        return reader != "anonymous"
    if visibility == V.MEMBERS:
        return reader == "member state of another organization"
    return False


def urls(public_id: int, restricted_ids: list[int]) -> list[str]:
    pages = [
        "/",
        "/browse/",
        "/browse/countries",
        "/browse/organizations",
        "/browse/types",
        f"/browse/topics/{TAG}",
        "/browse/countries/MX",
        f"/documents/{public_id}",
        "/search?q=quetzal",
        "/search?q=quetzalmembres",
        "/search?tag=" + TAG,
        "/feeds/documents.atom",
        "/feeds/documents.atom?q=quetzal",
        "/api/v1/documents?q=quetzal",
        "/api/v1/documents",
        "/api/v1/tags",
        "/api/v1/documents?q=quetzalmembres",
        f"/api/v1/documents?tag={TAG}",
    ]
    for document_id in restricted_ids:
        pages += [
            f"/documents/{document_id}",
            f"/documents/{document_id}/history",
            f"/api/v1/documents/{document_id}",
        ]
    return pages


@pytest.mark.parametrize("reader", list(READERS))
def test_no_page_or_call_shows_what_the_reader_may_not_see(app, client, login_as, api_client, reader):
    public = make_document(
        visibility=V.PUBLIC,
        org="MX",
        tags=(TAG,),
        countries=("MX",),
        title="Quetzal public",
        body_html="<p>quetzal seasonal work</p>",
    )
    restricted = [
        make_document(
            status=status,
            visibility=visibility,
            org="MX",
            tags=(TAG,),
            countries=("MX",),
            title=f"Quetzal {marker}",
            summary=f"{marker} summary",
            body_html=f"<p>quetzal seasonal work {marker}</p>",
        )
        for marker, (status, visibility) in RESTRICTED.items()
    ]
    if READERS[reader] is None:
        page_client, api = client, api_client()
    else:
        user = make_user(**READERS[reader])
        page_client, api = login_as(user), api_client(user)
    leaks = []
    for url in urls(public.id, [d.id for d in restricted]):
        browser = api if url.startswith("/api/") else page_client
        response = browser.get(url)
        body = response.get_data(as_text=True).lower()
        for marker in RESTRICTED:
            if marker in body and not may_see(reader, marker):
                leaks.append((url, marker))
        if url.startswith("/api/v1/documents?") and response.status_code == 200:
            data = response.get_json()
            visible = sum(may_see(reader, m) for m in RESTRICTED) + 1
            if "q=quetzal&" in url + "&" or "tag=" in url:
                assert data["total"] == visible, url
                assert data["facets"]["countries"].get("MX") == visible, url
        if url == "/api/v1/tags":
            counts = {t["slug"]: t["count"] for t in response.get_json()}
            assert counts[TAG] == sum(may_see(reader, m) for m in RESTRICTED) + 1
    assert leaks == []
    found = api.get("/api/v1/documents?q=quetzal").get_data(as_text=True).lower()
    assert all(marker in found for marker in RESTRICTED if may_see(reader, marker))


def test_a_retried_create_after_moving_organization_does_not_return_the_old_draft(app, api_client):
    from rcm_exchange.extensions import db
    from tests.builders import organization

    user = make_user(org="MX")
    api = api_client(user)
    body = {
        "title": "Quetzal internal draft",
        "summary": "quetzaldraft notes",
        "body_html": "<p>quetzaldraft</p>",
        "doc_type": "guidance",
        "language": "en",
        "visibility": "secretariat",
    }
    first = api.post("/api/v1/documents", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    user.organization_id = organization(kind=OrganizationKind.CIVIL_SOCIETY).id
    db.session.commit()
    retried = api.post("/api/v1/documents", json=body, headers={"Idempotency-Key": "k-1"})
    assert retried.status_code == 409
    assert "quetzaldraft" not in retried.get_data(as_text=True)
