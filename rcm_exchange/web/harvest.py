"""For machines: the OAI-PMH provider at ``/oai``, ``sitemap.xml`` and ``robots.txt``.
All of them speak for an anonymous visitor: public material only."""

from __future__ import annotations

from flask import Blueprint, Response, request

from rcm_exchange.extensions import csrf
from rcm_exchange.services import harvest, sitemap

bp = Blueprint("harvest", __name__)


@bp.route("/oai", methods=["GET", "POST"])
@csrf.exempt
def oai():
    # The protocol allows both; POST carries the arguments form-encoded.
    source = request.form if request.method == "POST" else request.args
    arguments = {key: source.getlist(key) for key in source}
    return Response(harvest.answer(arguments), mimetype="text/xml")


@bp.get("/sitemap.xml")
def sitemap_xml():
    return Response(sitemap.sitemap_xml(), mimetype="application/xml")


@bp.get("/robots.txt")
def robots_txt():
    return Response(sitemap.robots_txt(), mimetype="text/plain")
