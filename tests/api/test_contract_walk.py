"""The contract end to end, as a ministry's system and a Secretariat moderator would
walk it: token → create → edit with version → submit → review → search → attachments →
history."""

from __future__ import annotations

import struct
import zlib

import pytest

from rcm_exchange.models import Visibility
from tests.builders import make_document, make_user

DOCUMENT_FIELDS = {
    "id",
    "title",
    "summary",
    "body_html",
    "doc_type",
    "language",
    "tags",
    "countries",
    "visibility",
    "status",
    "version",
    "implementation_status",
    "period_start",
    "period_end",
    "implementing_bodies",
    "partners",
    "results_html",
    "organization",
    "author",
    "attachments",
    "created_at",
    "updated_at",
    "submitted_at",
    "published_at",
    "url",
    "standing",
    "meetings",
    "call",
}

NEW_DOCUMENT = {
    "title": "Protocolo de atención a víctimas de trata",
    "summary": "Cómo las instituciones de Guatemala atienden a víctimas de trata de personas.",
    "body_html": "<p>Un protocolo interinstitucional.</p><script>alert(1)</script>",
    "doc_type": "practice_report",
    "language": "es",
    "tags": ["trafficking-in-persons"],
    "countries": ["GT"],
    "visibility": "public",
    "implementation_status": "ongoing",
    "period_start": "2023-01-01",
}


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def test_a_document_goes_from_draft_to_published_through_the_api(app, api_client):
    ministry = api_client(make_user(org="GT"))
    moderator = api_client(make_user(role="moderator"))
    anonymous = api_client()

    # Create a draft.
    response = ministry.post("/api/v1/documents", json=NEW_DOCUMENT)
    assert response.status_code == 201, response.get_json()
    document = response.get_json()
    assert set(document) == DOCUMENT_FIELDS
    assert document["status"] == "draft"
    assert document["organization"]["acronym"] == "GT"
    assert document["author"]["name"]
    assert "<script>" not in document["body_html"]
    assert document["tags"] == ["trafficking-in-persons"] and document["countries"] == ["GT"]
    doc_url = f"/api/v1/documents/{document['id']}"
    assert anonymous.get(doc_url).status_code == 404  # a draft is not there for others

    # Edit with the version read; a stale version is refused.
    version = document["version"]
    response = ministry.patch(doc_url, json={"title": "Protocolo de atención a víctimas", "version": version})
    assert response.status_code == 200
    assert response.get_json()["version"] > version
    stale = ministry.patch(doc_url, json={"summary": "Otro resumen.", "version": version})
    assert stale.status_code == 409
    assert stale.get_json()["code"] == 409

    # Attach a file; too large and the wrong type are refused.
    upload = ministry.post(
        f"{doc_url}/attachments",
        data={"file": (_stream(png_bytes()), "cartel.png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.get_json()
    attachment = upload.get_json()
    assert attachment["content_type"] == "image/png" and attachment["size"] == len(png_bytes())
    executable = ministry.post(
        f"{doc_url}/attachments",
        data={"file": (_stream(b"\x7fELF\x02\x01\x01" + b"\x00" * 200), "informe.pdf")},
        content_type="multipart/form-data",
    )
    assert executable.status_code == 415
    app.config["RCM_MAX_UPLOAD_BYTES"] = 1024
    too_large = ministry.post(
        f"{doc_url}/attachments",
        data={"file": (_stream(png_bytes() + b"\x00" * 2048), "grande.png")},
        content_type="multipart/form-data",
    )
    assert too_large.status_code == 413
    assert too_large.get_json()["code"] == 413

    # Submit.
    current = ministry.get(doc_url).get_json()
    assert [a["filename"] for a in current["attachments"]] == ["cartel.png"]
    response = ministry.post(f"{doc_url}/submit", json={"version": current["version"]})
    assert response.status_code == 200
    assert response.get_json()["status"] == "submitted"

    # The moderator finds it in the queue and works it.
    queue = moderator.get("/api/v1/review/queue").get_json()
    assert [item["id"] for item in queue["items"]] == [document["id"]]
    assert ministry.get("/api/v1/review/queue").status_code == 403
    version = response.get_json()["version"]
    not_a_moderator = ministry.post(f"{doc_url}/review", json={"action": "claim", "version": version})
    assert not_a_moderator.status_code == 403
    response = moderator.post(f"{doc_url}/review", json={"action": "claim", "version": version})
    assert response.get_json()["status"] == "in_review"
    version = response.get_json()["version"]
    no_comment = moderator.post(f"{doc_url}/review", json={"action": "request_changes", "version": version})
    assert no_comment.status_code == 422 and "comment" in no_comment.get_json()["errors"]
    response = moderator.post(
        f"{doc_url}/review",
        json={"action": "request_changes", "comment": "Añadan los resultados.", "version": version},
    )
    assert response.get_json()["status"] == "changes_requested"

    # Back to the ministry, then approved.
    version = response.get_json()["version"]
    response = ministry.patch(
        doc_url, json={"results_html": "<p>300 personas atendidas.</p>", "version": version}
    )
    response = ministry.post(f"{doc_url}/submit", json={"version": response.get_json()["version"]})
    # Back with the moderator who asked for the changes: no claim needed.
    assert response.get_json()["status"] == "in_review"
    version = response.get_json()["version"]
    illegal = moderator.post(f"{doc_url}/review", json={"action": "archive", "version": version})
    assert illegal.status_code == 409
    response = moderator.post(f"{doc_url}/review", json={"action": "approve", "version": version})
    assert response.status_code == 200
    published = response.get_json()
    assert published["status"] == "published" and published["published_at"]

    # Anyone finds it now, with filters and facets.
    results = anonymous.get(
        "/api/v1/documents",
        query_string={"q": "víctimas", "tag": "trafficking-in-persons", "country": "GT", "language": "es"},
    ).get_json()
    assert [item["id"] for item in results["items"]] == [document["id"]]
    assert results["facets"]["tags"] == {"trafficking-in-persons": 1}
    assert results["facets"]["countries"] == {"GT": 1}
    assert results["items"][0]["highlights"] == [] or "<mark>" in results["items"][0]["highlights"][0]

    # The attachment is there for those who may see the document.
    download = anonymous.get(f"/api/v1/attachments/{attachment['id']}")
    assert download.status_code == 200
    assert download.data == png_bytes()
    download.close()

    # The history tells the story, to the organization and moderators only.
    history = ministry.get(f"{doc_url}/history").get_json()
    assert [event["action"] for event in history][:2] == ["create", "edit"]
    assert history[-1]["to_status"] == "published"
    assert set(history[0]) == {"at", "actor", "action", "from_status", "to_status", "comment"}
    assert any(event["comment"] == "Añadan los resultados." for event in history)
    assert anonymous.get(f"{doc_url}/history").status_code == 401
    assert api_client(make_user(org="MX")).get(f"{doc_url}/history").status_code == 404


def _stream(data: bytes):
    import io

    return io.BytesIO(data)


@pytest.mark.parametrize("field", ["status", "organization", "author", "id", "version", "published_at"])
def test_fields_the_server_decides_are_refused(app, api_client, field):
    ministry = api_client(make_user())
    response = ministry.post("/api/v1/documents", json={**NEW_DOCUMENT, field: "published"})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert ministry.get("/api/v1/documents/mine").get_json()["total"] == 0


def test_a_missing_required_field_is_named(app, api_client):
    body = {key: value for key, value in NEW_DOCUMENT.items() if key != "title"}
    response = api_client(make_user()).post("/api/v1/documents", json=body)
    assert response.status_code == 422
    assert response.get_json()["errors"]["title"] == ["This field is required."]


def test_a_browser_session_alone_cannot_write_through_the_api(app, login_as):
    """What a cross-site page could make a signed-in moderator's browser send."""
    draft = make_document(status="submitted")
    browser = login_as(make_user(role="moderator"))
    response = browser.post(
        f"/api/v1/documents/{draft.id}/review", json={"action": "claim", "version": draft.version}
    )
    assert response.status_code == 401
    response = browser.post("/api/v1/documents", json=NEW_DOCUMENT)
    assert response.status_code == 401
    assert browser.get("/api/v1/review/queue").status_code == 401


def test_attachments_of_hidden_documents_are_not_found(app, api_client):
    ministry = api_client(make_user(org="MX"))
    document = ministry.post("/api/v1/documents", json={**NEW_DOCUMENT, "visibility": "members"}).get_json()
    attachment = ministry.post(
        f"/api/v1/documents/{document['id']}/attachments",
        data={"file": (_stream(png_bytes()), "x.png")},
        content_type="multipart/form-data",
    ).get_json()
    url = f"/api/v1/attachments/{attachment['id']}"
    assert api_client().get(url).status_code == 404
    assert api_client(make_user(org="CO")).get(url).status_code == 404
    own = ministry.get(url)
    assert own.status_code == 200
    own.close()


def test_an_upload_that_is_not_multipart_is_415(app, api_client):
    ministry = api_client(make_user())
    document = ministry.post("/api/v1/documents", json=NEW_DOCUMENT).get_json()
    response = ministry.post(f"/api/v1/documents/{document['id']}/attachments", json={"file": "x"})
    assert response.status_code == 415


def test_an_upload_without_a_file_is_422(app, api_client):
    ministry = api_client(make_user())
    document = ministry.post("/api/v1/documents", json=NEW_DOCUMENT).get_json()
    response = ministry.post(
        f"/api/v1/documents/{document['id']}/attachments",
        data={"other": "x"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "file" in response.get_json()["errors"]


def test_a_retried_create_with_the_same_idempotency_key_makes_one_draft(app, api_client):
    ministry = api_client(make_user())
    first = ministry.post("/api/v1/documents", json=NEW_DOCUMENT, headers={"Idempotency-Key": "abc-1"})
    again = ministry.post("/api/v1/documents", json=NEW_DOCUMENT, headers={"Idempotency-Key": "abc-1"})
    assert first.get_json()["id"] == again.get_json()["id"]
    assert ministry.get("/api/v1/documents/mine").get_json()["total"] == 1


def test_my_documents_lists_the_organizations_work_in_any_status(app, api_client):
    colleague = make_user(org="MX")
    make_document(org="MX", status="draft", author=colleague)
    make_document(org="MX", status="published", visibility=Visibility.SECRETARIAT)
    make_document(org="GT", status="draft")
    mine = api_client(make_user(org="MX")).get("/api/v1/documents/mine").get_json()
    assert mine["total"] == 2
    assert {item["status"] for item in mine["items"]} == {"draft", "published"}
