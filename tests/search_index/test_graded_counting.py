"""A graded tier ("most of the words") is the documents holding enough of the words.
The engine contract spells it out as every choice of that many words, one conjunction
each; an engine may count the words each document holds instead (whoosh and postgres
do: the choices of eight words are too many to search). These tests check that the
count finds, ranks and explains the same documents as the choices."""

import importlib
from itertools import compress, product

import pytest

from search_index import SearchQuery
from search_index.query_syntax import QueryBuilder

from .conftest import BACKENDS, SECRETARIAT_STAFF
from .test_engine_contract import a_document

WORDS = ["harbour", "lantern", "meadow", "orchard", "quarry", "violin"]
# The engines that count (tantivy searches the choices as the contract spells them out).
COUNTING_BACKENDS = [b for b in BACKENDS if b.values[0] in ("whoosh", "postgres")]


def documents_holding_every_mix_of_the_words():
    """One document for each subset of ``WORDS`` (64), each word once or twice, so
    that every tier holds documents with different numbers and weights of words."""
    documents = []
    for number, held in enumerate(product((0, 1), repeat=len(WORDS)), start=1):
        words = list(compress(WORDS, held))
        body = " ".join(w if (number + i) % 3 else f"{w} {w}" for i, w in enumerate(words))
        documents.append(a_document(number, f"Report {number}", f"{body} notes on the region"))
    return documents


@pytest.mark.parametrize("backend", COUNTING_BACKENDS)
@pytest.mark.parametrize("text", [" ".join(WORDS), " ".join(WORDS[:4]), " ".join(WORDS) + " -violin"])
def test_most_of_the_words_are_counted_per_document_and_ranked_as_every_choice_of_them(
    make_engine, backend, monkeypatch, text
):
    engine = make_engine()
    builder = importlib.import_module(type(engine).__module__)._Builder
    assert builder.at_least is not QueryBuilder.at_least  # this engine counts
    engine.apply(documents_holding_every_mix_of_the_words(), [])

    def answer():
        result = engine.search(SearchQuery(access=SECRETARIAT_STAFF, text=text, per_page=100, correct=False))
        return result.total, [(h.id, round(h.score, 5), h.missing) for h in result.hits], result.facets

    counted = answer()
    monkeypatch.setattr(builder, "at_least", QueryBuilder.at_least)
    assert answer() == counted
    total, hits, _facets = counted
    assert total == len(hits) and len({len(missing) for _id, _score, missing in hits}) >= 3
