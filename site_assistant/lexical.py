"""BM25 over passages (bm25s), phrase matches, and the fusion of BM25 with dense rankings.

BM25 finds exact words the dense model may blur (prices, e-mail addresses,
"WCAG"); the dense model finds paraphrases BM25 cannot. ``fuse`` combines
both rankings; the dense cosine stays the *score* of a hit, so the answer
threshold (SITE_ASSISTANT["MIN_SCORE"]) keeps its meaning whatever the retriever.

``LexicalIndex.phrase_rows`` is the narrower signal the dense retriever uses
too (SITE_ASSISTANT["PHRASE_BOOST"]): a short query that repeats two neighbouring
words only a few passages share ("bright sunlight", "rose-gold hoops")
names those passages, the way a search engine's proximity rule ranks
records where the query's words stand together.

Serving needs only the word pairs, so ``bm25s`` (which imports scipy: 28 MB
in every web process) is imported only when BM25 itself runs — the hybrid
retriever and evaluation. Words are cut as ``bm25s.tokenize`` cuts them
(``tokenize`` below; tests/site_assistant/test_lexical.py checks that they
agree), with its stop word lists.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Sequence
from functools import cache
from itertools import pairwise
from pathlib import Path

import numpy as np
import Stemmer

from . import conf
from .memo import PerVersion

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


# bm25s.tokenize's defaults: words of two or more word characters, lower-cased.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


# bm25s's stop word lists of other languages (NLTK's), by language code.
_STOPWORD_LISTS = {
    "en": "STOPWORDS_EN",
    "en_plus": "STOPWORDS_EN_PLUS",
    "da": "STOPWORDS_DANISH",
    "de": "STOPWORDS_GERMAN",
    "es": "STOPWORDS_SPANISH",
    "fr": "STOPWORDS_FRENCH",
    "it": "STOPWORDS_ITALIAN",
    "nl": "STOPWORDS_DUTCH",
    "no": "STOPWORDS_NORWEGIAN",
    "pt": "STOPWORDS_PORTUGUESE",
    "ru": "STOPWORDS_RUSSIAN",
    "sv": "STOPWORDS_SWEDISH",
    "tr": "STOPWORDS_TURKISH",
}


@cache
def _stopwords(name: str) -> frozenset[str]:
    """bm25s's stop word list ``name`` ("en": Lucene's 33, "en_plus": NLTK's 179; a
    language code of _STOPWORD_LISTS, NLTK's for it; else none), read from its
    ``stopwords`` module without importing the package (and scipy with it)."""
    if name not in _STOPWORD_LISTS:
        return frozenset()
    spec = importlib.util.find_spec("bm25s")
    source = Path(spec.submodule_search_locations[0]) / "stopwords.py"
    module_spec = importlib.util.spec_from_file_location("_site_assistant_bm25s_stopwords", source)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return frozenset(getattr(module, _STOPWORD_LISTS[name]))


def common_words(code: str) -> frozenset[str]:
    """The most common words of the language ``code`` ("en", "de"...): its stop words
    (NLTK's, through bm25s; English's are "en_plus"); none for a language bm25s has no
    list for."""
    return _stopwords("en_plus" if code == "en" else code)


def tokenize(texts: Sequence[str], stopwords: str = "en") -> list[list[str]]:
    """Lower-cased, stemmed words without stop words: Lucene's 33 for BM25 ("en"),
    NLTK's 179 ("en_plus", with what/where/you/my...) for word pairs. The same
    words as ``bm25s.tokenize(texts, stopwords=..., stemmer=...)``."""
    stop = _stopwords(stopwords)
    return [
        _STEMMER.stemWords([w for w in _TOKEN.findall(text.lower()) if w not in stop])
        for text in texts
    ]


# Word pairs are pairs of topic words: "Where is your blog?" has none.
PAIR_STOPWORDS = "en_plus"


class LexicalIndex:
    """A BM25 index of ``documents`` (row i = document i), and their word pairs.

    ``questions``, (text, row) pairs such as the owner's example questions,
    add their word pairs to their row's (not to BM25): a question the owner
    wrote for a passage names it as surely as the passage's own words.
    """

    def __init__(self, documents: Sequence[str], questions: Sequence[tuple[str, int]] = ()):
        self.size = len(documents)
        self._documents = list(documents)
        self._retriever = None  # BM25, built on the first search: serving never needs it
        # (word, next word) → the rows whose text has them side by side, and
        # → {row: how many of its questions do} (stop words dropped, stemmed).
        self._pairs: dict[tuple[str, str], set[int]] = {}
        for row, words in enumerate(tokenize(documents, PAIR_STOPWORDS)):
            for pair in pairwise(words):
                self._pairs.setdefault(pair, set()).add(row)
        self._question_pairs: dict[tuple[str, str], dict[int, int]] = {}
        for words, (_, row) in zip(
            tokenize([text for text, _ in questions], PAIR_STOPWORDS), questions, strict=True
        ):
            for pair in set(pairwise(words)):
                rows = self._question_pairs.setdefault(pair, {})
                rows[row] = rows.get(row, 0) + 1

    def _bm25(self):
        """The BM25 retriever of the documents and its vocabulary, built once."""
        if self._retriever is None:
            import bm25s

            tokens = tokenize(self._documents)
            # bm25s needs a non-empty vocabulary; an all-stopword corpus gets one dummy token.
            if not any(tokens):
                tokens = [["\u2400"]] * len(tokens)
            retriever = bm25s.BM25()
            retriever.index(tokens, show_progress=False)
            self._vocab = set(retriever.vocab_dict)
            self._retriever = retriever
        return self._retriever

    @classmethod
    def from_passages(
        cls, passages: Sequence[dict], questions: Sequence[tuple[str, int]] = ()
    ) -> LexicalIndex:
        return cls([passage_document(p) for p in passages], questions)

    def phrase_rows(
        self,
        query: str,
        max_rows: int,
        max_words: int,
        without: Sequence[tuple[str, int]] = (),
    ) -> set[int]:
        """Rows sharing a pair of neighbouring words with a short ``query``.

        Only for queries of 2 to ``max_words`` words (after stop words): in a
        long question two neighbouring words are often a common pairing, while
        a short one is usually words copied from the page. Only pairs found in
        1 to ``max_rows`` rows count: a pair many passages share names none.
        ``without``: (question, row) pairs to leave out, as if never indexed
        (an evaluation never lets a query find itself).
        """
        words = tokenize([query], PAIR_STOPWORDS)[0]
        if not 2 <= len(words) <= max_words:
            return set()
        left_out: dict[tuple[tuple[str, str], int], int] = {}
        for text_words, (_, row) in zip(
            tokenize([text for text, _ in without], PAIR_STOPWORDS), without, strict=True
        ):
            for pair in set(pairwise(text_words)):
                left_out[pair, row] = left_out.get((pair, row), 0) + 1
        found: set[int] = set()
        for pair in pairwise(words):
            rows = self._pairs.get(pair, set()) | {
                row
                for row, count in self._question_pairs.get(pair, {}).items()
                if count > left_out.get((pair, row), 0)
            }
            if len(rows) <= max_rows:
                found.update(rows)
        return found

    def search(self, query: str, k: int = 10) -> list[tuple[int, float]]:
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int = 10) -> list[list[tuple[int, float]]]:
        """Per query, up to ``k`` (row, BM25 score) pairs, best first; only rows with score > 0."""
        k = min(k, self.size)
        results: list[list[tuple[int, float]]] = [[] for _ in queries]
        if k <= 0:
            return results
        retriever = self._bm25()
        tokens = [[t for t in q if t in self._vocab] for q in tokenize(queries)]
        todo = [i for i, t in enumerate(tokens) if t]
        if not todo:
            return results
        docs, scores = retriever.retrieve(
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


_indexes: PerVersion[LexicalIndex] = PerVersion()


def for_version(version: str, passages: Sequence[dict]) -> LexicalIndex:
    """The BM25 and phrase index of one index version, built once per process.

    A row's "example_questions" (the owner's questions the build stored with
    it) lend their word pairs to it.
    """

    def make() -> LexicalIndex:
        questions = [
            (question, row)
            for row, passage in enumerate(passages)
            for question in passage.get("example_questions") or ()
        ]
        return LexicalIndex.from_passages(passages, questions)

    return _indexes.get(version, make)


def phrase_boosts(
    index: LexicalIndex,
    queries: Sequence[str],
    without: Sequence[Sequence[tuple[str, int]]] | None = None,
) -> list[dict[int, float]] | None:
    """Per query, {row: SITE_ASSISTANT["PHRASE_BOOST"]} for the rows its phrase names (None when off).

    ``without``: per query, (question, row) pairs its phrase may not come from.
    """
    boost = conf.get("PHRASE_BOOST")
    if not boost:
        return None
    max_rows, max_words = conf.get("PHRASE_MAX_PASSAGES"), conf.get("PHRASE_MAX_QUERY_WORDS")
    without = without or [()] * len(queries)
    return [
        dict.fromkeys(index.phrase_rows(q, max_rows, max_words, w), boost)
        for q, w in zip(queries, without, strict=True)
    ]
