"""Typo tolerance: "What is Chanegs?" is asked as "What is Changes?".

A sentence model reads a misspelled word as unrelated word pieces ("chan",
"##eg", "##s"), so one typo can send a question to the wrong page. Before a
query is embedded, each word that is neither a word of the site nor a whole
word the model knows is replaced by the closest word of the site, when one is
within one edit (two for words of eight letters or more; Damerau-Levenshtein,
so a swapped pair of letters is one edit). Words the model knows are never
touched: "teams" stays "teams" though the site only says "terms".
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from . import language
from .text import WORD

# Letters only (apostrophes split words: "site’s" → "site", "s").
MIN_LENGTH = 4
_ENDINGS = ("s", "es", "ed", "d", "ing", "er", "ers", "ly")


def _is_stem(letters: str) -> bool:
    """A word to add an ending to has a vowel: "prc" (an abbreviation in the model's
    vocabulary) + "ing" is "prcing", a typo of "pricing", not a word."""
    return any(vowel in letters for vowel in "aeiouy")


def _dropped(typed: str, word: str) -> bool:
    """Whether ``typed`` is ``word`` with letters left out and none changed: a word typed
    fast on a phone drops letters ("wher" is "where", not the site's more frequent "when")."""
    letters = iter(word)
    return len(typed) < len(word) and all(letter in letters for letter in typed)


def max_edits(word: str) -> int:
    return 2 if len(word) >= 8 else 1


class Speller:
    """Respells unknown words as the closest word of a site (one per index version)."""

    def __init__(self, site_words: Counter, known_words: Iterable[str] = ()):
        self.frequency = site_words
        self.choices = sorted(w for w in site_words if len(w) >= MIN_LENGTH - 1)
        self.known = set(known_words) | set(site_words)

    @classmethod
    def for_texts(cls, texts: Iterable[str], model_ref: str | None = None) -> Speller:
        site_words = Counter(w.casefold() for text in texts for w in WORD.findall(text or ""))
        return cls(site_words, model_words(model_ref) if model_ref else ())

    @classmethod
    def for_passages(cls, passages: Iterable[dict], model_ref: str | None = None) -> Speller:
        """The words of the passages' titles, headings and texts, plus the model's."""
        return cls.for_texts(
            (f"{p.get('title', '')} {p.get('heading', '')} {p.get('text', '')}" for p in passages),
            model_ref,
        )

    def correct_word(self, word: str) -> str:
        folded = word.casefold()
        if len(folded) < MIN_LENGTH or self.is_known(folded) or not self.choices:
            return word
        limit = max_edits(folded)
        matches = process.extract(
            folded,
            self.choices,
            scorer=DamerauLevenshtein.distance,
            score_cutoff=limit,
            limit=None,
        )
        if not matches:
            return word
        # Fewest edits, then the same first letter (typos rarely hit it), then a word
        # with letters left out and none wrong (:func:`_dropped`), then the word the
        # site uses most, then the alphabet (stable).
        best = min(
            matches,
            key=lambda m: (
                m[1],
                m[0][0] != folded[0],
                not _dropped(folded, m[0]),
                -self.frequency[m[0]],
                m[0],
            ),
        )[0]
        return best.capitalize() if word[:1].isupper() else best

    def is_known(self, word: str) -> bool:
        """A word of the site or of the model, or one of them with an English ending
        ("checker", "patched", "priced", "whats" are not typos), or a contraction of the
        index's language typed without the apostrophe (``language.unapostrophed``: "dont"
        was respelled "don", a word of the site's "don't"). A bare "d" ends only a
        word that ends in "e": "basd" is no "bas" (a word of the model) + "d", but a typo
        of "based"."""
        if word in self.known or word in language.unapostrophed():
            return True
        return any(
            word.endswith(ending)
            and _is_stem(stem := word[: -len(ending)])
            and stem in self.known
            and (ending != "d" or stem.endswith("e"))
            for ending in _ENDINGS
            if len(word) - len(ending) >= 3
        )

    def is_typo(self, word: str) -> bool:
        """Whether typo tolerance would respell ``word`` (a word the index does not know,
        close to one of the site's)."""
        return self.correct_word(word) != word

    def is_site_word(self, word: str) -> bool:
        """A (case-folded) word of the site's own pages ("email", the site's own names), not only the
        model's."""
        return word in self.frequency

    def is_noise(self, text: str) -> bool:
        """Whether every word of ``text`` is too short to respell and unknown to
        the site and the model ("zz", "qq xd"). Longer unknown words are left
        alone: the model's vocabulary lacks real words such as "disclaimer"."""
        words = WORD.findall(text)
        return bool(words) and all(
            len(word) < MIN_LENGTH and not self.is_known(word.casefold()) for word in words
        )

    def correct(self, text: str) -> str:
        """``text`` with its unknown words spelled as the site spells them; as it is
        when those words are confidently another language (a visitor's Slovenian
        "imate kaksne" is not shown back as "image kaksne":
        ``language.unknown_words_language``), or when the question and its words that
        are not the site's are both most likely another language ("Dove siete?" is not
        "Dove site?": ``language.most_likely_other``); but always when every word is
        one the index knows or a long misspelling of the site's (``language.index_words``:
        "maintanance plan price" read as Tagalog is "maintenance plan price")."""
        corrected = WORD.sub(lambda m: self.correct_word(m.group(0)), text)
        if corrected == text or language.index_words(
            WORD.findall(text), self.is_known, self.is_typo
        ):
            return corrected
        if language.unknown_words_language(text, self.is_known) or language.most_likely_other(
            text, self.is_site_word
        ):
            return text
        return corrected


def model_words(model_ref: str) -> set[str]:
    """Whole words of the model's WordPiece vocabulary ("cookies", not "##ies")."""
    folder = Path(model_ref)
    if (folder / "vocab.txt").is_file():
        tokens = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    elif (folder / "tokenizer.json").is_file():
        tokenizer = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
        tokens = list((tokenizer.get("model") or {}).get("vocab") or {})
    else:
        return set()
    return {token.strip() for token in tokens if token.strip().isalpha()}
