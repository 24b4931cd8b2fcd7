"""Retrieval metrics: hand-computed values, and agreement with sentence-transformers."""

import math

import pytest

from site_assistant.training.metrics import METRIC_NAMES, mean_metrics, query_metrics


def test_one_query_hand_computed():
    m = query_metrics(["a", "b", "c"], {"b"})
    assert m["accuracy@1"] == 0 and m["accuracy@3"] == 1
    assert m["precision@1"] == 0 and m["precision@3"] == pytest.approx(1 / 3)
    assert m["recall@3"] == 1 and m["recall@1"] == 0
    assert m["mrr@10"] == 0.5
    assert m["ndcg@10"] == pytest.approx(1 / math.log2(3))
    assert m["map@100"] == 0.5


def test_two_relevant_documents():
    # Relevant at ranks 1 and 3: DCG = 1 + 1/log2(4); IDCG = 1 + 1/log2(3).
    m = query_metrics(["a", "x", "b", "y"], {"a", "b"})
    assert m["ndcg@10"] == pytest.approx((1 + 1 / 2) / (1 + 1 / math.log2(3)))
    assert m["map@100"] == pytest.approx((1 / 1 + 2 / 3) / 2)
    assert m["recall@1"] == 0.5 and m["recall@3"] == 1
    assert m["precision@5"] == pytest.approx(2 / 5)


def test_missing_query_counts_as_a_miss_and_mean():
    result = mean_metrics({"q1": ["d1"]}, {"q1": {"d1"}, "q2": {"d2"}})
    assert set(result) == set(METRIC_NAMES)
    assert result["accuracy@1"] == 0.5
    assert result["ndcg@10"] == 0.5


def test_relevance_outside_top_10_is_not_counted():
    ranked = [f"x{i}" for i in range(10)] + ["hit"]
    m = query_metrics(ranked, {"hit"})
    assert m["accuracy@10"] == 0 and m["mrr@10"] == 0 and m["ndcg@10"] == 0
    assert m["map@100"] == pytest.approx(1 / 11)


def test_errors():
    with pytest.raises(ValueError):
        query_metrics(["a"], set())
    with pytest.raises(ValueError):
        mean_metrics({}, {})


def test_same_numbers_as_sentence_transformers_evaluator():
    """Our definitions match InformationRetrievalEvaluator.compute_metrics."""
    from sentence_transformers.sentence_transformer.evaluation import (
        InformationRetrievalEvaluator,
    )

    qrels = {"q1": {"d1"}, "q2": {"d2", "d3"}, "q3": {"d9"}}
    rankings = {"q1": ["d2", "d1", "d3"], "q2": ["d3", "d1", "d2"], "q3": ["d1", "d2"]}
    evaluator = InformationRetrievalEvaluator(
        {q: q for q in qrels}, {f"d{i}": f"d{i}" for i in range(1, 10)}, qrels, write_csv=False
    )
    results = [
        [{"corpus_id": d, "score": 1.0 - 0.1 * i} for i, d in enumerate(rankings[q])]
        for q in evaluator.queries_ids
    ]
    st = evaluator.compute_metrics(results)
    ours = mean_metrics(rankings, qrels)
    for k in (1, 3, 5, 10):
        assert ours[f"accuracy@{k}"] == pytest.approx(st["accuracy@k"][k])
        assert ours[f"precision@{k}"] == pytest.approx(st["precision@k"][k])
        assert ours[f"recall@{k}"] == pytest.approx(st["recall@k"][k])
    assert ours["ndcg@10"] == pytest.approx(st["ndcg@k"][10])
    assert ours["mrr@10"] == pytest.approx(st["mrr@k"][10])
    assert ours["map@100"] == pytest.approx(st["map@k"][100])
