"""BM25 (bm25s) over passages and reciprocal-rank fusion."""

import math

import pytest

from search.lexical import LexicalIndex, fuse, passage_document, rrf

DOCS = [
    "Pricing. Projects start at €2,500; small fixes are billed at €60 per hour.",
    "Cookies. We use only two cookies: a session cookie and a CSRF cookie.",
    "Hosting. The site and its data are hosted in the EU.",
]


def test_bm25_finds_the_passage_with_the_words_and_stems():
    index = LexicalIndex(DOCS)
    assert index.search("how are fixes billed", 3)[0][0] == 0
    # "cookie" matches "cookies" through the English stemmer.
    assert index.search("cookie", 3)[0][0] == 1
    assert index.search("hosted in the EU?", 3)[0][0] == 2


def test_bm25_returns_only_matching_rows_and_handles_empty_queries():
    index = LexicalIndex(DOCS)
    assert [row for row, _ in index.search("cookie", 10)] == [1]
    assert index.search("", 5) == []
    assert index.search("the and of", 5) == []  # stopwords only
    assert index.search("zxqv blorp", 5) == []  # unknown words
    assert index.search_many(["cookie", "zxqv", "pricing"], 2) == [
        [(1, pytest.approx(index.search("cookie")[0][1]))],
        [],
        [(0, pytest.approx(index.search("pricing")[0][1]))],
    ]


def test_passage_document_includes_title_and_heading():
    doc = passage_document({"title": "Services", "heading": "Pricing", "text": "From €2,500."})
    assert doc == "Services Pricing From €2,500."
    index = LexicalIndex.from_passages(
        [
            {"title": "Services", "heading": "Pricing", "text": "From €2,500."},
            {"title": "About", "heading": "Story", "text": "Began in 2023."},
        ]
    )
    assert index.search("services", 2)[0][0] == 0


def test_rrf_hand_computed():
    # k0 = 10: doc 1 = 1/11; doc 2 = 1/12 + 1/12; doc 3 = 1/13 + 1/11.
    fused = dict(rrf([[1, 2, 3], [3, 2]], k0=10))
    assert fused[1] == pytest.approx(1 / 11)
    assert fused[2] == pytest.approx(2 / 12)
    assert fused[3] == pytest.approx(1 / 13 + 1 / 11)
    assert [d for d, _ in rrf([[1, 2, 3], [3, 2]], k0=10)] == [3, 2, 1]


def test_rrf_weights_and_ties_follow_the_first_ranking():
    assert [d for d, _ in rrf([[1, 2], [2, 1]], k0=10)] == [1, 2]  # tie: dense order
    assert [d for d, _ in rrf([[1, 2], [2, 1]], weights=[1.0, 2.0], k0=10)] == [2, 1]


def test_fuse_keeps_dense_cosine_as_score():
    dense = [(0, 0.8), (1, 0.5), (2, 0.4)]
    lexical = [(2, 9.0), (5, 3.0)]
    fused = fuse(dense, lexical, k=3, k0=10)
    assert [row for row, _ in fused] == [2, 0, 1]
    assert dict(fused)[2] == 0.4 and dict(fused)[0] == 0.8
    only_lexical = dict(fuse([], [(5, 1.0)], k=2))
    assert math.isnan(only_lexical[5])


@pytest.mark.slow
@pytest.mark.django_db
def test_services_hybrid_retriever_keeps_cosine_scores(built_index, settings):
    from search import services

    query = "what do small fixes cost per hour"
    settings.SEARCH = {**settings.SEARCH, "RETRIEVER": "dense"}
    dense = {h.passage_id: h.score for h in services.search(query, k=20)}
    settings.SEARCH = {**settings.SEARCH, "RETRIEVER": "hybrid"}
    hybrid = services.search(query, k=5)
    assert hybrid and "€60" in hybrid[0].text
    for hit in hybrid:
        assert -1.0 <= hit.score <= 1.0
        if hit.passage_id in dense:
            assert hit.score == pytest.approx(dense[hit.passage_id], abs=1e-5)
    answer = services.answer(query)
    assert answer.answer is not None and answer.answer.passage_id == hybrid[0].passage_id
