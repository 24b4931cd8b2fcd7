"""The activation guard: does the tuned model beat the base one by more than chance?

Judged per dev question (held-out sections), on ndcg@10:

- **A gain beyond split noise.** The mean per-question gain must stay above
  zero over a paired bootstrap of the dev questions (its lower
  ``1 - CONFIDENCE`` quantile > 0), not just the point estimate: a dev split
  of a few dozen sections moves by a few hundredths from seed to seed.
- **No loss on natural questions.** The generated questions (templates, key
  phrases, keywords) are what the model was just taught to answer; a gain on
  them says little about visitors' own words. The questions written by
  people or pages — a heading that is itself a question, the owner's example
  questions, a page's data-search-questions, helpful visitor questions —
  must not score lower with the tuned model (when the dev split has at least
  ``MIN_NATURAL`` of them).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

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


def judge(
    base: Mapping[str, float], tuned: Mapping[str, float], kinds: Mapping[str, str]
) -> tuple[bool, str, dict]:
    """(passed, decision, evidence) from per-question scores of both models."""
    qids = [q for q in base if q in tuned]
    if not qids or any(math.isnan(base[q]) or math.isnan(tuned[q]) for q in qids):
        return False, f"not activated: no dev {METRIC} to judge on", {}
    diffs = [tuned[q] - base[q] for q in qids]
    gain, low = sum(diffs) / len(diffs), bootstrap_low(diffs)
    natural = [q for q in qids if kinds.get(q) in NATURAL_KINDS]
    evidence = {
        "metric": METRIC,
        "questions": len(qids),
        "gain": round(gain, 4),
        "gain_low": round(low, 4),
        "confidence": CONFIDENCE,
        "natural_questions": len(natural),
    }
    b_all, t_all = sum(base[q] for q in qids) / len(qids), sum(tuned[q] for q in qids) / len(qids)
    figures = f"dev {METRIC} {t_all:.4f} vs base {b_all:.4f} ({gain:+.4f}, {CONFIDENCE:.0%} low {low:+.4f})"
    if low <= 0:
        return False, f"not activated: {figures}: no gain beyond split noise", evidence
    if len(natural) >= MIN_NATURAL:
        b = sum(base[q] for q in natural) / len(natural)
        t = sum(tuned[q] for q in natural) / len(natural)
        evidence.update(natural_base=round(b, 4), natural_tuned=round(t, 4))
        nat = f"natural questions ({len(natural)}) {t:.4f} vs base {b:.4f}"
        if t < b:
            return False, f"not activated: {figures}, but {nat}: lower", evidence
        figures += f"; {nat}"
    return True, f"activated: {figures}", evidence
