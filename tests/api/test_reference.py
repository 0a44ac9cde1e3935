"""Tags, organizations and countries."""

from __future__ import annotations

from rcm_exchange.models import DocumentStatus, Visibility
from tests.builders import make_document, make_user


def test_tag_counts_count_only_what_the_caller_may_see(app, api_client):
    make_document(visibility=Visibility.PUBLIC, tags=("trafficking-in-persons",))
    make_document(visibility=Visibility.MEMBERS, tags=("trafficking-in-persons",))
    make_document(status=DocumentStatus.DRAFT, visibility=Visibility.PUBLIC, tags=("trafficking-in-persons",))

    def count(client):
        return {t["slug"]: t["count"] for t in client.get("/api/v1/tags").get_json()}[
            "trafficking-in-persons"
        ]

    assert count(api_client()) == 1
    assert count(api_client(make_user(org="CO"))) == 1  # an observer state sees no members-only
    assert count(api_client(make_user(org="GT"))) == 2
    assert count(api_client(make_user(role="moderator"))) == 2  # drafts are never counted


def test_tags_have_the_contract_fields(app, api_client):
    tags = api_client().get("/api/v1/tags").get_json()
    assert set(tags[0]) == {
        "slug",
        "name_en",
        "name_es",
        "description",
        "description_en",
        "description_es",
        "is_pillar",
        "position",
        "retired",
        "merged_into",
        "updated_at",
        "count",
    }


def test_organizations_name_states_by_country_code(app, api_client):
    organizations = {o["acronym"]: o for o in api_client().get("/api/v1/organizations").get_json()}
    assert organizations["MX"]["kind"] == "member_state"
    assert organizations["MX"]["country"] == "MX"
    assert organizations["IOM"]["country"] is None
    assert set(organizations["TS"]) == {"id", "name", "acronym", "kind", "country", "name_es", "active"}


def test_countries_say_their_rcm_status(app, api_client):
    countries = {c["code"]: c for c in api_client().get("/api/v1/countries").get_json()}
    assert countries["GT"]["rcm_status"] == "member"
    assert countries["CO"]["rcm_status"] == "observer"
    assert countries["FR"]["rcm_status"] is None
    assert countries["MX"]["name_es"] == "México"
