"""Small talk: "hi", "thanks", "bye" get a reply, not a search.

A visitor who types "thanks" after an answer is not asking the site
anything: searched, it got "I'm not sure" (or, for "hi", the contact
section) and landed in the owner's list of unanswered questions. A message
that is, as a whole, one of SITE_ASSISTANT["SMALL_TALK"]'s phrases gets that
entry's reply instead: no search, no log entry. Matching ignores case,
punctuation, emoji and repeated spaces (a message of emoji alone, "👍",
matches as it is), nothing more — "hi, what do you
charge?" is a question and is searched. A message of a few phrases one after
another ("ok cool", "great, got it", "cool thanks") is small talk too, with the
last one's reply: "ok cool" was searched and got "I'm not sure".
"""

from __future__ import annotations

import functools
import re

from . import conf

# Letters and digits (any script) are kept; everything else separates words.
_NOT_WORD = re.compile(r"[^\w]+|_")


def _key(text: str) -> str:
    """The words of ``text``, case-folded; a message of no word ("👍") is its symbols."""
    words = " ".join(_NOT_WORD.sub(" ", text.casefold()).split())
    return words or "".join(text.replace("\ufe0f", "").split())


@functools.lru_cache(maxsize=64)
def _keys(phrases: tuple[str, ...]) -> frozenset[str]:
    """The keys of one entry's phrases, made once, not for every question."""
    return frozenset(_key(phrase) for phrase in phrases)


# A message of more words than this is never read as phrases one after another.
MAX_WORDS = 6


def reply(text: str) -> str | None:
    """The reply when ``text`` is small talk, else None: one of the phrases, or phrases
    one after another ("ok cool", "cool thanks", "ok great got it"; :func:`_run`), with the
    reply of the last one's entry."""
    key = _key(text)
    if not key:
        return None
    entries = conf.get("SMALL_TALK") or ()
    for entry in entries:
        if key in _keys(tuple(entry["phrases"])):
            return str(entry["reply"])  # a default reply: in the active language
    last = _run(key.split(" "), [_keys(tuple(entry["phrases"])) for entry in entries])
    return None if last is None else str(entries[last]["reply"])


def _run(words: list[str], keys: list[frozenset[str]]) -> int | None:
    """The index of the entry of the last phrase when ``words`` are phrases of the entries'
    ``keys`` one after another, else None. A visitor who says "ok cool" or "great, got it"
    says two of them ("ok cool" was searched and got "I'm not sure"); up to MAX_WORDS
    words, any of the entries' phrases, so it holds for a site's own phrases too."""
    if not 1 < len(words) <= MAX_WORDS:
        return None
    # ends[i]: the entry of the last phrase of a run of phrases that ends before word i.
    ends: dict[int, int] = {0: -1}
    for start in range(len(words)):
        if start not in ends:
            continue
        for stop in range(start + 1, len(words) + 1):
            phrase = " ".join(words[start:stop])
            found = next((i for i, entry in enumerate(keys) if phrase in entry), None)
            if found is not None:
                ends[stop] = found
    return ends.get(len(words))
