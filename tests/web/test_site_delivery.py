"""How pages reach the browser: compressed, static files under content-hashed addresses
cached for a year, a favicon, a description; the audit log paged (keyset) and filtered."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from rcm_exchange.extensions import db
from rcm_exchange.models import AuditEvent, Role
from tests.builders import make_document, make_user
from tests.conftest import on_both_databases


def test_pages_are_compressed_and_static_files_cached_under_their_content_hash(app, client):
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    html = client.get("/").get_data(as_text=True)
    stylesheet = re.search(r'href="(/static/[0-9a-f]{12}/css/site\.css)"', html).group(1)
    response = client.get(stylesheet)
    assert response.status_code == 200
    assert (
        "immutable" in response.headers["Cache-Control"]
        and "max-age=31536000" in response.headers["Cache-Control"]
    )
    wrong = client.get(stylesheet.replace(stylesheet.split("/")[2], "000000000000"))
    assert wrong.status_code == 404
    assert client.get("/static/css/site.css").headers["Cache-Control"].startswith("no-cache")


@pytest.mark.parametrize(
    "address",
    [
        "/static/css/%00site.css",
        "/static/0123456789ab/css/%00site.css",
        "/static/0123456789ab/x/../css/site.css",
        "/static/../rcm_exchange/app.py",
        "/static/0123456789ab/../../rcm_exchange/app.py",
        "/static/css/site.css%ff",
        "/static/" + "a/" * 300 + "site.css",
    ],
)
def test_odd_static_addresses_are_not_found_rather_than_a_server_error(app, client, address):
    response = client.get(address)
    assert response.status_code == 404
    assert b"import" not in response.get_data()


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
    assert (
        'href="/browse/topics/return-and-reintegration"' in page or "/topics/return-and-reintegration" in page
    )
    assert "/countries/GT" in page


def _older_link(page: str) -> str | None:
    found = re.search(r'href="(/admin/audit\?[^"]*before=\d+[^"]*)" rel="next"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_audit_log_is_paged_and_filtered_by_event_in_the_readers_language(app, login_as):
    admin = make_user(role=Role.ADMIN, language="es")
    for _ in range(30):
        make_user(org="MX")
    browser = login_as(admin)
    page = browser.get("/admin/audit").get_data(as_text=True)
    assert "Cuenta creada" in page and "account_created" not in page.split("<table")[1]
    assert "Eventos anteriores" in page
    filtered = browser.get("/admin/audit?action=account_created").get_data(as_text=True)
    older = browser.get(_older_link(filtered)).get_data(as_text=True)
    # 31 accounts: 25 on the newest page, the 6 oldest after it, the filter kept.
    assert "action=account_created" in _older_link(filtered)
    assert older.split("<tbody>")[1].count("<tr>") == 6 and _older_link(older) is None
    assert "Los eventos más recientes" in older
    refused = browser.get("/admin/audit?action=nonsense")
    assert refused.status_code == 422


@on_both_databases
def test_a_deep_page_of_the_audit_log_runs_the_statements_of_the_first(app, login_as, database):
    browser = login_as(make_user(role=Role.ADMIN))
    for _ in range(60):
        make_user(org="MX")

    def statements_for(url: str) -> tuple[int, str]:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page = browser.get(url).get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert not any("count(" in s.lower() and "audit_events" in s for s in statements), statements
        return len(statements), page

    first_count, first = statements_for("/admin/audit")
    second_count, second = statements_for(_older_link(first))
    third_count, third = statements_for(_older_link(second))
    assert first_count == second_count == third_count
    # The three pages show every event once.
    rows = [part.split("<tbody>")[1].count("<tr>") for part in (first, second, third)]
    assert rows[:2] == [25, 25] and _older_link(third) is None
    assert sum(rows) == db.session.scalar(select(func.count()).select_from(AuditEvent))
