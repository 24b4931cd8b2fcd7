"""Fact types and the questions people ask about them.

Teaches "how much" ↔ a price, "how long" ↔ a duration, "when" ↔ a year...
({x}: the passage's topic or a key phrase). General English, nothing
site-specific.
"""

import re

FACT_QUESTIONS = (
    (
        re.compile(
            r"[€$£]\s?\d|\d\s?(?:€|eur\b|usd\b)|\bper (?:hour|month|year)\b|\bprices?\b", re.I
        ),
        ("How much does {x} cost?", "What do you charge for {x}?", "How expensive is {x}?"),
    ),
    (
        re.compile(
            r"\b\d+(?:\s*(?:-|to)\s*\d+)?[\s-]*(?:minutes?|hours?|days?|weeks?|months?|years?)\b",
            re.I,
        ),
        ("How long does {x} take?", "How long do you keep {x}?", "How soon is {x}?"),
    ),
    (
        re.compile(r"[\w.+-]+@[\w-]+\.\w+"),
        (
            "How do I contact you about {x}?",
            "Which email address is for {x}?",
            "Who do I write to about {x}?",
        ),
    ),
    (
        re.compile(r"\b(?:19|20)\d\d\b"),
        ("When did {x} start?", "Since when is {x}?", "What year was {x}?"),
    ),
    (
        re.compile(
            r"\b(?:free|no purchases?|no account|without (?:an? )?(?:account|warranty))\b", re.I
        ),
        ("Is {x} free?", "Do I have to pay for {x}?", "Do I need an account for {x}?"),
    ),
    (
        re.compile(r"\b(?:never|no|not|only)\b", re.I),
        ("Do you really {x}?", "Is it true about {x}?", "Does {x} happen?"),
    ),
)
