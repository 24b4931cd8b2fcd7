"""The words of a passage or a question: tokens, stop words, content words, folding."""

from __future__ import annotations

import re
from functools import cache

from ...text import normalize

_WORD = re.compile(r"[^\W_][\w’'.,€$£%/&+-]*[^\W_]|[^\W_]", re.UNICODE)
# Quotes and brackets end a clause wherever they stand (“Try the hoops” must not
# give "choose try"); other punctuation only before a space.
CLAUSE = re.compile(r"[()\[\]“”\"]+\s*|[.,;:!?·…]+(?:\s|$)|\s[—–-]\s")
# Words too common on any site, or too vague, to make a question specific; with the
# libraries' English stop words, ``stop_words()``.
_OWN_STOP = frozenset(
    {
        "can",
        "will",
        "does",
        "did",
        "has",
        "just",
        "also",
        "get",
        "gets",
        "make",
        "makes",
        "use",
        "uses",
        "like",
        "want",
        "wants",
        "need",
        "needs",
        "let",
        "lets",
        "keep",
        "keeps",
        "take",
        "takes",
        "see",
        "put",
        "way",
        "ways",
        "thing",
        "things",
        "lot",
        "little",
        "really",
        "still",
        "anyway",
        "always",
        "usually",
        "every",
        "new",
        "good",
        "great",
        "big",
        "small",
        "tell",
        "ask",
        "know",
        "look",
        "looks",
        "right",
        "sure",
        "yes",
        "read",
        "note",
        "page",
        "pages",
    }
)


@cache
def stop_words() -> frozenset[str]:
    """bm25s's and scikit-learn's English stop words and ``_OWN_STOP``.

    Imported on first use, not with this module: scikit-learn brings SciPy and pandas
    (1.4 s of CPU and 180 MB here), which a process that only imports the training package (the
    admin's "Train on site content", the test suite's collection) never needs.
    """
    from bm25s.stopwords import STOPWORDS_EN
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(STOPWORDS_EN) | ENGLISH_STOP_WORDS | _OWN_STOP


def words(text: str) -> list[str]:
    return _WORD.findall(text or "")


def is_content(word: str) -> bool:
    """A word that can make a question specific (not a stop word, number or contraction)."""
    w = word.lower()
    if any(c in w for c in "€$£%@"):
        return True
    if "’" in w or "'" in w:  # contractions: we’ll, you’re
        return False
    return len(w) > 2 and w not in stop_words() and not w.isdigit()


def content_words(text: str) -> list[str]:
    return [w.lower().strip(".,") for w in words(text) if is_content(w)]


def fold_words(text: str) -> str:
    """Lower-case words joined by single spaces, for whole-phrase containment."""
    return " ".join(w.lower().strip(".,") for w in words(text))


def fold_question(question: str) -> str:
    return normalize(question).casefold()
