"""BM25 over passages (bm25s), and the fusion of BM25 with dense rankings.

BM25 finds exact words the dense model may blur (prices, e-mail addresses,
"WCAG"); the dense model finds paraphrases BM25 cannot. ``fuse`` combines
both rankings; the dense cosine stays the *score* of a hit, so the answer
threshold (SEARCH["MIN_SCORE"]) keeps its meaning whatever the retriever.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import bm25s
import numpy as np
import Stemmer

# Reciprocal-rank fusion constant (Cormack et al. 2009): 60 is the usual value;
# a small corpus (tens of passages) ranks better with a smaller one, so the
# top of each list counts more.
RRF_K = 10
_STEMMER = Stemmer.Stemmer("english")
# bm25s logs every index build at DEBUG; a project logging at DEBUG need not see it.
logging.getLogger("bm25s").setLevel(logging.INFO)


def passage_document(passage: dict) -> str:
    """The text BM25 indexes for one passage: page title, heading path and text."""
    parts = [passage.get("title") or "", passage.get("heading") or "", passage.get("text") or ""]
    return " ".join(p for p in parts if p)


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False
    )


class LexicalIndex:
    """A BM25 index of ``documents`` (row i = document i)."""

    def __init__(self, documents: Sequence[str]):
        self.size = len(documents)
        self._retriever = bm25s.BM25()
        tokens = tokenize(documents)
        # bm25s needs a non-empty vocabulary; an all-stopword corpus gets one dummy token.
        if not any(tokens):
            tokens = [["\u2400"]] * len(tokens)
        self._retriever.index(tokens, show_progress=False)
        self._vocab = set(self._retriever.vocab_dict)

    @classmethod
    def from_passages(cls, passages: Sequence[dict]) -> LexicalIndex:
        return cls([passage_document(p) for p in passages])

    def search(self, query: str, k: int = 10) -> list[tuple[int, float]]:
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int = 10) -> list[list[tuple[int, float]]]:
        """Per query, up to ``k`` (row, BM25 score) pairs, best first; only rows with score > 0."""
        k = min(k, self.size)
        results: list[list[tuple[int, float]]] = [[] for _ in queries]
        if k <= 0:
            return results
        tokens = [[t for t in q if t in self._vocab] for q in tokenize(queries)]
        todo = [i for i, t in enumerate(tokens) if t]
        if not todo:
            return results
        docs, scores = self._retriever.retrieve(
            [tokens[i] for i in todo], k=k, show_progress=False, n_threads=1
        )
        for row, i in enumerate(todo):
            results[i] = [
                (int(d), float(s)) for d, s in zip(docs[row], scores[row], strict=True) if s > 0
            ]
        return results


def rrf(
    rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None, k0: int = RRF_K
) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion: sum of weight / (k0 + rank) over the rankings, best first.

    Ties are broken by the first ranking (the dense one, by convention).
    """
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    first_rank: dict[int, int] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, doc in enumerate(ranking):
            fused[doc] = fused.get(doc, 0.0) + weight / (k0 + rank + 1)
    for rank, doc in enumerate(rankings[0] if rankings else []):
        first_rank[doc] = rank
    return sorted(
        fused.items(), key=lambda item: (-item[1], first_rank.get(item[0], len(first_rank)))
    )


def fuse(
    dense: Sequence[tuple[int, float]],
    lexical: Sequence[tuple[int, float]],
    k: int,
    lexical_weight: float = 1.0,
    k0: int = RRF_K,
) -> list[tuple[int, float]]:
    """Hybrid ranking of one query: RRF of the dense and BM25 rankings.

    Returns up to ``k`` (row, dense cosine) pairs in fused order, so that
    callers can keep thresholding on the cosine. A row only BM25 found gets
    the cosine the dense list does not know: ``nan`` (callers that need it
    compute it, see :func:`cosine_for`).
    """
    dense_score = dict(dense)
    order = rrf([[d for d, _ in dense], [d for d, _ in lexical]], [1.0, lexical_weight], k0)
    return [(doc, dense_score.get(doc, float("nan"))) for doc, _ in order[:k]]


def cosine_for(query_vector: np.ndarray, passage_vectors: np.ndarray, rows: Sequence[int]):
    """Cosine of one normalized query vector with the given rows of normalized vectors."""
    if not len(rows):
        return np.zeros(0, dtype=np.float32)
    return passage_vectors[np.asarray(rows)] @ query_vector.reshape(-1)


_cache_lock = threading.Lock()
_cache: dict[str, LexicalIndex] = {}


def for_version(version: str, passages: Sequence[dict]) -> LexicalIndex:
    """The BM25 index of one index version, built once per process."""
    with _cache_lock:
        index = _cache.get(version)
        if index is None:
            index = LexicalIndex.from_passages(passages)
            _cache.clear()  # only the current version is ever searched
            _cache[version] = index
        return index
