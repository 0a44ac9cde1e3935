"""Attachment text is extracted by the worker: the upload answers at once with the page
saying the text is being extracted, and the text appears once the worker is done."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select, update

from rcm_exchange.extensions import db
from rcm_exchange.models import Attachment, DocumentStatus, utcnow
from rcm_exchange.services import attachments, background
from tests.builders import make_document, make_user
from tests.clients import upload
from tests.operations.conftest import queued_config, run_queued_tasks
from tests.services.test_file_inspection import build_pdf


def pdf_saying(text: str) -> bytes:
    return build_pdf([b"BT /F1 12 Tf 72 712 Td (" + text.encode() + b") Tj ET"])


@pytest.fixture
def app_config(tmp_path):
    return queued_config(tmp_path, RCM_EXTRACTION_TIMEOUT=5)


@pytest.fixture
def author():
    return make_user(org="MX")


@pytest.fixture
def draft(author):
    return make_document(status=DocumentStatus.DRAFT, org="MX", author=author, title="Informe")


def test_an_upload_answers_with_text_being_extracted_and_the_worker_fills_it_in(app, login_as, author, draft):
    browser = login_as(author)
    page = upload(
        browser, draft.id, pdf_saying("Ventanilla de retorno"), "informe.pdf", follow_redirects=True
    )
    assert page.status_code == 200
    assert "text being extracted" in page.get_data(as_text=True)
    attachment = db.session.scalar(select(Attachment))
    assert attachment.extraction_status == "pending" and attachment.text is None

    run_queued_tasks(app)
    db.session.expire_all()
    attachment = db.session.scalar(select(Attachment))
    assert attachment.extraction_status == "ok" and "Ventanilla de retorno" in attachment.text
    assert "text being extracted" not in browser.get(f"/documents/{draft.id}/edit").get_data(as_text=True)


def test_a_file_that_stops_its_worker_every_time_is_parked_as_failed(app, author, draft):
    attachment = attachments.add_attachment(author, draft, io.BytesIO(pdf_saying("x")), "a.pdf")
    app.extensions["rcm_queue"].flush()
    # Three workers claimed it and died: each claim lapsed without a result.
    db.session.execute(
        update(Attachment).values(
            extraction_attempts=attachments.MAX_EXTRACTION_ATTEMPTS, extraction_claimed_until=utcnow()
        )
    )
    db.session.commit()
    assert background.sweep()["extraction"] == 1
    run_queued_tasks(app)
    db.session.expire_all()
    assert db.session.get(Attachment, attachment.id).extraction_status == "failed"
    assert background.sweep()["extraction"] == 0


def test_an_attachment_claimed_and_extracted_once_is_not_extracted_again(app, author, draft):
    attachment = attachments.add_attachment(author, draft, io.BytesIO(pdf_saying("x")), "a.pdf")
    app.extensions["rcm_queue"].flush()
    assert attachments.extract_claimed(attachment.id) == "ok"
    assert attachments.extract_claimed(attachment.id) == "skipped"
