"""Small talk: "hi", "thanks", "bye" get a reply, not a search.

A visitor who types "thanks" after an answer is not asking the site
anything: searched, it got "I'm not sure" (or, for "hi", the contact
section) and landed in the owner's list of unanswered questions. A message
that is, as a whole, one of SITE_ASSISTANT["SMALL_TALK"]'s phrases gets that
entry's reply instead: no search, no log entry. Matching ignores case,
punctuation, emoji and repeated spaces (a message of emoji alone, "👍",
matches as it is), nothing more — "hi, what do you
charge?" is a question and is searched.
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


def reply(text: str) -> str | None:
    """The reply when ``text`` is small talk, else None."""
    key = _key(text)
    if not key:
        return None
    for entry in conf.get("SMALL_TALK") or ():
        if key in _keys(tuple(entry["phrases"])):
            return str(entry["reply"])  # a default reply: in the active language
    return None
