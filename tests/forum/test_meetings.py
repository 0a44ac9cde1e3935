"""RCM bodies and meetings, a document's standing and meeting links, and the meeting
pages, searches and counts that go through the one access policy."""

from __future__ import annotations

import json

import pytest

from rcm_exchange.errors import Forbidden, StaleVersion
from rcm_exchange.extensions import db
from rcm_exchange.models import DocumentStatus, OrganizationKind, Role, Standing
from rcm_exchange.services import meetings, search
from tests.builders import PA, SEC, M, P, link_document, make_document, make_meeting, make_reader, make_user
from tests.conftest import on_both_databases

READERS = {
    "anonymous": None,
    "civil_society": dict(kind=OrganizationKind.CIVIL_SOCIETY),
    "observer_state": dict(kind=OrganizationKind.OBSERVER_STATE),
    "other_member": dict(org="GT"),
    "same_org": dict(org="MX"),
    "moderator": dict(role=Role.MODERATOR),
}
# Which of a Mexican public, participants, members and secretariat document each reader sees.
SEES = {
    "anonymous": {P},
    "civil_society": {P, PA},
    "observer_state": {P, PA},
    "other_member": {P, PA, M},
    "same_org": {P, PA, M, SEC},
    "moderator": {P, PA, M, SEC},
}


@pytest.fixture
def linked(app):
    """A meeting with one published document of each visibility presented at it, a draft,
    and an RCM declaration adopted at it."""
    meeting = make_meeting(body="rcgm", number=31, ppt_year=2024)
    presented = {
        v: make_document(visibility=v, org="MX", title=f"Presented {v.value}") for v in (P, PA, M, SEC)
    }
    draft = make_document(status=DocumentStatus.DRAFT, visibility=P, org="MX", title="Presented draft")
    for document in [*presented.values(), draft]:
        link_document(document, standing=Standing.NATIONAL_PRACTICE, presented_at=[meeting])
    declaration = link_document(
        make_document(visibility=P, org="TS", title="Declaration"),
        standing=Standing.DECLARATION,
        adopted_at=[meeting],
    )
    return meeting, presented, declaration


@pytest.mark.parametrize("reader", READERS)
def test_a_meeting_page_lists_and_counts_only_what_the_reader_may_see(app, linked, reader, login_as, client):
    meeting, presented, declaration = linked
    user = make_reader(READERS[reader])
    browser = client if user is None else login_as(user)
    page = meetings.meeting_page(user, meeting.id)
    expected = {presented[v].id for v in SEES[reader]}
    assert {d.id for d in page.presented.items} == expected and page.presented.total == len(expected)
    assert [d.id for d in page.adopted] == [declaration.id]
    html = browser.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Presented draft" not in html
    for visibility, document in presented.items():
        assert (document.title in html) is (visibility in SEES[reader])


@pytest.mark.parametrize("reader", READERS)
def test_search_facets_by_meeting_body_standing_and_year_count_only_what_the_reader_may_see(
    app, linked, reader, api_client
):
    meeting, _presented, _declaration = linked
    user = make_reader(READERS[reader])
    visible = len(SEES[reader])
    result = search.search_documents(user, search.SearchParams(meeting=meeting.id))
    assert result.total == visible + 1  # and the declaration
    assert result.facets["meeting"] == {str(meeting.id): visible + 1}
    assert result.facets["body"] == {"rcgm": visible + 1}
    assert result.facets["ppt_year"] == {"2024": visible + 1}
    assert result.facets["standing"] == {"national_practice": visible, "declaration": 1}
    assert not any(":" in key for key in result.facets["tags"])  # the keywords never pose as tags
    national = search.search_documents(user, search.SearchParams(standing="national_practice", body="rcgm"))
    assert national.total == visible
    client = api_client(user) if user is not None else api_client()
    body = client.get("/api/v1/documents", query_string={"ppt_year": 2024}).get_json()
    assert body["total"] == visible + 1 and body["facets"]["body"] == {"rcgm": visible + 1}


def test_a_document_shows_its_standing_and_meetings_on_its_page_and_in_the_api(
    app, linked, client, api_client
):
    meeting, _presented, declaration = linked
    html = client.get(f"/documents/{declaration.id}").get_data(as_text=True)
    assert "RCM declaration" in html and "Adopted at" in html and f"/meetings/{meeting.id}" in html
    item = api_client().get(f"/api/v1/documents/{declaration.id}").get_json()
    assert item["standing"] == "declaration"
    assert item["meetings"] == [{"meeting": "rcgm-31", "role": "adopted_at"}]


def test_only_the_secretariat_records_a_documents_place_and_a_stale_version_is_refused(app):
    document = make_document()
    meeting = make_meeting()
    contributor = make_user(org="MX")
    with pytest.raises(Forbidden):
        meetings.set_forum_record(
            contributor,
            document,
            standing=Standing.NATIONAL_PRACTICE,
            presented_at=[meeting.id],
            adopted_at=[],
            version=document.version,
        )
    moderator = make_user(role=Role.MODERATOR)
    with pytest.raises(StaleVersion):
        meetings.set_forum_record(
            moderator, document, standing=None, presented_at=[], adopted_at=[], version=document.version - 1
        )


def test_the_secretariat_records_a_documents_place_from_its_page(app, login_as):
    document = make_document(title="A practice")
    meeting = make_meeting(body="vice-ministerial-meeting", number=29, ppt_year=2024)
    browser = login_as(make_user(role=Role.MODERATOR))
    page = browser.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Record the document&#39;s place in the forum" in page or "Record the document's place" in page
    response = browser.post_form(
        f"/documents/{document.id}/forum",
        {"version": document.version, "standing": "vice_ministerial_decision", "adopted_at": str(meeting.id)},
    )
    assert response.status_code == 302
    db.session.refresh(document)
    record = meetings.forum_record(document)
    assert record.standing == Standing.VICE_MINISTERIAL_DECISION and record.adopted_at == [meeting]
    refused = browser.post_form(
        f"/documents/{document.id}/forum", {"version": document.version, "standing": "gossip"}
    )
    assert refused.status_code == 422 and "Choose the document" in refused.get_data(as_text=True)


def test_browsing_meetings_by_body_and_ppt_year(app, client):
    make_meeting(body="rcgm", number=30, ppt_year=2023, theme_en="Labour mobility")
    make_meeting(body="consular-protection-network", number=15, ppt_year=2025, theme_en="Consular help")
    assert "Labour mobility" in client.get("/meetings?body=rcgm").get_data(as_text=True)
    assert "Consular help" not in client.get("/meetings?body=rcgm").get_data(as_text=True)
    by_year = client.get("/meetings?ppt_year=2025").get_data(as_text=True)
    assert "Consular help" in by_year and "Labour mobility" not in by_year
    assert client.get("/meetings?body=nope").status_code == 404


def test_a_meeting_number_is_unique_within_its_body_and_dates_are_in_order(app, login_as):
    make_meeting(body="rcgm", number=30)
    browser = login_as(make_user(role=Role.MODERATOR))
    clash = browser.post_form(
        "/secretariat/meetings/new",
        {
            "body": "rcgm",
            "number": "30",
            "starts_on": "2025-06-12",
            "ends_on": "2025-06-11",
            "place": "X",
            "ppt_year": "2025",
        },
    )
    assert clash.status_code == 422
    assert "ends before it starts" in clash.get_data(as_text=True)


@on_both_databases
def test_export_and_import_carry_standing_and_meeting_links(app, tmp_path):
    meeting = make_meeting(body="rcgm", number=31)
    link_document(make_document(title="Linked"), standing=Standing.REGIONAL_GUIDELINE, adopted_at=[meeting])
    path = tmp_path / "out.jsonl"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["rcm", "export", str(path)]).exit_code == 0
    line = json.loads(path.read_text())
    assert line["standing"] == "regional_guideline"
    assert line["meetings"] == [{"meeting": "rcgm-31", "role": "adopted_at"}]
    line.update(id=None, title="Imported", meetings=[{"meeting": "rcgm-31", "role": "presented_at"}])
    bad = dict(line, title="Bad", meetings=[{"meeting": "rcgm-99", "role": "presented_at"}])
    incoming = tmp_path / "in.jsonl"
    incoming.write_text(json.dumps(line) + "\n" + json.dumps(bad) + "\n")
    result = runner.invoke(args=["rcm", "import", str(incoming)])
    assert result.exit_code == 1 and "in.jsonl:2: meetings: Unknown meeting: rcgm-99." in result.output
    imported = search.search_documents(None, search.SearchParams(meeting=meeting.id, q="Imported"))
    assert [i.document.title for i in imported.items] == ["Imported"]
