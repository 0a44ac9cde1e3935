"""Plain one-line text (titles, names, filenames) keeps no control, line-separator,
bidi-override or invisible character, whichever way it arrives."""

from __future__ import annotations

import io
import json

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import ApiToken, Attachment, Document, DocumentRevision, DocumentStatus, Role
from rcm_exchange.services import review
from tests.builders import make_document, make_user
from tests.clients import api_client
from tests.conftest import on_both_databases
from tests.local_servers import Inbox
from tests.web.test_attachments_and_visibility import PNG
from tests.web.test_document_pages import create

# A header injection, a paragraph separator, a right-to-left override, a zero-width
# space, a Hangul filler and a bell, all in one title.
HOSTILE = "Return\r\nBcc: all@example.org\u2029desk \u202efdp.exe\u200b\u3164\x07 guide"
CLEAN = "Return Bcc: all@example.org desk fdp.exe guide"
DOCUMENT = {
    "title": HOSTILE,
    "summary": "Line one.\u2028Line two.",
    "body_html": "<p>Body</p>",
    "doc_type": "practice_report",
    "language": "en",
    "partners": "IOM\nUNHCR",
}


@on_both_databases
def test_a_title_sent_through_the_api_is_kept_on_one_line_without_hidden_characters(app):
    client = api_client(app, make_user(org="MX"))
    answer = client.post("/api/v1/documents", json=DOCUMENT)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["title"] == CLEAN
    assert body["partners"] == "IOM UNHCR"
    assert body["summary"] == "Line one.\nLine two."


def test_a_title_typed_in_the_form_is_kept_on_one_line(app, login_as):
    browser = login_as(make_user(org="MX"))
    document_id = create(browser, title=HOSTILE, implementing_bodies="Ministry\u2028of the Interior")
    document = db.session.get(Document, document_id)
    assert (document.title, document.implementing_bodies) == (CLEAN, "Ministry of the Interior")


def test_a_revision_title_is_kept_on_one_line(app):
    author = make_user(org="MX")
    document = make_document(author=author, org="MX")
    client = api_client(app, author)
    answer = client.patch(
        f"/api/v1/documents/{document.id}", json={"title": HOSTILE, "version": document.version}
    )
    assert answer.status_code == 200, answer.get_json()
    revision = db.session.scalar(select(DocumentRevision).where(DocumentRevision.document_id == document.id))
    assert revision.data["title"] == CLEAN


def test_an_imported_title_is_kept_on_one_line(app, tmp_path):
    line = {
        "id": 9,
        "title": HOSTILE,
        "summary": "S.",
        "body_html": "<p>T</p>",
        "doc_type": "guidance",
        "language": "en",
        "visibility": "public",
        "organization": "GT",
        "published_at": "2021-03-04T05:06:07+00:00",
    }
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["rcm", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Document.title)) == CLEAN


def test_account_and_token_names_are_kept_on_one_line(app, login_as):
    user = make_user(org="MX", name="Ana\nMaría \u202eLópez\u200d")
    assert user.name == "Ana María López"
    browser = login_as(user)
    assert browser.post_form("/settings/tokens", {"name": "laptop\r\nX-Evil: 1"}).status_code == 201
    assert db.session.scalar(select(ApiToken.name)) == "laptop X-Evil: 1"


def test_an_uploaded_file_name_loses_its_reordering_and_invisible_characters(app, login_as):
    author = make_user(org="MX")
    document = make_document(author=author, org="MX", status=DocumentStatus.DRAFT)
    browser = login_as(author)
    response = browser.post_form(
        f"/documents/{document.id}/attachments",
        {"file": (io.BytesIO(PNG), "photo\u202egnp.exe\u200b\u3164\u2028.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalar(select(Attachment.filename)) == "photognp.exe.png"


@pytest.fixture
def app_config(smtp_port):
    return {"RCM_MAIL_URL": f"smtp://127.0.0.1:{smtp_port}"}


def test_a_title_with_a_line_break_does_not_stop_the_mail_about_it(app, smtp_port):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        moderator = make_user(role=Role.MODERATOR, email="mod@ts.example.org")
        author = make_user(org="MX", email="author@mx.example.org")
        client = api_client(app, author)
        created = client.post("/api/v1/documents", json=DOCUMENT).get_json()
        client.post(f"/api/v1/documents/{created['id']}/submit", json={"version": created["version"]})
        document = db.session.get(Document, created["id"])
        review.claim(moderator, document, version=document.version)
        review.approve(moderator, document, version=document.version)
    finally:
        controller.stop()
    subjects = [message["Subject"] for message in handler.messages]
    assert any(CLEAN in subject for subject in subjects), subjects
    assert "author@mx.example.org" in [message["To"] for message in handler.messages]


# The forum's names, places and themes, whichever way they arrive (the API, the
# Secretariat's pages and the command line share the schemas).
SHORT_HOSTILE, SHORT_CLEAN = "HX\u202e\r\n1\x07", "HX 1"
FORUM_WRITES = [
    (
        "/api/v1/tags",
        {
            "slug": "labour-rights",
            "name_en": HOSTILE,
            "name_es": HOSTILE,
            "description_en": "One.\x1b\u2028Two.",
        },
        {"name_en": CLEAN, "name_es": CLEAN, "description_en": "One.\nTwo."},
    ),
    (
        "/api/v1/organizations",
        {"acronym": SHORT_HOSTILE, "name": HOSTILE, "name_es": HOSTILE, "kind": "civil_society"},
        {"acronym": SHORT_CLEAN, "name": CLEAN, "name_es": CLEAN},
    ),
    (
        "/api/v1/meetings",
        {
            "body": "rcgm",
            "number": 90,
            "starts_on": "2026-06-01",
            "ends_on": "2026-06-02",
            "place": HOSTILE,
            "ppt_year": 2026,
            "theme_en": HOSTILE,
            "theme_es": HOSTILE,
        },
        {"place": CLEAN, "theme_en": CLEAN, "theme_es": CLEAN},
    ),
    (
        "/api/v1/calls",
        {
            "theme_en": HOSTILE,
            "theme_es": HOSTILE,
            "criteria_en": "First.\u2029Second.\x07",
            "criteria_es": "Uno.",
            "opens_on": "2026-01-01",
            "closes_on": "2026-12-31",
            "ppt_year": 2026,
            "answerable_by": ["member_state"],
        },
        {"theme_en": CLEAN, "theme_es": CLEAN, "criteria_en": "First.\nSecond."},
    ),
]


@on_both_databases
@pytest.mark.parametrize(("url", "body", "kept"), FORUM_WRITES, ids=[write[0] for write in FORUM_WRITES])
def test_forum_names_places_and_themes_are_kept_on_one_line_without_hidden_characters(app, url, body, kept):
    client = api_client(app, make_user(role=Role.ADMIN))
    answer = client.post(url, json=body)
    assert answer.status_code == 201, answer.get_json()
    assert {name: answer.get_json()[name] for name in kept} == kept


def test_a_name_of_nothing_but_hidden_characters_is_refused_as_empty(app):
    client = api_client(app, make_user(role=Role.ADMIN))
    answer = client.patch("/api/v1/tags/gender", json={"name_en": "\u200b\u202e\x07"})
    assert answer.status_code == 422
    assert "name_en" in answer.get_json()["errors"]


def test_a_tag_named_with_control_characters_on_the_page_leaves_the_harvest_readable(app, login_as, client):
    from xml.etree import ElementTree

    moderator = login_as(make_user(role=Role.MODERATOR))
    response = moderator.post_form(
        "/secretariat/tags", {"slug": "labour-rights", "name_en": HOSTILE, "name_es": HOSTILE}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    make_document(tags=("labour-rights",))
    for verb in ("ListSets", "ListRecords&metadataPrefix=oai_dc"):
        harvest = client.get(f"/oai?verb={verb}")
        ElementTree.fromstring(harvest.data)  # a control character is not XML: it raised here
        assert CLEAN in harvest.get_data(as_text=True)


def test_a_review_comment_keeps_its_lines_but_no_control_characters(app):
    moderator = make_user(role=Role.MODERATOR)
    document = make_document(status=DocumentStatus.SUBMITTED, org="MX")
    client = api_client(app, moderator)
    claimed = client.post(
        f"/api/v1/documents/{document.id}/review", json={"action": "claim", "version": document.version}
    ).get_json()
    answer = client.post(
        f"/api/v1/documents/{document.id}/review",
        json={
            "action": "request_changes",
            "comment": "Add\x1b[31m figures.\u2028\u202eThanks.",
            "version": claimed["version"],
        },
    )
    assert answer.status_code == 200, answer.get_json()
    history = client.get(f"/api/v1/documents/{document.id}/history").get_json()
    assert history[-1]["comment"] == "Add[31m figures.\nThanks."
