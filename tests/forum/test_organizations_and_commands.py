"""Organizations kept by the Secretariat, the API's new resources and the operator's commands."""

from __future__ import annotations

from rcm_exchange.extensions import db
from rcm_exchange.models import Organization, OrganizationKind, Role, Visibility
from rcm_exchange.services import accounts
from tests.builders import make_document, make_user


def test_an_admin_adds_a_civil_society_network_and_its_kind_change_takes_effect_on_the_next_request(
    app, login_as
):
    admin = make_user(role=Role.ADMIN)
    browser = login_as(admin)
    response = browser.post_form(
        "/secretariat/organizations/new",
        {
            "acronym": "REDLAC",
            "name": "Latin American Network",
            "name_es": "Red Latinoamericana",
            "kind": "civil_society",
            "active": "true",
        },
    )
    assert response.status_code == 302
    network = accounts.organization_by_acronym("REDLAC")
    assert (network.kind, network.name_es, network.active) == (
        OrganizationKind.CIVIL_SOCIETY,
        "Red Latinoamericana",
        True,
    )
    member = make_user(org="REDLAC")
    document = make_document(org="MX", visibility=Visibility.MEMBERS, title="Members only")
    reader = login_as(member)
    assert reader.get(f"/documents/{document.id}").status_code == 404
    response = browser.post_form(
        f"/secretariat/organizations/{network.id}",
        {
            "acronym": "REDLAC",
            "name": "Latin American Network",
            "name_es": "Red Latinoamericana",
            "kind": "member_state",
            "country": "PA",
            "active": "true",
        },
    )
    assert response.status_code == 302
    assert reader.get(f"/documents/{document.id}").status_code == 200  # the same session, next request


def test_a_state_needs_its_country_and_acronyms_are_unique(app, login_as):
    browser = login_as(make_user(role=Role.ADMIN))
    response = browser.post_form(
        "/secretariat/organizations/new",
        {"acronym": "MX", "name": "X", "name_es": "X", "kind": "observer_state"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already uses this acronym" in text and "recorded with its country" in text
    assert login_as(make_user(role=Role.MODERATOR)).get("/secretariat/organizations").status_code == 403


def test_the_api_creates_and_changes_organizations_for_admins_only(app, api_client):
    admin = api_client(make_user(role=Role.ADMIN))
    created = admin.post(
        "/api/v1/organizations",
        json={
            "acronym": "CARIBNET",
            "name": "Caribbean Migrant Network",
            "name_es": "Red Caribeña",
            "kind": "civil_society",
        },
    )
    assert created.status_code == 201 and created.get_json()["active"] is True
    changed = admin.patch(f"/api/v1/organizations/{created.get_json()['id']}", json={"active": False})
    assert changed.status_code == 200 and changed.get_json()["active"] is False
    assert (
        api_client(make_user(org="MX"))
        .post(
            "/api/v1/organizations",
            json={"acronym": "X", "name": "X", "name_es": "X", "kind": "civil_society"},
        )
        .status_code
        == 403
    )


def test_the_api_curates_tags_and_records_meetings_and_calls(app, api_client):
    secretariat = api_client(make_user(role=Role.MODERATOR))
    created = secretariat.post(
        "/api/v1/tags",
        json={"slug": "labour-rights", "name_en": "Labour rights", "name_es": "Derechos laborales"},
    )
    assert created.status_code == 201 and created.get_json()["retired"] is False
    make_document(tags=("labour-rights",))
    merged = secretariat.post("/api/v1/tags/labour-rights/merge", json={"into": "labour-migration"})
    assert merged.status_code == 200 and merged.get_json()["moved"] == 1
    again = secretariat.post("/api/v1/tags/labour-rights/merge", json={"into": "gender"})
    assert again.status_code == 409
    meeting = secretariat.post(
        "/api/v1/meetings",
        json={
            "body": "rcgm",
            "number": 31,
            "starts_on": "2024-06-12",
            "ends_on": "2024-06-13",
            "place": "San José",
            "host_country": "CR",
            "ppt_year": 2024,
            "theme_en": "Pathways",
            "theme_es": "Vías",
        },
    )
    assert meeting.status_code == 201 and meeting.get_json()["slug"] == "rcgm-31"
    assert (
        api_client().get("/api/v1/meetings", query_string={"ppt_year": 2024}).get_json()[0]["place"]
        == "San José"
    )
    call = secretariat.post(
        "/api/v1/calls",
        json={
            "theme_en": "T",
            "theme_es": "T",
            "criteria_en": "C",
            "criteria_es": "C",
            "opens_on": "2026-01-01",
            "closes_on": "2099-01-01",
            "ppt_year": 2026,
            "answerable_by": ["member_state"],
        },
    )
    assert call.status_code == 201 and call.get_json()["is_open"] is True
    assert api_client(make_user(org="MX")).post("/api/v1/meetings", json={}).status_code in (403, 422)


def test_the_openapi_document_lists_the_new_resources(app, api_client):
    paths = api_client().get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/tags/{slug}/merge",
        "/api/v1/organizations/{organization_id}",
        "/api/v1/bodies",
        "/api/v1/meetings",
        "/api/v1/meetings/{meeting_id}",
        "/api/v1/documents/{document_id}/forum",
        "/api/v1/calls",
        "/api/v1/calls/{call_id}/answers",
        "/api/v1/calls/{call_id}/counts",
    ):
        assert path in paths, path


def test_operator_commands_for_tags_organizations_and_meetings(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["rcm", "tag-add", "labour-rights", "--en", "Labour rights", "--es", "Derechos laborales"]
    )
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["rcm", "tag-edit", "labour-rights", "--retire"]).exit_code == 0
    merged = runner.invoke(args=["rcm", "tag-merge", "gender", "integration"])
    assert merged.exit_code == 0 and "0 documents moved" in merged.output
    bad = runner.invoke(args=["rcm", "tag-add", "Bad Slug", "--en", "x", "--es", "y"])
    assert bad.exit_code != 0 and "slug:" in bad.output
    assert (
        runner.invoke(
            args=[
                "rcm",
                "org-add",
                "REDLAC",
                "--name",
                "Network",
                "--name-es",
                "Red",
                "--kind",
                "civil_society",
            ]
        ).exit_code
        == 0
    )
    assert runner.invoke(args=["rcm", "org-edit", "REDLAC", "--inactive"]).exit_code == 0
    assert db.session.query(Organization).filter_by(acronym="REDLAC").one().active is False
    meeting = runner.invoke(
        args=[
            "rcm",
            "meeting-add",
            "rcgm",
            "31",
            "--starts",
            "2024-06-12",
            "--ends",
            "2024-06-13",
            "--place",
            "San José",
            "--host",
            "CR",
            "--ppt-year",
            "2024",
        ]
    )
    assert meeting.exit_code == 0 and "rcgm-31" in meeting.output
    clash = runner.invoke(
        args=[
            "rcm",
            "meeting-add",
            "rcgm",
            "31",
            "--starts",
            "2024-06-12",
            "--ends",
            "2024-06-13",
            "--place",
            "X",
            "--ppt-year",
            "2024",
        ]
    )
    assert clash.exit_code != 0 and "already has a meeting" in clash.output
