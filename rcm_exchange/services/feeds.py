"""The Atom feed of newly published public documents for any listing or search: its
words and filters, titled in the language asked for.

A feed is fetched without a session by readers and shared freely, so it is always
built for an anonymous visitor: it can only ever show public material.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from rcm_exchange.links import external_url
from rcm_exchange.services import search

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


def _as_criteria(args: dict) -> dict:
    criteria = dict(args)
    for name in ("tag", "country"):
        if isinstance(criteria.get(name), str):
            criteria[name] = [criteria[name]]
    return criteria


def feed_title(args: dict) -> str:
    """'RCM Exchange: Trafficking in persons, Guatemala', in the current language."""
    from rcm_exchange.services.following import subject_name

    named = {key: value for key, value in _as_criteria(args).items() if value not in (None, "", [])}
    if not named:
        return _("RCM Exchange: new documents")
    return _("RCM Exchange: %(subject)s", subject=subject_name(named))


def atom_feed(loaded: dict, language: str, query: list[tuple[str, str]]) -> bytes:
    """The newest public documents matching ``loaded`` (``DocumentSearchSchema`` data);
    ``query`` is the feed's own query string, for its self link."""
    params = search.SearchParams.from_loaded({**loaded, "page": 1, "per_page": FEED_SIZE, "sort": "newest"})
    result = search.search_documents(None, params)
    followed = {
        key: value
        for key, value in loaded.items()
        if key in ("q", "tag", "country", "doc_type", "language", "year", "organization")
    }
    followed = {key: getattr(value, "value", value) for key, value in followed.items()}
    with force_locale(language):
        return _atom([item.document for item in result.items], feed_title(followed), query, language)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _atom(documents, title: str, query: list[tuple[str, str]], language: str) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": language})

    def add(parent, tag, text=None, **attributes):
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    encoded = urlencode(sorted(query))
    self_url = external_url("feeds.documents") + (f"?{encoded}" if encoded else "")
    add(feed, "id", self_url)
    add(feed, "title", title)
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
        add(entry_author, "name", document.organization.display_name(language))
        for tag in document.tags:
            add(entry, "category", term=tag.slug, label=tag.name(language))
        for country in document.countries:
            add(
                entry,
                "category",
                term=country.code,
                label=country.name(language),
                scheme=external_url("feeds.documents") + "#country",
            )
        add(entry, "summary", document.summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
