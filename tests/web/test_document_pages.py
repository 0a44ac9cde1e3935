"""The whole life of documents through the pages: writing, a round of changes, a
rejection, approval, and what each person sees on the way."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import AuditEvent, Document, DocumentStatus, Role, Visibility
from tests.builders import make_document, make_user
from tests.conftest import on_both_databases

S = DocumentStatus
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


def new_document_form(browser, **fields) -> dict:
    page = browser.get("/documents/new")
    form = {
        "title": "One-stop shop for returnees",
        "summary": "Services in one place.",
        "body_html": "<p>Returnees find <em>every</em> service in one office.</p>",
        "doc_type": "practice_report",
        "language": "en",
        "visibility": "public",
        "countries": ["MX", "GT"],
        "tags": ["return-and-reintegration"],
        "implementation_status": "ongoing",
        "period_start": "2022-03-01",
        "implementing_bodies": "National Migration Institute",
        "idempotency_key": KEY.search(page.get_data(as_text=True)).group(1),
    }
    form.update(fields)
    return form


def create(browser, **fields) -> int:
    response = browser.post_form("/documents/new", new_document_form(browser, **fields))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].split("/")[2])


def version_on(browser, url) -> str:
    return VERSION.search(browser.get(url).get_data(as_text=True)).group(1)


def act(moderator, document_id, action, comment=""):
    version = version_on(moderator, f"/review/{document_id}")
    return moderator.post_form(
        f"/review/{document_id}", {"action": action, "comment": comment, "version": version}
    )


def submit(author, document_id):
    version = version_on(author, f"/documents/{document_id}")
    return author.post_form(f"/documents/{document_id}/submit", {"version": version})


def trail(document_id):
    return [
        (e.action, e.to_status, e.comment)
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.document_id == document_id).order_by(AuditEvent.id)
        )
    ]


def test_a_double_clicked_create_makes_one_document(app, login_as):
    browser = login_as(make_user(org="MX"))
    form = new_document_form(browser)
    first = browser.post_form("/documents/new", form)
    second = browser.post_form("/documents/new", form)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(db.func.count(Document.id))) == 1


def test_a_form_with_problems_comes_back_with_every_value_and_each_message_by_its_field(app, login_as):
    browser = login_as(make_user(org="MX"))
    form = new_document_form(browser, title="", doc_type="memo")
    response = browser.post_form("/documents/new", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="field-title-error"' in page and 'id="field-doc_type-error"' in page
    period = browser.post_form("/documents/new", new_document_form(browser, period_end="2021-01-01"))
    assert period.status_code == 422
    assert 'id="field-period_end-error"' in period.get_data(as_text=True)
    assert "Services in one place." in page and "National Migration Institute" in page
    assert "&lt;em&gt;every&lt;/em&gt;" in page  # the body, escaped inside its textarea
    assert (
        'value="MX" data-other="México" selected' in page
        and 'value="return-and-reintegration" checked' in page
    )
    assert KEY.search(page).group(1) == form["idempotency_key"]
    assert db.session.scalar(select(db.func.count(Document.id))) == 0


def test_lifecycle_through_the_pages_with_changes_requested_then_approval(app, login_as):
    author_account = make_user(org="MX", language="en")
    moderator_account = make_user(role=Role.MODERATOR)
    author, moderator = login_as(author_account), login_as(moderator_account)
    document_id = create(author)
    assert submit(author, document_id).status_code == 302

    queue = moderator.get("/review").get_data(as_text=True)
    assert "One-stop shop for returnees" in queue
    assert act(moderator, document_id, "claim").status_code == 302
    refused = act(moderator, document_id, "request_changes", "")
    assert refused.status_code == 422 and 'id="field-comment-error"' in refused.get_data(as_text=True)
    act(moderator, document_id, "request_changes", "Please describe the results.")

    mine = author.get("/documents/mine").get_data(as_text=True)
    assert "Please describe the results." in mine and "Make the requested changes" in mine
    notifications = author.get("/notifications").get_data(as_text=True)
    assert "Changes requested" in notifications and "Please describe the results." in notifications

    edit = author.get(f"/documents/{document_id}/edit").get_data(as_text=True)
    form = new_document_form(
        author, results_html="<p>Fewer returnees lost.</p>", version=VERSION.search(edit).group(1)
    )
    del form["idempotency_key"]
    assert author.post_form(f"/documents/{document_id}/edit", form).status_code == 302
    submit(author, document_id)
    # Back with the moderator who asked for the changes, marked as resubmitted.
    queue = moderator.get("/review").get_data(as_text=True)
    assert "resubmitted" in queue and moderator_account.name in queue
    act(moderator, document_id, "approve", "Thank you.")

    page = login_as(make_user(org="GT")).get(f"/documents/{document_id}").get_data(as_text=True)
    assert "Fewer returnees lost." in page and "National Migration Institute" in page
    assert [a for a, _, _ in trail(document_id)] == [
        "create",
        "submit",
        "claim",
        "request_changes",
        "edit",
        "submit",
        "approve",
    ]
    history = author.get(f"/documents/{document_id}/history").get_data(as_text=True)
    assert "Please describe the results." in history and moderator_account.name in history


def test_lifecycle_through_the_pages_with_a_rejection(app, login_as):
    author, moderator = login_as(make_user(org="MX")), login_as(make_user(role=Role.MODERATOR))
    document_id = create(author, title="Not quite a practice")
    submit(author, document_id)
    act(moderator, document_id, "claim")
    act(moderator, document_id, "reject", "This is a press release, not a practice.")
    assert trail(document_id)[-1] == ("reject", "rejected", "This is a press release, not a practice.")
    assert "This is a press release" in author.get("/documents/mine").get_data(as_text=True)
    assert login_as(make_user(org="GT")).get(f"/documents/{document_id}").status_code == 404


def test_two_moderators_on_one_page_the_second_gets_a_clear_409(app, login_as):
    author = login_as(make_user(org="MX"))
    document_id = create(author)
    submit(author, document_id)
    first, second = login_as(make_user(role=Role.ADMIN)), login_as(make_user(role=Role.ADMIN))
    act(first, document_id, "claim")
    version = version_on(first, f"/review/{document_id}")
    assert (
        first.post_form(f"/review/{document_id}", {"action": "approve", "version": version}).status_code
        == 302
    )
    late = second.post_form(f"/review/{document_id}", {"action": "approve", "version": version})
    assert late.status_code == 409
    assert "changed since you opened it" in late.get_data(as_text=True)


def test_editing_a_published_document_keeps_the_published_text_until_approved(app, login_as):
    author_account = make_user(org="MX")
    document = make_document(
        org="MX", author=author_account, title="Published title", visibility=Visibility.PUBLIC
    )
    author, moderator = login_as(author_account), login_as(make_user(role=Role.MODERATOR))
    edit = author.get(f"/documents/{document.id}/edit").get_data(as_text=True)
    form = {
        "title": "Revised title",
        "summary": document.summary,
        "body_html": document.body_html,
        "doc_type": "practice_report",
        "language": "en",
        "visibility": "public",
        "version": VERSION.search(edit).group(1),
    }
    assert author.post_form(f"/documents/{document.id}/edit", form).status_code == 302
    assert "Published title" in login_as(make_user(org="GT")).get(f"/documents/{document.id}").get_data(
        as_text=True
    )
    review_page = moderator.get(f"/review/{document.id}").get_data(as_text=True)
    assert "<del>Published</del>" in review_page and "<ins>Revised</ins>" in review_page
    act(moderator, document.id, "claim")
    act(moderator, document.id, "approve")
    assert "Revised title" in author.get(f"/documents/{document.id}").get_data(as_text=True)


def test_bulk_decision_from_the_queue(app, login_as):
    author, moderator = login_as(make_user(org="MX")), login_as(make_user(role=Role.MODERATOR))
    ids = [create(author, title=f"Practice {n}") for n in range(3)]
    for document_id in ids:
        submit(author, document_id)
    queue = moderator.get("/review").get_data(as_text=True)
    items = re.findall(r'name="items" value="(\d+:\d+)"', queue)
    assert len(items) == 3
    response = moderator.post_form("/review/bulk", {"action": "claim", "items": items})
    assert response.status_code == 302
    items = re.findall(r'name="items" value="(\d+:\d+)"', moderator.get("/review").get_data(as_text=True))
    moderator.post_form("/review/bulk", {"action": "reject", "items": items[:2], "comment": "Duplicates."})
    statuses = dict(db.session.execute(select(Document.id, Document.status)).all())
    assert sorted(s.value for s in statuses.values()) == ["in_review", "rejected", "rejected"]


def test_a_refused_bulk_decision_keeps_the_comment_and_the_selection(app, login_as):
    author, moderator = login_as(make_user(org="MX")), login_as(make_user(role=Role.MODERATOR))
    ids = [create(author, title=f"Practice {n}") for n in range(2)]
    for document_id in ids:
        submit(author, document_id)
    items = re.findall(r'name="items" value="(\d+:\d+)"', moderator.get("/review").get_data(as_text=True))
    # Rejecting needs a comment: the page says so and keeps what the moderator chose.
    response = moderator.post_form("/review/bulk", {"action": "reject", "items": items[:1], "comment": " "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="field-comment-error"' in page
    assert f'value="{items[0]}" id="select-{items[0].split(":")[0]}" checked' in page
    assert '<option value="reject" selected>' in page
    statuses = set(db.session.scalars(select(Document.status)))
    assert statuses == {S.SUBMITTED}


def test_review_pages_and_the_audit_log_are_closed_to_others(app, login_as):
    contributor = login_as(make_user(org="MX"))
    assert contributor.get("/review").status_code == 403
    assert contributor.get("/admin/audit").status_code == 403
    assert login_as(make_user(role=Role.MODERATOR)).get("/admin/audit").status_code == 403
    admin = login_as(make_user(role=Role.ADMIN))
    document = make_document(status=S.DRAFT, org="MX")
    page = admin.get(f"/admin/audit?document={document.id}")
    assert page.status_code == 200


@on_both_databases
@pytest.mark.parametrize("item", ["2147483648:1", "99999999999999999999:1", "0:1", "-4:1"])
def test_a_bulk_decision_on_an_id_no_document_can_have_is_refused_and_nothing_changes(app, login_as, item):
    moderator = login_as(make_user(role=Role.MODERATOR))
    document = make_document(status=DocumentStatus.SUBMITTED)
    kept = f"{document.id}:{document.version}"
    response = moderator.post_form("/review/bulk", {"action": "claim", "items": [kept, item]})
    assert response.status_code == 422
    assert "Not a valid document reference." in response.get_data(as_text=True)
    assert db.session.get(Document, document.id).status == DocumentStatus.SUBMITTED
