"""Deterministic typos, as visitors make them."""

from __future__ import annotations

import random


def misspell(text: str, rng: random.Random) -> str:
    """One deterministic typo in one of the longer words (swap, drop or double a letter)."""
    tokens = text.split(" ")
    choices = [i for i, t in enumerate(tokens) if sum(c.isalpha() for c in t) >= 5]
    if not choices:
        return text
    i = rng.choice(choices)
    word = tokens[i]
    letters = [j for j in range(1, len(word) - 1) if word[j].isalpha() and word[j + 1].isalpha()]
    if not letters:
        return text
    j = rng.choice(letters)
    op = rng.choice(("swap", "drop", "double"))
    if op == "swap":
        word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    elif op == "drop":
        word = word[:j] + word[j + 1 :]
    else:
        word = word[:j] + word[j] + word[j:]
    tokens[i] = word
    return " ".join(tokens)
