"""No address a browser or a script can type ends in a 500: every GET route, with odd ids
in the path and odd values in the query string, as a visitor and as an administrator."""

from __future__ import annotations

import random
from urllib.parse import quote, unquote

import pytest
from werkzeug.exceptions import HTTPException

from rcm_exchange.models import DocumentStatus, Role, Visibility
from rcm_exchange.models.base import MAX_ID
from tests.builders import make_document, make_user
from tests.conftest import on_both_databases
from tests.query_reads import get_reading, probe_query, query_string

ODD_VALUES = [
    "",
    "0",
    "-1",
    "99999999999999999999999",
    "1e5",
    "abc",
    "\x00",
    "%00",
    "a\x00b",
    "x" * 5000,
    "ñ",
    "\u202e",
    "\ud800",
    "2024-02-30",
    "0000-00-00",
    "9999-99-99",
    "1.5",
    "[]",
    "{}",
    "' OR 1=1 --",
    '"',
    "*",
    "?",
    "AND",
    "tag:*",
    "\uffff",
    "🙂",
]
PARAM_NAMES = [
    "q",
    "page",
    "per_page",
    "tag",
    "country",
    "doc_type",
    "language",
    "year",
    "organization",
    "sort",
    "status",
    "actor",
    "document",
    "date_from",
    "date_to",
    "next",
    "lang",
]
ODD_IDS = ["0", "99999999999999999999999", "2147483648", "9223372036854775808"]


def _get_routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static":
            yield rule


def _paths(rule, document_id: int):
    if not rule.arguments:
        yield rule.rule
        return
    values = {
        "document_id": str(document_id),
        "user_id": "1",
        "attachment_id": "1",
        "organization_id": "1",
        "year": "2025",
        "code": "MX",
        "slug": "x",
        "doc_type": "guidance",
        "token": "x",
        "token_id": "1",
    }
    yield _fill(rule.rule, values)
    for odd in ODD_IDS + ["abc", "%00"]:
        yield _fill(rule.rule, dict.fromkeys(values, odd))


def _fill(pattern: str, values: dict) -> str:
    import re

    return re.sub(
        r"<(?:[^:<>]+:)?([^<>]+)>",
        lambda m: values.get(m.group(1).split(")")[-1].split(":")[-1], "1"),
        pattern,
    ).replace(f"(min=1, max={MAX_ID})", "")


# Every odd value at once, under names no page reads: what a page does with the raw query
# string (a link back to itself, the sign-in redirect's ``next``) meets every one of them.
RAW_QUERY = "&".join(query_string(f"unread{index}", value) for index, value in enumerate(ODD_VALUES))


def _probe_address(app, browser, path: str, rng: random.Random):
    """``(url, status)`` of ``path`` with no query and with the raw one, and with twelve
    random query strings where ``path`` is a page that reads any of the names (a name
    read only once another is given counts: ``in`` is a read too)."""
    read_names = False
    for query in ("", RAW_QUERY):
        status, reads = get_reading(browser, path, query)
        read_names = read_names or reads.whole or bool(reads.names & set(PARAM_NAMES))
        yield (f"{path}?{query}" if query else path), status
    if not (read_names and _routed(app, path)):
        return
    for query in _query_strings(rng, 12):
        status, _reads = get_reading(browser, path, query)
        yield f"{path}?{query}", status


def _routed(app, path: str) -> bool:
    """Whether a GET of ``path`` reaches a view (rather than the router's 404 or redirect)."""
    try:
        app.url_map.bind("localhost").match(unquote(path), method="GET")
    except HTTPException:
        return False
    return True


def _query_strings(rng: random.Random, count: int):
    for _ in range(count):
        pairs = []
        for _ in range(rng.randint(1, 4)):
            pairs.append((rng.choice(PARAM_NAMES), rng.choice(ODD_VALUES)))
        yield "&".join(
            f"{quote(name)}={quote(value, safe='', errors='surrogatepass')}" for name, value in pairs
        )


@on_both_databases
@pytest.mark.parametrize("who", ["visitor", "admin"])
def test_no_get_address_ends_in_a_server_error(app, client, login_as, who):
    document = make_document(status=DocumentStatus.PUBLISHED, visibility=Visibility.PUBLIC)
    browser = client if who == "visitor" else login_as(make_user(role=Role.ADMIN))
    rng = random.Random(20261128)
    failures = [
        (url[:200], status)
        for rule in _get_routes(app)
        for path in _paths(rule, document.id)
        for url, status in _probe_address(app, browser, path, rng)
        if status >= 500
    ]
    assert failures == [], "\n".join(sorted({f"{u}" for u, _ in failures}))


# The values that broke something somewhere once: kept small, this runs on every list.
SHARP_VALUES = ["\x00", "99999999999999999999999", "x" * 2000, "\ud800", "9999-12-31", "-1"]
LIST_PAGES = [
    "/",
    "/search",
    "/browse/",
    "/browse/topics/migration-and-development",
    "/browse/countries/MX",
    "/browse/types/guidance",
    "/browse/years/2025",
    "/review",
    "/admin/audit",
    "/feeds/documents.atom",
    "/statistics/",
    "/documents/mine",
    "/notifications",
    "/api/v1/documents",
    "/api/v1/review/queue",
    "/api/v1/tags",
]


@on_both_databases
def test_every_filter_of_every_list_survives_every_odd_value(app, login_as, api_client):
    admin = make_user(role=Role.ADMIN)
    make_document(status=DocumentStatus.PUBLISHED, tags=("migration-and-development",))
    browser, api = login_as(admin), api_client(admin)
    values = [*SHARP_VALUES, ["1", "2", ""]]  # the last: the name three times
    values_by_name = dict.fromkeys([*PARAM_NAMES, "type"], values)
    failures = [
        probe
        for path in LIST_PAGES
        for probe in probe_query(api if path.startswith("/api/") else browser, path, values_by_name)
        if probe.status >= 500
    ]
    assert failures == []
