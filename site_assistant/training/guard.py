"""The activation guard: does the tuned model beat the base one by more than chance?

Judged per dev question (held-out sections), on ndcg@10:

- **A gain beyond split noise.** The mean per-question gain must stay above
  zero over a paired bootstrap of the dev questions (its lower
  ``1 - CONFIDENCE`` quantile > 0), not just the point estimate: a dev split
  of a few dozen sections moves by a few hundredths from seed to seed.
- **No loss on natural questions, asked of the answers alone.** The
  generated questions (templates, key phrases, keywords) are what the model
  was just taught to answer; a gain on them says little about visitors' own
  words. The questions written by people or pages — a heading that is
  itself a question, the owner's example questions, a page's
  data-search-questions, helpful visitor questions — must not score lower
  with the tuned model (when the dev split has at least ``MIN_NATURAL`` of
  them). They are scored against the dev passages *without their leading
  heading* (passage vectors only, no typo correction): a question heading is
  word for word in its passage, so both models find it there (1.00 vs 1.00
  on StackFAQ while the tuned model lost 0.085 ndcg@10 on the real
  queries); without it, the question must be matched to what the answer
  says, as a visitor's paraphrase is (0.876 → 0.813 on StackFAQ).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

from .. import stored_words as words

METRIC = "ndcg@10"
# Question kinds (pairs.pair.KINDS) not generated from a template or the text's words.
NATURAL_KINDS = frozenset({"heading", "owner", "page", "visitor"})
MIN_NATURAL = 10
RESAMPLES = 2000
CONFIDENCE = 0.95


def per_query(retrievers, metric: str = METRIC) -> dict[str, float]:
    """qid → ``metric`` of the dense ranking (as serving ranks, pages counted once)."""
    from .metrics import query_metrics

    rankings, qrels = retrievers.eval_set.answer_rankings(retrievers.rankings("dense"))
    return {qid: query_metrics(rankings.get(qid, []), rel)[metric] for qid, rel in qrels.items()}


def bootstrap_low(diffs: list[float], seed: int = 0) -> float:
    """The lower ``1 - CONFIDENCE`` quantile of the mean of ``diffs`` over resamples."""
    if not diffs:
        return float("nan")
    rng = random.Random(seed)
    n = len(diffs)
    means = sorted(sum(rng.choices(diffs, k=n)) / n for _ in range(RESAMPLES))
    return means[int((1 - CONFIDENCE) * RESAMPLES)]


def natural_qids(kinds: Mapping[str, str]) -> list[str]:
    """The dev questions written by people or pages, if enough to judge on; else none."""
    natural = [q for q, kind in kinds.items() if kind in NATURAL_KINDS]
    return natural if len(natural) >= MIN_NATURAL else []


def answer_only(pairs_dir, model_ref: str, qids) -> dict[str, float]:
    """qid → ndcg@10 of dev questions ``qids`` over the dev passages without their heading."""
    from site_assistant import conf

    from .evaluate import Retrievers, load_dev
    from .pairs.topics import body

    dev = load_dev(pairs_dir)
    dev.site = False  # no example-question vectors: the question alone against the answers
    keep = set(qids)
    dev.queries = {q: t for q, t in dev.queries.items() if q in keep}
    dev.qrels = {q: r for q, r in dev.qrels.items() if q in keep}
    dev.pages = {q: p for q, p in dev.pages.items() if q in keep}
    for doc in dev.corpus.values():
        doc["dense_text"] = body(doc) or doc["text"]
    # In this thread only: a web server or worker sharing the process answers as set.
    with conf.scoped(SENTENCE_WEIGHT=0, TYPO_TOLERANCE=False):
        return per_query(Retrievers(dev, model_ref))


def judge(
    base: Mapping[str, float],
    tuned: Mapping[str, float],
    kinds: Mapping[str, str],
    natural_base: Mapping[str, float] | None = None,
    natural_tuned: Mapping[str, float] | None = None,
) -> tuple[bool, str, dict]:
    """(passed, decision, evidence) from per-question scores of both models.

    ``natural_base`` / ``natural_tuned``: the natural questions' scores asked of
    the answers alone (``answer_only``); when given, they decide the second
    test, else the natural questions' dev scores do.
    """
    qids = [q for q in base if q in tuned]
    if not qids or any(math.isnan(base[q]) or math.isnan(tuned[q]) for q in qids):
        return False, words.NOTHING_TO_JUDGE.english(metric=METRIC), {}
    diffs = [tuned[q] - base[q] for q in qids]
    gain, low = sum(diffs) / len(diffs), bootstrap_low(diffs)
    natural = [q for q in qids if kinds.get(q) in NATURAL_KINDS]
    nb, nt = (natural_base, natural_tuned) if natural_base and natural_tuned else (base, tuned)
    natural = [q for q in natural if q in nb and q in nt]
    evidence = {
        "metric": METRIC,
        "questions": len(qids),
        "gain": round(gain, 4),
        "gain_low": round(low, 4),
        "confidence": CONFIDENCE,
        "natural_questions": len(natural),
    }
    b_all, t_all = sum(base[q] for q in qids) / len(qids), sum(tuned[q] for q in qids) / len(qids)
    figures = words.FIGURES.english(
        metric=METRIC,
        tuned=f"{t_all:.4f}",
        base=f"{b_all:.4f}",
        gain=f"{gain:+.4f}",
        confidence=f"{CONFIDENCE:.0%}",
        low=f"{low:+.4f}",
    )
    if low <= 0:
        return False, words.NO_GAIN.english(figures=figures), evidence
    if len(natural) >= MIN_NATURAL:
        b = sum(nb[q] for q in natural) / len(natural)
        t = sum(nt[q] for q in natural) / len(natural)
        alone = natural_base is not None and natural_tuned is not None
        evidence.update(natural_base=round(b, 4), natural_tuned=round(t, 4), answer_only=alone)
        said = words.NATURAL_ALONE if alone else words.NATURAL
        nat = said.english(count=len(natural), tuned=f"{t:.4f}", base=f"{b:.4f}")
        if t < b:
            return False, words.NATURAL_LOWER.english(figures=figures, natural=nat), evidence
        figures = words.FIGURES_AND_NATURAL.english(figures=figures, natural=nat)
    return True, words.ACTIVATED.english(figures=figures), evidence
