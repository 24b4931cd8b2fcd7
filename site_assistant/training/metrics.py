"""Retrieval metrics, the same definitions as sentence-transformers'
InformationRetrievalEvaluator (so our numbers compare with the seed card's).

One module for every retriever (dense, BM25, hybrid): each gives, per query, a
ranked list of document ids; relevance is binary.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

ACCURACY_AT = (1, 3, 5, 10)
PRECISION_RECALL_AT = (1, 3, 5, 10)
NDCG_AT = 10
MRR_AT = 10
MAP_AT = 100

# The seed card's table, in its order.
METRIC_NAMES = (
    [f"accuracy@{k}" for k in ACCURACY_AT]
    + [f"precision@{k}" for k in PRECISION_RECALL_AT]
    + [f"recall@{k}" for k in PRECISION_RECALL_AT]
    + [f"ndcg@{NDCG_AT}", f"mrr@{MRR_AT}", f"map@{MAP_AT}"]
)


def _dcg(relevances: Sequence[int], k: int) -> float:
    return sum(rel / math.log2(i + 2) for i, rel in enumerate(relevances[:k]))


def query_metrics(ranked: Sequence, relevant: Iterable) -> dict[str, float]:
    """Metrics of one query: ``ranked`` ids best first, ``relevant`` the right ids."""
    relevant = set(relevant)
    if not relevant:
        raise ValueError("a query needs at least one relevant document")
    hits = [1 if doc in relevant else 0 for doc in ranked]
    out: dict[str, float] = {}
    for k in ACCURACY_AT:
        out[f"accuracy@{k}"] = 1.0 if any(hits[:k]) else 0.0
    for k in PRECISION_RECALL_AT:
        correct = sum(hits[:k])
        out[f"precision@{k}"] = correct / k
        out[f"recall@{k}"] = correct / len(relevant)
    ideal = _dcg([1] * len(relevant), NDCG_AT)
    out[f"ndcg@{NDCG_AT}"] = _dcg(hits, NDCG_AT) / ideal
    first = next((i for i, hit in enumerate(hits[:MRR_AT]) if hit), None)
    out[f"mrr@{MRR_AT}"] = 0.0 if first is None else 1.0 / (first + 1)
    correct, precision_sum = 0, 0.0
    for i, hit in enumerate(hits[:MAP_AT]):
        if hit:
            correct += 1
            precision_sum += correct / (i + 1)
    out[f"map@{MAP_AT}"] = precision_sum / min(MAP_AT, len(relevant))
    return out


def mean_metrics(
    rankings: Mapping[str, Sequence], qrels: Mapping[str, Iterable]
) -> dict[str, float]:
    """Average of :func:`query_metrics` over every query in ``qrels``.

    A query with no ranking counts as all misses (it is never dropped).
    """
    if not qrels:
        raise ValueError("no queries to evaluate")
    totals = dict.fromkeys(METRIC_NAMES, 0.0)
    for qid, relevant in qrels.items():
        for name, value in query_metrics(rankings.get(qid, []), relevant).items():
            totals[name] += value
    return {name: total / len(qrels) for name, total in totals.items()}
