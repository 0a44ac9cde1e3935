"""The app as the benchmark serves it (``gunicorn bench.wsgi:app``).

The search page links each hit to ``documents.show``, the document page of the
workflow branch. Where that page is not merged yet, a placeholder route of the same
name lets the search page render; it is never requested, so timings are unaffected.
"""
from flask import Blueprint, abort

from rcm_exchange import create_app

app = create_app()

if "documents.show" not in app.view_functions:
    placeholder = Blueprint("documents", __name__)

    @placeholder.get("/documents/<int:document_id>")
    def show(document_id: int):
        abort(404)

    app.register_blueprint(placeholder)
