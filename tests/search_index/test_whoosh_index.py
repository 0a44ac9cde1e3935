"""What the whoosh engine keeps beside the text: the thesaurus's word pairs, through
which its phrases are found, and the per-segment tables of the list facets; and the
query that counts a graded tier's words. The answers are the engine contract's; these
tests check that the shortcuts give the same ones."""

import time
from itertools import combinations

import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import sorting
from whoosh.fields import Schema

from search_index import AccessFilter, IndexCorrupt, SearchQuery, SearchTooSlow, open_engine
from search_index.thesaurus import Thesaurus
from search_index.whoosh_engine import (
    INDEX_NAME,
    PAIRS_SUFFIX,
    SCHEMA,
    _AtLeast,
    _DeadlineCollector,
    _PairPhrase,
)

from .corpus import DOCUMENTS
from .test_engine_contract import a_document

ANONYMOUS = AccessFilter(frozenset({"public"}))
FIELDS = ("title_es", "title_en", "summary_es", "body_es", "body_en", "names_es", "names_en")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    engine = open_engine("whoosh", index_dir=tmp_path_factory.mktemp("ix") / "whoosh")
    engine.apply(DOCUMENTS, [])
    yield engine
    engine.close()


def thesaurus_phrases() -> list[tuple[str, ...]]:
    return sorted({t.words for group in Thesaurus.load().groups for t in group if len(t.words) > 1})


def test_a_thesaurus_phrase_found_through_its_pairs_finds_and_scores_what_positions_find(corpus):
    with corpus._searcher() as searcher:
        checked = 0
        for phrase in thesaurus_phrases():
            for field in FIELDS:
                terms = [t for w in phrase for t in SCHEMA[field].process_text(w, mode="query")]
                if len(terms) < 2:
                    continue
                by_positions = searcher.search(wq.Phrase(field, terms, boost=0.25), limit=None)
                by_pairs = searcher.search(_PairPhrase(field, terms, boost=0.25), limit=None)
                expected = [(hit.docnum, hit.score) for hit in by_positions]
                assert [(hit.docnum, hit.score) for hit in by_pairs] == expected, (field, phrase)
                checked += bool(expected)
    assert checked > 20  # the phrases do find documents


def test_words_parted_by_a_dropped_token_are_no_pair(tmp_path):
    engine = open_engine("whoosh", index_dir=tmp_path / "whoosh")
    engine.apply(
        [
            a_document(1, "Informe", "La trata " + "x" * 60 + " de personas en el norte."),
            a_document(2, "Informe", "La trata de personas en el sur."),
        ],
        [],
    )
    found = engine.search(SearchQuery(access=ANONYMOUS, text='"trata de personas"', correct=False))
    assert [hit.id for hit in found.hits] == [2]
    engine.close()


def test_an_index_built_with_another_thesaurus_finds_the_phrases_of_this_one(tmp_path):
    engine = open_engine("whoosh", index_dir=tmp_path / "whoosh")
    engine.apply([a_document(1, "Informe", "Un plan piloto de retorno.")], [])
    engine.close()
    thesaurus = tmp_path / "thesaurus.tsv"
    thesaurus.write_text("plan piloto\tpilot scheme\n", encoding="utf-8")
    reopened = open_engine("whoosh", index_dir=tmp_path / "whoosh", thesaurus_path=thesaurus)
    found = reopened.search(SearchQuery(access=ANONYMOUS, text='"pilot scheme"', correct=False))
    assert [hit.id for hit in found.hits] == [1]
    reopened.close()


def test_an_index_without_the_word_pairs_is_refused_as_another_versions(tmp_path):
    directory = tmp_path / "whoosh"
    directory.mkdir()
    older = Schema(**{name: SCHEMA[name] for name in SCHEMA.names() if not name.endswith(PAIRS_SUFFIX)})
    whoosh_index.create_in(str(directory), older, indexname=INDEX_NAME).close()
    engine = open_engine("whoosh", index_dir=directory)
    with pytest.raises(IndexCorrupt, match="another version"):
        engine.count()
    engine.clear()  # what a rebuild does
    assert engine.count() == 0
    engine.close()


def test_the_list_facets_values_are_read_once_per_segment_and_follow_changes(tmp_path, monkeypatch):
    built = []
    original = sorting.OverlappingCategorizer.set_searcher

    def counting(self, segment_searcher, docoffset):
        built.append(self._fieldname)
        return original(self, segment_searcher, docoffset)

    monkeypatch.setattr(sorting.OverlappingCategorizer, "set_searcher", counting)
    engine = open_engine("whoosh", index_dir=tmp_path / "whoosh")
    engine.apply(
        [
            a_document(1, "Migración laboral", tags=["labour-migration"], countries=["CA"]),
            a_document(2, "Migración y retorno", tags=["return", "labour-migration"], countries=["MX"]),
        ],
        [],
    )

    def facets():
        result = engine.search(SearchQuery(access=ANONYMOUS, text="migracion"))
        return result.facets["tags"], result.facets["countries"]

    assert facets() == ({"labour-migration": 2, "return": 1}, {"CA": 1, "MX": 1})
    assert sorted(built) == ["countries", "tags"]
    assert facets() == ({"labour-migration": 2, "return": 1}, {"CA": 1, "MX": 1})
    assert sorted(built) == ["countries", "tags"]  # not worked out again
    # A new segment gets its own table; a deleted or replaced document leaves the counts.
    engine.apply([a_document(2, "Migración y retorno", tags=["return"], countries=["GT"])], [1])
    assert facets() == ({"return": 1}, {"GT": 1})
    engine.apply([a_document(3, "Migración", tags=["labour-migration"])], [])
    assert facets() == ({"labour-migration": 1, "return": 1}, {"GT": 1})
    engine.close()


GRADED_WORDS = ["migrantes", "frontera", "proteccion", "retorno", "trabajadores", "asilo", "derechos"]


def spelled_out(groups, needed):
    """The graded tier as the disjunction of every choice of ``needed`` groups."""
    return wq.Or([wq.And(list(chosen)) for chosen in combinations(groups, needed)])


def word_groups(words):
    return [wq.Or([wq.Term("body_es", word), wq.Term("title_es", word, boost=3.0)]) for word in words]


@pytest.mark.parametrize("needed", [1, 2, 3, 5, 6])
def test_most_of_the_words_finds_and_scores_what_every_choice_of_them_finds(corpus, needed):
    groups = word_groups([SCHEMA["body_es"].process_text(w, mode="query").__next__() for w in GRADED_WORDS])
    public = wq.ConstantScoreQuery(wq.Term("visibility", "public"), 0.0)
    exclude = wq.Term("body_es", "asil")
    shapes = {
        "alone": lambda tier: tier,
        "under a filter": lambda tier: wq.And([tier, public]),
        "without a word": lambda tier: wq.AndNot(tier, exclude),
        "without a higher tier": lambda tier: wq.AndNot(tier, _AtLeast(groups, needed + 1)),
    }
    with corpus._searcher() as searcher:
        for shape, wrap in shapes.items():
            expected = searcher.search(wrap(spelled_out(groups, needed)), limit=None)
            counted = searcher.search(wrap(_AtLeast(groups, needed)), limit=None)
            expected_hits = [(hit.docnum, round(hit.score, 9)) for hit in expected]
            assert [(hit.docnum, round(hit.score, 9)) for hit in counted] == expected_hits, shape
            assert len(expected_hits) > 0 or needed >= 5, shape


def test_most_of_the_words_finds_nothing_when_fewer_words_are_in_the_index_than_needed(corpus):
    groups = word_groups(["migrant", "zzzunknown", "yyyunknown"])
    with corpus._searcher() as searcher:
        assert len(searcher.search(_AtLeast(groups, 2), limit=None)) == 0


def test_a_search_collected_past_its_deadline_stops_and_one_within_it_finds_what_a_plain_search_does(
    corpus,
):
    query = wq.Or([wq.Term("body_es", "migrant"), wq.Term("body_en", "migrant")])
    with corpus._searcher() as searcher:
        late = _DeadlineCollector(searcher.collector(limit=None), deadline=time.monotonic() - 1)
        with pytest.raises(SearchTooSlow):
            searcher.search_with_collector(query, late)
        in_time = _DeadlineCollector(searcher.collector(limit=None), deadline=time.monotonic() + 60)
        searcher.search_with_collector(query, in_time)
        expected = [(hit.docnum, hit.score) for hit in searcher.search(query, limit=None)]
        assert [(hit.docnum, hit.score) for hit in in_time.results()] == expected and expected
