"""A document's citation as a file: BibTeX, RIS, CSL-JSON or Dublin Core XML."""
from __future__ import annotations

from flask import Blueprint, Response
from flask_login import current_user

from rcm_exchange.models import utcnow
from rcm_exchange.services import citations, documents

bp = Blueprint("citations", __name__)


@bp.app_context_processor
def citation_formats():
    return {"citation_formats": citations.FORMATS}


def citation_response(user, document_id: int, fmt: str) -> Response:
    """Shared by the page's Cite box and the API: the same file for both."""
    document = documents.get_document_for(user, document_id)
    text = citations.cite(user, document, fmt, utcnow().date())
    extension, media_type, _name = citations.FORMATS[fmt]
    response = Response(text, mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="rcm-{document_id}.{extension}"'
    return response


@bp.get("/documents/<int:document_id>/cite/<fmt>")
def download(document_id: int, fmt: str):
    return citation_response(current_user, document_id, fmt)
