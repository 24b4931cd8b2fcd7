"""A passage's topic (X in "What is X?"): its heading, or its page's title."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from ...extract import HEADING_SEPARATOR
from ...text import normalize

TITLE_SEPARATORS = (" — ", " | ", " - ", " · ")
# A topic opening with one of these (and of three words or more) is a question
# without its mark: "How to delete my account", "Should I be tested".
QUESTION_WORDS = frozenset(
    [
        "how",
        "what",
        "why",
        "when",
        "where",
        "who",
        "whom",
        "whose",
        "which",
        "can",
        "could",
        "should",
        "would",
        "is",
        "are",
        "was",
        "were",
        "do",
        "does",
        "did",
        "has",
        "have",
        "may",
        "might",
        "what's",
        "how's",
        "where's",
        "who's",
    ]
)


# A tag after a title: "How can I send a fax online? [closed]", "(duplicate)".
_TAG = re.compile(r"(?:\s*[\[(][^\])]{0,30}[\])])+$")


def is_question(topic: str) -> bool:
    """A heading or title that is itself a question ("Should I be tested for COVID-19?")."""
    topic = _TAG.sub("", (topic or "").strip())
    if topic.endswith("?"):
        return True
    first = topic.split(" ", 1)[0].lower().strip("¿¡\"“'")
    return first in QUESTION_WORDS and len(topic.split()) >= 3


def as_question(topic: str) -> str:
    """The question a question topic asks, with one question mark and no trailing tag."""
    return tidy_question(_TAG.sub("", topic.strip()).rstrip(" .:;!?") + "?")


def tidy_question(question: str) -> str:
    """One final mark: "COVID-19??" → "COVID-19?", "FAQ?." → "FAQ?"."""
    question = " ".join((question or "").split())
    question = re.sub(r"\s+([?!.,])", r"\1", question)
    return re.sub(r"\?[?!.]+", "?", question)


def site_suffix(titles: Sequence[str]) -> str:
    """The part of page titles naming the site ("Acme"), if most titles share one."""
    tails = Counter()
    for title in titles:
        for sep in TITLE_SEPARATORS:
            if sep in title:
                tails[title.rsplit(sep, 1)[1].strip()] += 1
                break
    if not tails:
        return ""
    tail, n = tails.most_common(1)[0]
    return tail if n * 2 >= len(titles) else ""


def title_base(title: str, suffix: str) -> str:
    """ "Opening hours — Tea room — Acme" → "Opening hours"; the site's own title stays."""
    title = (title or "").strip()
    if suffix:
        for sep in TITLE_SEPARATORS:
            if title.endswith(sep + suffix):
                title = title[: -len(sep + suffix)].strip()
                break
    for sep in TITLE_SEPARATORS:
        if sep in title:
            head = title.split(sep, 1)[0].strip()
            if head:
                return head
    return title


def leaf(heading: str) -> str:
    """The last heading of a heading path ("Services › Pricing" → "Pricing")."""
    return (heading or "").split(HEADING_SEPARATOR)[-1].strip()


def body(passage: dict) -> str:
    """The passage text without its leading heading (HEADING_IN_TEXT puts it there)."""
    text = passage["text"]
    heading = leaf(passage.get("heading", ""))
    if heading and text.startswith(heading):
        text = text[len(heading) :].lstrip(" .:")
    return text


def topics(passages: Sequence[dict]) -> dict[int, str]:
    """Passage id → X for the templates: heading leaf, qualified when ambiguous.

    A heading (or, without one, a title) that is itself a question stays that
    question, mark and all: the generator asks it as written instead of
    wrapping it in a template (never "What is Should I be tested??").
    """
    suffix = site_suffix([p.get("title", "") for p in passages])
    leaf_urls: dict[str, set[str]] = defaultdict(set)
    for p in passages:
        leaf_urls[leaf(p.get("heading", "")).lower()].add(p["url"])
    out = {}
    for p in passages:
        heading = leaf(p.get("heading", ""))
        base = title_base(p.get("title", ""), suffix) or suffix
        if is_question(heading) or (not heading and is_question(base)):
            # The same question heading on several pages ("What do you do?" on
            # every game scene) names no one section: no topic question at all.
            several = heading and len(leaf_urls[heading.lower()]) > 1
            out[p["id"]] = "" if several else as_question(normalize(heading or base))
            continue
        if not heading:
            # Intro passages are about the page.
            x = base
        elif len(leaf_urls[heading.lower()]) > 1 and base.lower() != heading.lower():
            # The same heading on several pages ("Pricing" on several service pages).
            x = f"{base} {heading}"
        else:
            x = heading
        out[p["id"]] = normalize(x.strip(" .:;!"))
    return out
