"""What the search box understands: filters typed with the words, names of tags,
countries and organizations, corrections that act and words a result lacks."""

from __future__ import annotations

import pytest

from rcm_exchange.errors import ValidationFailed
from rcm_exchange.models import Language, Visibility
from rcm_exchange.services import search
from rcm_exchange.services.search import SearchParams
from tests.builders import make_document


def searched(q: str, **params) -> search.SearchPage:
    return search.search_documents(None, SearchParams(q=q, **params))


def found(q: str, **params) -> list[int]:
    return [item.document.id for item in searched(q, **params).items]


@pytest.fixture
def consular(app):
    tagged = make_document(
        title="Registro de connacionales en el exterior",
        language=Language.ES,
        tags=("consular-protection",),
        countries=("GT",),
        org="GT",
    )
    other = make_document(title="Protección consular en tránsito", language=Language.ES, countries=("MX",))
    return tagged, other


def test_a_typed_tag_becomes_the_tag_filter_and_leaves_the_words(app, consular):
    tagged, _other = consular
    page = searched("proteccion consular tag:consular-protection")
    assert [item.document.id for item in page.items] == [tagged.id]
    assert (page.params.q, page.params.tag) == ("proteccion consular", ["consular-protection"])


@pytest.mark.parametrize(
    "q",
    [
        "tema:protección-consular",
        'tag:"Consular protection"',
        "pais:Guatemala",
        "country:gt",
        'country:"Guatemala"',
        "org:GT",
        "lang:es registro",
        "idioma:español registro",
        "year:" + "{year}",
        "type:practice_report registro",
        'tipo:"informe de práctica" registro',
    ],
)
def test_filters_typed_by_name_or_code_in_either_language_find_the_document(app, consular, q):
    tagged, _other = consular
    q = q.replace("{year}", str(tagged.published_at.year))
    assert tagged.id in found(q)


def test_an_unknown_field_or_value_is_refused_with_a_message_saying_which(app, consular):
    for q, message in (
        ("asilo visibility:members", "“visibility:” is not a search filter"),
        ("tag:no-such-topic", "No topic is called “no-such-topic”"),
        ("country:Atlantis", "No country is called “Atlantis”"),
        ("year:soon", "“soon” is not a year"),
        ("lang:fr", "not a language of the documents"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            searched(q)
        assert message in refused.value.errors["q"][0], q


def test_the_search_page_shows_typed_filters_as_removable_chips(client, consular):
    tagged, other = consular
    response = client.get("/search", query_string={"q": "proteccion consular tag:consular-protection"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="filter-chips"' in page and "Consular protection" in page
    assert 'value="proteccion consular"' in page  # the box keeps the words
    assert "tag=consular-protection" not in page.split('class="filter-chips"')[1].split("</ul>")[0]
    assert tagged.title in page and other.title not in page


def test_the_search_page_explains_a_filter_that_names_nothing(client, consular):
    response = client.get("/search", query_string={"q": "asilo tag:no-such-topic"})
    assert response.status_code == 422
    assert "No topic is called “no-such-topic”" in response.get_data(as_text=True)


def test_tag_country_and_organization_names_are_words_in_both_languages(app):
    document = make_document(
        title="Informe anual",
        body_html="<p>Casos atendidos.</p>",
        language=Language.ES,
        tags=("migrant-smuggling",),
        countries=("CA",),
        org="GT",
    )
    for q in ("smuggling", "trafico ilicito de migrantes", "canada", "Canadá", "Guatemala"):
        assert found(q) == [document.id], q


def test_a_name_never_finds_a_document_the_reader_may_not_see(app):
    make_document(title="Informe reservado", tags=("migrant-smuggling",), visibility=Visibility.MEMBERS)
    page = searched("smuggling")
    assert (page.items, page.total, page.facets["tags"]) == ([], 0, {})


def test_a_misspelt_query_shows_the_results_of_its_correction_and_offers_the_exact_one(client):
    document = make_document(title="Remittances and financial inclusion")
    page = searched("remitances")
    assert (page.corrected, page.suggestion, [i.document.id for i in page.items]) == (
        True,
        "remittances",
        [document.id],
    )
    html = client.get("/search", query_string={"q": "remitances"}).get_data(as_text=True)
    assert "Showing results for <strong><em>remittances</em></strong>; search instead for" in html
    assert "exact=1" in html
    exact = client.get("/search", query_string={"q": "remitances", "exact": "1"}).get_data(as_text=True)
    assert "Did you mean:" in exact and document.title not in exact


def test_a_result_holding_most_of_the_words_says_which_it_lacks(client):
    complete = make_document(title="Albergues para migrantes en la frontera sur", language=Language.ES)
    partial = make_document(title="Albergues en la frontera norte", language=Language.ES)
    page = searched("albergues migrantes frontera sur")
    assert [(i.document.id, i.missing) for i in page.items] == [
        (complete.id, []),
        (partial.id, ["migrantes", "sur"]),
    ]
    html = client.get("/search", query_string={"q": "albergues migrantes frontera sur"}).get_data(
        as_text=True
    )
    assert "Results without: migrantes, sur" in html


@pytest.mark.parametrize(
    ("query", "language"),
    [
        ({"year": "2021"}, "en"),
        ({"q": "registro", "year": "2021"}, "es"),
        ({"organization": "{gt}"}, "en"),
        ({"q": "registro year:2021"}, "en"),
        ({"q": "registro año:2021"}, "es"),
        ({"q": "registro org:GT"}, "en"),
        ({"q": "organizacion:Guatemala registro"}, "es"),
    ],
)
def test_a_search_narrowed_by_year_or_organization_shows_its_results(client, app, query, language):
    from datetime import UTC, datetime

    from tests.builders import organization

    kept = make_document(
        title="Registro consular de 2021", org="GT", published_at=datetime(2021, 5, 1, tzinfo=UTC)
    )
    make_document(title="Registro consular de 2022", org="MX", published_at=datetime(2022, 5, 1, tzinfo=UTC))
    query = {key: value.format(gt=organization("GT").id) for key, value in query.items()}
    response = client.get("/search", query_string=query, headers={"Accept-Language": language})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert kept.title in page and "Registro consular de 2022" not in page
    # The sort form carries the filter on, as text.
    narrowed = {
        "year": 'name="year" value="2021"',
        "organization": f'name="organization" value="{kept.organization_id}"',
    }
    assert any(field in page for field in narrowed.values())
