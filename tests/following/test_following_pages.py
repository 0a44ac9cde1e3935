"""Following from the listings and the search page, the page that manages it, feeds for
every listing and search, sitemap.xml, robots.txt and the statistics as CSV."""

from __future__ import annotations

import csv
import io
import re
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.models import (
    Delivery,
    Frequency,
    NotificationKind,
    NotificationPreference,
    Role,
    Subscription,
    SubscriptionKind,
    Tag,
    Visibility,
)
from rcm_exchange.services import following
from tests.builders import make_document, make_user

ATOM = {"atom": "http://www.w3.org/2005/Atom"}
SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def app_config():
    return {"RCM_BASE_URL": "https://rcm.example.org"}


def subscriptions():
    db.session.expire_all()
    return [(s.kind, s.criteria, s.frequency) for s in db.session.scalars(select(Subscription))]


@pytest.mark.parametrize(
    "path, kind, criteria",
    [
        (
            "/browse/topics/return-and-reintegration",
            SubscriptionKind.TOPIC,
            {"tag": ["return-and-reintegration"]},
        ),
        ("/browse/countries/GT", SubscriptionKind.COUNTRY, {"country": ["GT"]}),
        ("/browse/types/guidance", SubscriptionKind.DOC_TYPE, {"doc_type": "guidance"}),
    ],
)
def test_a_listing_is_followed_with_one_click_and_then_shows_that_it_is_followed(
    app, login_as, path, kind, criteria
):
    browser = login_as(make_user(org="MX"))
    page = browser.get(path).get_data(as_text=True)
    form = re.search(r'<form method="post" action="/following".*?</form>', page, re.S).group(0)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    response = browser.post("/following", data=fields)
    assert response.status_code == 302 and response.headers["Location"] == path
    assert subscriptions() == [(kind, criteria, Frequency.DAILY)]
    followed = browser.get(path).get_data(as_text=True)
    assert "You follow this." in followed and 'action="/following"' not in followed
    browser.post_form("/following", fields)  # twice is still one
    assert len(subscriptions()) == 1


def test_an_organization_listing_is_followed_by_its_id(app, login_as):
    iom = make_document(org="IOM").organization_id
    browser = login_as(make_user(org="MX"))
    browser.post_form("/following", {"kind": "organization", "organization": str(iom)})
    assert subscriptions() == [(SubscriptionKind.ORGANIZATION, {"organization": iom}, Frequency.DAILY)]


def test_a_search_is_followed_with_its_words_and_filters(app, login_as):
    make_document(title="Retorno asistido", tags=("return-and-reintegration",), countries=("HN",))
    browser = login_as(make_user(org="MX"))
    page = browser.get("/search?q=retorno&country=HN&doc_type=practice_report").get_data(as_text=True)
    assert 'action="/following"' in page
    browser.post_form(
        "/following", {"kind": "search", "q": "retorno", "country": "HN", "doc_type": "practice_report"}
    )
    assert subscriptions() == [
        (
            SubscriptionKind.SEARCH,
            {"q": "retorno", "country": ["HN"], "doc_type": "practice_report"},
            Frequency.DAILY,
        )
    ]
    assert "Search: “retorno”, Honduras, Practice reports" in browser.get("/following").get_data(as_text=True)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"kind": "topic", "tag": "no-such-topic"}, "kind"),
        ({"kind": "topic"}, "tag"),
        ({"kind": "search"}, "q"),
        ({"kind": "planet"}, "kind"),
        ({"kind": "topic", "tag": "return-and-reintegration", "frequency": "hourly"}, "frequency"),
        ({"kind": "country", "country": "G"}, "country"),
    ],
)
def test_following_something_that_is_not_there_is_a_clear_422(app, login_as, fields, field):
    browser = login_as(make_user(org="MX"))
    response = browser.post_form("/following", fields)
    assert response.status_code == 422
    assert f'href="#field-{field}"' in response.get_data(as_text=True)
    assert subscriptions() == []


def test_signed_out_visitors_are_asked_to_sign_in_to_follow(app, client):
    page = client.get("/browse/topics/return-and-reintegration").get_data(as_text=True)
    assert "Sign in to follow" in page and 'action="/following"' not in page
    assert (
        client.post_form("/following", {"kind": "topic", "tag": "return-and-reintegration"}).status_code
        == 302
    )
    assert subscriptions() == []


def test_the_management_page_changes_how_often_and_stops_following(app, login_as):
    reader = make_user(org="MX", language="es")
    subscription, _ = following.follow(
        reader, {"kind": SubscriptionKind.TOPIC, "tag": ["labour-migration"], "frequency": Frequency.DAILY}
    )
    browser = login_as(reader)
    page = browser.get("/following").get_data(as_text=True)
    assert "Tema: Migración laboral" in page and "Resumen semanal" in page
    browser.post_form(f"/following/{subscription.id}/frequency", {"frequency": "weekly"})
    assert subscriptions()[0][2] == Frequency.WEEKLY
    assert browser.post_form(f"/following/{subscription.id}/frequency", {"frequency": "x"}).status_code == 422
    browser.post_form(f"/following/{subscription.id}/delete")
    assert subscriptions() == []


def test_nobody_changes_or_stops_another_accounts_subscription(app, login_as):
    owner = make_user(org="MX")
    subscription, _ = following.follow(
        owner, {"kind": SubscriptionKind.TOPIC, "tag": ["labour-migration"], "frequency": Frequency.DAILY}
    )
    other = login_as(make_user(org="GT"))
    assert other.post_form(f"/following/{subscription.id}/delete").status_code == 404
    assert (
        other.post_form(f"/following/{subscription.id}/frequency", {"frequency": "weekly"}).status_code == 404
    )
    assert subscriptions() == [(SubscriptionKind.TOPIC, {"tag": ["labour-migration"]}, Frequency.DAILY)]


def test_notification_preferences_are_per_kind_and_moderators_also_choose_for_submissions(app, login_as):
    contributor = login_as(make_user(org="MX"))
    page = contributor.get("/following").get_data(as_text=True)
    assert 'name="decision"' in page and 'name="submission"' not in page
    moderator = make_user(role=Role.MODERATOR)
    browser = login_as(moderator)
    assert 'name="submission"' in browser.get("/following").get_data(as_text=True)
    browser.post_form("/following/preferences", {"submission": "site", "decision": "digest"})
    chosen = {
        p.kind: p.delivery
        for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == moderator.id)
        )
    }
    assert chosen == {NotificationKind.SUBMISSION: Delivery.SITE, NotificationKind.DECISION: Delivery.DIGEST}
    assert browser.post_form("/following/preferences", {"comment": "pigeon"}).status_code == 422


def feed(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)


def test_every_listing_and_search_links_its_feed_which_is_titled_in_the_pages_language(app, client):
    make_document(title="Trata en Guatemala", tags=("trafficking-in-persons",), countries=("GT",))
    make_document(title="Otro", countries=("HN",))
    for path in ("/browse/topics/trafficking-in-persons", "/search?q=trata&country=GT"):
        page = client.get(path, headers={"Accept-Language": "es"}).get_data(as_text=True)
        [head_link] = re.findall(
            r'<link rel="alternate" type="application/atom\+xml" title="([^"]+)" href="([^"]+)"', page
        )
        assert head_link[0].startswith("RCM Exchange: ")
        assert head_link[1] in page.split("</head>")[1]  # and a visible link
        atom = feed(client, head_link[1].replace("&amp;", "&"))
        assert atom.findtext("atom:title", namespaces=ATOM) == head_link[0]
        assert [e.findtext("atom:title", namespaces=ATOM) for e in atom.findall("atom:entry", ATOM)] == [
            "Trata en Guatemala"
        ]
    spanish = feed(client, "/feeds/documents.atom?tag=trafficking-in-persons&lang=es")
    assert spanish.findtext("atom:title", namespaces=ATOM) == "RCM Exchange: Trata de personas"
    english = feed(client, "/feeds/documents.atom?tag=trafficking-in-persons&lang=en")
    assert english.findtext("atom:title", namespaces=ATOM) == "RCM Exchange: Trafficking in persons"


def test_a_feed_takes_the_search_words_and_shows_public_documents_only(app, login_as):
    make_document(title="Retorno público", summary="Sobre el retorno.")
    make_document(title="Retorno reservado", summary="Sobre el retorno.", visibility=Visibility.MEMBERS)
    make_document(title="Otro tema")
    browser = login_as(make_user(role=Role.MODERATOR))
    atom = feed(browser, "/feeds/documents.atom?q=retorno")
    assert [e.findtext("atom:title", namespaces=ATOM) for e in atom.findall("atom:entry", ATOM)] == [
        "Retorno público"
    ]


def test_the_sitemap_lists_public_documents_and_listings_only(app, client):
    public = make_document(title="Open", tags=("labour-migration",), countries=("CR",))
    members = make_document(
        title="Closed", visibility=Visibility.MEMBERS, tags=("asylum-and-refugees",), countries=("PA",)
    )
    root = ET.fromstring(client.get("/sitemap.xml").data)
    urls = [loc.text for loc in root.findall(".//s:loc", SITEMAP)]
    assert f"https://rcm.example.org/documents/{public.id}" in urls
    assert f"https://rcm.example.org/documents/{members.id}" not in urls
    assert "https://rcm.example.org/browse/topics/labour-migration" in urls
    assert "https://rcm.example.org/browse/countries/CR" in urls
    assert "https://rcm.example.org/browse/topics/asylum-and-refugees" not in urls
    assert "https://rcm.example.org/browse/countries/PA" not in urls
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: https://rcm.example.org/sitemap.xml" in robots and "Disallow: /review" in robots


def test_statistics_tables_download_as_csv_with_formulas_neutralised(app, login_as):
    tag = db.session.scalar(select(Tag).where(Tag.slug == "labour-migration"))
    tag.name_en = '=HYPERLINK("http://evil")'
    db.session.commit()
    make_document(tags=("labour-migration",), countries=("GT",))
    browser = login_as(make_user(role=Role.MODERATOR))
    page = browser.get("/statistics/").get_data(as_text=True)
    for table in ("months", "types", "queue", "countries", "topics"):
        assert f"/statistics/{table}.csv" in page
        response = browser.get(f"/statistics/{table}.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(browser.get("/statistics/topics.csv").get_data(as_text=True))))
    assert rows[0] == ["Topic code", "Topic", "Documents"]
    assert ["labour-migration", '\'=HYPERLINK("http://evil")', "1"] in rows
    assert browser.get("/statistics/secrets.csv").status_code == 404
    assert login_as(make_user(org="MX")).get("/statistics/topics.csv").status_code == 403


def test_pages_describe_themselves_for_search_engines(app, client):
    document = make_document(
        title="Open", summary="How consulates refer victims.", tags=("labour-migration",)
    )
    description = re.compile(r'<meta name="description" content="([^"]+)">')
    assert (
        description.search(client.get(f"/documents/{document.id}").get_data(as_text=True)).group(1)
        == "How consulates refer victims."
    )
    listing = description.search(client.get("/browse/topics/labour-migration").get_data(as_text=True)).group(
        1
    )
    assert listing == "1 published document, newest first. Labour migration"
    assert description.search(client.get("/").get_data(as_text=True))
