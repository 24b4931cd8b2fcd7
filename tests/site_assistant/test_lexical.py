"""BM25 (bm25s) over passages, phrase matches and reciprocal-rank fusion."""

import math

import pytest

from site_assistant.lexical import LexicalIndex, fuse, passage_document, phrase_boosts, rrf

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


PHRASE_DOCS = [
    "Test with real people. Ask them to read the page in bright sunlight on a phone.",
    "Where the light pinks go. Soft pinks for backgrounds, never for body text.",
    "Contrast first. Body text needs a contrast ratio of at least 4.5:1.",
    "Bambi Game. Body text of the game, in pink.",
]


def test_phrase_rows_are_the_passages_where_a_short_querys_words_stand_together():
    index = LexicalIndex(PHRASE_DOCS)
    # Stop words dropped and words stemmed, as BM25 sees them: "sunlight" after "bright".
    assert index.phrase_rows("bright sunlight?", 3, 4) == {0}
    assert index.phrase_rows("What about bright sunlight", 3, 4) == {0}
    assert index.phrase_rows("light pinks", 3, 4) == {1}
    # Both words, but not next to each other: no phrase.
    assert index.phrase_rows("sunlight bright", 3, 4) == set()
    assert index.phrase_rows("phone sunlight", 3, 4) == set()
    # A pair shared by more passages than allowed names none of them.
    assert index.phrase_rows("body text", 3, 4) == {1, 2, 3}
    assert index.phrase_rows("body text", 2, 4) == set()
    # One word is no phrase; a long question is not looked at.
    assert index.phrase_rows("sunlight", 3, 4) == set()
    assert index.phrase_rows("", 3, 4) == set()
    long_question = "could you tell me how to check my pinks in bright sunlight outdoors"
    assert index.phrase_rows(long_question, 3, 4) == set()
    assert index.phrase_rows(long_question, 3, 20) == {0}


def test_question_words_make_no_phrase():
    index = LexicalIndex(["Where we are. Based in Ljubljana.", "Our blog. Notes from the studio."])
    # "where", "is", "your" are stop words for pairs: one topic word is no phrase.
    assert index.phrase_rows("Where is your blog?", 3, 3) == set()
    assert index.phrase_rows("where are you based", 3, 3) == set()


def test_example_questions_lend_their_word_pairs_to_their_passage():
    docs = ["Write to us. Use the form below.", "Contact form. We keep your name and message."]
    questions = [("contact form", 0), ("Where is the contact form?", 0)]
    index = LexicalIndex(docs, questions)
    assert index.phrase_rows("contact form", 3, 3) == {0, 1}
    # Not BM25: the questions' words are not searched as the passage's.
    assert index.search("contact form", 2) == LexicalIndex(docs).search("contact form", 2)
    assert index.search("where", 2) == []
    # Left out (an evaluation's query that is one of them), a question lends nothing;
    # the other question with the same pair still does.
    assert index.phrase_rows("contact form", 3, 3, without=[("contact form", 0)]) == {0, 1}
    assert index.phrase_rows("contact form", 3, 3, without=questions) == {1}


def test_phrase_boosts_follow_the_settings(settings):
    index = LexicalIndex(PHRASE_DOCS)
    settings.SITE_ASSISTANT = {**getattr(settings, "SITE_ASSISTANT", {}), "PHRASE_BOOST": 0.1}
    assert phrase_boosts(index, ["bright sunlight", "zxqv blorp"]) == [{0: 0.1}, {}]
    assert phrase_boosts(index, ["light pinks"], without=[[("light pinks", 1)]]) == [{1: 0.1}]
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "PHRASE_MAX_PASSAGES": 1}
    assert phrase_boosts(index, ["body text"]) == [{}]
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "PHRASE_BOOST": 0}
    assert phrase_boosts(index, ["bright sunlight"]) is None


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
    from site_assistant import services

    query = "what do small fixes cost per hour"
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "RETRIEVER": "dense"}
    dense = {h.passage_id: h.score for h in services.search(query, k=20)}
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "RETRIEVER": "hybrid"}
    hybrid = services.search(query, k=5)
    assert hybrid and "€60" in hybrid[0].text
    for hit in hybrid:
        assert -1.0 <= hit.score <= 1.0
        if hit.passage_id in dense:
            assert hit.score == pytest.approx(dense[hit.passage_id], abs=1e-5)
    answer = services.answer(query)
    assert answer.answer is not None and answer.answer.passage_id == hybrid[0].passage_id


@pytest.mark.django_db
def test_words_are_cut_as_bm25s_cuts_them(built_index):
    """Serving cuts words without importing bm25s (and scipy): the same words, stop words
    and stems as ``bm25s.tokenize``, on the site's passages and on odd text."""
    import bm25s
    import Stemmer

    from site_assistant import index, lexical

    texts = [passage_document(p) for p in index.load_current().passages]
    texts += ["", "a", "The THE the", "naïve café's 3.5 € 12-hours 中文 x1 __init__ e-mail"]
    stemmer = Stemmer.Stemmer("english")
    for stopwords in ("en", "en_plus"):
        expected = bm25s.tokenize(
            texts, stopwords=stopwords, stemmer=stemmer, return_ids=False, show_progress=False
        )
        assert lexical.tokenize(texts, stopwords) == expected, stopwords
