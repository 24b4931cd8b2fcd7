"""The site's name, left out of a question before it is embedded.

Most sites end every page title with their name ("Services — Plumora").
A visitor who writes it ("Plumora prices") adds a word that names no page
in particular, yet the model reads it as the question's topic: on the demo
site, the name in the question drew the About page's intro (which says the
name twice) ahead of Pricing. So the words that at least SHARE of the
pages' titles carry (at least MIN_PAGES pages) and that are not words of the
model's vocabulary — a coined name like "Plumora", never the "Tea" of
"Mossy Tea Room", which is what that site is about ("how much is tea") —
are left out of the text the model embeds
(SITE_ASSISTANT["IGNORE_SITE_NAME"]); phrase matches, BM25 and snippets
still read the question as typed. A question that is nothing but the name
keeps it. Measured in docs/quality.md."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable

from . import conf
from .memo import PerVersion
from .spelling import model_words
from .text import WORD

SHARE = 0.9
MIN_PAGES = 3
_names: PerVersion[frozenset[str]] = PerVersion()


def words(rows: Iterable[dict], vocabulary: Collection[str] = ()) -> frozenset[str]:
    """The case-folded words at least SHARE of the pages' titles have and
    ``vocabulary`` (the model's words) lacks. A row is a passage or a document:
    its page is its "url", else its "_id"."""
    titles = {}
    for row in rows:
        titles[row.get("url") or row.get("_id") or id(row)] = row.get("title") or ""
    if len(titles) < MIN_PAGES:
        return frozenset()
    counts = Counter(w for title in titles.values() for w in set(WORD.findall(title.casefold())))
    return frozenset(
        w for w, n in counts.items() if n >= SHARE * len(titles) and w not in vocabulary
    )


def for_model(rows: Iterable[dict], model_ref: str) -> frozenset[str]:
    """``words`` of ``rows`` that the model ``model_ref`` does not know, or none
    when the setting is off."""
    if not conf.get("IGNORE_SITE_NAME"):
        return frozenset()
    return words(rows, model_words(model_ref))


def for_version(version: str, passages: Iterable[dict], model_ref: str) -> frozenset[str]:
    """``for_model`` of one index version, once per process."""
    if not conf.get("IGNORE_SITE_NAME"):
        return frozenset()
    return _names.get(version, lambda: for_model(passages, model_ref))


def without(text: str, names: frozenset[str]) -> str:
    """``text`` without the words of ``names`` (and their possessive), or ``text`` itself
    when nothing else would be left."""
    if not names:
        return text
    pattern = r"\b(?:" + "|".join(re.escape(n) for n in sorted(names)) + r")(?:['’]s)?\b"
    left = " ".join(re.sub(pattern, " ", text, flags=re.IGNORECASE).split())
    return left if WORD.search(left) else text
