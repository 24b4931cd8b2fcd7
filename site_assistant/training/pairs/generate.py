"""The questions generated for one passage: heading, template, factoid,
keyphrase, keywords, short and misspelled (the kinds in pair.py)."""

from __future__ import annotations

import random

from .facts import FACT_QUESTIONS
from .keyphrases import KEY_PHRASES, key_phrases, keywords
from .templates import KEYPHRASE_TEMPLATES, TEMPLATES
from .topics import as_question, body, is_question
from .typos import misspell
from .words import content_words

# The fact types asked about (the last, "never / only", makes questions too vague).
FACT_TYPES = FACT_QUESTIONS[:-1]
# Typed with a typo: "What is X?" and the keyword query.
MISSPELLED = 2


def questions_a_passage() -> tuple[int, int]:
    """(fewest, most) questions ``generated_questions`` makes for a passage whose text
    names its topic (the usual passage: its heading's words are in it), from the
    generator's own parameters: always the templates, a keyword query and the topic
    typed short; at most also KEY_PHRASES key phrases, one question per fact type and
    MISSPELLED typos. Cleaning and de-duplication only remove. A passage whose heading
    is a question, or whose text never names its topic, gets fewer: the heading asked
    and its typo, the key phrases, the keyword query and its typo."""
    always = len(TEMPLATES) + 2
    return always, always + KEY_PHRASES + len(FACT_TYPES) + MISSPELLED


def generated_questions(
    passage: dict, x: str, idf: dict[str, float], rng: random.Random
) -> list[tuple[str, str, str]]:
    """(question, kind, key phrase or "") for one passage about topic ``x``."""
    out: list[tuple[str, str, str]] = []
    if is_question(x):
        # A heading that is a question ("Should I be tested for COVID-19?") is
        # asked as written: a template around it would read "What is Should…??".
        question = as_question(x)
        out.append((question, "heading", ""))
        typo = misspell(question, rng)
        if typo != question:
            out.append((typo, "misspelled", ""))
        x = ""
    text_words = set(content_words(passage["text"]))
    x_words = content_words(x)
    # A topic the passage's own text never mentions (a scene page whose heading
    # is "What do you do?") cannot be found from the text: no template for it.
    about_x = bool(x_words) and any(w in text_words for w in x_words)
    if about_x:
        out += [(t.format(x=x), "template", "") for t in TEMPLATES]
    text = body(passage)
    phrases = key_phrases(text, idf, set(x_words)) or key_phrases(passage["text"], idf, set())
    for phrase in phrases:
        out.append((rng.choice(KEYPHRASE_TEMPLATES).format(k=phrase), "keyphrase", phrase))
    # A fact question asks about the passage's topic: a key phrase found beside
    # a price or a date is rarely what the price or date is for ("How long do
    # you keep hello example.com?").
    for pattern, templates in FACT_TYPES:
        if about_x and pattern.search(text):
            out.append((rng.choice(templates).format(x=x), "factoid", ""))
    # Keyword query: the topic's words plus the best phrase's, as people type them.
    kws = list(dict.fromkeys((x_words if about_x else [])[:2] + " ".join(phrases[:1]).split()))
    kws = kws[:3] or keywords(text, idf)
    if kws:
        out.append((" ".join(kws), "keywords", ""))
    if about_x:
        out.append((x.lower(), "short", ""))
    typo_sources = ([f"What is {x}?"] if about_x else []) + ([" ".join(kws)] if kws else [])
    for question in typo_sources:
        typo = misspell(question, rng)
        if typo != question:
            out.append((typo, "misspelled", ""))
    return out
