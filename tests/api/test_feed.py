"""The Atom feed of new public documents, with the list's filters."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from rcm_exchange.models import DocumentStatus, Visibility
from tests.builders import make_document, make_user

ATOM = {"atom": "http://www.w3.org/2005/Atom"}


def _feed(client, **query):
    response = client.get("/feeds/documents.atom", query_string=query)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)


def _titles(feed):
    return [entry.findtext("atom:title", namespaces=ATOM) for entry in feed.findall("atom:entry", ATOM)]


def test_the_feed_lists_public_documents_newest_first(app, client):
    make_document(title="Older", published_at=datetime(2024, 1, 1, tzinfo=UTC))
    make_document(title="Newer", published_at=datetime(2025, 1, 1, tzinfo=UTC))
    feed = _feed(client)
    assert _titles(feed) == ["Newer", "Older"]
    entry = feed.find("atom:entry", ATOM)
    assert entry.findtext("atom:id", namespaces=ATOM).startswith("http")
    assert entry.findtext("atom:updated", namespaces=ATOM)
    assert entry.findtext("atom:summary", namespaces=ATOM) == "A summary of the practice."
    assert entry.find("atom:link[@rel='alternate']", ATOM).get("href") == entry.findtext(
        "atom:id", namespaces=ATOM
    )
    entries_updated = [e.findtext("atom:updated", namespaces=ATOM) for e in feed.findall("atom:entry", ATOM)]
    assert feed.findtext("atom:updated", namespaces=ATOM) == max(entries_updated)
    assert feed.find("atom:link[@rel='self']", ATOM) is not None


def test_the_feed_never_shows_restricted_material_even_to_a_signed_in_moderator(app, login_as):
    make_document(title="Open", visibility=Visibility.PUBLIC)
    make_document(title="Members only", visibility=Visibility.MEMBERS)
    make_document(title="Draft", status=DocumentStatus.DRAFT, visibility=Visibility.PUBLIC)
    browser = login_as(make_user(role="moderator"))
    assert _titles(_feed(browser)) == ["Open"]


def test_the_feed_follows_a_tag_or_a_country(app, client):
    make_document(title="Trata", tags=("trafficking-in-persons",), countries=("GT",))
    make_document(title="Retorno", countries=("HN",))
    assert _titles(_feed(client, tag="trafficking-in-persons")) == ["Trata"]
    assert _titles(_feed(client, country="HN")) == ["Retorno"]
    feed = _feed(client, country="GT")
    assert "country=GT" in feed.find("atom:link[@rel='self']", ATOM).get("href")
    terms = [c.get("term") for c in feed.find("atom:entry", ATOM).findall("atom:category", ATOM)]
    assert terms == ["trafficking-in-persons", "GT"]


def test_a_bad_filter_is_a_clear_422(app, client):
    response = client.get("/feeds/documents.atom", query_string={"year": "soon"})
    assert response.status_code == 422
