"""A passage's most distinctive phrases and words (by IDF over every passage)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from .words import CLAUSE, is_content, words


def idf_of(passages: Sequence[dict]) -> dict[str, float]:
    """Word (lower case) → inverse document frequency over ``passages``."""
    df = Counter()
    for p in passages:
        df.update({w.lower() for w in words(p["text"])})
    n = len(passages)
    return {w: math.log(1 + (n - d + 0.5) / (d + 0.5)) for w, d in df.items()}


def _not_a_topic_end(word: str) -> bool:
    """A topic ends in a noun; without a tagger, an -ly adverb or -ed participle is a
    safe guess that it does not ("speed" and "family" are nouns: -eed, -ily stay)."""
    w = word.lower()
    return len(w) > 4 and (
        (w.endswith("ed") and not w.endswith("eed")) or (w.endswith("ly") and not w.endswith("ily"))
    )


# Key phrases asked about per passage.
KEY_PHRASES = 2


def key_phrases(
    text: str, idf: dict[str, float], skip: set[str], limit: int = KEY_PHRASES
) -> list[str]:
    """The passage's most distinctive runs of 1–3 content words, best first."""
    candidates: dict[str, float] = {}
    run: list[str] = []

    def flush():
        for size in (3, 2, 1):
            for i in range(0, max(0, len(run) - size + 1)):
                phrase = run[i : i + size]
                key = " ".join(w.lower() for w in phrase)
                if all(w.lower() in skip for w in phrase):
                    continue
                if size == 1 and len(key) < 5 and not any(c.isdigit() for c in key):
                    continue  # a short lone word says little ("fit", "toys")
                if _not_a_topic_end(phrase[-1]):
                    continue  # "plainly", "data hosted": a manner or an action, not a topic
                score = sum(idf.get(w.lower(), 0.0) for w in phrase) / (1 + 0.35 * (size - 1))
                # The lead of a passage says what it is about: earlier clauses count more.
                score /= 1 + 0.1 * clause_index
                if key not in candidates or candidates[key] < score:
                    candidates[key] = score
        run.clear()

    # Phrases never cross a clause boundary (punctuation, dash, bracket, quote).
    for clause_index, clause in enumerate(CLAUSE.split(text or "")):  # noqa: B007
        for token in words(clause):
            if is_content(token):
                run.append(token.strip(".,"))
            else:
                flush()
        flush()
    chosen: list[str] = []
    used: set[str] = set()
    for phrase, _ in sorted(candidates.items(), key=lambda kv: (-kv[1], kv[0])):
        ws = set(phrase.split())
        if ws & used:
            continue
        chosen.append(phrase)
        used |= ws
        if len(chosen) == limit:
            break
    return chosen


def keywords(text: str, idf: dict[str, float], limit: int = 3) -> list[str]:
    """The ``limit`` content words of ``text`` with the highest IDF."""
    seen: dict[str, float] = {}
    for token in words(text):
        w = token.lower().strip(".,")
        if is_content(w):
            seen[w] = idf.get(w, 0.0)
    return [w for w, _ in sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]
