"""Searches a user would try, and the documents they expect in the first five."""

import pytest

from .relevance import JUDGMENTS, precision_at_5, top_ids

PRECISION_FLOOR = 0.75
_precision = {}


@pytest.mark.parametrize("judgment", JUDGMENTS, ids=[j.query for j in JUDGMENTS])
def test_expected_documents_are_in_the_top_five(corpus_engine, judgment):
    top = top_ids(corpus_engine, judgment)
    missing = judgment.expected - set(top)
    assert not missing, f"{judgment.query!r} ({judgment.kind}): top five {top}, missing {sorted(missing)}"


def test_precision_at_5_is_reported_and_stays_high(corpus_engine, record_property):
    score = precision_at_5(corpus_engine)
    name = type(corpus_engine).__name__
    _precision[name] = score
    record_property("precision_at_5", round(score, 3))
    print(f"\nprecision@5 {name}: {score:.3f} over {len(JUDGMENTS)} queries")
    assert score >= PRECISION_FLOOR


def test_tantivy_relevance_is_no_worse_than_whoosh(tmp_path):
    from search_index import open_engine

    from .corpus import DOCUMENTS

    scores = {}
    for backend in ("whoosh", "tantivy"):
        engine = open_engine(backend, index_dir=tmp_path / backend)
        try:
            engine.apply(DOCUMENTS, [])
            scores[backend] = precision_at_5(engine)
        finally:
            engine.close()
    assert scores["tantivy"] >= scores["whoosh"] - 1e-9, scores
