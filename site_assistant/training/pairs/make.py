"""The pair set: every passage's generated questions plus the ones people wrote,
cleaned, de-duplicated and split. Deterministic for a seed and a set of passages."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import replace

from ...text import normalize
from .clean import assert_clean, is_clean
from .generate import generated_questions
from .keyphrases import idf_of
from .owner import owner_questions
from .pair import Pair, PairSet
from .split import split_by_section
from .topics import tidy_question, topics
from .visitors import visitor_questions


def human_questions(passages: Sequence[dict]) -> tuple[list[Pair], list[str]]:
    """Pairs from the owner's ExampleQuestion rows and helpful visitor questions.

    Returns (pairs, problems): a question whose URL matches no passage is
    reported, not silently dropped.
    """
    pairs, problems = owner_questions(passages)
    return pairs + visitor_questions(passages), problems


# The share of sections whose questions test the trained model rather than train it.
DEV_FRACTION = 0.2


def build_pairs(
    passages: Sequence[dict],
    seed: int = 42,
    dev_fraction: float = DEV_FRACTION,
    extra: Iterable[Pair] = (),
) -> PairSet:
    """All pairs, split train/dev by section. ``extra``: questions written by people."""
    if not 0 <= dev_fraction < 1:
        raise ValueError("dev_fraction must be in [0, 1)")
    clean, skipped = [], []
    for p in sorted(passages, key=lambda p: (p["url"], p.get("position", 0), p["id"])):
        p = {**p, "text": normalize(p["text"]), "heading": normalize(p.get("heading", ""))}
        if not p["text"] or not is_clean(p["text"]):
            skipped.append({"id": p["id"], "url": p["url"], "reason": "markup or empty"})
            continue
        clean.append(p)
    if not clean:
        raise ValueError("no passages to make pairs from")
    by_id = {p["id"]: p for p in clean}
    rng = random.Random(seed)
    idf = idf_of(clean)
    x_of = topics(clean)

    pairs: list[Pair] = []
    for p in clean:
        for question, kind, phrase in generated_questions(p, x_of[p["id"]], idf, rng):
            pairs.append(Pair(tidy_question(normalize(question)), p["id"], kind, phrase=phrase))
        for question in p.get("questions") or []:
            pairs.append(Pair(normalize(question), p["id"], "page", "page"))
    for pair in extra:
        if pair.passage_id in by_id:
            pairs.append(replace(pair, question=normalize(pair.question)))
    # Same question for the same passage once; drop empty and dirty questions.
    unique, seen = [], set()
    for pair in pairs:
        key = (pair.question.lower(), pair.passage_id)
        if pair.question and key not in seen and is_clean(pair.question):
            seen.add(key)
            unique.append(pair)

    train, dev, relevant, asked_of = split_by_section(unique, clean, seed, dev_fraction)
    result = PairSet(train, dev, relevant, by_id, seed, dev_fraction, skipped, asked_of=asked_of)
    assert_clean(result.train + result.dev, by_id)
    return result
