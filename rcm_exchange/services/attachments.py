"""Attachments: checked by content, stored by content hash outside the web root, served
only to those who may see their document, their text extracted for search after the
upload is safely committed.

Files live under ``RCM_UPLOAD_DIR/ab/cd/<sha256>``. The name a reader downloads is
derived from the upload by ``safe_download_name`` and never used as a path.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from rcm_exchange.errors import Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType
from rcm_exchange.extensions import db
from rcm_exchange.models import Attachment, Document
from rcm_exchange.services import access, file_inspection, lifecycle, search_log
from rcm_exchange.services.file_inspection import (
    HEAD_SIZE,
    detect_type,
    extract_text,
    safe_download_name,
)
from rcm_exchange.services.unit_of_work import after_commit, unit_of_work

log = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
# The names the upload field offers; the server still judges each file by its content.
ACCEPTED_EXTENSIONS = tuple(dict.fromkeys(
    [kind.extension for kind in file_inspection.ALLOWED_TYPES] + ["jpeg"]))


def upload_dir() -> Path:
    return Path(current_app.config["RCM_UPLOAD_DIR"])


def stored_path(sha256: str) -> Path:
    return upload_dir() / sha256[:2] / sha256[2:4] / sha256


def _receive(stream: BinaryIO, limit: int) -> tuple[Path, str, int, bytes]:
    """Copy the upload to a temporary file beside the store, hashing and counting it."""
    directory = upload_dir() / "incoming"
    directory.mkdir(parents=True, exist_ok=True)
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
                    raise PayloadTooLarge(_(
                        "The file is larger than %(mb)d MB. Nothing else was changed.",
                        mb=limit // (1024 * 1024)))
                if len(head) < HEAD_SIZE:
                    head += chunk[:HEAD_SIZE - len(head)]
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, digest.hexdigest(), size, head


def add_attachment(user, document: Document, stream: BinaryIO, filename: str) -> Attachment:
    """Store an uploaded file on a draft (or a document sent back for changes).

    Too large → ``PayloadTooLarge`` (413); not one of the accepted types, judged by
    content → ``UnsupportedMediaType`` (415). Nothing of the document changes then.
    """
    access.require_submitting_organization(user, document)
    if not access.can_upload(user, document):
        raise Forbidden(_("Attachments can be added to drafts and to documents sent back for changes."))
    return attach_file(document, stream, filename, uploaded_by=user)


def attach_file(document: Document, stream: BinaryIO, filename: str, *, uploaded_by) -> Attachment:
    """Check, store and attach a file, whoever may: ``add_attachment`` after its
    permission check, and loaders acting for the Secretariat (the demo data)."""
    user = uploaded_by
    limit = current_app.config["RCM_MAX_UPLOAD_BYTES"]
    temporary, sha256, size, head = _receive(stream, limit)
    try:
        kind = detect_type(head, temporary) if size else None
        if kind is None:
            raise UnsupportedMediaType(_(
                "This file is not one of the accepted types (PDF, DOCX, ODT, XLSX, PNG, JPEG). "
                "The type is judged from the file's content, not from its name."))
        target = stored_path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            temporary.unlink()
        else:
            os.replace(temporary, target)
            target.chmod(0o640)
    finally:
        temporary.unlink(missing_ok=True)
    with unit_of_work():
        attachment = Attachment(
            document=document, filename=safe_download_name(filename or "", kind.extension),
            content_type=kind.content_type, size=size, sha256=sha256,
            uploaded_by_id=user.id if user is not None else None,
            extraction_status="pending")
        db.session.add(attachment)
        lifecycle.save_document(document)
        db.session.flush()
        lifecycle.audit(user, document, "attach", None, None, attachment=attachment.id,
                        filename=attachment.filename)
        attachment_id = attachment.id
        # The upload is committed first; a file that stalls or kills its parser can
        # cost at most the extraction, never the upload.
        after_commit(lambda: extract_attachment_text(attachment_id))
    return attachment


def extract_attachment_text(attachment_id: int) -> str:
    """Extract the text of one attachment in a limited child process and record it."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        return "missing"
    result = extract_text(stored_path(attachment.sha256), attachment.content_type,
                          timeout_seconds=current_app.config.get("RCM_EXTRACTION_TIMEOUT", 20))
    with unit_of_work():
        attachment.text = result.text if result.status == "ok" else None
        attachment.extraction_status = result.status
        if result.error:
            log.info("text of attachment %s not extracted: %s", attachment_id, result.error)
        if attachment.document.status.value == "published":
            search_log.record_change(attachment.document)
    return result.status


def extract_pending() -> int:
    """Extract what an interrupted request left pending; returns how many were tried."""
    ids = list(db.session.scalars(
        select(Attachment.id).where(Attachment.extraction_status == "pending").order_by(Attachment.id)))
    for attachment_id in ids:
        extract_attachment_text(attachment_id)
    return len(ids)


def get_attachment_for(user, attachment_id: int) -> Attachment:
    """The attachment if ``user`` may see its document; NotFound otherwise."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not access.can_view_document(user, attachment.document):
        raise NotFound()
    if not stored_path(attachment.sha256).is_file():
        log.error("file of attachment %s is missing from the store", attachment_id)
        raise NotFound()
    return attachment


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
        lifecycle.audit(user, document, "remove_attachment", None, None,
                        attachment=attachment.id, filename=attachment.filename)
        db.session.delete(attachment)
        lifecycle.save_document(document)
    still_used = db.session.scalar(select(func.count(Attachment.id)).where(Attachment.sha256 == sha256))
    if not still_used:
        stored_path(sha256).unlink(missing_ok=True)
    return document
