"""A document's citation as a file: BibTeX, RIS, CSL-JSON or Dublin Core XML."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from rcm_exchange.downloads import citation_response
from rcm_exchange.services import citations

bp = Blueprint("citations", __name__)


@bp.app_context_processor
def citation_formats():
    return {"citation_formats": citations.FORMATS}


@bp.get("/documents/<int:document_id>/cite/<fmt>")
def download(document_id: int, fmt: str):
    return citation_response(current_user, document_id, fmt)
