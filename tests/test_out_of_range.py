"""Every number, date and id in an address or a query, however far out of range,
answers 4xx (or the page without that filter), never a server error."""

from __future__ import annotations

import re

import pytest

from rcm_exchange.models import DocumentStatus, Role
from tests.builders import make_document, make_user
from tests.conftest import on_both_databases
from tests.query_reads import probe_query

EDGE_NUMBERS = ["0", "1899", "9999", "10000", "2147483648", "9223372036854775808", "1" + "0" * 40]
EDGE_DATES = ["0001-01-01", "9999-12-31", "10000-01-01", "2024-02-30"]
QUERY_VALUES = {
    **{name: EDGE_NUMBERS + ["-1"] for name in ("year", "page", "per_page", "organization", "id")},
    **{name: EDGE_DATES for name in ("period_start", "since")},
}
PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _addresses(app) -> list[str]:
    addresses = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        converters = [converter for converter, _name in PARAMETER.findall(rule.rule)]
        if not converters or any(converter not in ("int",) for converter in converters):
            continue
        for value in EDGE_NUMBERS:
            addresses.append(PARAMETER.sub(value, rule.rule))
    return addresses


def _listings(app) -> list[str]:
    named = [
        "/browse/topics/trafficking-in-persons",
        "/browse/countries/MX",
        "/browse/types/guidance",
        "/browse/organizations/1",
        "/browse/years/2024",
    ]
    return named + [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and "<" not in rule.rule and rule.endpoint != "static"
    ]


@on_both_databases
@pytest.mark.parametrize("who", [None, Role.CONTRIBUTOR, Role.MODERATOR])
def test_no_number_in_an_address_ends_in_a_server_error(app, client, login_as, who):
    make_document(status=DocumentStatus.PUBLISHED)
    browser = login_as(make_user(role=who)) if who else client
    failures = [
        (url, status)
        for url in _addresses(app) + ["/browse/years/1899", "/browse/years/9999"]
        if (status := browser.get(url).status_code) >= 500
    ]
    assert failures == []


@on_both_databases
@pytest.mark.parametrize("who", [None, Role.MODERATOR])
def test_no_number_or_date_in_a_query_ends_in_a_server_error(app, client, login_as, who):
    make_document(status=DocumentStatus.PUBLISHED)
    browser = login_as(make_user(role=who)) if who else client
    failures = [
        probe
        for url in _listings(app)
        for probe in probe_query(browser, url, QUERY_VALUES)
        if probe.status >= 500
    ]
    assert failures == []


# Digits to str.isdigit, yet not ASCII: int() refuses the superscript and takes the others.
OTHER_DIGITS = ["²", "٣", "١٢", "\U0001d7d7"]  # the last: a mathematical bold nine


@on_both_databases
@pytest.mark.parametrize("who", [None, Role.CONTRIBUTOR])
def test_digits_of_other_scripts_in_a_query_never_end_in_a_server_error(app, client, login_as, who):
    from tests.builders import make_call, make_meeting

    make_document(status=DocumentStatus.PUBLISHED)
    urls = _listings(app) + [f"/meetings/{make_meeting().id}", f"/calls/{make_call().id}"]
    browser = login_as(make_user(role=who)) if who else client
    names = dict.fromkeys(("page", "year", "ppt_year", "after", "organization", "id"), OTHER_DIGITS)
    failures = [probe for url in urls for probe in probe_query(browser, url, names) if probe.status >= 500]
    assert failures == []


@pytest.mark.parametrize("value", OTHER_DIGITS)
def test_a_call_chosen_with_other_digits_in_the_document_form_is_refused_with_the_text_kept(login_as, value):
    browser = login_as(make_user(org="GT"))
    response = browser.post_form(
        "/documents/new",
        {
            "title": "Kept title",
            "summary": "S",
            "body_html": "<p>B</p>",
            "doc_type": "guidance",
            "language": "en",
            "call": value,
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose one of the open calls." in page and 'value="Kept title"' in page
