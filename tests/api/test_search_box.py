"""The API's side of the search box: typed filters, the words a result lacks, corrections."""

from __future__ import annotations

from rcm_exchange.models import Language
from tests.builders import make_document


def test_the_api_refuses_a_typed_filter_that_names_nothing(app, api_client):
    response = api_client().get("/api/v1/documents", query_string={"q": "country:Atlantis"})
    assert response.status_code == 422
    assert "Atlantis" in response.get_json()["errors"]["q"][0]


def test_the_api_lists_the_words_a_result_lacks_and_whether_it_was_corrected(app, api_client):
    make_document(title="Albergues en la frontera norte", language=Language.ES)
    body = (
        api_client()
        .get("/api/v1/documents", query_string={"q": "albergues migrantes frontera sur"})
        .get_json()
    )
    assert (body["corrected"], body["items"][0]["missing_words"]) == (False, ["migrantes", "sur"])
