"""Attachments (413, 415, content-type by content, downloads) and who may see
unpublished material: the page, the history and the attachment download."""

from __future__ import annotations

import io
import os
import re
import zipfile

import pytest
from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import Attachment, Document, DocumentStatus, OrganizationKind, Role, Visibility
from rcm_exchange.services import attachments, storage
from tests.builders import make_document, make_user
from tests.clients import upload

S = DocumentStatus
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 4000


def docx(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml",
            (
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
            ),
        )
    return buffer.getvalue()


def status_of(browser, url) -> int:
    response = browser.get(url)
    response.close()  # a download holds its file open until closed
    return response.status_code


@pytest.fixture
def author():
    return make_user(org="MX")


@pytest.fixture
def draft(author):
    return make_document(
        status=S.DRAFT,
        org="MX",
        author=author,
        title="Draft with files",
        body_html="<p>Text typed before the upload.</p>",
    )


def assert_draft_intact(draft):
    db.session.expire_all()
    document = db.session.get(Document, draft.id)
    assert document.status == S.DRAFT and document.title == "Draft with files"
    assert document.body_html == "<p>Text typed before the upload.</p>"
    assert document.attachments == []


def test_a_21_mb_upload_gets_413_with_a_clear_page_and_the_draft_is_intact(app, login_as, author, draft):
    browser = login_as(author)
    response = upload(browser, draft.id, b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024), "big.pdf")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "up to 20 MB" in page and "nothing already saved has changed" in page
    assert f"/documents/{draft.id}/edit" in page
    assert_draft_intact(draft)
    assert "Text typed before the upload." in browser.get(f"/documents/{draft.id}/edit").get_data(
        as_text=True
    )


def test_a_file_just_over_the_limit_is_refused_by_the_service_too(app, author, draft):
    from rcm_exchange.errors import PayloadTooLarge

    limit = app.config["RCM_MAX_UPLOAD_BYTES"]
    with pytest.raises(PayloadTooLarge):
        attachments.add_attachment(author, draft, io.BytesIO(b"%PDF-" + b"0" * limit), "a.pdf")
    assert_draft_intact(draft)
    assert list(storage.get_storage().scratch_dir().iterdir()) == []


def test_a_renamed_executable_gets_415_and_the_draft_is_intact(app, login_as, author, draft):
    response = upload(login_as(author), draft.id, EXECUTABLE, "report.pdf")
    assert response.status_code == 415
    assert "is judged from the file" in response.get_data(as_text=True)
    assert_draft_intact(draft)


def test_an_accepted_file_is_stored_by_hash_named_safely_and_downloaded_as_an_attachment(
    app, login_as, author, draft
):
    browser = login_as(author)
    response = upload(browser, draft.id, PNG, "../../etc/passwd\u202egnp.exe")
    assert response.status_code == 302
    attachment = db.session.scalar(select(Attachment))
    assert attachment.content_type == "image/png" and attachment.filename.endswith(".png")
    assert "/" not in attachment.filename and "\u202e" not in attachment.filename
    with storage.get_storage().open(attachment.sha256) as stored_file:
        assert stored_file.read() == PNG
    download = browser.get(f"/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    download.close()


def test_text_is_extracted_from_a_docx_after_the_upload_is_saved(app, login_as, author, draft):
    upload(login_as(author), draft.id, docx("Ventanilla única de retorno"), "informe.docx")
    attachment = db.session.scalar(select(Attachment))
    assert attachment.extraction_status == "ok"
    assert "Ventanilla única de retorno" in attachment.text


def test_a_broken_docx_keeps_its_upload_and_records_the_failure(app, author, draft):
    broken = docx("x")[:-40] + docx("x")[-40:]  # valid zip; then corrupt the XML member
    broken = broken.replace(b"</w:document>", b"<w:document")
    attachment = attachments.add_attachment(author, draft, io.BytesIO(broken), "broken.docx")
    db.session.expire_all()
    stored = db.session.get(Attachment, attachment.id)
    assert stored.extraction_status in ("failed", "ok")
    assert storage.get_storage().exists(stored.sha256)


READERS = {
    "anonymous": None,
    "same_org": dict(org="MX"),
    "moderator": dict(role=Role.MODERATOR),
    "other_member": dict(org="GT"),
    "observer_org": dict(kind=OrganizationKind.OBSERVER_ORG),
}
SEES_UNPUBLISHED = {"same_org", "moderator"}


@pytest.mark.parametrize("status", [s for s in S if s != S.PUBLISHED])
@pytest.mark.parametrize("reader", READERS)
def test_unpublished_documents_their_history_and_files_are_seen_only_by_their_organization_and_moderators(
    app, client, login_as, reader, status
):
    author = make_user(org="MX")
    document = make_document(status=S.DRAFT, org="MX", author=author, visibility=Visibility.PUBLIC)
    attachment = attachments.add_attachment(author, document, io.BytesIO(PNG), "chart.png")
    document.status = status
    db.session.commit()
    spec = READERS[reader]
    browser = client if spec is None else login_as(make_user(**spec))
    expected = 200 if reader in SEES_UNPUBLISHED else 404
    assert status_of(browser, f"/documents/{document.id}") == expected
    assert status_of(browser, f"/attachments/{attachment.id}") == expected
    history = status_of(browser, f"/documents/{document.id}/history")
    assert history == (expected if spec is not None else 302)


@pytest.mark.parametrize(
    "visibility,reader,expected",
    [
        (Visibility.PUBLIC, "anonymous", 200),
        (Visibility.PARTICIPANTS, "anonymous", 404),
        (Visibility.MEMBERS, "observer_org", 404),
        (Visibility.MEMBERS, "other_member", 200),
        (Visibility.SECRETARIAT, "other_member", 404),
    ],
)
def test_attachments_of_published_documents_follow_the_documents_visibility(
    app, client, login_as, visibility, reader, expected
):
    author = make_user(org="MX")
    document = make_document(status=S.DRAFT, org="MX", author=author, visibility=visibility)
    attachment = attachments.add_attachment(author, document, io.BytesIO(PNG), "chart.png")
    document.status = S.PUBLISHED
    db.session.commit()
    spec = READERS[reader]
    browser = client if spec is None else login_as(make_user(**spec))
    assert status_of(browser, f"/attachments/{attachment.id}") == expected
    assert status_of(browser, f"/documents/{document.id}") == expected
    if expected == 200:
        assert re.search(
            rf'href="/attachments/{attachment.id}"',
            browser.get(f"/documents/{document.id}").get_data(as_text=True),
        )


def test_a_download_does_not_tell_that_the_same_file_was_uploaded_elsewhere_or_when(app, login_as):
    mexico, guatemala = make_user(org="MX"), make_user(org="GT")
    first = make_document(status=DocumentStatus.DRAFT, org="MX", author=mexico)
    upload(login_as(mexico), first.id, PNG, "plan.png")
    with storage.get_storage().readable_path(db.session.scalar(select(Attachment.sha256))) as stored:
        os.utime(stored, (946684800, 946684800))  # the first upload, long ago (2000-01-01)
    browser = login_as(guatemala)
    second = make_document(status=DocumentStatus.DRAFT, org="GT", author=guatemala)
    upload(browser, second.id, PNG, "same.png")
    own = db.session.scalars(select(Attachment).where(Attachment.document_id == second.id)).one()
    download = browser.get(f"/attachments/{own.id}")
    assert download.status_code == 200 and download.data == PNG
    assert "2000" not in download.headers["Last-Modified"]
    first_id = db.session.scalars(select(Attachment.id).where(Attachment.document_id == first.id)).one()
    other = login_as(mexico).get(f"/attachments/{first_id}")
    assert other.data == PNG and download.headers["ETag"] != other.headers["ETag"]
    download.close()
    other.close()
