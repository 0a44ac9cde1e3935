"""Browsing by pillar and topic, country, organization, type and year."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from rcm_exchange.extensions import db
from rcm_exchange.models import DocType, DocumentStatus, Language, OrganizationKind, Visibility
from rcm_exchange.services import browse
from tests.builders import make_document, make_user, organization
from tests.conftest import on_both_databases

PILLAR = "human-rights-of-migrants"


def _titles(page: str) -> list[str]:
    return re.findall(r'<h2 lang="\w+">(?:<a [^>]*>)?([^<]+)', page)


def _count_after(page: str, name: str) -> int:
    """The count shown beside a name in a browse overview."""
    match = re.search(
        re.escape(name)
        + r'</(?:a|span)>\s*(?:<span class=\"acronym\">[^<]*</span>)?\s*<span class="count">([\d,.\s]+)<',
        page,
    )
    assert match, f"{name} not listed"
    return int(re.sub(r"\D", "", match.group(1)))


@pytest.fixture
def members_only_and_public(app):
    """One public and one members-only document, both about Mexico, by Mexico, on the same pillar."""
    common = dict(org="MX", tags=(PILLAR, "gender"), countries=("MX",), doc_type=DocType.GUIDANCE)
    make_document(visibility=Visibility.PUBLIC, title="Public guidance", **common)
    make_document(visibility=Visibility.MEMBERS, title="Members-only guidance", **common)


@on_both_databases
@pytest.mark.parametrize(
    "url, name",
    [
        ("/browse/", "Gender"),
        ("/browse/countries", "Mexico"),
        ("/browse/organizations", "Mexico"),
        ("/browse/types", "Guidance documents"),
    ],
)
def test_anonymous_counts_leave_out_members_only_documents(
    client, login_as, members_only_and_public, url, name
):
    assert _count_after(client.get(url).get_data(as_text=True), name) == 1
    member = login_as(make_user(org="GT"))
    assert _count_after(member.get(url).get_data(as_text=True), name) == 2


@pytest.mark.parametrize(
    "url",
    [
        "/browse/topics/" + PILLAR,
        "/browse/countries/MX",
        "/browse/types/guidance",
        f"/browse/years/{datetime.now(UTC).year}",
    ],
)
def test_listings_show_only_what_the_reader_may_open(client, login_as, members_only_and_public, app, url):
    if url.endswith(str(datetime.now(UTC).year)) and datetime.now(UTC).timetuple().tm_yday == 1:
        pytest.skip("yesterday's documents belong to last year on the first of January")
    page = client.get(url).get_data(as_text=True)
    assert "Public guidance" in page and "Members-only guidance" not in page
    assert "1 published document," in page
    observer = login_as(make_user(kind=OrganizationKind.OBSERVER_STATE))
    assert "Members-only guidance" not in observer.get(url).get_data(as_text=True)
    member = login_as(make_user(org="GT"))
    assert "Members-only guidance" in member.get(url).get_data(as_text=True)


def test_organization_listing_leaves_out_members_only_documents(client, members_only_and_public):
    page = client.get(f"/browse/organizations/{organization('MX').id}").get_data(as_text=True)
    assert "Public guidance" in page and "Members-only guidance" not in page


def test_listing_never_shows_unpublished_work_even_to_its_organization(login_as, app):
    make_document(status=DocumentStatus.SUBMITTED, countries=("MX",), title="Still under review")
    author = login_as(make_user(org="MX"))
    assert "Still under review" not in author.get("/browse/countries/MX").get_data(as_text=True)


@on_both_databases
def test_listing_is_newest_first_twenty_to_a_page(client, app):
    now = datetime.now(UTC)
    for day in range(21):
        make_document(
            title=f"Report from {day} days ago", countries=("GT",), published_at=now - timedelta(days=day + 1)
        )
    first = client.get("/browse/countries/GT").get_data(as_text=True)
    assert _titles(first) == [f"Report from {day} days ago" for day in range(20)]
    assert "21 published documents" in first and 'rel="next"' in first
    second = client.get("/browse/countries/GT?page=2").get_data(as_text=True)
    assert _titles(second) == ["Report from 20 days ago"]
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_listing_takes_the_same_number_of_queries_for_many_documents(app):
    def queries_for_listing() -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            db.session.expire_all()
            browse.listing(None, country="HN")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    make_document(countries=("HN",), tags=("gender",))
    few = queries_for_listing()
    for _ in range(15):
        make_document(countries=("HN", "SV"), tags=("gender", PILLAR))
    assert queries_for_listing() == few


@on_both_databases
def test_a_type_listing_narrows_by_year(client, app):
    make_document(
        doc_type=DocType.EXPERIENCE,
        title="Experience of 2021",
        published_at=datetime(2021, 6, 1, tzinfo=UTC),
    )
    make_document(
        doc_type=DocType.EXPERIENCE,
        title="Experience of 2022",
        published_at=datetime(2022, 6, 1, tzinfo=UTC),
    )
    page = client.get("/browse/types/experience?year=2021").get_data(as_text=True)
    assert "Experience of 2021" in page and "Experience of 2022" not in page
    overview = client.get("/browse/types").get_data(as_text=True)
    assert "/browse/types/experience?year=2022" in overview


def test_countries_list_member_states_then_observer_states_then_others(client, app):
    make_document(countries=("ES",))
    page = client.get("/browse/countries").get_data(as_text=True)
    # Canada (a member) before Argentina (an observer) before Spain (neither).
    assert page.index("Canada") < page.index("Argentina") < page.index("Spain")
    assert page.index("Member states") < page.index("Observer states") < page.index("Other countries")


def test_organizations_are_grouped_by_kind(client, app):
    make_document(org="IOM")
    page = client.get("/browse/organizations").get_data(as_text=True)
    assert page.index("Member states") < page.index("Observer states") < page.index("Observer organizations")
    assert page.index("Observer organizations") < page.index("International Organization for Migration")


@pytest.mark.parametrize(
    "url",
    [
        "/browse/topics/no-such-topic",
        "/browse/countries/XX",
        "/browse/organizations/999999",
        "/browse/types/novel",
    ],
)
def test_unknown_names_are_not_found(client, app, url):
    assert client.get(url).status_code == 404


def test_browse_pages_speak_spanish_with_spanish_names(client, app):
    make_document(tags=(PILLAR,), countries=("MX",), doc_type=DocType.GUIDANCE)
    headers = {"Accept-Language": "es"}
    assert "Derechos humanos de las personas migrantes" in client.get("/browse/", headers=headers).get_data(
        as_text=True
    )
    assert "México" in client.get("/browse/countries", headers=headers).get_data(as_text=True)
    listing = client.get("/browse/countries/MX", headers=headers).get_data(as_text=True)
    assert "Orientación" in listing and "1 documento publicado" in listing


def test_a_spanish_summary_on_an_english_page_is_marked_as_spanish(client, app):
    make_document(
        language=Language.ES, title="Protocolo consular", summary="Un resumen en español.", countries=("MX",)
    )
    page = client.get("/browse/countries/MX", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert '<p class="summary" lang="es">Un resumen en español.</p>' in page


def test_home_shows_what_is_new_the_pillars_and_the_presidency(client, app):
    from rcm_exchange.services import reference_data

    reference_data.set_presidency(datetime.now().year, "GT")
    make_document(title="Fresh practice", visibility=Visibility.PUBLIC)
    make_document(title="Hidden practice", visibility=Visibility.MEMBERS)
    page = client.get("/").get_data(as_text=True)
    assert "Fresh practice" in page and "Hidden practice" not in page
    assert f'href="/browse/topics/{PILLAR}"' in page
    assert "Presidency Pro-Tempore" in page and "Guatemala" in page


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_topic_without_a_description_shows_none_on_its_page_or_in_the_api(client, app, language):
    # "gender" has no description in either language in the reference data; "integration"
    # gets one in English only, which a Spanish reader is shown.
    from rcm_exchange.models import Tag
    from tests.clients import api_client

    integration = db.session.scalar(select(Tag).where(Tag.slug == "integration"))
    integration.description_en, integration.description_es = "Living together.", ""
    db.session.commit()
    make_document(tags=("gender", "integration"))
    headers = {"Accept-Language": language}
    page = client.get("/browse/topics/gender", headers=headers).get_data(as_text=True)
    assert 'class="lead"' not in page and "bound method" not in page
    page = client.get("/browse/topics/integration", headers=headers).get_data(as_text=True)
    assert '<p class="lead">Living together.</p>' in page
    tags = {t["slug"]: t for t in api_client(app).get("/api/v1/tags", headers=headers).get_json()}
    assert (tags["gender"]["description"], tags["integration"]["description"]) == ("", "Living together.")
