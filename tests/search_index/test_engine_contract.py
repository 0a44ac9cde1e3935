"""The behaviour every search engine promises, checked on each backend."""

import re
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest

import search_index
from search_index import AccessFilter, IndexCorrupt, SearchQuery, SearchResult, SearchUnavailable, open_engine
from tests.threads import held_by_another_thread

from .conftest import (
    ANONYMOUS,
    GUATEMALA,
    MEMBER_STATE,
    PARTICIPANT,
    SECRETARIAT_STAFF,
    damage_index,
    drop_index,
    engine_options,
    write_lock_held,
)
from .corpus import (
    BY_ID,
    DOCUMENTS,
    MEMBERS_ONLY_WORDS,
    SCRIPT_TITLE_DOC_ID,
    SECRETARIAT_DOC_ID,
    SECRETARIAT_DOC_OWNER,
    SECRETARIAT_ONLY_WORD,
    documents_visible_to,
)

PUBLIC_IDS = documents_visible_to({"public"})
PARTICIPANT_IDS = documents_visible_to({"public", "participants"}, organization_id=9)


def search(engine, text="", access=PARTICIPANT, **options):
    return engine.search(SearchQuery(access=access, text=text, **options))


def ids(engine, text="", access=PARTICIPANT, **options):
    return [h.id for h in search(engine, text, access, per_page=100, **options).hits]


def a_document(id, title, body="", **fields):  # noqa: A002 - `id` is the document field it fills
    return {
        "id": id,
        "title": title,
        "summary": "",
        "body": body,
        "attachments_text": "",
        "language": "en",
        "doc_type": "guidance",
        "tags": [],
        "countries": [],
        "organization_id": 1,
        "visibility": "public",
        "published_at": datetime(2022, 1, 1, tzinfo=UTC),
        "fingerprint": "f1",
        **fields,
    }


# -- an index's life ----------------------------------------------------------------


def test_a_new_index_is_empty_and_has_applied_no_log(engine):
    assert engine.count() == 0
    assert engine.ids() == set()
    assert engine.last_applied_log_id() == 0
    result = search(engine, "migración")
    assert (result.hits, result.total, result.suggestion) == ([], 0, None)


def test_applying_the_same_batch_twice_changes_nothing(loaded):
    before = search(loaded, "migrantes", per_page=100)
    loaded.apply(DOCUMENTS, [], through_log_id=len(DOCUMENTS))
    after = search(loaded, "migrantes", per_page=100)
    assert loaded.count() == len(DOCUMENTS)
    assert after.total == before.total
    # Scores may shift a little while replaced versions await a merge; the set may not.
    assert {h.id for h in after.hits} == {h.id for h in before.hits}


def test_an_upsert_replaces_the_indexed_version(loaded):
    changed = {
        **BY_ID[22],
        "title": "Remesas digitales y billeteras móviles",
        "summary": "",
        "body": "Billeteras móviles abaratan el envío.",
        "fingerprint": "22-v2",
    }
    loaded.apply([changed], [])
    assert 22 in ids(loaded, "billeteras")
    assert loaded.fingerprints()[22] == "22-v2"
    assert loaded.count() == len(DOCUMENTS)
    assert 22 not in ids(loaded, "cooperatives partnership")


def test_a_deleted_document_is_no_longer_found(loaded):
    loaded.apply([], [38, 9999])
    assert 38 not in loaded.ids()
    assert ids(loaded, "coyotaje") == []
    assert loaded.count() == len(DOCUMENTS) - 1


def test_a_document_both_upserted_and_deleted_in_one_batch_is_deleted(loaded):
    loaded.apply([BY_ID[38]], [38])
    assert 38 not in loaded.ids()


def test_the_last_applied_log_id_is_remembered_across_reopening(make_engine):
    engine = make_engine()
    engine.apply(DOCUMENTS[:3], [], through_log_id=5)
    engine.apply([], [], through_log_id=None)
    assert engine.last_applied_log_id() == 5
    engine.close()
    assert make_engine().last_applied_log_id() == 5


def test_the_batches_of_a_bulk_update_are_all_applied_with_the_last_log_position(loaded):
    changed = {**BY_ID[22], "title": "Remesas digitales y billeteras móviles", "fingerprint": "22-v2"}
    again = {**changed, "title": "Remesas y monederos electrónicos", "fingerprint": "22-v3"}
    with loaded.bulk_update():
        loaded.apply([changed], [38], through_log_id=40)
        loaded.apply([again], [], through_log_id=41)
        loaded.apply([], [], through_log_id=None)
    assert loaded.last_applied_log_id() == 41
    assert 38 not in loaded.ids()
    # Written twice in one update, a document keeps only its last version.
    assert loaded.fingerprints()[22] == "22-v3"
    assert ids(loaded, "billeteras") == [] and ids(loaded, "monederos") == [22]
    assert loaded.count() == len(DOCUMENTS) - 1


def test_a_bulk_load_refills_a_cleared_index(loaded):
    loaded.clear()
    with loaded.bulk_load():
        loaded.apply(DOCUMENTS[:5], [])
        loaded.apply(DOCUMENTS[5:], [])
    loaded.apply([], [], through_log_id=len(DOCUMENTS))
    assert loaded.fingerprints() == {d["id"]: d["fingerprint"] for d in DOCUMENTS}
    assert loaded.last_applied_log_id() == len(DOCUMENTS)
    assert 38 in ids(loaded, "coyotaje")


def test_a_bulk_update_that_writes_nothing_keeps_the_log_position(loaded):
    loaded.apply([], [], through_log_id=7)
    with loaded.bulk_update():
        loaded.apply([], [], through_log_id=None)
    assert loaded.last_applied_log_id() == 7
    assert loaded.count() == len(DOCUMENTS)


def test_an_error_in_a_bulk_update_leaves_its_batches_to_be_applied_again(loaded):
    loaded.apply([], [], through_log_id=7)
    with pytest.raises(RuntimeError), loaded.bulk_update():
        loaded.apply([], [38], through_log_id=8)
        raise RuntimeError("the database went away")
    # An engine may have applied the batch already or not; it never counts it applied
    # without its writes, and applying it again gives the same index.
    assert loaded.last_applied_log_id() in (7, 8)
    assert (loaded.last_applied_log_id() == 8) <= (38 not in loaded.ids())
    loaded.apply([], [38], through_log_id=8)
    assert 38 not in loaded.ids() and loaded.last_applied_log_id() == 8


def test_clear_empties_the_index_and_forgets_the_log(loaded):
    loaded.clear()
    assert loaded.count() == 0
    assert loaded.last_applied_log_id() == 0
    assert search(loaded, "migración").total == 0
    loaded.apply(DOCUMENTS[:2], [], through_log_id=2)
    assert loaded.ids() == {1, 2}


def test_fingerprints_and_ids_list_every_indexed_document(loaded):
    assert loaded.ids() == {d["id"] for d in DOCUMENTS}
    assert loaded.fingerprints() == {d["id"]: d["fingerprint"] for d in DOCUMENTS}


def test_a_document_without_a_timezone_is_refused(engine):
    with pytest.raises(ValueError):
        engine.apply([a_document(1, "x", published_at=datetime(2022, 1, 1))], [])


def test_a_missing_index_is_reported_when_it_may_not_be_created(backend, tmp_path):
    engine = open_engine(backend, **engine_options(backend, tmp_path), create=False)
    try:
        with pytest.raises(IndexCorrupt):
            engine.count()
    finally:
        engine.close()
        drop_index(backend, tmp_path)


def test_a_corrupt_index_is_reported_and_can_be_rebuilt(backend, tmp_path, make_engine):
    engine = make_engine()
    engine.apply(DOCUMENTS, [], through_log_id=1)
    engine.close()
    damage_index(backend, engine)
    reopened = make_engine()
    with pytest.raises(SearchUnavailable):
        search(reopened, "migración")
    reopened.clear()
    reopened.apply(DOCUMENTS[:1], [])
    assert reopened.ids() == {1}


@pytest.mark.parametrize(
    "text", ["migrantes", "trabajadores migrantes proteccion frontera retorno", "migra*"]
)
def test_a_search_past_the_engines_time_limit_ends_as_too_slow_and_the_next_one_answers(loaded, text):
    loaded.time_limit = 0.0
    with pytest.raises(search_index.SearchTooSlow):
        loaded.search(SearchQuery(access=SECRETARIAT_STAFF, text=text))
    loaded.time_limit = search_index.base.SEARCH_TIME_LIMIT
    assert loaded.search(SearchQuery(access=SECRETARIAT_STAFF, text="migrantes")).total > 0
    assert loaded.time_left() is None  # no search is running


def test_an_excluded_word_leaves_out_every_document_holding_it_the_first_ones_too(engine):
    engine.apply(
        [
            a_document(1, "Protección de niños en la frontera", language="es"),
            a_document(2, "Niños migrantes en tránsito", language="es"),
            a_document(3, "Trabajadores migrantes temporales", language="es"),
            a_document(4, "Migrantes y niños no acompañados", language="es"),
        ],
        [],
    )
    for text in ("migrantes -ninos", "migrantes NOT niños", 'migrantes -"ninos"'):
        found = engine.search(SearchQuery(access=SECRETARIAT_STAFF, text=text, correct=False))
        assert [hit.id for hit in found.hits] == [3], text


def test_a_quoted_phrase_finds_its_words_side_by_side_and_not_with_a_word_between(engine):
    engine.apply(
        [
            a_document(1, "Care for unaccompanied children at the border"),
            a_document(2, "Unaccompanied registered children and their families"),
            a_document(3, "Children travelling unaccompanied"),
        ],
        [],
    )
    found = engine.search(
        SearchQuery(access=SECRETARIAT_STAFF, text='"unaccompanied children"', correct=False)
    )
    assert [hit.id for hit in found.hits] == [1]


def test_a_misspelt_word_is_corrected_to_the_word_that_finds_documents_with_the_other_words(engine):
    engine.apply(
        [
            a_document(1, "Permits for seasonal visitors"),
            a_document(2, "Permits and licences at the border"),
            a_document(3, "Permisos de trabajadores temporales", language="es"),
        ],
        [],
    )
    found = engine.search(SearchQuery(access=SECRETARIAT_STAFF, text="permios trabajadores"))
    assert (found.suggestion, found.corrected) == ("permisos trabajadores", True)
    assert [hit.id for hit in found.hits] == [3]


def test_a_word_one_letter_from_a_stop_word_is_not_corrected_to_it(engine):
    engine.apply(
        [
            a_document(
                1,
                "Protocolo para niños no acompañados en la frontera",
                "Sus familias y sus comunidades.",
                language="es",
            ),
            a_document(2, "Informe anual de remesas", "Las remesas y sus efectos.", language="es"),
        ],
        [],
    )
    found = engine.search(SearchQuery(access=SECRETARIAT_STAFF, text="ninos frontera sur"))
    assert found.suggestion is None and not found.corrected
    assert [(hit.id, hit.missing) for hit in found.hits] == [(1, ["sur"])]


def test_a_second_writer_waits_then_reports_unavailable(backend, make_engine):
    engine = make_engine(write_timeout=0.2)
    engine.apply(DOCUMENTS[:1], [])
    with write_lock_held(backend, engine), pytest.raises(SearchUnavailable):
        engine.apply(DOCUMENTS[1:2], [], through_log_id=9)
    assert engine.last_applied_log_id() == 0
    engine.apply(DOCUMENTS[1:2], [], through_log_id=9)
    assert engine.ids() == {1, 2}


# -- matching -------------------------------------------------------------------------


def test_accents_do_not_matter(corpus_engine):
    assert ids(corpus_engine, "educacion") == ids(corpus_engine, "educación")
    assert 36 in ids(corpus_engine, "educacion")
    assert 20 in ids(corpus_engine, "migracion laboral")
    assert 32 in ids(corpus_engine, "DARIEN")


def test_inflected_forms_match(corpus_engine):
    assert {20, 21} <= set(ids(corpus_engine, "trabajador migrante"))
    assert 21 in ids(corpus_engine, "trabajadora")
    assert 6 in ids(corpus_engine, "returnee")


def test_an_irregular_plural_finds_the_singular(engine):
    engine.apply([a_document(1, "Child protection desks"), a_document(2, "Women and work")], [])
    assert ids(engine, "children") == [1]
    assert ids(engine, "woman") == [2]


def test_a_phrase_needs_its_words_side_by_side(corpus_engine):
    assert {11, 14} <= set(ids(corpus_engine, "protection status"))
    assert ids(corpus_engine, '"protection status"') == [14]


def test_a_phrase_with_stop_words_matches_exactly(engine):
    engine.apply([a_document(1, "Trata de personas"), a_document(2, "Trata y personas")], [])
    assert ids(engine, '"trata de personas"') == [1]


def test_a_phrase_is_not_found_where_its_word_pairs_stand_apart(engine):
    engine.apply(
        [
            a_document(1, "La trata de mujeres y el tráfico de personas", language="es"),
            a_document(2, "Protocolo contra la trata de personas", language="es"),
            a_document(3, "Personas de trata", language="es"),
        ],
        [],
    )
    assert ids(engine, '"trata de personas"') == [2]
    assert sorted(ids(engine, '"de personas"')) == [1, 2]


def test_or_finds_either_word(corpus_engine):
    assert ids(corpus_engine, "coyotaje kestrel") == []
    assert {38, 22} <= set(ids(corpus_engine, "coyotaje OR remittances"))


def test_an_excluded_word_removes_documents(corpus_engine):
    assert {38, 39} <= set(ids(corpus_engine, "migrant smuggling"))
    found = ids(corpus_engine, "migrant smuggling -coyotaje")
    assert 39 in found and 38 not in found
    assert 8 not in ids(corpus_engine, 'protocolo -"trata de personas"')


def test_an_exclusion_alone_lists_everything_else(corpus_engine):
    found = set(ids(corpus_engine, "-coyotaje"))
    assert found == PARTICIPANT_IDS - {38}


def test_a_trailing_star_matches_a_prefix(corpus_engine):
    assert {14, 15, 34} <= set(ids(corpus_engine, "regulariz*"))
    assert ids(corpus_engine, "coyot*") == [38]


def test_an_english_query_finds_the_spanish_report_ranked_below_english_ones(corpus_engine):
    found = ids(corpus_engine, "trafficking in persons")
    assert found[0] == 9
    assert 8 in found


def test_a_spanish_query_finds_the_english_report(corpus_engine):
    assert 29 in ids(corpus_engine, "derechos humanos fronteras")
    assert 22 in ids(corpus_engine, "remesas")


def test_title_matches_rank_first(corpus_engine):
    assert ids(corpus_engine, "remittances")[0] == 22


HOSTILE_QUERIES = [
    '"',
    '""',
    '"unclosed phrase',
    "(",
    ")",
    "(migración",
    "AND",
    "OR",
    "NOT",
    "AND OR NOT",
    "*",
    "**",
    "-",
    "--",
    "-*",
    '-"',
    "a*",
    "m*",
    "*migr",
    "visibility:members",
    "visibility:members OR centinela",
    "title:centinela",
    "organization:2",
    "*:*",
    "id:26",
    "migr\x00ación",
    "\x00",
    "\x1b[31mred",
    "\u202emirror",
    "\udc80",
    "💥 migrantes 💥",
    "'; DROP TABLE documents; --",
    "{}[]^~:/\\",
    "<script>alert(1)</script>",
    "a" * 10_000,
    "migración " * 2_000,
    "OR " * 600,
    '"' * 999,
    "x*" * 300,
]


@pytest.mark.parametrize("text", HOSTILE_QUERIES)
def test_no_query_text_ever_raises_or_widens_access(corpus_engine, text):
    result = search(corpus_engine, text, access=ANONYMOUS, per_page=100)
    assert isinstance(result, SearchResult)
    assert {h.id for h in result.hits} <= PUBLIC_IDS
    assert result.total <= len(PUBLIC_IDS)


# -- filters, facets, sorting, paging ---------------------------------------------------

FILTERS = [
    ({"tags": ("remittances",)}, lambda d: "remittances" in d["tags"]),
    ({"tags": ("refugees", "integration")}, lambda d: {"refugees", "integration"} <= set(d["tags"])),
    ({"countries": ("HN",)}, lambda d: "HN" in d["countries"]),
    ({"countries": ("gt",)}, lambda d: "GT" in d["countries"]),
    ({"doc_type": "guidance"}, lambda d: d["doc_type"] == "guidance"),
    ({"language": "en"}, lambda d: d["language"] == "en"),
    ({"year": 2022}, lambda d: d["published_at"].year == 2022),
    ({"organization_id": 1}, lambda d: d["organization_id"] == 1),
]


@pytest.mark.parametrize("options, keep", FILTERS)
def test_filters_keep_only_matching_visible_documents(corpus_engine, options, keep):
    expected = {d["id"] for d in DOCUMENTS if keep(d) and d["id"] in PARTICIPANT_IDS}
    result = search(corpus_engine, "", per_page=100, **options)
    assert {h.id for h in result.hits} == expected
    assert result.total == len(expected)


def expected_facets(found_ids):
    counts = {
        name: Counter() for name in ("tags", "countries", "doc_type", "language", "year", "organization")
    }
    for doc_id in found_ids:
        d = BY_ID[doc_id]
        counts["tags"].update(d["tags"])
        counts["countries"].update(d["countries"])
        counts["doc_type"][d["doc_type"]] += 1
        counts["language"][d["language"]] += 1
        counts["year"][str(d["published_at"].year)] += 1
        counts["organization"][str(d["organization_id"])] += 1
    return {name: dict(c) for name, c in counts.items()}


@pytest.mark.parametrize("text", ["", "migrantes", "protección", "border"])
def test_facets_count_the_documents_found(corpus_engine, text):
    result = search(corpus_engine, text, per_page=100)
    found = {h.id for h in result.hits}
    assert result.total == len(found)
    assert result.facets == expected_facets(found)


@pytest.mark.parametrize("text", ["", "migrantes"])
def test_a_thousand_topics_and_countries_no_document_has_find_nothing_and_raise_nothing(corpus_engine, text):
    # whoosh nested the matchers of so many filters past Python's recursion limit.
    result = search(
        corpus_engine,
        text,
        tags=tuple(f"topic-{i}" for i in range(1_000)),
        countries=tuple(f"{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(400)),
    )
    assert (result.total, result.hits) == (0, [])


def test_the_same_topic_or_country_twice_filters_as_once(corpus_engine):
    once = search(corpus_engine, "", tags=("child-protection",), countries=("MX",), per_page=100)
    assert once.total > 0
    repeated = search(
        corpus_engine, "", tags=("child-protection",) * 600, countries=("MX", "mx") * 300, per_page=100
    )
    assert [h.id for h in repeated.hits] == [h.id for h in once.hits] and repeated.facets == once.facets


def test_facets_follow_the_filters(corpus_engine):
    result = search(corpus_engine, "", countries=("HN",), per_page=100)
    assert result.facets["countries"]["HN"] == result.total
    assert result.facets == expected_facets({h.id for h in result.hits})


@pytest.mark.parametrize("text", ["", "albergues"])
def test_each_facet_counts_its_own_values_and_a_document_without_an_organization_counts_in_the_others(
    engine, text
):
    engine.apply(
        [
            a_document(1, "Albergues en la frontera", language="es", doc_type="practice_report"),
            a_document(
                2, "Albergues temporales", organization_id=None, tags=["asylum"], countries=["MX", "GT"]
            ),
            a_document(
                3,
                "Albergues y asilo",
                organization_id=7,
                tags=["asylum", "return"],
                countries=["GT"],
                published_at=datetime(2019, 5, 1, tzinfo=UTC),
            ),
        ],
        [],
    )
    result = search(engine, text, per_page=100)
    assert result.total == 3
    assert result.facets == {
        "doc_type": {"guidance": 2, "practice_report": 1},
        "language": {"en": 2, "es": 1},
        "year": {"2022": 2, "2019": 1},
        "organization": {"1": 1, "7": 1},
        "tags": {"asylum": 2, "return": 1},
        "countries": {"GT": 2, "MX": 1},
    }


FACETS_ASKED = [(), ("year",), ("tags",), ("countries", "doc_type"), ("organization", "language", "tags")]


@pytest.mark.parametrize("asked", FACETS_ASKED, ids=lambda asked: "+".join(asked) or "none")
@pytest.mark.parametrize(
    ("text", "access"),
    [("", PARTICIPANT), ("", ANONYMOUS), ("migrantes", PARTICIPANT), ("remitances", PARTICIPANT)],
)
def test_a_search_counts_the_facets_asked_for_alike_and_leaves_the_others_empty(
    corpus_engine, text, access, asked
):
    every_facet = search(corpus_engine, text, access, per_page=5)
    only_asked = search(corpus_engine, text, access, per_page=5, facets=asked)
    assert only_asked.total == every_facet.total > 0
    assert [h.id for h in only_asked.hits] == [h.id for h in every_facet.hits]
    assert (only_asked.suggestion, only_asked.corrected) == (every_facet.suggestion, every_facet.corrected)
    assert only_asked.facets == {
        name: every_facet.facets[name] if name in asked else {} for name in search_index.FACET_NAMES
    }
    assert all(only_asked.facets[name] for name in asked if name != "organization")


@pytest.mark.parametrize("asked", FACETS_ASKED, ids=lambda asked: "+".join(asked) or "none")
def test_a_graded_search_counts_the_facets_asked_for_over_every_tier(engine, asked):
    engine.apply(graded_corpus(), [])
    every_facet = search(engine, "albergues frontera sur", ANONYMOUS, per_page=10)
    only_asked = search(engine, "albergues frontera sur", ANONYMOUS, per_page=10, facets=asked)
    assert [(h.id, h.missing) for h in only_asked.hits] == [(h.id, h.missing) for h in every_facet.hits]
    assert only_asked.total == every_facet.total == 3
    assert only_asked.facets == {
        name: every_facet.facets[name] if name in asked else {} for name in search_index.FACET_NAMES
    }


@pytest.mark.parametrize("facets", [("years",), ("tags", "topic"), "tags"])
def test_a_facet_the_index_does_not_have_is_refused_by_name(facets):
    with pytest.raises((ValueError, TypeError), match="facet"):
        SearchQuery(access=PARTICIPANT, facets=facets)


def test_newest_first_without_text(corpus_engine):
    found = ids(corpus_engine, "")
    dates = [BY_ID[i]["published_at"] for i in found]
    assert set(found) == PARTICIPANT_IDS
    assert dates == sorted(dates, reverse=True)


def test_newest_sort_applies_to_a_text_query(corpus_engine):
    found = ids(corpus_engine, "migrantes", sort="newest")
    dates = [BY_ID[i]["published_at"] for i in found]
    assert len(found) > 3 and dates == sorted(dates, reverse=True)


def test_relevance_scores_descend(corpus_engine):
    scores = [h.score for h in search(corpus_engine, "migrantes", per_page=100).hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_pages_cover_the_results_without_overlap(corpus_engine):
    everything = ids(corpus_engine, "migrantes")
    pages = []
    for page in range(1, 20):
        result = search(corpus_engine, "migrantes", page=page, per_page=4)
        assert result.total == len(everything) and result.page == page and result.per_page == 4
        if not result.hits:
            break
        pages.extend(h.id for h in result.hits)
    assert pages == everything


def test_a_page_beyond_the_end_is_empty_but_keeps_the_total(corpus_engine):
    total = search(corpus_engine, "migrantes").total
    result = search(corpus_engine, "migrantes", page=50, per_page=20)
    assert result.hits == [] and result.total == total > 0


# -- highlights, suggestions, related ------------------------------------------------------


def test_highlights_mark_the_words_found_whatever_their_accents(corpus_engine):
    hit = search(corpus_engine, "educacion").hits[0]
    assert hit.id == 36
    assert any("<mark>Educación</mark>" in h for h in hit.highlights)


def test_highlights_escape_everything_but_mark(corpus_engine):
    hit = search(corpus_engine, "script injection").hits[0]
    assert hit.id == SCRIPT_TITLE_DOC_ID
    text = " ".join(hit.highlights)
    assert "&lt;<mark>script</mark>&gt;" in text
    assert "&amp;" in text or "&lt;b&gt;" in text or "alert" in text
    assert re.sub(r"</?mark>", "", text).count("<") == 0


def test_a_misspelt_word_shows_the_results_of_its_correction(corpus_engine):
    result = search(corpus_engine, "remitances")
    assert (result.suggestion, result.corrected) == ("remittances", True)
    assert result.total == search(corpus_engine, "remittances").total > 0
    assert result.hits[0].id in {22, 23}


def test_the_exact_query_asked_for_finds_nothing_and_only_offers_the_correction(corpus_engine):
    result = search(corpus_engine, "remitances", correct=False)
    assert (result.total, result.hits, result.suggestion, result.corrected) == (0, [], "remittances", False)


def test_a_query_with_results_gets_no_suggestion(corpus_engine):
    assert search(corpus_engine, "remittances").suggestion is None


def test_the_listing_given_with_a_document_comes_back_with_its_hit(engine):
    listing = '{"id": 1, "title": "Ni\u00f1ez"} \u2014 any text, kept as it is'
    engine.apply(
        [a_document(1, "Consular protection", listing=listing), a_document(2, "Consular visits")], []
    )
    hits = {hit.id: hit.listing for hit in search(engine, "consular", access=ANONYMOUS).hits}
    assert hits == {1: listing, 2: ""}


def test_a_correct_word_that_the_filters_leave_without_results_gets_no_suggestion(corpus_engine):
    result = search(corpus_engine, "remittances", year=1990)
    assert result.total == 0
    assert result.suggestion is None


def test_related_documents_are_visible_and_exclude_the_document_itself(corpus_engine):
    related = corpus_engine.related(4, ANONYMOUS)
    assert 0 < len(related) <= 5
    assert 4 not in related and set(related) <= PUBLIC_IDS
    assert {2, 3} & set(related)


def test_similar_to_text_finds_a_likely_duplicate(corpus_engine):
    submission = {
        "title": "Citas en línea para solicitantes de asilo",
        "summary": "Un sistema de citas para personas solicitantes de asilo.",
        "body": "Las citas en línea permiten formalizar solicitudes de asilo y recibir un carné provisional.",
    }
    assert corpus_engine.similar_to_text(submission, ANONYMOUS, limit=3)[0] == 12


# -- nothing leaks --------------------------------------------------------------------------

RESTRICTED_WORDS = MEMBERS_ONLY_WORDS + (SECRETARIAT_ONLY_WORD,)


@pytest.mark.parametrize("access", [ANONYMOUS, PARTICIPANT], ids=["anonymous", "participant"])
@pytest.mark.parametrize("word", RESTRICTED_WORDS)
def test_words_of_restricted_documents_find_nothing(corpus_engine, access, word):
    for text in (
        word,
        word[:-1],
        word + "s",
        word[:-2] + "*",
        f"{word} OR migrantes",
        f'"{word}"',
        f"visibility:members {word}",
    ):
        result = search(corpus_engine, text, access=access, per_page=100)
        found = {h.id for h in result.hits}
        assert found <= (PUBLIC_IDS if access is ANONYMOUS else PARTICIPANT_IDS)
        if "OR" not in text:
            assert result.total == 0 and found == set()
            assert all(counts == {} for counts in result.facets.values())
        assert result.suggestion is None or word[:5] not in result.suggestion.lower()


def test_a_member_state_does_not_see_another_organizations_secretariat_document(corpus_engine):
    assert search(corpus_engine, SECRETARIAT_ONLY_WORD, access=MEMBER_STATE).total == 0
    assert search(corpus_engine, "centinela", access=MEMBER_STATE).total == 1


def test_the_owning_organization_sees_its_secretariat_document(corpus_engine):
    assert ids(corpus_engine, "farallon", access=GUATEMALA) == [SECRETARIAT_DOC_ID]
    assert BY_ID[SECRETARIAT_DOC_ID]["organization_id"] == SECRETARIAT_DOC_OWNER
    owner_only = AccessFilter(frozenset(), organization_id=SECRETARIAT_DOC_OWNER)
    assert SECRETARIAT_DOC_ID in ids(corpus_engine, "", access=owner_only)


def test_secretariat_staff_see_everything(corpus_engine):
    assert search(corpus_engine, "", access=SECRETARIAT_STAFF).total == len(DOCUMENTS)


def test_facets_without_text_count_only_visible_documents(corpus_engine):
    result = search(corpus_engine, "", access=ANONYMOUS, per_page=100)
    assert result.total == len(PUBLIC_IDS)
    assert result.facets == expected_facets(PUBLIC_IDS)
    assert "border-management" in result.facets["tags"]  # the public document 29 only
    assert result.facets["tags"]["border-management"] == 1


def test_an_empty_access_filter_sees_nothing(corpus_engine):
    nobody = AccessFilter(frozenset())
    result = search(corpus_engine, "", access=nobody)
    assert (result.total, result.hits) == (0, [])
    assert corpus_engine.related(1, nobody) == []


def test_related_documents_of_a_hidden_document_are_not_shown(corpus_engine):
    assert corpus_engine.related(26, ANONYMOUS) == []
    assert all(i in PUBLIC_IDS for i in corpus_engine.related(25, ANONYMOUS, limit=10))


def test_similar_to_text_respects_access(corpus_engine):
    text = dict(BY_ID[26])
    del text["id"]
    assert 26 not in corpus_engine.similar_to_text(text, ANONYMOUS, limit=10)
    assert 26 in corpus_engine.similar_to_text(text, MEMBER_STATE, limit=10)


def test_a_search_query_always_needs_an_access_filter():
    with pytest.raises(TypeError):
        SearchQuery(access=None)


def test_tier_names_are_the_applications_own(engine):
    engine.apply([a_document(1, "Informe de la asamblea", visibility="delegates")], [])
    assert search(engine, "asamblea").total == 0
    assert search(engine, "asamblea", access=AccessFilter(frozenset({"delegates"}))).total == 1
    with pytest.raises(TypeError):
        AccessFilter("delegates")


def test_a_named_lock_of_an_index_has_one_holder_at_a_time(engine):
    with engine.lock("drain") as held:
        assert held
        with engine.lock("drain") as second:
            assert second is False
        with engine.lock("another") as other:
            assert other
    with engine.lock("drain") as again:
        assert again


def test_a_lock_waited_for_is_taken_when_its_holder_lets_go_and_given_up_after_the_wait(engine):
    with held_by_another_thread(lambda: engine.lock("drain")) as let_go:
        with engine.lock("drain", wait=0.05) as given_up:
            assert given_up is False
        threading.Timer(0.1, let_go.set).start()
        with engine.lock("drain", wait=10) as taken:
            assert taken


def test_each_engine_reads_its_options_from_settings_it_names(backend, tmp_path):
    engine_class = search_index.engine_class(backend)
    options = engine_options(backend, tmp_path)
    settings = {
        "APP_INDEX_DIR": options.get("index_dir"),
        "APP_SEARCH_DSN": options.get("dsn"),
        "APP_SEARCH_SCHEMA": options.get("schema"),
    }
    assert set(engine_class.SETTINGS) >= {
        name.removeprefix("APP_") for name, value in settings.items() if value
    }
    # Options the settings leave out keep the engine's defaults (e.g. postgres's rum).
    assert search_index.engine_options(backend, settings, prefix="APP_").items() >= options.items()
    with pytest.raises(search_index.SettingsError, match="APP_"):
        search_index.engine_options(backend, {}, prefix="APP_")


def test_an_unknown_backend_names_the_known_ones():
    with pytest.raises(ValueError, match="tantivy"):
        open_engine("elastic")


# -- graded matching, corrections that act, names, phrases with small words -------------------


def graded_corpus():
    """Four public documents on one subject and one restricted one."""
    return [
        a_document(
            1,
            "Protocolo consular para niñas, niños y adolescentes no acompañados",
            "Atención consular a la niñez migrante no acompañada en la frontera sur.",
            language="es",
        ),
        a_document(
            2,
            "Niños migrantes en la frontera sur",
            "Albergues para niños migrantes en la frontera sur de México.",
            language="es",
        ),
        a_document(3, "Frontera sur: cooperación aduanera", "Puestos fronterizos y comercio.", language="es"),
        a_document(
            4,
            "Orientation for temporary foreign workers",
            "Pre-arrival sessions for seasonal agricultural workers.",
            tags=["labour-migration"],
            countries=["CA"],
            names=["Labour migration", "Migración laboral", "Canada", "Canadá"],
        ),
        a_document(
            5,
            "Niños migrantes no acompañados: informe reservado",
            "Casos de niños migrantes no acompañados en la frontera sur, con nombres.",
            language="es",
            visibility="members",
            organization_id=2,
        ),
        a_document(
            6,
            "Consular registration of nationals abroad",
            "Registration drives at consulates.",
            names=[
                "Consular protection",
                "Protección consular",
                "International Organization for Migration",
                "IOM",
                "OIM",
            ],
        ),
    ]


def test_documents_holding_most_of_the_words_follow_those_holding_them_all(engine):
    engine.apply(graded_corpus(), [])
    result = search(engine, "ninos migrantes no acompanados frontera sur", access=ANONYMOUS)
    # 1 holds every word (niñez migrante through the thesaurus); 2 lacks one; 3 holds
    # half of them; 5 is not for this reader.
    assert [(h.id, h.missing) for h in result.hits] == [
        (1, []),
        (2, ["acompanados"]),
        (3, ["ninos migrantes", "acompanados"]),
    ]
    assert result.total == 3


def test_a_document_holding_one_word_of_several_is_not_found(engine):
    engine.apply(graded_corpus(), [])
    assert ids(engine, "albergues comercio cooperacion aduanera puestos", access=ANONYMOUS) == [3]


def test_a_document_holding_every_word_ranks_above_those_holding_most(engine):
    engine.apply(graded_corpus(), [])
    result = search(engine, "albergues frontera sur", access=ANONYMOUS)
    assert (result.hits[0].id, result.hits[0].missing) == (2, [])
    assert {h.id: h.missing for h in result.hits[1:]} == {1: ["albergues"], 3: ["albergues"]}


def test_two_words_stay_both_required(engine):
    engine.apply(graded_corpus(), [])
    assert ids(engine, "aduanera albergues", access=ANONYMOUS) == []


def test_phrases_exclusions_and_filters_stay_strict_in_the_graded_tier(engine):
    engine.apply(graded_corpus(), [])
    result = search(engine, '"frontera sur" albergues comercio cooperacion', access=ANONYMOUS)
    assert [(h.id, h.missing) for h in result.hits] == [(3, ["albergues"])]
    assert ids(engine, '"sur frontera" albergues comercio cooperacion', access=ANONYMOUS) == []
    assert set(ids(engine, "albergues frontera sur -mexico", access=ANONYMOUS)) == {1, 3}
    assert ids(engine, "albergues frontera sur", access=ANONYMOUS, language="en") == []


def test_the_graded_tier_counts_and_facets_only_what_the_reader_may_see(engine):
    engine.apply(graded_corpus(), [])
    anonymous = search(engine, "ninos migrantes no acompanados frontera sur", access=ANONYMOUS)
    member = search(
        engine,
        "ninos migrantes no acompanados frontera sur",
        access=AccessFilter(frozenset({"public", "members"})),
    )
    assert 5 in {h.id for h in member.hits} and 5 not in {h.id for h in anonymous.hits}
    assert member.total == anonymous.total + 1
    assert sum(anonymous.facets["language"].values()) == anonymous.total


def test_an_off_topic_query_still_finds_nothing(engine):
    engine.apply(graded_corpus(), [])
    for text in (
        "receta de pollo con arroz y frijoles",
        "football league results season",
        "software licence open source compatible",
    ):
        assert search(engine, text, access=ANONYMOUS).total == 0, text


def test_a_correction_is_searched_only_within_what_the_reader_may_see(engine):
    engine.apply(
        graded_corpus()
        + [a_document(7, "Kestrelmigration", "kestrelmigration kestrelmigration", visibility="members")],
        [],
    )
    result = search(engine, "kestrelmigratoin", access=ANONYMOUS)
    assert (result.total, result.suggestion, result.corrected) == (0, None, False)
    member = search(engine, "kestrelmigratoin", access=AccessFilter(frozenset({"public", "members"})))
    assert (member.suggestion, member.corrected, [h.id for h in member.hits]) == (
        "kestrelmigration",
        True,
        [7],
    )


NAME_QUERIES = {
    "labour migration": 4,
    "migracion laboral": 4,
    "canada": 4,
    "Canadá": 4,
    "proteccion consular": 6,
    "OIM": 6,
    "IOM": 6,
    "International Organization for Migration": 6,
}


def test_tag_country_and_organization_names_find_a_document_in_either_language(engine):
    engine.apply(graded_corpus(), [])
    for text, expected in NAME_QUERIES.items():
        assert ids(engine, text, access=ANONYMOUS) == [expected], text


def test_a_match_in_the_documents_own_text_ranks_above_a_name_match(engine):
    engine.apply(
        graded_corpus()
        + [a_document(8, "Canada's seasonal workers", "Workers travel to Canada each season.")],
        [],
    )
    assert ids(engine, "canada", access=ANONYMOUS)[:2] == [8, 4]


def test_a_name_match_never_shows_a_document_the_reader_may_not_see(engine):
    engine.apply(
        [a_document(9, "Informe", "Texto.", visibility="members", names=["Smuggling of migrants"])], []
    )
    result = search(engine, "smuggling", access=ANONYMOUS)
    assert (result.total, result.hits, result.facets["tags"]) == (0, [], {})


def test_a_quoted_phrase_with_small_words_matches_as_typed_with_or_without_accents(engine):
    engine.apply(
        [
            a_document(1, "El interés superior del niño en los procedimientos migratorios", language="es"),
            a_document(2, "Superior interés y niño", "Del interés superior, otro texto.", language="es"),
            a_document(3, "The best interests of the child", "Assessing the best interests of the child."),
        ],
        [],
    )
    # 2 holds the words, not the phrase; 3 holds the phrase's English equivalent in the
    # thesaurus, and ranks after the phrase as typed.
    for text in ('"interés superior del niño"', '"interes superior del nino"', '"INTERÉS SUPERIOR DEL NIÑO"'):
        assert ids(engine, text, access=ANONYMOUS) == [1, 3], text
    assert ids(engine, '"best interests of the child"', access=ANONYMOUS) == [3, 1]
    assert ids(engine, '"superior del interés"', access=ANONYMOUS) == []
