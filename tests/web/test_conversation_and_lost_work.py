"""The review as a conversation, and nothing typed lost: comments both ways, 409s that
keep the typed comment, text kept while typing, and the pages a signed-out reader sees."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import (
    Document,
    DocumentStatus,
    Notification,
    Role,
    Visibility,
)
from rcm_exchange.schemas.documents import LIST_FIELDS
from rcm_exchange.services import documents, review
from tests.builders import make_call, make_document, make_user

S = DocumentStatus
VERSION = re.compile(r'name="version" value="(\d+)"')


def in_review(author, moderator, **fields) -> Document:
    document = make_document(status=S.DRAFT, author=author, org=author.organization.acronym, **fields)
    documents.submit(author, document, version=document.version)
    review.claim(moderator, document, version=document.version)
    return document


def test_the_organization_and_the_secretariat_talk_on_the_document_each_told_in_their_language(app, login_as):
    author = make_user(org="MX", language="es")
    moderator = make_user(role=Role.MODERATOR, language="en")
    document = in_review(author, moderator, title="Ventanilla única")
    moderator_page = login_as(moderator)
    sent = moderator_page.post_form(
        f"/documents/{document.id}/comments",
        {"body": "Could you add the dates?", "next": f"/review/{document.id}"},
    )
    assert sent.status_code == 302 and sent.headers["Location"].startswith(f"/review/{document.id}#comment-")

    author_page = login_as(author)
    edit = author_page.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Could you add the dates?" in edit and moderator.name in edit
    assert "Conversación con la Secretaría Técnica" in edit
    told = author_page.get("/notifications").get_data(as_text=True)
    assert "Nuevo mensaje en la conversación" in told and "Could you add the dates?" in told

    thread = int(re.search(r'name="parent_id" value="(\d+)"', edit).group(1))
    author_page.post_form(
        f"/documents/{document.id}/comments",
        {"body": "Sí, del 2022 al 2024.", "parent_id": thread, "next": f"/documents/{document.id}/edit"},
    )
    page = moderator_page.get(f"/review/{document.id}").get_data(as_text=True)
    assert "Sí, del 2022 al 2024." in page and author.name in page
    told = db.session.scalars(
        select(Notification).where(Notification.user_id == moderator.id, Notification.kind == "commented")
    )
    assert [n.comment for n in told] == ["Sí, del 2022 al 2024."]
    assert "New message in the conversation" in moderator_page.get("/notifications").get_data(as_text=True)


def test_readers_outside_the_organization_never_see_or_write_in_the_conversation(app, login_as):
    author, moderator = make_user(org="MX"), make_user(role=Role.MODERATOR)
    document = make_document(visibility=Visibility.PUBLIC, author=author)
    login_as(moderator).post_form(f"/documents/{document.id}/comments", {"body": "Internal note"})
    other = login_as(make_user(org="GT"))
    page = other.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Internal note" not in page and "conversation" not in page.lower()
    refused = other.post_form(f"/documents/{document.id}/comments", {"body": "Me too"})
    assert refused.status_code == 404


def test_an_empty_comment_comes_back_with_a_message_by_its_field(app, login_as):
    author = make_user(org="MX")
    document = make_document(status=S.DRAFT, author=author)
    response = login_as(author).post_form(f"/documents/{document.id}/comments", {"body": "   "})
    assert response.status_code == 422
    assert 'id="comment-new-error"' in response.get_data(as_text=True)


def test_a_decision_on_a_withdrawn_document_keeps_the_comment_and_says_what_happened(app, login_as):
    author, moderator = make_user(org="MX"), make_user(role=Role.MODERATOR)
    document = in_review(author, moderator)
    page = login_as(moderator)
    version = VERSION.search(page.get(f"/review/{document.id}").get_data(as_text=True)).group(1)
    documents.withdraw(author, document, version=document.version)
    response = page.post_form(
        f"/review/{document.id}",
        {"action": "request_changes", "version": version, "comment": "Add the results, please."},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Add the results, please." in text
    assert "Latest change: Withdrawn by " + author.name in text and "It is now: Draft" in text


def test_an_edit_over_a_change_made_meanwhile_keeps_the_typed_text(app, login_as):
    author = make_user(org="MX")
    document = make_document(status=S.DRAFT, author=author, title="Old title")
    browser = login_as(author)
    form = browser.get(f"/documents/{document.id}/edit").get_data(as_text=True)
    version = VERSION.search(form).group(1)
    documents.update_document(author, document, {"summary": "Changed elsewhere"}, document.version)
    response = browser.post_form(
        f"/documents/{document.id}/edit",
        {
            "title": "My new title",
            "summary": "Typed summary",
            "body_html": "<p>Typed body</p>",
            "doc_type": "guidance",
            "language": "en",
            "visibility": "public",
            "version": version,
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'value="My new title"' in text and "Typed summary" in text
    assert "Latest change: Edited by" in text


def test_text_kept_while_typing_is_offered_back_until_the_form_is_saved(app, login_as):
    author = make_user(org="MX")
    document = make_document(status=S.DRAFT, author=author, title="Saved title")
    browser = login_as(author)
    saved = browser.post(
        f"/documents/drafts/{document.id}",
        json={"values": {"title": "Half-typed title", "tags": []}},
        headers={"X-CSRFToken": browser.csrf_token()},
    )
    assert saved.status_code == 200
    page = browser.get(f"/documents/{document.id}/edit").get_data(as_text=True)
    assert "that was not saved" in page
    restored = browser.get(f"/documents/{document.id}/edit?restore=1").get_data(as_text=True)
    assert 'value="Half-typed title"' in restored
    refused = browser.post(
        f"/documents/drafts/{document.id}",
        json={"values": {"status": "x"}},
        headers={"X-CSRFToken": browser.csrf_token()},
    )
    assert refused.status_code == 422


# What the form's script leaves out of what it sends while typing (static/js/form-safety.js).
NOT_KEPT_WHILE_TYPING = {"csrf_token", "idempotency_key", "save_and_submit"}
FORM_FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"[^>]*>')


def _typed_form_values(page: str) -> dict:
    """Every field of the document form as its script sends it while typing."""
    form = page[page.index('id="document-form"') : page.index("</form>", page.index('id="document-form"'))]
    names = set(FORM_FIELD.findall(form)) - NOT_KEPT_WHILE_TYPING
    return {name: [] if name in LIST_FIELDS else "typed" for name in names}


@pytest.mark.parametrize("form", ["new", "edit"])
def test_everything_the_document_form_sends_while_typing_is_kept(app, login_as, form):
    author = make_user(org="MX")
    make_call()  # an open call puts its field on the form
    document = make_document(status=S.DRAFT, author=author, org="MX") if form == "edit" else None
    browser = login_as(author)
    address = f"/documents/{document.id}/edit" if document else "/documents/new"
    values = _typed_form_values(browser.get(address).get_data(as_text=True))
    assert {"title", "call"} | ({"version"} if document else set()) <= set(values)
    saved = browser.post(
        f"/documents/drafts/{document.id if document else 'new'}",
        json={"values": values | {"title": "Half-typed title"}},
        headers={"X-CSRFToken": browser.csrf_token()},
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert 'value="Half-typed title"' in browser.get(f"{address}?restore=1").get_data(as_text=True)


def test_saving_from_a_signed_out_browser_keeps_nothing_on_the_server(app, client):
    document = make_document(status=S.DRAFT)
    response = client.post(
        f"/documents/drafts/{document.id}",
        json={"values": {"title": "x"}},
        headers={"X-CSRFToken": client.csrf_token()},
    )
    assert response.status_code == 404


def test_an_ended_session_sends_the_form_to_sign_in_and_back_in_the_readers_language(app, client):
    document = make_document(status=S.DRAFT)
    client.post("/language", data={"language": "es", "csrf_token": client.csrf_token()})
    response = client.post(f"/documents/{document.id}/edit", data={"title": "Typed"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/sign-in?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Su sesión terminó" in page or "Inicie sesión para abrir esta página" in page


def test_a_restricted_address_tells_signed_out_readers_to_sign_in_without_saying_it_exists(app, client):
    hidden = make_document(visibility=Visibility.PARTICIPANTS)
    for address in (f"/documents/{hidden.id}", "/documents/999999"):
        response = client.get(address)
        text = response.get_data(as_text=True)
        assert response.status_code == 404
        assert "only for signed-in participants" in text
        assert "/auth/sign-in?next=/documents/" in text
        assert hidden.title not in text


def test_the_submit_button_of_the_edit_page_saves_then_sends_for_review(app, login_as):
    author = make_user(org="MX")
    document = make_document(status=S.DRAFT, author=author)
    browser = login_as(author)
    page = browser.get(f"/documents/{document.id}/edit").get_data(as_text=True)
    assert 'name="save_and_submit"' in page
    response = browser.post_form(
        f"/documents/{document.id}/edit",
        {
            "title": "Ready now",
            "summary": "s",
            "body_html": "<p>b</p>",
            "doc_type": "guidance",
            "language": "en",
            "visibility": "public",
            "version": VERSION.search(page).group(1),
            "save_and_submit": "1",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Document, document.id)
    assert saved.title == "Ready now" and saved.status == S.SUBMITTED


def test_problems_are_listed_by_field_name_and_a_long_title_is_refused_not_cut(app, login_as):
    author = make_user(org="MX")
    browser = login_as(author)
    empty = browser.post_form("/documents/new", {}).get_data(as_text=True)
    assert "Title: This field is required." in empty and "Summary: This field is required." in empty
    long = browser.post_form("/documents/new", {"title": "x" * 301}).get_data(as_text=True)
    assert "Title: Length must be between 1 and 300." in long and 'maxlength="300"' not in long


def test_dates_are_typed_and_shown_in_the_pages_language(app, login_as):
    author = make_user(org="MX", language="es")
    document = make_document(status=S.DRAFT, author=author)
    browser = login_as(author)
    page = browser.get(f"/documents/{document.id}/edit").get_data(as_text=True)
    assert 'value="None"' not in page and "Por ejemplo 31/03/2024" in page
    browser.post_form(
        f"/documents/{document.id}/edit",
        {
            "title": "t",
            "summary": "s",
            "body_html": "<p>b</p>",
            "doc_type": "practice_report",
            "language": "es",
            "visibility": "public",
            "version": VERSION.search(page).group(1),
            "period_start": "31/03/2024",
        },
    )
    page = browser.get(f"/documents/{document.id}/edit").get_data(as_text=True)
    assert 'value="31/03/2024"' in page


def test_the_revision_diff_names_fields_and_compares_tags_as_sets(app, login_as):
    author, moderator = make_user(org="MX"), make_user(role=Role.MODERATOR)
    document = make_document(
        author=author, title="Published title", tags=("return-and-reintegration", "trafficking-in-persons")
    )
    documents.update_document(
        author,
        document,
        {
            "title": "Proposed title",
            "tags": ["trafficking-in-persons", "return-and-reintegration", "labour-migration"],
        },
        document.version,
    )
    page = login_as(moderator).get(f"/review/{document.id}").get_data(as_text=True)
    assert '<h1 lang="en">Proposed title</h1>' in page
    assert "<del>" not in page.split("<h3>Tags</h3>")[1].split("</section>")[0]
    assert "<ins>Labour migration</ins>" in page or "<ins>Labour" in page
    history = login_as(author).get(f"/documents/{document.id}/history").get_data(as_text=True)
    assert "Revision submitted" in history and "Revision: Submitted" in history
