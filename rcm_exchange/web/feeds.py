"""The Atom feed of newly published public documents, with the list's filters, so a
ministry can follow "trafficking" or "Guatemala" in a feed reader.

A feed is fetched without a session by readers and shared freely, so it is always
built for an anonymous visitor: it can only ever show public material.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, current_app, request
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin

from rcm_exchange.schemas import form_data, load
from rcm_exchange.schemas.document_search import LIST_PARAMETERS, DocumentSearchSchema
from rcm_exchange.services import search
from rcm_exchange.services.links import external_url

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


@bp.get("/documents.atom")
def documents():
    params = load(DocumentSearchSchema(), form_data(request.args, LIST_PARAMETERS))
    params.update(page=1, per_page=FEED_SIZE, sort="newest")
    result = search.search_documents(AnonymousUserMixin(), search.SearchParams.from_loaded(params))
    return Response(_atom([item.document for item in result.items], request.args),
                    mimetype="application/atom+xml")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _atom(documents, args) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def add(parent, tag, text=None, **attributes):
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    query = urlencode(sorted(args.items(multi=True)))
    self_url = external_url("feeds.documents") + (f"?{query}" if query else "")
    add(feed, "id", self_url)
    add(feed, "title", _("RCM Exchange: new documents"))
    add(feed, "subtitle", _("Practices, guidance and experiences of the Regional Conference on Migration."))
    add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    add(feed, "link", rel="alternate", type="text/html", href=current_app.config["RCM_BASE_URL"] + "/")
    newest = max((d.updated_at for d in documents), default=None)
    add(feed, "updated", _iso(newest) if newest else "1970-01-01T00:00:00+00:00")
    author = add(feed, "author")
    add(author, "name", "RCM Exchange")
    add(feed, "generator", "RCM Exchange")

    for document in documents:
        page_url = external_url("documents.detail", document_id=document.id)
        entry = add(feed, "entry")
        add(entry, "id", page_url)
        add(entry, "title", document.title)
        add(entry, "link", rel="alternate", type="text/html", href=page_url)
        add(entry, "published", _iso(document.published_at))
        add(entry, "updated", _iso(max(document.updated_at, document.published_at)))
        entry_author = add(entry, "author")
        add(entry_author, "name", document.organization.name)
        for tag in document.tags:
            add(entry, "category", term=tag.slug, label=tag.name_en)
        for country in document.countries:
            add(entry, "category", term=country.code, label=country.name_en,
                scheme=external_url("feeds.documents") + "#country")
        add(entry, "summary", document.summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
