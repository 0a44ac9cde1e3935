"""The browsable API reference: Swagger UI, served from this site, over the served
OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("api_docs_page", __name__)


@bp.get("/api/v1/docs")
def reference():
    return render_template("api/reference.html")
