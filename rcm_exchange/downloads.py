"""The files the site hands out, answered alike by the pages and the API: an attachment
and a document's citation. Both kinds of view build on this module, never on each other.
"""

from __future__ import annotations

from flask import Response, send_file

from rcm_exchange.models import utcnow
from rcm_exchange.services import attachments, citations, documents


def send_attachment(attachment) -> Response:
    """The file as a download."""
    etag, last_modified = attachments.download_validators(attachment)
    response = send_file(
        attachments.open_file(attachment),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        conditional=True,
        max_age=0,
        etag=etag,
        last_modified=last_modified,
    )
    # Never rendered on the site's origin: a download, not sniffed, sandboxed if opened.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def citation_response(user, document_id: int, fmt: str) -> Response:
    """The citation file the page's Cite box and the API both serve."""
    document = documents.get_document_for(user, document_id)
    text = citations.cite(user, document, fmt, utcnow().date())
    extension, media_type, _name = citations.FORMATS[fmt]
    response = Response(text, mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="rcm-{document_id}.{extension}"'
    return response
