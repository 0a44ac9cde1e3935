"""Attachments: checked by content, stored by content hash outside the web root, served
only to those who may see their document, their text extracted for search after the
upload is safely committed.

Files are kept by content hash in the upload store (``services.storage``). The name a reader downloads is
derived from the upload by ``safe_download_name`` and never used as a path.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from rcm_exchange.errors import Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType
from rcm_exchange.extensions import db, rows_changed
from rcm_exchange.models import Attachment, Document, utcnow
from rcm_exchange.queue import enqueue
from rcm_exchange.services import access, file_inspection, lifecycle, search_log, storage
from rcm_exchange.services.file_inspection import (
    HEAD_SIZE,
    ExtractionResult,
    detect_type,
    extract_text,
    safe_download_name,
)
from rcm_exchange.services.unit_of_work import after_commit, unit_of_work

log = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
MAX_EXTRACTION_ATTEMPTS = 3
# The names the upload field offers; the server still judges each file by its content.
ACCEPTED_EXTENSIONS = tuple(
    dict.fromkeys([kind.extension for kind in file_inspection.ALLOWED_TYPES] + ["jpeg"])
)


def download_validators(attachment: Attachment) -> tuple[str, datetime]:
    """The ETag and Last-Modified of a download, made from this attachment alone.

    Files are stored once per content, so the stored file's own date and identity would
    tell another organization that the same bytes were uploaded elsewhere, and when."""
    etag = hashlib.sha256(f"{attachment.id}:{attachment.sha256}".encode()).hexdigest()[:32]
    return etag, attachment.created_at


def _receive(stream: IO[bytes], limit: int) -> tuple[Path, str, int, bytes]:
    """Copy the upload to a temporary file beside the store, hashing and counting it."""
    directory = storage.get_storage().scratch_dir()
    digest = hashlib.sha256()
    size = 0
    head = b""
    handle, name = tempfile.mkstemp(dir=directory)
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(
                        _(
                            "The file is larger than %(mb)d MB. Nothing else was changed.",
                            mb=limit // (1024 * 1024),
                        )
                    )
                if len(head) < HEAD_SIZE:
                    head += chunk[: HEAD_SIZE - len(head)]
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, digest.hexdigest(), size, head


def add_attachment(user, document: Document, stream: IO[bytes], filename: str) -> Attachment:
    """Store an uploaded file on a draft (or a document sent back for changes).

    Too large → ``PayloadTooLarge`` (413); not one of the accepted types, judged by
    content → ``UnsupportedMediaType`` (415). Nothing of the document changes then.
    """
    access.require_submitting_organization(user, document)
    if not access.can_upload(user, document):
        raise Forbidden(_("Attachments can be added to drafts and to documents sent back for changes."))
    return attach_file(document, stream, filename, uploaded_by=user)


def attach_file(document: Document, stream: IO[bytes], filename: str, *, uploaded_by) -> Attachment:
    """Check, store and attach a file, whoever may: ``add_attachment`` after its
    permission check, and loaders acting for the Secretariat (the demo data)."""
    user = uploaded_by
    limit = current_app.config["RCM_MAX_UPLOAD_BYTES"]
    temporary, sha256, size, head = _receive(stream, limit)
    try:
        kind = detect_type(head, temporary) if size else None
        if kind is None:
            raise UnsupportedMediaType(
                _(
                    "This file is not one of the accepted types (PDF, DOCX, ODT, XLSX, PNG, JPEG). "
                    "The type is judged from the file's content, not from its name."
                )
            )
        stored_now = storage.get_storage().save(sha256, temporary)
    finally:
        temporary.unlink(missing_ok=True)
    try:
        return _record_attachment(user, document, filename, kind, size, sha256)
    except BaseException:
        # The upload lost (a concurrent change, a failed write): a file stored for it
        # alone is removed, so no file is left that no attachment names.
        if stored_now and db.session.scalar(select(Attachment.id).where(Attachment.sha256 == sha256)) is None:
            storage.get_storage().delete(sha256)
        raise


def _record_attachment(user, document: Document, filename: str, kind, size: int, sha256: str) -> Attachment:
    with unit_of_work():
        attachment = Attachment(
            document=document,
            filename=safe_download_name(filename or "", kind.extension),
            content_type=kind.content_type,
            size=size,
            sha256=sha256,
            uploaded_by_id=user.id if user is not None else None,
            extraction_status="pending",
        )
        db.session.add(attachment)
        lifecycle.save_document(document)
        db.session.flush()
        lifecycle.audit(
            user, document, "attach", None, None, attachment=attachment.id, filename=attachment.filename
        )
        attachment_id = attachment.id
        # The upload answers once it is committed; the worker extracts the text, so a
        # file that stalls or kills its parser costs the extraction, never the upload.
        after_commit(lambda: enqueue("extract_text", attachment_id))
    return attachment


def extract_claimed(attachment_id: int) -> str:
    """The worker's task: claim the attachment (one atomic UPDATE, so two workers
    never extract one file at once), extract its text in a limited child process and
    record it. Returns the extraction status, or "skipped" when someone else has it.

    Each claim counts: a file that kills its worker every time is parked as "failed"
    after ``MAX_EXTRACTION_ATTEMPTS`` instead of being tried forever.
    """
    from rcm_exchange.services.background import extraction_due

    timeout = current_app.config["RCM_EXTRACTION_TIMEOUT"]
    with unit_of_work():
        claimed = rows_changed(
            update(Attachment)
            .where(Attachment.id == attachment_id, *extraction_due())
            .values(
                extraction_claimed_until=utcnow() + timedelta(seconds=2 * timeout + 60),
                extraction_attempts=Attachment.extraction_attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
    if not claimed:
        return "skipped"
    attachment = db.session.get_one(Attachment, attachment_id)  # claimed just above, so it exists
    if attachment.extraction_attempts > MAX_EXTRACTION_ATTEMPTS:
        result = ExtractionResult("failed", "", "extraction stopped its worker every time")
    else:
        with storage.readable_path(attachment.sha256) as path:
            result = extract_text(path, attachment.content_type, timeout_seconds=timeout)
    with unit_of_work():
        attachment.text = result.text if result.status == "ok" else None
        attachment.extraction_status = result.status
        attachment.extraction_claimed_until = None
        if result.error:
            log.info("text of attachment %s not extracted: %s", attachment_id, result.error)
        if attachment.document.status.value == "published":
            search_log.record_change(attachment.document)
    return result.status


def extract_pending() -> int:
    """Extract, in this process, what is pending and unclaimed (``flask rcm
    extract-text``); returns how many were tried."""
    from rcm_exchange.services.background import extraction_due

    ids = list(db.session.scalars(select(Attachment.id).where(*extraction_due()).order_by(Attachment.id)))
    db.session.rollback()
    return sum(1 for attachment_id in ids if extract_claimed(attachment_id) != "skipped")


def get_attachment_for(user, attachment_id: int) -> Attachment:
    """The attachment if ``user`` may see its document; NotFound otherwise."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not access.can_view_document(user, attachment.document):
        raise NotFound()
    if not storage.get_storage().exists(attachment.sha256):
        log.error("file of attachment %s is missing from the store", attachment_id)
        raise NotFound()
    return attachment


def open_file(attachment: Attachment) -> BinaryIO:
    """The stored file of an attachment ``get_attachment_for`` returned."""
    return storage.get_storage().open(attachment.sha256)


def remove_attachment(user, attachment_id: int) -> Document:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound()
    document = attachment.document
    access.require_submitting_organization(user, document)
    if not access.can_upload(user, document):
        raise Forbidden(_("Attachments can be removed from drafts and documents sent back for changes."))
    sha256 = attachment.sha256
    with unit_of_work():
        lifecycle.audit(
            user,
            document,
            "remove_attachment",
            None,
            None,
            attachment=attachment.id,
            filename=attachment.filename,
        )
        db.session.delete(attachment)
        lifecycle.save_document(document)
    still_used = db.session.scalar(select(func.count(Attachment.id)).where(Attachment.sha256 == sha256))
    if not still_used:
        storage.get_storage().delete(sha256)
    return document
