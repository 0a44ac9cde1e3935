"""The Atom feed of any listing or search (``services.feeds``): ``?lang=es`` titles it in
Spanish, the other parameters are the search's words and filters."""

from __future__ import annotations

from flask import Blueprint, Response, request

from rcm_exchange.i18n import LANGUAGES, current_language
from rcm_exchange.schemas import form_data, load
from rcm_exchange.schemas.document_search import LIST_PARAMETERS, DocumentSearchSchema
from rcm_exchange.services import feeds

bp = Blueprint("feeds", __name__, url_prefix="/feeds")


@bp.get("/documents.atom")
def documents():
    args = request.args.copy()
    language = args.pop("lang", None)
    language = language if language in LANGUAGES else current_language()
    loaded = load(DocumentSearchSchema(), form_data(args, LIST_PARAMETERS))
    return Response(
        feeds.atom_feed(loaded, language, list(request.args.items(multi=True))),
        mimetype="application/atom+xml",
    )
