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


# What shows nothing itself but changes how the text around it shows: bidi embeddings,
# overrides and isolates (U+202A–202E, U+2066–2069), the direction marks (U+200E/F,
# U+061C), zero-width and invisible characters (U+200B, U+2060–2064, U+FEFF, U+00AD,
# U+180E) and tag characters (U+E0000–E007F). In a visitor's question "\u202e" made
# "moc.liamg@nhoj" show as an email address the personal-data check never saw, and a
# zero-width space made "how much" another question to the duplicate checks. Zero-width
# (non-)joiners (U+200C/D) shape Persian and Indic words and emoji sequences: kept
# between two characters that are not ASCII. Tag characters spell a subdivision flag
# after 🏴: kept there. Arabic and Hebrew letters carry their own direction: a question
# in them reads right without marks, in a box that takes its direction from its text.
_INVISIBLE = re.compile(
    "(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f"
    "|(?<=[^\x00-\x7f])[\u200c\u200d](?=[^\x00-\x7f]))"
    "|[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\U000e0000-\U000e007f]"
)


def strip_invisible(text: str) -> str:
    """``text`` without the invisible characters that change how it reads (_INVISIBLE):
    what a visitor types is stored and shown as it looks."""
    return _INVISIBLE.sub(lambda m: m.group(1) or "", text) if text else ""


def _plain(text: str) -> bool:
    """Printable ASCII with no entity: nothing for ftfy to repair, NFC to compose or
    ``strip_invisible`` to change."""
    return text.isascii() and text.isprintable() and "&" not in text


def normalize(text: str) -> str:
    """Repair mojibake, NFC, collapse whitespace.

    ``uncurl_quotes=False``: ftfy would otherwise turn the site's real
    typographic apostrophes (the owner’s) into ASCII ones.
    """
    if not text:
        return ""
    # ftfy was most of what cleaning a visitor's question cost (``question_key`` skips
    # plain text too).
    if _plain(text):
        return _SPACE.sub(" ", text).strip()
    return compose(ftfy.fix_text(text, uncurl_quotes=False, fix_latin_ligatures=False))


def compose(text: str) -> str:
    """``text`` in Unicode NFC, its whitespace collapsed: ``normalize`` without ftfy's
    repair of mislabelled text."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def question_key(text: str) -> str:
    """A question as a person may type it again: case, spacing and the final
    ?!. aside ("How  much?" and "how much" are one question). The owner's
    example questions are told apart, and matched to a visitor's, by it.

    Printable ASCII with no entity has nothing for ``normalize`` to repair, NFC or
    ``strip_invisible`` to change: it skips them (ftfy's 40 µs a question made the
    Questions list's "Asked more than once", 2,000 questions, 80 ms; marking the log's
    questions that read as a new example question, 1.0 s at 100,000, 0.1 s so)."""
    if not _plain(text):
        text = normalize(strip_invisible(text))
    return " ".join(text.casefold().split()).rstrip("?!.… ")


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
