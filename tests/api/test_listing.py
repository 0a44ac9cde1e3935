"""GET /api/v1/documents: filters, paging and facets over what the caller may see."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from marshmallow import fields
from sqlalchemy import event, update

from rcm_exchange.api import search_listing
from rcm_exchange.extensions import db
from rcm_exchange.models import DocType, Document, DocumentStatus, Language, Organization, User, Visibility
from rcm_exchange.schemas.documents import DocumentOutSchema
from rcm_exchange.services import search
from tests.builders import make_document, make_user
from tests.conftest import on_both_databases


def _ids(response):
    return [item["id"] for item in response.get_json()["items"]]


@on_both_databases
def test_filters_combine_and_facets_count_only_visible_matches(app, api_client):
    public = make_document(
        title="Retorno asistido",
        tags=("trafficking-in-persons",),
        countries=("GT",),
        language=Language.ES,
        published_at=datetime(2024, 5, 1, tzinfo=UTC),
    )
    members = make_document(
        visibility=Visibility.MEMBERS,
        tags=("trafficking-in-persons",),
        countries=("GT", "MX"),
        published_at=datetime(2025, 2, 1, tzinfo=UTC),
    )
    make_document(status=DocumentStatus.DRAFT, tags=("trafficking-in-persons",), countries=("GT",))
    make_document(doc_type=DocType.GUIDANCE, countries=("HN",))

    anonymous = api_client().get("/api/v1/documents", query_string={"tag": "trafficking-in-persons"})
    assert _ids(anonymous) == [public.id]
    body = anonymous.get_json()
    assert body["total"] == 1
    assert body["facets"]["countries"] == {"GT": 1}
    assert body["facets"]["year"] == {"2024": 1}
    assert body["facets"]["language"] == {"es": 1}
    assert body["suggestion"] is None

    member = api_client(make_user(org="GT"))
    response = member.get(
        "/api/v1/documents", query_string=[("tag", "trafficking-in-persons"), ("country", "GT")]
    )
    assert _ids(response) == [members.id, public.id]  # newest first
    assert response.get_json()["facets"]["countries"] == {"GT": 2, "MX": 1}
    assert _ids(member.get("/api/v1/documents", query_string={"year": 2025})) == [members.id]
    assert _ids(member.get("/api/v1/documents", query_string=[("country", "GT"), ("country", "MX")])) == [
        members.id
    ]
    assert _ids(member.get("/api/v1/documents", query_string={"doc_type": "guidance"})) != []
    assert _ids(member.get("/api/v1/documents", query_string={"q": "retorno"})) == [public.id]


def test_pages_split_the_results(app, api_client):
    made = [make_document(published_at=datetime(2024, 1, day, tzinfo=UTC)) for day in range(1, 6)]
    client = api_client()
    first = client.get("/api/v1/documents", query_string={"per_page": 2}).get_json()
    third = client.get("/api/v1/documents", query_string={"per_page": 2, "page": 3}).get_json()
    assert (first["total"], first["page"], first["per_page"]) == (5, 1, 2)
    assert [i["id"] for i in first["items"]] == [made[4].id, made[3].id]
    assert [i["id"] for i in third["items"]] == [made[0].id]


@pytest.mark.parametrize(
    "query",
    [
        {"per_page": 0},
        {"per_page": 101},
        {"page": 0},
        {"doc_type": "memo"},
        {"language": "de"},
        {"sort": "oldest"},
        {"year": "last"},
    ],
)
def test_bad_parameters_are_422_by_name(app, api_client, query):
    response = api_client().get("/api/v1/documents", query_string=query)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == set(query)


def test_sql_wildcards_in_the_query_match_nothing_special(app, api_client):
    make_document(title="Ordinary title")
    wanted = make_document(title="Coverage reached 100% of shelters")
    for q in ("100%", "100% shelters", "shel_ers"):
        response = api_client().get("/api/v1/documents", query_string={"q": q})
        assert response.status_code == 200
        assert wanted.id not in _ids(response) or q != "shel_ers"
    assert _ids(api_client().get("/api/v1/documents", query_string={"q": "100% shelters"})) == [wanted.id]


def test_a_listed_document_is_the_document_as_its_own_address_shows_it(app, api_client):
    document = make_document(
        title="Protección consular en tránsito",
        tags=("trafficking-in-persons",),
        countries=("GT", "MX"),
        author=make_user(org="GT"),
    )
    client = api_client()
    item = client.get("/api/v1/documents", query_string={"q": "consular"}).get_json()["items"][0]
    assert "<mark>" in " ".join(item.pop("highlights"))
    assert item.pop("missing_words") == []
    assert item == client.get(f"/api/v1/documents/{document.id}").get_json()


def test_a_change_the_index_has_not_caught_up_with_is_listed_as_the_database_has_it(app, api_client):
    document = make_document(title="Retorno asistido")
    client = api_client()
    assert _ids(client.get("/api/v1/documents")) == [document.id]  # indexed, with its listing
    with app.app_context():
        # Written behind the search log's back: the index keeps the old listing.
        db.session.execute(
            update(Document)
            .where(Document.id == document.id)
            .values(title="Retorno voluntario", version=Document.version + 1)
        )
        db.session.commit()
    [item] = client.get("/api/v1/documents").get_json()["items"]
    assert (item["title"], item["version"]) == ("Retorno voluntario", document.version + 1)


def test_a_renamed_organization_or_author_shows_in_the_listing_at_once(app, api_client):
    author = make_user(org="GT")
    document = make_document(author=author)
    client = api_client()
    assert _ids(client.get("/api/v1/documents")) == [document.id]
    with app.app_context():
        db.session.get(Organization, document.organization_id).name = "Guatemala (renamed)"
        db.session.get(User, author.id).name = "Ana Renamed"
        db.session.commit()
    [item] = client.get("/api/v1/documents").get_json()["items"]
    assert item["organization"]["name"] == "Guatemala (renamed)"
    assert item["author"]["name"] == "Ana Renamed"


def test_documents_the_index_lists_current_are_not_loaded_again(app, api_client):
    for _ in range(5):
        make_document(tags=("gender",), countries=("HN",))
    client = api_client()
    client.get("/api/v1/documents")  # indexed, with their listings
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert len(_ids(client.get("/api/v1/documents"))) == 5
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    # What the search log holds, then visibility and freshness: no documents, tags or countries.
    assert len(statements) == 2, statements


@pytest.mark.parametrize("listing", ["", "not json", '{"stamp": 1}', '["a list"]'])
def test_a_hit_without_a_usable_listing_is_listed_from_the_database(app, api_client, listing):
    document = make_document(title="Albergues temporales")
    client = api_client()
    client.get("/api/v1/documents")
    with app.app_context():
        entry = search.index_entry(db.session.get(Document, document.id)) | {"listing": listing}
        search.get_engine().apply([entry], [])
    [item] = client.get("/api/v1/documents").get_json()["items"]
    item.pop("highlights")
    assert item.pop("missing_words") == []
    assert item == client.get(f"/api/v1/documents/{document.id}").get_json()


def test_a_field_added_to_the_api_format_is_listed_for_documents_indexed_before(app, api_client, monkeypatch):
    document = make_document(title="Retorno asistido")
    client = api_client()
    assert _ids(client.get("/api/v1/documents")) == [document.id]  # indexed, with its listing

    class WithAnotherField(DocumentOutSchema):
        reading_minutes = fields.Constant(7)

    monkeypatch.setattr(search_listing, "DocumentOutSchema", WithAnotherField)
    [item] = client.get("/api/v1/documents", query_string={"q": "retorno"}).get_json()["items"]
    assert (item["id"], item["reading_minutes"]) == (document.id, 7)
