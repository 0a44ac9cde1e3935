"""The demo data gives visitors real files to download: PDFs and DOCX files whose text
search can read."""

from __future__ import annotations

from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import Attachment
from rcm_exchange.services.demo_data import load_demo_data


def test_some_public_demo_documents_have_pdf_and_docx_files_with_their_text(app, client):
    load_demo_data()
    files = list(db.session.scalars(select(Attachment)))
    kinds = {attachment.filename.rsplit(".", 1)[-1] for attachment in files}
    assert kinds == {"pdf", "docx"}
    for attachment in files:
        # The worker's extraction ran when the demo loader committed (the suite runs
        # queued tasks at once).
        assert attachment.extraction_status == "ok"
        assert attachment.document.title.split()[0].lower() in attachment.text.lower()
        response = client.get(f"/attachments/{attachment.id}")
        head = response.data[:4]
        response.close()
        assert response.status_code == 200 and head in (b"%PDF", b"PK\x03\x04")
