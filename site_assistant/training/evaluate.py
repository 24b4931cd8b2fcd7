"""Evaluate retrieval: dense (FAISS flat IP), BM25 (bm25s) and hybrid, side by side.

Three kinds of evaluation sets, all loaded into one :class:`EvalSet`:

- the site dev split written by ``search_make_pairs`` (``dev.jsonl`` +
  ``corpus.jsonl``);
- any folder in BEIR format (``corpus.jsonl``, ``queries.jsonl``,
  ``qrels/test.tsv`` or ``qrels.tsv``);
- natural questions: a JSONL of ``{"question", "url", "phrase"}`` (optional
  ``"also": [urls]`` for facts that several pages state, and ``phrase`` may
  be a list of alternatives); the relevant passages are the current passages
  on those URLs containing the phrase (any passage of the page without one).

Metrics come from :mod:`site_assistant.training.metrics` (the seed card's table).
"""

from __future__ import annotations

import csv
import functools
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from .. import answerability, conf, declined, lexical, site_name
from ..examples import example_questions, on_page
from ..extract import embedding_text, scored_sentences
from ..index import blend_search
from ..spelling import Speller
from ..text import normalize
from .metrics import METRIC_NAMES, mean_metrics

logger = logging.getLogger(__name__)

RETRIEVERS = ("dense", "bm25", "hybrid")
# How deep each retriever ranks (map@100 needs 100) and how many candidates
# of each list the hybrid fuses.
RANK_DEPTH = 100
FUSION_DEPTH = 20


class EvalSetError(ValueError):
    """An evaluation file or folder is missing or malformed."""


@dataclass
class EvalSet:
    name: str
    # doc id → {"text", "title", ...}; ``dense_text`` is what the model embeds.
    corpus: dict[str, dict]
    queries: dict[str, str]
    qrels: dict[str, set[str]]
    notes: list[str] = field(default_factory=list)
    # qid → group (the dev split's question kind), for a per-kind breakdown.
    groups: dict[str, str] = field(default_factory=dict)
    # The corpus is this site's passages: the owner's example questions apply.
    site: bool = False
    # qid → the pages a question asks about as a whole (the owner linked a page,
    # not a section; a natural question names no phrase). Every passage of such
    # a page answers it, and any one of them is the answer: the page is ranked
    # once, where its best passage is, not as N passages that must all lead.
    pages: dict[str, set[str]] = field(default_factory=dict)

    def doc_ids(self) -> list[str]:
        return list(self.corpus)

    def answer_rankings(
        self, rankings: dict[str, list[str]]
    ) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
        """(rankings, qrels) with each page a question asks about as a whole as one answer.

        Other passages, right or wrong, stay answers of their own, as serving
        lists them (one result per section).
        """
        if not self.pages:
            return rankings, self.qrels
        out_rankings, out_qrels = dict(rankings), dict(self.qrels)
        for qid, pages in self.pages.items():
            answer = functools.partial(self._page_answer, pages)
            out_rankings[qid] = list(dict.fromkeys(map(answer, rankings.get(qid, []))))
            out_qrels[qid] = set(map(answer, self.qrels[qid]))
        return out_rankings, out_qrels

    def _page_answer(self, pages: set[str], doc_id: str) -> str:
        on = sorted(url for url in pages if on_page(self.corpus[doc_id], url))
        return f"page {on[0]}" if on else doc_id

    def describe(self) -> str:
        return f"{self.name}: {len(self.queries)} queries, {len(self.corpus)} documents"


# --- loaders --------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise EvalSetError(f"{path}:{n}: not JSON ({exc.msg})") from exc
    except FileNotFoundError as exc:
        raise EvalSetError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise EvalSetError(f"{path}: a folder, not a file") from exc
    except UnicodeDecodeError as exc:
        raise EvalSetError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    return rows


def load_dev(folder: str | Path) -> EvalSet:
    """The site dev split: dev.jsonl (question, relevant ids) + corpus.jsonl (passages)."""
    folder = Path(folder)
    corpus = {}
    for row in read_jsonl(folder / "corpus.jsonl"):
        corpus[str(row["_id"])] = {**row, "dense_text": embedding_text(row)}
    queries, qrels, groups, pages = {}, {}, {}, {}
    for row in read_jsonl(folder / "dev.jsonl"):
        qid = str(row.get("qid") or f"q{len(queries)}")
        queries[qid] = row["question"]
        qrels[qid] = {str(r) for r in row.get("relevant") or [row["passage_id"]]}
        groups[qid] = row.get("kind") or ""
        if row.get("page"):
            pages[qid] = {row["page"]}
    if not queries:
        raise EvalSetError(f"{folder}/dev.jsonl has no questions")
    return EvalSet(
        f"site dev ({folder.name})", corpus, queries, qrels, groups=groups, site=True, pages=pages
    )


def _beir_rows(path: Path, fields: Sequence[str]) -> list[dict]:
    """The rows of a BEIR JSONL file, each an object with ``fields`` (an EvalSetError if not)."""
    rows = read_jsonl(path)
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise EvalSetError(f"{path}: row {n} is not a JSON object")
        for name in fields:
            if row.get(name) in (None, ""):
                raise EvalSetError(f"{path}: row {n} has no {name!r}")
        if not isinstance(row.get("text", ""), str) or not isinstance(row.get("title", ""), str):
            raise EvalSetError(f"{path}: row {n}: 'title' and 'text' must be strings")
    if not rows:
        raise EvalSetError(f"{path}: empty")
    return rows


def _beir_qrels(path: Path) -> dict[str, set[str]]:
    """query id → relevant corpus ids (score > 0) of a BEIR qrels TSV."""
    qrels: dict[str, set[str]] = {}
    try:
        with open(path, encoding="utf-8", newline="") as f:
            for n, row in enumerate(csv.reader(f, delimiter="\t"), 1):
                if not row or (n == 1 and not row[-1].strip().lstrip("-").isdigit()):
                    continue  # blank line or the header (query-id corpus-id score)
                if len(row) < 3 or not row[0].strip() or not row[1].strip():
                    raise EvalSetError(f"{path}:{n}: expected query-id, corpus-id, score")
                try:
                    score = int(row[-1])
                except ValueError:
                    raise EvalSetError(
                        f"{path}:{n}: the score {row[-1]!r} is not a whole number"
                    ) from None
                if score > 0:
                    qrels.setdefault(row[0].strip(), set()).add(row[1].strip())
    except UnicodeDecodeError as exc:
        raise EvalSetError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except csv.Error as exc:
        raise EvalSetError(f"{path}: not a TSV file ({exc})") from exc
    return qrels


def load_beir(folder: str | Path, split: str = "test") -> EvalSet:
    """A BEIR folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv (or qrels.tsv).

    A malformed folder (a file missing, a line that is not JSON, a row
    without "_id", a qrels line without a whole-number score) raises
    EvalSetError naming the file and line.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise EvalSetError(f"{folder}: no such folder")
    corpus = {}
    for row in _beir_rows(folder / "corpus.jsonl", ("_id",)):
        title, text = row.get("title") or "", row.get("text") or ""
        corpus[str(row["_id"])] = {
            "title": title,
            "text": text,
            "dense_text": f"{title} {text}".strip(),
        }
    all_queries = {
        str(r["_id"]): r["text"] for r in _beir_rows(folder / "queries.jsonl", ("_id", "text"))
    }
    for candidate in (folder / "qrels" / f"{split}.tsv", folder / "qrels.tsv"):
        if candidate.is_file():
            qrels_path = candidate
            break
    else:
        raise EvalSetError(f"{folder}: no qrels/{split}.tsv or qrels.tsv")
    qrels = _beir_qrels(qrels_path)
    notes = []
    missing_q = [q for q in qrels if q not in all_queries]
    missing_d = {d for ds in qrels.values() for d in ds if d not in corpus}
    if missing_q or missing_d:
        notes.append(
            f"ignored qrels: {len(missing_q)} unknown queries, {len(missing_d)} unknown docs"
        )
    qrels = {q: {d for d in ds if d in corpus} for q, ds in qrels.items() if q in all_queries}
    qrels = {q: ds for q, ds in qrels.items() if ds}
    if not qrels:
        raise EvalSetError(f"{folder}: no query has a relevant document in the corpus")
    queries = {q: all_queries[q] for q in qrels}
    return EvalSet(f"BEIR {folder.name}", corpus, queries, qrels, notes)


def passages_corpus(passages: Sequence[dict]) -> dict[str, dict]:
    return {
        str(p["id"]): {
            "text": p["text"],
            "title": p.get("title", ""),
            "heading": p.get("heading", ""),
            "url": p["url"],
            "urls": p.get("urls") or [p["url"]],
            "anchor": p.get("anchor", ""),
            "questions": p.get("questions") or [],
            "dense_text": embedding_text(p),
        }
        for p in passages
    }


_STRAIGHT_QUOTES = str.maketrans("‘’“”", "''\"\"")


def fold(text: str) -> str:
    """Text as a question set's exact strings are matched: normalized, casefolded, straight quotes."""
    return normalize(text).translate(_STRAIGHT_QUOTES).casefold()


def load_natural(path: str | Path, passages: Sequence[dict]) -> EvalSet:
    """Natural questions against ``passages`` (normally the live index's).

    A question whose URL/phrase matches no passage is an error: the file and
    the site must be kept in step.
    """
    path = Path(path)
    corpus = passages_corpus(passages)
    queries, qrels, pages, problems = {}, {}, {}, []
    for n, row in enumerate(read_jsonl(path), 1):
        question, url = (row.get("question") or "").strip(), (row.get("url") or "").strip()
        if not question or not url:
            raise EvalSetError(f"{path}:{n}: needs 'question' and 'url'")
        # "also": other pages that answer it just as well (the e-mail address is on several).
        urls = {url, *(row.get("also") or [])}
        phrases = row.get("phrase") or []
        phrases = [fold(p) for p in ([phrases] if isinstance(phrases, str) else phrases) if p]
        relevant = {
            did
            for did, doc in corpus.items()
            if urls & set(doc["urls"])
            and (not phrases or any(p in fold(doc["text"]) for p in phrases))
        }
        if not relevant:
            problems.append(f"line {n} ({question!r}): no passage on {url} contains {phrases}")
            continue
        qid = f"n{n}"
        queries[qid], qrels[qid] = question, relevant
        if not phrases:
            pages[qid] = urls
    if problems:
        raise EvalSetError(f"{path}: " + "; ".join(problems))
    if not queries:
        raise EvalSetError(f"{path}: no questions")
    return EvalSet(
        f"natural questions ({path.name})", corpus, queries, qrels, site=True, pages=pages
    )


def load_unanswerable(path: str | Path, passages: Sequence[dict]) -> EvalSet:
    """Questions the site does not answer (JSONL of {"query", "kind", "why"}) against
    ``passages``: judged by the share that gets "not sure", never by a ranking."""
    path = Path(path)
    queries, groups = {}, {}
    for n, row in enumerate(read_jsonl(path), 1):
        query = (row.get("query") or "").strip() if isinstance(row, dict) else ""
        if not query:
            raise EvalSetError(f"{path}:{n}: needs 'query'")
        queries[f"u{n}"], groups[f"u{n}"] = query, row.get("kind") or ""
    if not queries:
        raise EvalSetError(f"{path}: no questions")
    return EvalSet(
        f"unanswerable questions ({path.name})",
        passages_corpus(passages),
        queries,
        {},
        groups=groups,
        site=True,
    )


# --- retrieval ------------------------------------------------------------------------


class Retrievers:
    """Dense, BM25 and hybrid rankings of an EvalSet's queries over its corpus."""

    def __init__(
        self,
        eval_set: EvalSet,
        model_ref: str | None = None,
        batch_size: int = 64,
        corpus_encoder=None,
        query_encoder=None,
        store: bool = False,
    ):
        """``corpus_encoder`` / ``query_encoder``: encoders (``encode(texts, batch_size)``)
        to use instead of the model's served one (site_assistant.training.int8 compares
        fp32 with int8 that way). ``store``: keep the site's vectors made here in the
        embedding cache (for a model about to serve: its index build reads them there)."""
        from .. import embed

        self.eval_set = eval_set
        self.doc_ids = eval_set.doc_ids()
        self.qids = list(eval_set.queries)
        docs = [eval_set.corpus[d] for d in self.doc_ids]
        self.model_ref = embed._resolve(model_ref)
        self.model_id = embed.model_id(self.model_ref)
        self.speller = (
            Speller.for_passages(docs, self.model_ref) if conf.get("TYPO_TOLERANCE") else None
        )
        self.query_texts = self._as_searched([eval_set.queries[q] for q in self.qids])
        # The site's own texts are mostly in the embedding cache already (the
        # index embedded them with this model); a BEIR corpus is embedded afresh.
        if corpus_encoder is not None:
            self._encode_corpus = lambda texts: corpus_encoder.encode(texts, batch_size=batch_size)
        elif eval_set.site:
            self._encode_corpus = lambda texts: embed.embed_cached(
                texts, self.model_ref, store=store
            )[0]
        else:
            self._encode_corpus = lambda texts: embed.encode(
                texts, self.model_ref, batch_size=batch_size
            )
        doc_vectors = self._encode_corpus([d["dense_text"] for d in docs])
        if query_encoder is not None:
            self._encode_queries = lambda texts: query_encoder.encode(texts, batch_size=batch_size)
        else:
            self._encode_queries = lambda texts: embed.encode(
                texts, self.model_ref, batch_size=batch_size, role="query"
            )
        # As serving embeds them: without the site's name (site_assistant.site_name).
        self.site_names = site_name.for_model(docs, self.model_ref)
        # The same index type as serving: exact inner product over normalized vectors.
        self.index = faiss.IndexFlatIP(doc_vectors.shape[1])
        self.index.add(doc_vectors)
        # Sentence and example-question vectors, as the serving index has them.
        self.sentence_index, self.sentence_owner = None, None
        if conf.get("SENTENCE_VECTORS") and conf.get("SENTENCE_WEIGHT"):
            self.sentence_index, self.sentence_owner = self._owned_index(
                [
                    (sentence, row)
                    for row, doc in enumerate(docs)
                    for sentence in scored_sentences(doc)
                ]
            )
        # The owner's example questions belong to this site's own passages.
        examples = example_questions(docs) if eval_set.site else []
        # query position → the example questions that are that query's own text:
        # left out while that query is scored (a query never finds itself).
        self.own_questions: dict[int, list[int]] = {}
        rows_of: dict[str, list[int]] = {}
        for row, (question, _) in enumerate(examples):
            rows_of.setdefault(fold(question), []).append(row)
        for position, qid in enumerate(self.qids):
            own = rows_of.get(fold(eval_set.queries[qid]))
            if own:
                self.own_questions[position] = own
        self.question_index, self.question_owner = None, None
        if examples and conf.get("QUESTION_VECTORS") and conf.get("QUESTION_WEIGHT"):
            self.question_index, self.question_owner = self._owned_index(examples)
        self.lexical = lexical.LexicalIndex([lexical.passage_document(d) for d in docs], examples)
        # The questions the owner said the site does not answer (site_assistant.declined).
        self.declined = list(declined.texts()) if eval_set.site else []
        # Phrase matches, as serving adds them (None when SITE_ASSISTANT["PHRASE_BOOST"] is 0).
        self.boosts = lexical.phrase_boosts(
            self.lexical,
            self.query_texts,
            [[examples[i] for i in self.own_questions.get(p, ())] for p in range(len(self.qids))],
        )
        # The deepest dense rankings made so far: a training run asks for the
        # metrics and then for each query's best score, from the same rankings.
        self._dense: list[list[tuple[int, float]]] = []
        self._dense_depth = 0
        self._noise_speller: Speller | None = None

    @functools.cached_property
    def query_vectors(self) -> np.ndarray:
        """The set's queries embedded, on first use: a caller that scores only other
        queries (``best_scores``: a refit model's nonsense questions) embeds none of them."""
        return self._embed_queries(self.query_texts)

    def _owned_index(self, owned: list[tuple[str, int]]):
        """(flat IP index, owner row array) of (text, doc row) pairs; (None, None) if none."""
        if not owned:
            return None, None
        owned_index = faiss.IndexFlatIP(self.index.d)
        owned_index.add(self._encode_corpus([t for t, _ in owned]))
        return owned_index, np.asarray([row for _, row in owned], dtype=np.int64)

    def dense(self, depth: int = RANK_DEPTH) -> list[list[tuple[int, float]]]:
        """Serving's blended score, best first, ``depth`` passages a query."""
        if depth > self._dense_depth:
            self._dense, self._dense_depth = self._dense_rankings(depth), depth
        return [ranked[:depth] for ranked in self._dense]

    def _dense_rankings(self, depth: int) -> list[list[tuple[int, float]]]:
        """Serving's blended score; a query never finds itself among the example questions.

        Leave-one-out: a query that is word for word one of the owner's example
        questions is scored without that one question, as a vector and as
        word pairs for phrase matches (its siblings for the same section stay,
        as they would be in the live index).
        """
        rankings = self._blend(
            self.query_vectors, depth, self.question_index, self.question_owner, self.boosts
        )
        if not self.own_questions or self.question_index is None:
            return rankings
        questions = self.question_index.reconstruct_n(0, self.question_index.ntotal)
        for position, own in self.own_questions.items():
            keep = np.setdiff1d(np.arange(len(questions)), own)
            others = faiss.IndexFlatIP(self.index.d)
            others.add(questions[keep])
            vector = self.query_vectors[position : position + 1]
            boost = self.boosts[position : position + 1] if self.boosts else None
            rankings[position] = self._blend(
                vector, depth, others, self.question_owner[keep], boost
            )[0]
        return rankings

    def _blend(self, vectors, depth, question_index, question_owner, boosts=None):
        return blend_search(
            self.index,
            vectors,
            depth,
            self.sentence_index,
            self.sentence_owner,
            conf.get("SENTENCE_WEIGHT"),
            question_index,
            question_owner,
            conf.get("QUESTION_WEIGHT"),
            boosts,
        )

    def bm25(self, depth: int = RANK_DEPTH) -> list[list[tuple[int, float]]]:
        return self.lexical.search_many(self.query_texts, depth)

    def hybrid(
        self, depth: int = RANK_DEPTH, lexical_weight: float = 1.0, k0: int = lexical.RRF_K
    ) -> list[list[tuple[int, float]]]:
        dense = self.dense(max(depth, FUSION_DEPTH))
        bm25 = self.bm25(FUSION_DEPTH)
        out = []
        for d, b in zip(dense, bm25, strict=True):
            fused = lexical.fuse(d[:FUSION_DEPTH], b, depth, lexical_weight, k0)
            seen = {row for row, _ in fused}
            # Below the fused head, the rest of the dense ranking (for map@100).
            fused += [(row, s) for row, s in d if row not in seen][: depth - len(fused)]
            out.append(fused)
        return out

    def rankings(self, name: str, **kwargs) -> dict[str, list[str]]:
        results = getattr(self, name)(**kwargs)
        return {
            qid: [self.doc_ids[row] for row, _ in ranked]
            for qid, ranked in zip(self.qids, results, strict=True)
        }

    def metrics(self, name: str, **kwargs) -> dict[str, float]:
        return mean_metrics(*self.eval_set.answer_rankings(self.rankings(name, **kwargs)))

    def top_scores(self) -> list[float]:
        """Best dense cosine per query (to set the answer threshold)."""
        return _best(self.dense())

    def best_scores(self, queries: Sequence[str]) -> list[float]:
        """Serving's best score for each of ``queries`` (outside the set) over this corpus."""
        searched = self._as_searched(queries)
        vectors = self._embed_queries(searched)
        boosts = lexical.phrase_boosts(self.lexical, searched)
        return _best(self._blend(vectors, 1, self.question_index, self.question_owner, boosts))

    def declined_by_owner(self, threshold: float) -> list[bool]:
        """Which queries serving declines as questions the owner said the site does not
        answer (``declined.claims``), with the answer threshold ``threshold``."""
        if not self.declined:
            return [False] * len(self.qids)
        if self.question_index is None:
            nearest = np.full(len(self.qids), -1.0)
        else:
            nearest = self.question_index.search(self.query_vectors, 1)[0][:, 0]
        claimed = declined.claims(
            self.query_vectors,
            self._embed_queries(self.declined),
            nearest,
            np.asarray(self.top_scores()),
            threshold,
        )
        return [bool(c) for c in claimed]

    def _embed_queries(self, queries: Sequence[str]) -> np.ndarray:
        return self._encode_queries([site_name.without(q, self.site_names) for q in queries])

    def is_noise(self, queries: Sequence[str]) -> list[bool]:
        """Which queries serving declines as noise (no word of the site's or the model's)."""
        if self._noise_speller is None:
            docs = [self.eval_set.corpus[d] for d in self.doc_ids]
            self._noise_speller = self.speller or Speller.for_passages(docs, self.model_ref)
        return [self._noise_speller.is_noise(q) for q in self._as_searched(queries)]

    def _as_searched(self, queries: Sequence[str]) -> list[str]:
        """What serving searches for: each query with its typos fixed, if that is on."""
        return [self.speller.correct(q) for q in queries] if self.speller else list(queries)


def _best(rankings: list[list[tuple[int, float]]]) -> list[float]:
    return [ranked[0][1] if ranked else 0.0 for ranked in rankings]


def answer_rate(r: Retrievers, quantile: float | None = None) -> dict:
    """How serving's "not sure" treats the set's queries over its corpus.

    The threshold is the one a build of this corpus calibrates
    (site_assistant.answerability: the generic off-topic questions scored the same
    way), or SITE_ASSISTANT["MIN_SCORE"] when set; a query is answered when its best
    score reaches it and serving would not decline it as noise nor as a question the
    owner said the site does not answer.
    """
    off_topic = answerability.off_topic_questions()
    off_scores = [
        s
        for s, noise in zip(r.best_scores(off_topic), r.is_noise(off_topic), strict=True)
        if not noise
    ]
    explicit = conf.get("MIN_SCORE")
    if explicit is not None:
        threshold = float(explicit)
    else:
        threshold = answerability.threshold(off_scores, quantile)
    queries = [r.eval_set.queries[q] for q in r.qids]
    answered = [
        score >= threshold and not noise and not declined_by_owner
        for score, noise, declined_by_owner in zip(
            r.top_scores(), r.is_noise(queries), r.declined_by_owner(threshold), strict=True
        )
    ]
    by_group: dict[str, list[bool]] = {}
    for qid, yes in zip(r.qids, answered, strict=True):
        by_group.setdefault(r.eval_set.groups.get(qid, ""), []).append(yes)
    return {
        "threshold": threshold,
        "calibrated": explicit is None,
        "quantile": quantile if quantile is not None else conf.get("OFF_TOPIC_QUANTILE"),
        "answered": float(np.mean(answered)) if answered else 0.0,
        "off_topic_declined": float(np.mean([s < threshold for s in off_scores])),
        "by_group": {
            g: {"queries": len(v), "answered": float(np.mean(v))}
            for g, v in sorted(by_group.items())
            if g
        },
    }


def evaluate(
    eval_set: EvalSet,
    model_ref: str | None = None,
    retrievers: Sequence[str] = RETRIEVERS,
    quantile: float | None = None,
) -> dict:
    """{"set", "model_id", "queries", "documents", "results": {retriever: metrics},
    "answerability": answer_rate(...)}; a set without relevance judgements
    (unanswerable questions) has no "results"."""
    unknown = set(retrievers) - set(RETRIEVERS)
    if unknown:
        raise ValueError(f"unknown retrievers: {sorted(unknown)}")
    r = Retrievers(eval_set, model_ref)
    report = {
        "set": eval_set.name,
        "model_id": r.model_id,
        "model_ref": r.model_ref,
        "queries": len(eval_set.queries),
        "documents": len(eval_set.corpus),
        "notes": eval_set.notes,
        "results": {},
        "by_group": {},
        "answerability": answer_rate(r, quantile),
    }
    if not eval_set.qrels:
        return report
    for name in retrievers:
        rankings, all_qrels = eval_set.answer_rankings(r.rankings(name))
        report["results"][name] = mean_metrics(rankings, all_qrels)
        groups: dict[str, dict] = {}
        for group in sorted(set(eval_set.groups.values())):
            qrels = {q: d for q, d in all_qrels.items() if eval_set.groups.get(q) == group}
            m = mean_metrics(rankings, qrels)
            groups[group] = {
                "queries": len(qrels),
                "accuracy@1": m["accuracy@1"],
                "ndcg@10": m["ndcg@10"],
            }
        if groups:
            report["by_group"][name] = groups
    return report


def format_table(report: dict) -> str:
    """The seed card's metric table, one column per retriever."""
    names = list(report["results"])
    header = (
        f"{report['set']} — model {report['model_id']} — {report['queries']} queries, "
        f"{report['documents']} documents"
    )
    rate = report.get("answerability")
    if not names:  # unanswerable questions: only the share declined
        return "\n".join([header, *_answerability_lines(rate, declined=True)])
    width = max(len(m) for m in METRIC_NAMES) + 2
    lines = [header, "metric".ljust(width) + "".join(n.rjust(10) for n in names)]
    for metric in METRIC_NAMES:
        row = metric.ljust(width)
        row += "".join(f"{report['results'][n][metric]:10.4f}" for n in names)
        lines.append(row)
    by_group = report.get("by_group") or {}
    if by_group:
        lines.append("by question kind (accuracy@1 / ndcg@10):")
        for group in next(iter(by_group.values())):
            n = next(iter(by_group.values()))[group]["queries"]
            cells = "".join(
                f"  {by_group[r][group]['accuracy@1']:.2f}/{by_group[r][group]['ndcg@10']:.2f}"
                for r in names
                if r in by_group
            )
            lines.append(f"  {group:<12} ({n:>3}){cells}")
    if rate:
        lines += _answerability_lines(rate, declined=False)
    return "\n".join(lines)


def _answerability_lines(rate: dict, declined: bool) -> list[str]:
    how = (
        f"calibrated, off-topic quantile {rate['quantile']}" if rate["calibrated"] else "MIN_SCORE"
    )
    share = 1 - rate["answered"] if declined else rate["answered"]
    lines = [
        f"answer threshold {rate['threshold']:.4f} ({how}); "
        f"generic off-topic questions declined {rate['off_topic_declined']:.4f}",
        f"{'declined (not sure)' if declined else 'answered'}: {share:.4f}",
    ]
    for group, g in rate["by_group"].items():
        value = 1 - g["answered"] if declined else g["answered"]
        lines.append(f"  {group:<12} ({g['queries']:>3}) {value:.2f}")
    return lines
