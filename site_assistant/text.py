"""Text normalization shared by extraction and queries."""

import hashlib
import re
import unicodedata

import ftfy

_SPACE = re.compile(r"\s+")
# A word: letters of any script, no digits or underscores (typo tolerance,
# language identification and the site's name all count words this way).
WORD = re.compile(r"[^\W\d_]+")
# A sentence ends with . ! ? or … (optionally followed by a closing quote or
# bracket) and the next one starts after whitespace.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’)\]]))\s+")


def normalize(text: str) -> str:
    """Repair mojibake, NFC, collapse whitespace.

    ``uncurl_quotes=False``: ftfy would otherwise turn the site's real
    typographic apostrophes (the owner’s) into ASCII ones.
    """
    if not text:
        return ""
    text = ftfy.fix_text(text, uncurl_quotes=False, fix_latin_ligatures=False)
    text = unicodedata.normalize("NFC", text)
    return _SPACE.sub(" ", text).strip()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def question_key(text: str) -> str:
    """A question as a person may type it again: case, spacing and the final
    ?!. aside ("How  much?" and "how much" are one question). The owner's
    example questions are told apart, and matched to a visitor's, by it."""
    return " ".join(normalize(text).casefold().split()).rstrip("?!.… ")


def _sentence_breaks(text: str):
    """The spaces that end a sentence: not one a lowercase letter follows, so an
    abbreviation inside a sentence ("Crumb & Co. is a bakery", "e.g. cakes") holds."""
    for separator in _SENTENCE_END.finditer(text):
        if not text[separator.end() : separator.end() + 1].islower():
            yield separator


def split_sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, as ``split_sentences`` cuts them."""
    spans, start = [], 0
    for separator in [*_sentence_breaks(text), None]:
        end = separator.start() if separator else len(text)
        piece = text[start:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + lead, start + len(piece.rstrip())))
        if separator:
            start = separator.end()
    return spans


def ends_sentence(text: str) -> bool:
    return bool(text) and text.rstrip()[-1:] in ".!?…:;"
