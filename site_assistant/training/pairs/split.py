"""Train and dev split by section (url + anchor), by a seeded hash of each section's link.

Every passage of a section falls on the same side, so no passage has
questions on both sides; a section's side depends on its own link only, so
the split stays put as pages come and go.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence

from .pair import Pair, section_key
from .words import fold_question


def _split_rank(key: tuple[str, str], seed: int) -> str:
    url, anchor = key
    return hashlib.sha256(f"{seed}:{url}#{anchor}".encode()).hexdigest()


def split_by_section(
    pairs: Sequence[Pair], passages: Sequence[dict], seed: int, dev_fraction: float
) -> tuple[list[Pair], list[Pair], dict[int, list[int]], dict[str, set[int]]]:
    """(train, dev, passage id → its section's passage ids, folded question → passage ids)."""
    sections: dict[tuple[str, str], list[int]] = defaultdict(list)
    for p in passages:
        sections[section_key(p)].append(p["id"])
    # Sections in the order of a seeded hash of their link: a section's side does
    # not depend on the others, so adding or removing a page moves at most one
    # section across the boundary (a shuffle would redraw the whole split).
    keys = sorted(sections, key=lambda key: _split_rank(key, seed))
    n_dev = round(len(keys) * dev_fraction)
    if dev_fraction and len(keys) > 1:
        n_dev = max(1, min(n_dev, len(keys) - 1))
    dev_keys = set(keys[:n_dev])
    dev_ids = {pid for key in dev_keys for pid in sections[key]}

    # A question two dev sections answer is one dev question, scored against
    # both (relevant_to): counted twice, it would weigh double in the metrics.
    dev, dev_questions = [], set()
    for pair in pairs:
        folded = fold_question(pair.question)
        if pair.passage_id in dev_ids and folded not in dev_questions:
            dev_questions.add(folded)
            dev.append(pair)
    # A question asked of a dev passage is not trained on for another passage:
    # the dev set would be scoring a question the model was taught to send elsewhere.
    train = [
        pair
        for pair in pairs
        if pair.passage_id not in dev_ids and fold_question(pair.question) not in dev_questions
    ]
    asked_of: dict[str, set[int]] = defaultdict(set)
    for pair in pairs:
        asked_of[fold_question(pair.question)].add(pair.passage_id)
    relevant = {p["id"]: sorted(sections[section_key(p)]) for p in passages}
    return train, dev, relevant, dict(asked_of)
