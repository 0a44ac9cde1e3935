"""``sitemap.xml`` and ``robots.txt``: the public documents and the listings a search
engine may crawl. Built for an anonymous visitor through the one access policy, so a
restricted document never appears (peers leaked titles through sitemaps)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.links import external_url
from rcm_exchange.models import DocType, Document
from rcm_exchange.services import access, browse

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
# The protocol's limit for one sitemap file.
MAX_URLS = 50_000
# Pages only a signed-in account uses, and machine answers: not for crawlers.
DISALLOWED = (
    "/auth/",
    "/documents/mine",
    "/documents/new",
    "/review",
    "/admin",
    "/notifications",
    "/settings",
    "/statistics",
    "/following",
    "/api/",
    "/oai",
)


def _listing_urls() -> list[str]:
    """Each browse listing that has public documents."""
    overview = browse.tag_overview(None)
    urls = [
        external_url("main.home"),
        external_url("browse.topics"),
        external_url("browse.countries"),
        external_url("browse.organizations"),
        external_url("browse.types"),
        external_url("search.search"),
    ]
    urls += [
        external_url("browse.topic", slug=c.subject.slug)
        for c in overview.pillars + overview.themes
        if c.count
    ]
    countries = browse.country_overview(None, "en")
    urls += [
        external_url("browse.country", code=c.subject.code)
        for c in countries.members + countries.observers + countries.others
        if c.count
    ]
    for _kind, organizations in browse.organization_overview(None, "en"):
        urls += [
            external_url("browse.organization", organization_id=c.subject.id)
            for c in organizations
            if c.count
        ]
    types = browse.type_year_overview(None)
    urls += [external_url("browse.doc_type", doc_type=t.value) for t in DocType if types.type_totals.get(t)]
    return urls


def sitemap_xml() -> bytes:
    ET.register_namespace("", SITEMAP)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    for url in _listing_urls():
        ET.SubElement(ET.SubElement(root, f"{{{SITEMAP}}}url"), f"{{{SITEMAP}}}loc").text = url
    rows = db.session.execute(
        select(Document.id, Document.updated_at)
        .where(access.visible_documents_clause(None))
        .order_by(Document.published_at.desc(), Document.id.desc())
        .limit(MAX_URLS)
    )
    for document_id, updated_at in rows:
        entry = ET.SubElement(root, f"{{{SITEMAP}}}url")
        ET.SubElement(entry, f"{{{SITEMAP}}}loc").text = external_url(
            "documents.detail", document_id=document_id
        )
        ET.SubElement(entry, f"{{{SITEMAP}}}lastmod").text = updated_at.date().isoformat()
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def robots_txt() -> str:
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in DISALLOWED),
        f"Sitemap: {external_url('harvest.sitemap_xml')}",
        "",
    ]
    return "\n".join(lines)
