"""Two requests acting on one document at the same moment: the second answers 409 with
its message, on SQLite and PostgreSQL, and leaves nothing half-done behind."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import create_engine, event, text

from rcm_exchange.extensions import db
from rcm_exchange.models import DocumentStatus, Role
from tests.builders import make_document, make_user
from tests.clients import api_client
from tests.conftest import on_both_databases
from tests.web.test_attachments_and_visibility import PNG

S = DocumentStatus


@pytest.fixture
def meanwhile(app):
    """``meanwhile(document_id)``: just before this request first writes the document,
    another connection changes it and commits, as a concurrent request would."""
    armed = {}

    def change_first(conn, cursor, statement, parameters, context, executemany):
        if armed and statement.lstrip().upper().startswith("UPDATE DOCUMENTS"):
            document_id = armed.pop("id")
            other = create_engine(db.engine.url)
            with other.begin() as connection:
                connection.execute(
                    text("UPDATE documents SET version = version + 1 WHERE id = :id"), {"id": document_id}
                )
            other.dispose()

    event.listen(db.engine, "before_cursor_execute", change_first)

    def arm(document_id):
        armed["id"] = document_id

    yield arm
    event.remove(db.engine, "before_cursor_execute", change_first)


def _version(document):
    return str(document.version)


def _says_someone_came_first(response):
    text_ = response.get_data(as_text=True)
    return response.status_code == 409 and "at the same moment" in text_


@on_both_databases
def test_two_claims_at_once_the_second_gets_409_with_its_message(app, login_as, meanwhile):
    document = make_document(status=S.SUBMITTED)
    browser = login_as(make_user(role=Role.MODERATOR))
    meanwhile(document.id)
    response = browser.post_form(f"/review/{document.id}", {"action": "claim", "version": _version(document)})
    assert _says_someone_came_first(response)


@on_both_databases
def test_a_double_clicked_submit_gets_409_with_its_message(app, login_as, meanwhile):
    author = make_user(org="MX")
    document = make_document(status=S.DRAFT, author=author, org="MX")
    browser = login_as(author)
    meanwhile(document.id)
    response = browser.post_form(f"/documents/{document.id}/submit", {"version": _version(document)})
    assert _says_someone_came_first(response)


@on_both_databases
def test_an_edit_racing_a_decision_gets_409_through_the_api(app, meanwhile):
    author = make_user(org="MX")
    document = make_document(status=S.DRAFT, author=author, org="MX")
    client = api_client(app, author)
    meanwhile(document.id)
    response = client.patch(
        f"/api/v1/documents/{document.id}", json={"title": "New", "version": document.version}
    )
    assert response.status_code == 409 and "at the same moment" in response.get_json()["message"]


@on_both_databases
def test_an_upload_that_loses_a_race_answers_409_and_leaves_no_file_behind(
    app, login_as, meanwhile, tmp_path
):
    author = make_user(org="MX")
    document = make_document(status=S.DRAFT, author=author, org="MX")
    browser = login_as(author)
    meanwhile(document.id)
    response = browser.post_form(
        f"/documents/{document.id}/attachments",
        {"file": (io.BytesIO(PNG), "a.png")},
        content_type="multipart/form-data",
    )
    assert _says_someone_came_first(response)
    uploads = tmp_path / "uploads"
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]
