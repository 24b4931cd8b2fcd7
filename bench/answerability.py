#!/usr/bin/env python
"""``make bench-answerability``: can a small classifier decide "not sure" better
than the calibrated score threshold? (docs/quality.md, "Knowing when not to answer")

Everything is scored as ``search_evaluate`` scores it (``Retrievers``: the
base model over the live index's passages, example questions left one out).
Features of a question and its best passage:

- ``s1`` the best blended score, ``margin`` to the second passage;
- ``lex_top`` / ``lex_site``: the IDF-weighted share of the question's
  content words found in the best passage / anywhere on the site;
- ``soft_top`` / ``soft_site``: the same, softly: a word the passage (site)
  lacks counts its best cosine to one of the passage's (site's) words, each
  word embedded alone; ``min_soft_*`` the weakest word's.

Trained only on what a build has of any site (never on the evaluation sets):

- answerable: the questions ``search_make_pairs`` generates from the
  passages (``gen``), the owner's example questions (``ex``, when the site
  has them), and generated questions whose key word is swapped for a close
  word the site never uses (``para``, cosine >= 0.6, from the model's
  vocabulary);
- unanswerable: the shipped off-topic questions (``off``), and generated
  questions whose key word is swapped for a word the site never uses, drawn
  from the off-topic questions' words (``near``) or from the model's
  vocabulary far from the key word (``near2``, cosine < 0.25).

A logistic regression (numpy, class-balanced) per feature set and training
mix, its cut set to answer 97% or 99% of the answerable training questions;
then declined share of tests/data/unanswerable_questions.jsonl and answered
share of the natural and held-out questions. The last table is an upper
bound, not a method: the cut that answers exactly 98% of the natural
questions, chosen on the evaluation sets themselves.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import django  # noqa: E402

django.setup()

from site_assistant import answerability, embed  # noqa: E402
from site_assistant.examples import example_questions  # noqa: E402
from site_assistant.training import evaluate, pairs  # noqa: E402
from site_assistant.training.pairs.words import content_words  # noqa: E402

DATA = ROOT / "tests" / "data"
NAMES = ["s1", "margin", "lex_top", "lex_site", "soft_site", "soft_top", "min_soft_site"]
NAMES += ["min_soft_top"]
FEATURE_SETS = [[0], [0, 1], [0, 2], [0, 3], [0, 4, 6], [0, 5, 7], list(range(8))]
MIXES = [
    (("gen",), ("off", "near")),
    (("gen", "ex"), ("off", "near")),
    (("gen", "ex", "para"), ("off", "near", "near2")),
    (("ex",), ("off", "near2")),
]


def stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def words_of(text: str) -> list[str]:
    return list(dict.fromkeys(stem(w) for w in content_words(text)))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def swap(question: str, word: str, by: str) -> str:
    return re.sub(rf"\b{re.escape(word)}\b", by, question, count=1, flags=re.I)


def question_sets(docs, df, idf, model):
    """Every set of questions: the evaluation sets and the training ones, and
    where each training question came from (``origin``: set name → per question
    the id of the passage it was made for, None for the off-topic and evaluation
    sets)."""
    natural = [
        r["question"]
        for name in ("natural_questions.jsonl", "natural_questions_holdout.jsonl")
        for r in read_jsonl(DATA / name)
    ]
    unanswerable = read_jsonl(DATA / "unanswerable_questions.jsonl")
    off = answerability.off_topic_questions()
    made = pairs.build_pairs(pairs.load_passages()[0], seed=42, dev_fraction=0.0)
    made_pairs = made.train + made.dev
    generated = [p.question for p in made_pairs]
    # A question's key word: its rarest word that the site uses.
    keyed = []
    for q, p in zip(generated, made_pairs, strict=True):
        on_site = [w for w in content_words(q) if stem(w) in df]
        if on_site:
            keyed.append((q, max(on_site, key=lambda w: idf(stem(w))), p.passage_id))
    rng = random.Random(0)
    generic = sorted({w for q in off for w in words_of(q) if w not in df and w.isalpha()})
    near = [swap(q, key, rng.choice(generic)) for q, key, _ in keyed]
    vocab = [
        w
        for w in embed.get_tokenizer(model).get_vocab()
        if w.isalpha() and w.isascii() and len(w) >= 4 and stem(w) not in df and content_words(w)
    ]
    keys = sorted({key for _, key, _ in keyed})
    similar = embed.encode(keys, model, batch_size=256) @ embed.encode(vocab, model, 256).T
    row_of = {key: i for i, key in enumerate(keys)}
    para, near2, para_origin = [], [], []
    for q, key, pid in keyed:
        row = similar[row_of[key]]
        best = int(row.argmax())
        if row[best] >= 0.6:
            para.append(swap(q, key, vocab[best]))
            para_origin.append(pid)
        near2.append(swap(q, key, vocab[int(rng.choice(np.flatnonzero(row < 0.25)))]))
    examples = example_questions(docs)
    sets = {
        "nat": natural,
        "una": [r["query"] for r in unanswerable],
        "off": off,
        "gen": generated,
        "near": near,
        "ex": [q for q, _ in examples],
        "para": para,
        "near2": near2,
    }
    keyed_origin = [pid for _, _, pid in keyed]
    origin = {
        "gen": [p.passage_id for p in made_pairs],
        "ex": [int(docs[row]["id"]) for _, row in examples],
        "near": keyed_origin,
        "near2": keyed_origin,
        "para": para_origin,
    }
    return sets, [r.get("kind", "") for r in unanswerable], origin, made


@dataclass
class Ranked:
    """The question sets ranked as ``search_evaluate`` ranks them (base model, blend)."""

    docs: list[dict]  # the corpus, in ranking row order
    passage_words: list[set[str]]
    df: Counter
    idf: object
    sets: dict[str, list[str]]
    kinds: list[str]  # the unanswerable set's kinds
    origin: dict[str, list[int]]  # see question_sets
    made: object  # the PairSet the generated questions come from
    retrievers: evaluate.Retrievers
    groups: dict[str, list[str]]  # set name → its qids, in order
    ranked: list[list[tuple[int, float]]]  # per qid of retrievers.qids
    noise: np.ndarray


def rank_sets(model, depth: int = 2) -> Ranked:
    passages, _ = pairs.load_passages()
    corpus = evaluate.passages_corpus(passages)
    docs = list(corpus.values())
    for doc_id, doc in corpus.items():
        doc["id"] = doc_id
    passage_words = [set(words_of(f"{d['title']} {d['heading']} {d['text']}")) for d in docs]
    df = Counter(w for s in passage_words for w in s)
    n = len(docs)

    def idf(w):
        return math.log((n + 1) / (df.get(w, 0) + 0.5))

    sets, kinds, origin, made = question_sets(docs, df, idf, model)
    queries, groups = {}, {}
    for name, questions in sets.items():
        groups[name] = [f"{name}{i}" for i in range(len(questions))]
        queries.update(zip(groups[name], questions, strict=True))
    r = evaluate.Retrievers(
        evaluate.EvalSet("answerability", corpus, queries, {}, site=True), model
    )
    ranked = r.dense(depth=depth)
    noise = np.array(r.is_noise([queries[q] for q in r.qids]))
    return Ranked(docs, passage_words, df, idf, sets, kinds, origin, made, r, groups, ranked, noise)


def features(model):
    k = rank_sets(model)
    passage_words, df, idf, sets, kinds = k.passage_words, k.df, k.idf, k.sets, k.kinds
    r, groups, ranked, noise = k.retrievers, k.groups, k.ranked, k.noise
    site_words = sorted(df)
    all_words = sorted(set(site_words) | {w for q in r.query_texts for w in words_of(q)})
    vectors = embed.encode(all_words, model, batch_size=128)
    at = {w: i for i, w in enumerate(all_words)}
    site_matrix = vectors[[at[w] for w in site_words]]

    def row(question, pairs_):
        s1 = pairs_[0][1]
        margin = s1 - (pairs_[1][1] if len(pairs_) > 1 else 0.0)
        words = words_of(question)
        if not words:
            return [s1, margin, 1, 1, 1, 1, 1, 1]
        top = pairs_[0][0]
        weights = np.array([idf(w) for w in words])
        in_top = np.array([w in passage_words[top] for w in words])
        in_site = np.array([w in df for w in words])
        word_vectors = vectors[[at[w] for w in words]]
        soft_site = np.where(in_site, 1.0, (word_vectors @ site_matrix.T).max(1))
        top_matrix = vectors[[at[w] for w in passage_words[top]]]
        soft_top = np.where(in_top, 1.0, (word_vectors @ top_matrix.T).max(1))
        share = lambda hits: float((weights * hits).sum() / weights.sum())  # noqa: E731
        return [s1, margin, share(in_top), share(in_site), share(soft_site), share(soft_top)] + [
            float(soft_site.min()),
            float(soft_top.min()),
        ]

    by_qid = {
        q: (row(text, p), bool(z))
        for q, text, p, z in zip(r.qids, r.query_texts, ranked, noise, strict=True)
    }
    matrices = {g: np.array([by_qid[q][0] for q in ids]) for g, ids in groups.items()}
    noisy = {g: np.array([by_qid[q][1] for q in ids]) for g, ids in groups.items()}
    return matrices, noisy, np.array(kinds), {g: len(v) for g, v in sets.items()}


def fit(x, y, l2=1.0, iterations=50):
    """Class-balanced L2 logistic regression by Newton steps: the weights, bias last."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    weight = np.where(y == 1, 0.5 / max(1, y.sum()), 0.5 / max(1, (1 - y).sum())) * len(y)
    beta = np.zeros(x1.shape[1])
    penalty = l2 * np.diag(np.r_[np.ones(len(beta) - 1), 0])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-x1 @ beta))
        gradient = x1.T @ (weight * (p - y)) + penalty @ beta
        hessian = (x1 * (weight * p * (1 - p))[:, None]).T @ x1 + penalty
        beta -= np.linalg.solve(hessian, gradient)
    return beta


def main():
    model = embed.default_model_path()
    X, noisy, kinds, sizes = features(model)
    print("questions per set:", sizes)
    off = X["off"][:, 0][~noisy["off"]]
    threshold = np.quantile(off, 0.95)

    def shares(answered_nat, answered_una):
        by = {
            str(k): round(float(1 - answered_una[kinds == k].mean()), 2)
            for k in sorted(set(kinds))
            if k
        }
        return f"answered {answered_nat.mean():.3f}  declined {1 - answered_una.mean():.3f} {by}"

    print(
        f"score threshold (off-topic 0.95 quantile, {threshold:.4f}): "
        + shares(
            (X["nat"][:, 0] >= threshold) & ~noisy["nat"],
            (X["una"][:, 0] >= threshold) & ~noisy["una"],
        )
    )
    print("\nclassifier, cut answering 97% / 99% of the answerable training questions:")
    oracle = []
    for positives, negatives in MIXES:
        for cols in FEATURE_SETS:
            pos = np.vstack([X[g][:, cols] for g in positives])
            neg = np.vstack([X[g][:, cols] for g in negatives])
            x = np.vstack([pos, neg])
            mean, scale = x.mean(0), x.std(0) + 1e-9
            beta = fit((x - mean) / scale, np.r_[np.ones(len(pos)), np.zeros(len(neg))])

            def z(group, cols=cols, mean=mean, scale=scale, beta=beta):
                m = np.hstack([(X[group][:, cols] - mean) / scale, np.ones((len(X[group]), 1))])
                return np.where(noisy[group], -np.inf, m @ beta)

            train = np.concatenate([z(g) for g in positives])
            label = f"{'+'.join(NAMES[c] for c in cols):<28} {'+'.join(positives)} vs {'+'.join(negatives)}"
            for recall in (0.97, 0.99):
                cut = np.quantile(train[np.isfinite(train)], 1 - recall)
                print(f"  {label:<58} {recall:.2f}: {shares(z('nat') >= cut, z('una') >= cut)}")
            nat = np.sort(z("nat"))
            cut = nat[int(math.floor(0.02 * len(nat)))]
            oracle.append((float((z("una") < cut).mean()), label))
    print(
        "\nupper bound: declined when the cut answers 98% of the natural questions (chosen on them):"
    )
    for declined, label in sorted(oracle, reverse=True):
        print(f"  {declined:.3f}  {label}")


if __name__ == "__main__":
    main()
