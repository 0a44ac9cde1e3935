"""A list longer than any page offers (a search's topics or countries, a document's,
the meetings of a document) is refused with the field's message in the reader's
language, never a server error; a list of the most that is allowed is taken."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from rcm_exchange.extensions import db
from rcm_exchange.models import Document, Role
from rcm_exchange.schemas import MAX_LIST_VALUES
from tests.builders import make_user, publish
from tests.conftest import on_both_databases

# What a reader is told, by what the list holds and in each language.
MESSAGES = {
    "topics": {
        "en": f"Choose no more than {MAX_LIST_VALUES} topics.",
        "es": f"Elija {MAX_LIST_VALUES} temas como máximo.",
    },
    "countries": {
        "en": f"Choose no more than {MAX_LIST_VALUES} countries.",
        "es": f"Elija {MAX_LIST_VALUES} países como máximo.",
    },
    "meetings": {
        "en": f"Choose no more than {MAX_LIST_VALUES} meetings.",
        "es": f"Elija {MAX_LIST_VALUES} reuniones como máximo.",
    },
}
HOLDS = {"tag": "topics", "tags": "topics", "country": "countries", "countries": "countries"}
COUNTRY_CODES = [f"{a}{b}" for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]


def _what_the_reader_is_told(response) -> str:
    if response.is_json:
        return " ".join(text for texts in response.get_json()["errors"].values() for text in texts)
    return response.get_data(as_text=True)


def _query(name: str, count: int) -> str:
    values = [f"topic-{i}" if name == "tag" else COUNTRY_CODES[i % len(COUNTRY_CODES)] for i in range(count)]
    return "&".join(f"{name}={value}" for value in values)


@on_both_databases
@pytest.mark.parametrize("path", ["/search", "/api/v1/documents", "/feeds/documents.atom"])
@pytest.mark.parametrize("name", ["tag", "country"])
def test_a_search_filtered_by_more_values_than_allowed_is_refused_in_the_readers_language(
    app, client, path, name
):
    publish(title="Retorno asistido")
    for language, message in MESSAGES[HOLDS[name]].items():
        # 1,500 of them once took the search index past Python's recursion limit.
        for count in (MAX_LIST_VALUES + 1, 1_500):
            response = client.get(f"{path}?{_query(name, count)}", headers={"Accept-Language": language})
            assert response.status_code == 422, (language, count)
            assert message in _what_the_reader_is_told(response), (language, count)
    assert client.get(f"{path}?{_query(name, MAX_LIST_VALUES)}").status_code == 200


@on_both_databases
@pytest.mark.parametrize("field", ["tags", "countries"])
def test_a_document_with_more_topics_or_countries_than_allowed_is_refused_and_not_saved(
    app, api_client, field
):
    api = api_client(make_user(org="MX"))
    values = (
        ["trafficking-in-persons"] * (MAX_LIST_VALUES + 1)
        if field == "tags"
        else ["MX"] * (MAX_LIST_VALUES + 1)
    )
    response = api.post(
        "/api/v1/documents",
        json={
            "title": "Una guía",
            "summary": "Resumen.",
            "body_html": "<p>Texto.</p>",
            "doc_type": "guidance",
            "language": "es",
            "visibility": "public",
            field: values,
        },
        headers={"Accept-Language": "es"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][field] == [MESSAGES[HOLDS[field]]["es"]]
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


@on_both_databases
def test_a_document_presented_at_more_meetings_than_allowed_is_refused(app, api_client):
    document = publish(title="Lineamientos regionales")
    api = api_client(make_user(role=Role.MODERATOR, org="TS"))
    response = api.put(
        f"/api/v1/documents/{document.id}/forum",
        json={
            "standing": None,
            "presented_at": list(range(1, MAX_LIST_VALUES + 2)),
            "version": document.version,
        },
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["presented_at"] == [MESSAGES["meetings"]["en"]]
