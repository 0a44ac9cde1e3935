"""How pages reach the browser: compressed, static files under content-hashed addresses
cached for a year, a favicon, a description; the audit log paged and filtered."""
from __future__ import annotations

import re

from rcm_exchange.models import Role
from tests.builders import make_document, make_user


def test_pages_are_compressed_and_static_files_cached_under_their_content_hash(app, client):
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    html = client.get("/").get_data(as_text=True)
    stylesheet = re.search(r'href="(/static/[0-9a-f]{12}/css/site\.css)"', html).group(1)
    response = client.get(stylesheet)
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"] and "max-age=31536000" in response.headers["Cache-Control"]
    wrong = client.get(stylesheet.replace(stylesheet.split("/")[2], "000000000000"))
    assert wrong.status_code == 404
    assert client.get("/static/css/site.css").headers["Cache-Control"].startswith("no-cache")


def test_every_page_names_a_favicon_and_describes_itself(app, client):
    document = make_document(summary="Returnees find every service in one office.")
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="/static/[0-9a-f]{12}/favicon.svg"', home)
    assert '<meta name="description" content="RCM Exchange: practices' in home
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert '<meta name="description" content="Returnees find every service in one office.">' in page


def test_tags_and_countries_on_a_document_link_to_their_listings(app, client):
    document = make_document(tags=("return-and-reintegration",), countries=("GT",))
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'href="/browse/topics/return-and-reintegration"' in page or "/topics/return-and-reintegration" in page
    assert "/countries/GT" in page


def test_the_audit_log_is_paged_and_filtered_by_event_in_the_readers_language(app, login_as):
    admin = make_user(role=Role.ADMIN, language="es")
    for _ in range(30):
        make_user(org="MX")
    browser = login_as(admin)
    page = browser.get("/admin/audit").get_data(as_text=True)
    assert "Página 1 de" in page and "Cuenta creada" in page and "account_created" not in page.split("<table")[1]
    filtered = browser.get("/admin/audit?action=account_created&page=2").get_data(as_text=True)
    assert "Página 2 de 2" in filtered
    refused = browser.get("/admin/audit?action=nonsense")
    assert refused.status_code == 422
