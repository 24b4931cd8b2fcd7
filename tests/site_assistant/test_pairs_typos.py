"""Typos: deterministic, one letter."""

from site_assistant.training.pairs.typos import misspell


def test_misspelled_queries_are_deterministic_typos():
    import random

    a = misspell("What is Maintenance plans?", random.Random(3))
    b = misspell("What is Maintenance plans?", random.Random(3))
    assert a == b and a != "What is Maintenance plans?"
    assert abs(len(a) - len("What is Maintenance plans?")) <= 1
