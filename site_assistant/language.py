"""Which language a question is in, so a question in another one is never respelled.

The index speaks one language (SITE_ASSISTANT["LANGUAGE"], English for the shipped
model). Typo tolerance would "correct" a Slovenian or German question into
English words ("Koliko stane" → "Koliko state"), and the model would match
its word pieces by chance. So a question that is confidently in another
language gets SITE_ASSISTANT["OTHER_LANGUAGE_MESSAGE"] and the contact link instead
of an answer, and the log records its language for the owner.

Identification: py3langid (the maintained fork of langid.py; its model ships
inside the package, nothing is downloaded; ~0.5 ms a question). A question
counts as another language when its most likely language is not the index's
and the index's language has a probability below
SITE_ASSISTANT["OTHER_LANGUAGE_MAX_PROBABILITY"], and it has at least two words (a
single word — "ok", "test", a product name — says too little; in a script
written without spaces, Chinese, Japanese, Thai..., four characters; or one word the
index does not know that the identifier reads as one language more likely than all
others together, "Öffnungszeiten": :func:`_one_clear_word`), and not every
one of its words is known to the index (the site's words and the model's
vocabulary: short English questions read as other languages). Or, of two words or more,
its most likely language is not the index's, the index's is below UNKNOWN_WORDS_WEIGHT
times the threshold, and its words the index does not know are, read alone, another
language by the rule above (:func:`_unknown_words_other`: "hacen tiendas online?"). Measured in
docs/quality.md: no English question of the project's sets flagged, 20 of 20
short questions in six other languages caught.

The language logged is the identifier's, except that Croatian, Serbian and Bosnian
are logged as one, "sh" ("Croatian, Serbian or Bosnian"): in a visitor's few words the
identifier names the wrong one of the three as often as the right one (measured:
``make bench-languages``, docs/quality.md), and the owner was told "Bosnian" of a
Croatian question. And a site names the language(s) of the place it serves
(SITE_ASSISTANT["LOCAL_LANGUAGES"], ["sl"] for a studio in Ljubljana): a question is
logged in one of them when the identifier finds it at least 1/LOCAL_WEIGHT as likely
as its first choice ("Koliko stane?" read as Serbian). And the language is named from
the question's words that are not the site's own ("kontaktni email" read as Uzbek:
:func:`_label_reading`), sentence-cased (the identifier reads letters as they are cased:
"kje ste" was Norwegian Nynorsk, "Kje ste?" Slovenian: :func:`_naming`), the site's words
of one or two letters kept (:func:`_borrowed`), and a regional, constructed or historical
language named only when clearly first (:func:`_first`: "hablan español?" was
Extremaduran). None of these changes which questions are declined.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Callable

from django.utils.translation import gettext_lazy

from . import conf
from .text import WORD

_identifier = None
_lock = threading.Lock()


def _get_identifier():
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def warm() -> None:
    """Load the identifier now (its model takes about a second to unpack on first use):
    for a process that loads everything at start."""
    if conf.get("DETECT_LANGUAGE"):
        _get_identifier()


# Scripts written without spaces between words: one \w+ run is a whole sentence.
UNSPACED_SCRIPTS = (
    "CJK UNIFIED IDEOGRAPH",
    "HIRAGANA",
    "KATAKANA",
    "THAI",
    "LAO",
    "KHMER",
    "MYANMAR",
)


def _says_enough(words: list[str]) -> bool:
    r"""Two words or more, or four characters of a script written without spaces
    ("网站多少钱" is one \w+ run and a whole question)."""
    if len(words) >= 2:
        return True
    unspaced = sum(
        unicodedata.name(ch, "").startswith(UNSPACED_SCRIPTS) for word in words for ch in word
    )
    return unspaced >= 4


# Languages the identifier cannot tell apart in a short question, logged under one code:
# Croatian, Serbian and Bosnian (Latin script, ISO 639-1's "sh", Serbo-Croatian).
SAME_LABEL = {"hr": "sh", "sr": "sh", "bs": "sh"}
# Names the owner reads for such a code (Django and ISO 639 name none of them so).
NAMES = {"sh": gettext_lazy("Croatian, Serbian or Bosnian")}
# A local language is named when it is at least 1/LOCAL_WEIGHT as likely as the top one
# (measured 2, 3 and 5: make bench-languages, docs/quality.md).
LOCAL_WEIGHT = 2.0


# An HTML ``lang`` for a question logged "sh": screen readers find no voice for "sh"
# (a valid BCP 47 tag, "sr, hr, bs are preferred for most modern uses" in the IANA
# registry), so they read it in the page's voice. The three are written in
# the same Latin letters and read alike: a Croatian voice reads any of them; Cyrillic
# only a Serbian one.
SPOKEN_AS = {"sh": "hr"}
CYRILLIC = re.compile("[\u0400-\u04ff]")


def lang_attribute(code: str, text: str) -> str:
    """The BCP 47 tag to put in a ``lang`` attribute on ``text``, a question logged in
    ``code``, so a screen reader reads it in a voice of its language: ``code`` itself,
    but for "sh" (Croatian, Serbian or Bosnian) "sr" when the text is in Cyrillic, else
    "hr"; and a three-letter code with a two-letter one ("kik", Kikuyu) as that ("ki"):
    BCP 47 takes the shortest, and the registry has no other."""
    if code in SPOKEN_AS:
        return "sr" if CYRILLIC.search(text) else SPOKEN_AS[code]
    if len(code) == 3:
        import pycountry

        found = pycountry.languages.get(alpha_3=code)
        return getattr(found, "alpha_2", None) or code
    return code


def label(code: str) -> str:
    """The code logged for a question the identifier reads as ``code``: "hr", "sr"
    and "bs" are "sh"."""
    return SAME_LABEL.get(code, code)


def probabilities(text: str) -> dict[str, float]:
    """Language code → probability, for ``text``."""
    return dict(_get_identifier().rank(text))


def sentence_case(text: str) -> str:
    """``text`` in lower case but its first letter: "kje ste", "KJE STE" and "Kje Ste?" are
    "Kje ste" and "Kje ste?"."""
    lowered = text.lower()
    first = next((i for i, ch in enumerate(lowered) if ch.isalpha()), None)
    if first is None:
        return lowered
    return lowered[:first] + lowered[first].upper() + lowered[first + 1 :]


def _naming(text: str) -> tuple[str, dict[str, float]]:
    """The identifier's reading of ``text`` sentence-cased, that names a declined question's
    language: the identifier reads letters as they are cased (its n-grams are of bytes), so
    "kje ste" was Norwegian Nynorsk and "Kje ste?" Slovenian. Sentence case is how the
    texts it learnt from write a question."""
    ranked = probabilities(sentence_case(text))
    return _first(ranked), ranked


# A language the identifier knows that has no ISO 639-1 code (Extremaduran, Ligurian,
# Venetian) or is no living one (Esperanto, Latin, Volapük; "zxx", no language) is named
# when it is more than MINOR_WEIGHT times as likely as the first of the others.
MINOR_WEIGHT = 2.0


@functools.cache
def _minor(code: str) -> bool:
    """Whether ``code`` is a language a question is seldom written in: a regional one
    ISO 639-1 gives no code (the identifier's "ext", "lij", "vec", "pcm"), a constructed or
    historical, ancient or extinct one (ISO 639-3's type C, H, A or E: "eo", "vo", "la",
    "grc") or "zxx"."""
    import pycountry

    if code == NO_LANGUAGE or len(code) != 2:
        return True
    found = pycountry.languages.get(alpha_2=code)
    return found is not None and getattr(found, "type", "L") in {"C", "H", "A", "E"}


def _first(ranked: dict[str, float]) -> str:
    """The language a declined question is named in: the most likely, a minor one
    (:func:`_minor`) counted at 1/MINOR_WEIGHT of its probability. In two or three words
    the identifier's regional and constructed languages win by chance: "hablan español?"
    was Extremaduran (0.39, Spanish 0.22). Measured: ``make bench-languages``,
    docs/quality.md."""
    return max(ranked, key=lambda code: ranked[code] / (MINOR_WEIGHT if _minor(code) else 1.0))


def other_language(
    text: str,
    known: Callable[[str], bool] | None = None,
    site: Callable[[str], bool] | None = None,
    typo: Callable[[str], bool] | None = None,
) -> str | None:
    """The code of the language ``text`` is in when it is confidently not the index's, else
    None (also for a row of letters the identifier reads as no language, "zxx");
    Croatian, Serbian and Bosnian are one, "sh" (:func:`label`), and a local language
    (LOCAL_LANGUAGES) is named when it is nearly as likely (:func:`_logged`).

    ``known``: whether a (case-folded) word is one the index knows — the
    site's or its model's (``Speller.is_known``). A question made only of
    such words, or of them and long misspellings of the site's (:func:`index_words`),
    is the index's language, whatever the identifier says of so few letters:
    "Ljubljana office?" read as Slovenian, "r u a bot" as Sesotho and "r u in
    ljublana" as Slovenian; so is a question more than half of whose words are very
    common words of the index's language (:func:`mostly_common`: "do u do instagram" read
    as Croatian). A single word the index does not know is another language
    when the identifier reads it clearly (:func:`_one_clear_word`), unless ``typo``: typo
    tolerance would respell it (``Speller.is_typo``; "chaange" read as Oromo is the
    site's "change").

    ``site``: whether a (case-folded) word is one of the site's own pages
    (``Speller.is_site_word``): the language is named from the question without them
    (:func:`_label_reading`). Whether it is declined is read from all of it, as typed;
    the language is named from it sentence-cased (:func:`_naming`).
    """
    words = WORD.findall(text)
    if not conf.get("DETECT_LANGUAGE") or not words:
        return None
    if known is not None and (index_words(words, known, typo) or mostly_common(words)):
        return None
    found = (
        _other_reading(text, known)
        if _says_enough(words)
        else _one_clear_word(text, words, known, typo)
    )
    if not found or found[0] == NO_LANGUAGE:
        return None
    code = _logged(*_named(text, site, found))
    # A row of letters ("asdkjh qwe zzz") is in no language to decline it for: told "I can
    # only answer in English", a visitor who mashed the keys was told they wrote another
    # language. It is searched, and gets the honest "I'm not sure" and the handoff.
    return None if code == NO_LANGUAGE else code


# Words of a language that are no stop words of it but as common in a question typed in a
# chat or on a phone: English's chat forms ("do u do instagram", "r u open") and its
# contractions typed without the apostrophe ("dont", "whats": :func:`unapostrophed`).
# fmt: off
CHAT_WORDS = {
    "en": frozenset({
        "u", "r", "ur", "ya", "yo", "pls", "plz", "thx", "ty", "k", "kk", "ok", "okay", "hi",
        "hey", "hello", "yes", "yeah", "yep", "nope", "lol", "omg", "idk", "tbh", "btw",
    }),
}
UNAPOSTROPHED = {
    "en": frozenset({
        "aint", "arent", "cant", "couldnt", "didnt", "doesnt", "dont", "hadnt", "hasnt",
        "havent", "hes", "hows", "id", "ill", "im", "isnt", "itd", "itll", "ive", "lets",
        "mightnt", "mustnt", "neednt", "shant", "shes", "shouldnt", "thatll", "thats",
        "theres", "theyd", "theyll", "theyre", "theyve", "wasnt", "weve", "werent", "whatll",
        "whats", "whens", "wheres", "whos", "whys", "wont", "wouldnt", "youd", "youll",
        "youre", "youve", "yall",
    }),
}
# fmt: on


def unapostrophed() -> frozenset[str]:
    """The index language's contractions as typed without the apostrophe ("dont", "im",
    "youre", "whats"; English's, none for another language): words of it, never
    respelled into other words ("dont" is one edit from the site's "don", of "don't")."""
    return UNAPOSTROPHED.get(conf.index_language(), frozenset())


@functools.cache
def _common(code: str) -> frozenset[str]:
    from .lexical import common_words

    return (
        common_words(code)
        | CHAT_WORDS.get(code, frozenset())
        | UNAPOSTROPHED.get(code, frozenset())
    )


def mostly_common(words: list[str]) -> bool:
    """Whether more than half of ``words`` are very common words of the index's language:
    its stop words (``lexical.common_words``), chat forms and contractions typed without
    the apostrophe (CHAT_WORDS, UNAPOSTROPHED). Such a question is the index's language
    whatever the identifier reads in its few letters: "do u do instagram" read as
    Croatian, English below 0.01. Measured (``make bench-languages``, docs/quality.md):
    none of the 250 questions in other languages of the project's sets is."""
    common = _common(conf.index_language())
    return sum(word.casefold() in common for word in words) * 2 > len(words)


# A word the index does not know of at least NEAR_MISS_MIN_LETTERS letters that typo
# tolerance would respell is a misspelled word of the index's ("ljublana"); a shorter one
# is as often a word of another language a letter away from one of the site's ("siete",
# "imate", "jest"). Measured (make bench-languages, docs/quality.md): 5 kept three
# questions in other languages from being declined, 6, 7 and 8 none.
NEAR_MISS_MIN_LETTERS = 6


def index_words(
    words: list[str],
    known: Callable[[str], bool],
    typo: Callable[[str], bool] | None = None,
) -> bool:
    """Whether every word of ``words`` is one the index knows (``known``, case-folded) or,
    of NEAR_MISS_MIN_LETTERS letters or more, a near miss of one that typo tolerance
    respells (``typo``): such a question is in the index's language, whatever the
    identifier reads in its few letters. "r u in ljublana" (an English visitor typing
    fast, Ljubljana misspelled) read as Slovenian at 0.35, English below 0.01."""
    return all(
        known(word.casefold())
        or (typo is not None and len(word) >= NEAR_MISS_MIN_LETTERS and typo(word))
        for word in words
    )


# A question whose words the index does not know are, read alone, confidently another
# language (:func:`unknown_words_language`) is another language when its most likely one
# is not the index's and the index's is below UNKNOWN_WORDS_WEIGHT times
# OTHER_LANGUAGE_MAX_PROBABILITY.
UNKNOWN_WORDS_WEIGHT = 3.0


def _other_reading(
    text: str, known: Callable[[str], bool] | None
) -> tuple[str, dict[str, float]] | None:
    """The identifier's reading of ``text``, two words or more, when it is another language:
    confidently (:func:`_confidently_other`) or by its unknown words
    (:func:`_unknown_words_other`); the identifier is asked once."""
    ranked = probabilities(text)
    return _confident(ranked, 1.0) or _unknown_words_other(text, known, ranked)


def _unknown_words_other(
    text: str, known: Callable[[str], bool] | None, ranked: dict[str, float]
) -> tuple[str, dict[str, float]] | None:
    """The reading of ``text`` when it is another language by its words the index does not
    know (``known``), else None. In two or three words, one English-looking word keeps the
    index's language above OTHER_LANGUAGE_MAX_PROBABILITY: "online" in "hacen tiendas
    online?" (English 0.018, Spanish first), "reference" in "imate kaksne reference"
    (0.026). The words the index does not know, "hacen tiendas", "imate kaksne", are
    alone confidently another language by the question's own rule; an English question's
    unknown words are a typo or a name among English ones, seldom two words read so, and
    the whole question still has to read as another language first, with the index's at
    most UNKNOWN_WORDS_WEIGHT times the threshold ("convert 30 degrees Celsius to
    Fahrenheit": "Celsius Fahrenheit" reads as German, the whole as German with English at
    0.093). Measured: ``make bench-languages``, docs/quality.md."""
    if known is None:
        return None
    found = _confident(ranked, UNKNOWN_WORDS_WEIGHT)
    return found if found and unknown_words_language(text, known) else None


def _named(
    text: str, site: Callable[[str], bool] | None, found: tuple[str, dict[str, float]]
) -> tuple[str, dict[str, float]]:
    """The reading a declined question's language is named from, ``found`` the one that
    declined it: the sentence-cased question's (:func:`_naming`) unless that reads as the
    index's language, and without the site's own words (:func:`_label_reading`)."""
    named = _naming(text)
    return _label_reading(text, site, found if named[0] == conf.index_language() else named)


# ISO 639-2 "no linguistic content": the identifier's label for a row of letters ("asdf").
NO_LANGUAGE = "zxx"


def _one_clear_word(
    text: str,
    words: list[str],
    known: Callable[[str], bool] | None,
    typo: Callable[[str], bool] | None = None,
) -> tuple[str, dict[str, float]] | None:
    """The reading of a question of one word the index does not know (``known``) when the
    identifier finds one language more likely than all others together and the index's
    below OTHER_LANGUAGE_MAX_PROBABILITY ("Öffnungszeiten": German at 0.91), else None.
    A single word mostly says too little ("ok", "test", a product name: no language above
    one half), and a word the site or the model knows is never another language."""
    if known is None or len(words) != 1 or known(words[0].casefold()):
        return None
    if typo is not None and typo(words[0]):
        return None
    found = _confidently_other(text)
    if not found or found[0] == NO_LANGUAGE or found[1][found[0]] <= 0.5:
        return None
    return found


def _label_reading(
    text: str, site: Callable[[str], bool] | None, found: tuple[str, dict[str, float]]
) -> tuple[str, dict[str, float]]:
    """The reading a declined question's language is named from: that of its words that
    are not the site's own, when any are left and they do not read as the index's
    language; else ``found``, the whole question's.

    A visitor's question in another language borrows the site's words: its English
    ("kontaktni email", "Koliko kosta web shop", "kolk stane app?") and the names of
    its products ("c quoi <the product's name>"). Two or three words say little to the
    identifier, and one English word among them swayed it: Uzbek, Slovenian (for
    Croatian), Norwegian Nynorsk, Italian.
    Measured (``make bench-languages``): named right 82 of the 96 short questions instead
    of 80, 93 of the 100 others instead of 91, none named wrong that was right.
    """
    if site is None:
        return found
    rest = WORD.sub(lambda m: "" if _borrowed(m.group(0), site) else m.group(0), text)
    if rest == text or not WORD.search(rest):
        return found
    top, ranked = _naming(rest)
    return found if top == conf.index_language() else (top, ranked)


# A site's word of one or two letters ("to", "a", "i", "je", "za") is as likely the question's
# own language's: it is kept in the reading that names the language.
BORROWED_MIN_LETTERS = 3


def _borrowed(word: str, site: Callable[[str], bool]) -> bool:
    """Whether ``word`` of a declined question is one it borrows from the site (``site``,
    as for :func:`other_language`), left out of the reading that names its language:
    the site's words of BORROWED_MIN_LETTERS letters or more. Without "i", "radite li i
    sajtove" (Croatian) was logged Slovenian."""
    return len(word) >= BORROWED_MIN_LETTERS and site(word.casefold())


def unknown_words_language(text: str, known: Callable[[str], bool]) -> str | None:
    """The language the words of ``text`` that the index does not know (``known``, as
    for :func:`other_language`) are confidently in, when it is not the index's, else None.

    Typo tolerance reads such words as misspelled English and respells them: a question
    the identifier does not decline as a whole ("imate kaksne reference": English at
    0.026, above OTHER_LANGUAGE_MAX_PROBABILITY) would be searched and shown back as
    "image kaksne reference". Its unknown words alone, "imate kaksne", are confidently
    not English, so it is searched as typed. A question's typos are one or two words among
    known ones; read alone, they are seldom two words confidently another language (none
    of the 466 respelled English questions of the project's sets and StackFAQ: make
    bench-languages). The same rule as a question's: at least two words
    (:func:`_says_enough`), the index's language below OTHER_LANGUAGE_MAX_PROBABILITY.
    Decides respelling, and with the whole question's reading whether it is declined
    (:func:`_unknown_words_other`).
    """
    words = [word for word in WORD.findall(text) if not known(word.casefold())]
    if not conf.get("DETECT_LANGUAGE") or not _says_enough(words):
        return None
    return confidently_other(" ".join(words))


def most_likely_other(text: str, site: Callable[[str], bool]) -> str | None:
    """The language the identifier finds most likely for ``text``, and for its words that
    are not the site's own (``site``, as for :func:`other_language`; two words at least,
    :func:`_says_enough`), when it is not the index's in either, else None. No
    probability is asked for: typo tolerance respells a word on the bet that it is a
    misspelled word of the index's language, and a question read as another language,
    all of it and its words the site never uses alike, loses that bet ("Dove siete?"
    respelled "Dove site?", "Wat kost het?" "Wat cost het?"). Decides respelling only."""
    if not conf.get("DETECT_LANGUAGE"):
        return None
    own = conf.index_language()
    ranked = probabilities(text)
    if max(ranked, key=ranked.get) == own:
        return None
    rest = [word for word in WORD.findall(text) if not site(word.casefold())]
    if not _says_enough(rest):
        return None
    ranked = probabilities(" ".join(rest))
    top = max(ranked, key=ranked.get)
    return None if top == own else top


def _logged(top: str, ranked: dict[str, float]) -> str:
    """The code logged for a question whose most likely language is ``top``: a local
    language (LOCAL_LANGUAGES) instead when it is at least 1/LOCAL_WEIGHT as likely,
    and Croatian, Serbian and Bosnian as one (:func:`label`)."""
    local = conf.local_languages()
    if local and label(top) not in {label(code) for code in local}:
        best = max(local, key=lambda code: ranked.get(code, 0.0))
        if ranked.get(best, 0.0) * LOCAL_WEIGHT >= ranked[top]:
            top = best
    return label(top)


def confidently_other(text: str) -> str | None:
    """The identifier's language for ``text`` when it is not the index's and the index's
    has a probability below OTHER_LANGUAGE_MAX_PROBABILITY, else None."""
    found = _confidently_other(text)
    return found[0] if found else None


def _confidently_other(text: str) -> tuple[str, dict[str, float]] | None:
    return _confident(probabilities(text), 1.0)


def _confident(ranked: dict[str, float], weight: float) -> tuple[str, dict[str, float]] | None:
    """(the most likely language, ``ranked``) when it is not the index's and the index's is
    below ``weight`` times OTHER_LANGUAGE_MAX_PROBABILITY, else None."""
    top = max(ranked, key=ranked.get)
    own = conf.index_language()
    if top == own or ranked.get(own, 0.0) >= weight * conf.get("OTHER_LANGUAGE_MAX_PROBABILITY"):
        return None
    return top, ranked


def page_reads_as(text: str) -> str | None:
    """The language a page's whole text confidently reads as when it is not the
    index's (DETECT_LANGUAGE on), else None: for a warning only. A page's passages are
    never left out on the identifier's word: an English passage of names and an
    address ("Contact. Tomaž Novak, Trubarjeva cesta 12, Ljubljana.") reads as
    Slovenian (measured: docs/install.md, "Sites in other languages")."""
    if not conf.get("DETECT_LANGUAGE") or not text.strip():
        return None
    return confidently_other(text)


def name(code: str) -> str:
    """The language's name for its code in the active language, for the owner ("de" →
    "German", or "Deutsch" to a German owner; "zh" → "Chinese", "lij" → "Ligurian"):
    Django's translated name, else ISO 639's (pycountry, with its translations: Django
    names 81 of the identifier's 142 languages, not Chinese); the code itself for one
    neither names."""
    from django.utils.translation import get_language, get_language_info

    if code in NAMES:
        return str(NAMES[code])
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        pass
    import pycountry

    found = pycountry.languages.get(**{"alpha_2" if len(code) == 2 else "alpha_3": code})
    if not found:
        return code
    # "Swahili (macrolanguage)", "Modern Greek (1453-)": the owner needs the name.
    named = _iso_names(get_language() or "en").gettext(found.name).split(" (")[0]
    return named[:1].upper() + named[1:]  # as Django's ("Nemščina"), not "kitajščina"


# Languages that write a language's name in lower case inside a sentence ("v jeziku
# angleščina", "en anglais"); English and German write "English", "Englisch".
LOWER_CASE_NAMES = frozenset(
    {"sl", "hr", "sr", "bs", "cs", "sk", "pl", "fr", "es", "it", "pt", "ro", "ru", "uk", "bg"}
)


def name_in_text(code: str) -> str:
    """``name(code)`` as a sentence of the active language writes it, inside the sentence:
    "in German", "auf Deutsch", but Slovenian "v jeziku nemščina" (``name`` gives a
    label's "Nemščina", as Django's list of languages does)."""
    from django.utils.translation import get_language

    named = name(code)
    active = (get_language() or "en").split("-")[0]
    if active in LOWER_CASE_NAMES and named[:1].isupper() and not named[1:2].isupper():
        return named[:1].lower() + named[1:]
    return named


@functools.lru_cache(maxsize=8)
def _iso_names(active: str):
    """pycountry's translations of ISO 639's names into ``active`` (none: English)."""
    import gettext

    import pycountry

    languages = [active, active.split("-")[0]]
    return gettext.translation(
        "iso639-3", pycountry.LOCALES_DIR, languages=languages, fallback=True
    )
