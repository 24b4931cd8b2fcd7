#!/usr/bin/env python
"""``make bench-languages``: how the language identifier that screens questions
(site_assistant.language, py3langid) does on visitors' short questions, and could it
also leave out passages whose page does not declare its language?
(docs/quality.md, "Other languages"; docs/sources.md, "Pages and sections in another
language")

Questions: for each set (tests/data/short_language_questions.jsonl, 131 questions of
two to six words in twelve languages, other_language_questions.jsonl, 100 in 15, and
holdout_language_questions.jsonl, 54 short ones in fourteen and 21 English as typed in a
chat),
per language how many are declined as another language (for English: wrongly, which
must stay 0), and how many of those are logged with the right language: "logged" is
what the owner reads (Croatian, Serbian and Bosnian logged as one, "sh"; the site's
LOCAL_LANGUAGES, ["sl"], named when at least 1/LOCAL_WEIGHT as likely as the top one),
"identifier" the identifier's own label, as logged before; "the site's words too" the
label read from the whole question, the site's own words ("email", "web shop") not left
out (language._label_reading). Then the labels logged with
other LOCAL_LANGUAGES and weights: none (only the merge), the languages the owner says
visitors use (sl, de, hr, it: a prior on them), and sl at other weights. Then which
questions OTHER_LANGUAGE_MAX_PROBABILITY would decline at other values (STACKFAQ=DIR
adds a BEIR folder's queries to the English lines), and whether typo tolerance leaves
a question as typed when its unknown words are confidently another language, or it and
its words that are not the site's are most likely another language. Then how often a
question of one word of the index's language is declined (typos of the site's words;
STACKFAQ=DIR: the BEIR passages' words the index does not know), and English as typed in
a chat ("r u ok"), and English typed fast on a phone
(tests/data/english_chat_questions.jsonl: "r u in ljublana").

For every passage of the live index, and for every page (its passages joined, as
the build's warning reads it): the identifier's most likely language and the
probability of the index's language. A passage would be left out when that
probability is below OTHER_LANGUAGE_MAX_PROBABILITY, the rule a question gets.
Then the same for English passages a site in Slovenia has (an address, a team's
names), which are not on this site, and for German and Slovenian ones.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")

import django  # noqa: E402

django.setup()

import json  # noqa: E402
from collections import Counter  # noqa: E402

from django.conf import settings  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from site_assistant import conf, index, language, services  # noqa: E402
from site_assistant.extract import SECTION_READS_AS_MIN_WORDS  # noqa: E402
from site_assistant.text import WORD  # noqa: E402

# English passages of a site in Ljubljana: what an identifier is asked to keep.
LJUBLJANA = [
    "Contact. Tomaž Novak, Trubarjeva cesta 12, 1000 Ljubljana.",
    "Address. Slovenska cesta 1, Ljubljana, Slovenija.",
    "Our team. Maja Kovač, design. Luka Zupančič, code. Ana Horvat, projects.",
    "Our partners. Zavod za turizem Ljubljana, Mestna občina Ljubljana.",
    "Štruklji. Rolled dumplings filled with cottage cheese and tarragon.",
]

# German and Slovenian passages of the same site: what it is asked to catch.
OTHER = [
    "Preise. Wir gestalten und bauen Webseiten für kleine Unternehmen in Slowenien, "
    "Österreich und Deutschland.",
    "Was eine Webseite kostet. Eine einfache Webseite kostet 1.200 Euro. Ein Onlineshop "
    "beginnt bei 3.500 Euro. Hosting und Wartung kosten 40 Euro im Monat.",
    "Wie lange es dauert. Eine einfache Webseite ist in drei Wochen fertig; ein Onlineshop "
    "braucht zwei bis drei Monate.",
    "O nas. Smo ekipa štirih oblikovalcev in razvijalcev s pisarno blizu Tromostovja v "
    "Ljubljani. Izdelamo preprosto spletno stran za 1.200 evrov.",
]


QUESTION_SETS = (
    "short_language_questions.jsonl",
    "other_language_questions.jsonl",
    "holdout_language_questions.jsonl",
)
# LOCAL_LANGUAGES and LOCAL_WEIGHT measured beside the site's own.
# A weight of 1e9: the label restricted to the listed languages (py3langid's set_languages).
VARIANTS = (
    ((), 2.0),
    (("sl", "de", "hr", "it"), 2.0),
    (("sl", "de", "hr", "it"), 1e9),
    (("sl",), 3.0),
    (("sl",), 5.0),
)


def right(want: str, code: str | None) -> bool:
    return code is not None and language.label(code) == language.label(want)


def logged_with(question: str, local: tuple[str, ...], weight: float, site) -> str | None:
    found = language._confidently_other(question)
    found = language._named(question, site, found) if found else None
    saved = language.LOCAL_WEIGHT
    language.LOCAL_WEIGHT = weight
    try:
        with override_settings(
            SITE_ASSISTANT={**settings.SITE_ASSISTANT, "LOCAL_LANGUAGES": local}
        ):
            return language._logged(*found) if found else None
    finally:
        language.LOCAL_WEIGHT = saved


def questions() -> None:
    speller = services.speller(index.load_current())
    known, site, typo = speller.is_known, speller.is_site_word, speller.is_typo
    own = conf.index_language()
    for name in QUESTION_SETS:
        text = (ROOT / "tests" / "data" / name).read_text(encoding="utf-8")
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        asked, declined, logged, identified = Counter(), Counter(), Counter(), Counter()
        variants, local_wrong, whole = Counter(), [], 0
        for row in rows:
            want, question = row["language"], row["question"]
            asked[want] += 1
            code = language.other_language(question, known, site, typo)
            if code is None:
                continue
            declined[want] += 1
            logged[want] += right(want, code)
            whole += right(want, language.other_language(question, known))
            if code in conf.local_languages() and not right(want, code):
                local_wrong.append(f"{want}: {question}")
            identified[want] += language.confidently_other(question) == want
            for variant in VARIANTS:
                variants[variant] += right(want, logged_with(question, *variant, site))
        others = [lang for lang in asked if lang != own]
        print(f"{name}: {len(rows)} questions")
        for lang in [own, *others] if own in asked else others:
            line = f"  {lang}: {asked[lang]:2d} asked, {declined[lang]:2d} declined"
            if lang != own:
                line += (
                    f", named right {logged[lang]:2d} (identifier's label {identified[lang]:2d})"
                )
            print(line)
        total = sum(asked[lang] for lang in others)
        print(
            f"  other languages: {total} asked, {sum(declined[x] for x in others)} declined, "
            f"named right {sum(logged.values())} (identifier's label "
            f"{sum(identified.values())}); {own} declined: {declined[own]} of {asked[own]}"
        )
        local = ",".join(conf.local_languages()) or "none"
        print(f"  named {local} though another language: {len(local_wrong)} {local_wrong}")
        print(f"  named right from the whole question, the site's words too (before): {whole}")
        print(f"  (LOCAL_LANGUAGES {local}, weight {language.LOCAL_WEIGHT:g}) named right instead:")
        for (codes, weight), count in variants.items():
            print(f"    LOCAL_LANGUAGES {','.join(codes) or 'none'}, weight {weight:g}: {count}")


THRESHOLDS = (0.01, 0.02, 0.03, 0.05)


def lines(stackfaq: str | None) -> tuple[list[str], list[str]]:
    """The English lines of the project's sets, the off-topic list and (STACKFAQ=DIR) a BEIR
    folder's queries; the other-language questions of both sets."""
    data = ROOT / "tests" / "data"

    def rows(name):
        text = (data / name).read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    english = [
        row["question"]
        for name in ("natural_questions.jsonl", "natural_questions_holdout.jsonl")
        for row in rows(name)
    ]
    english += [row["query"] for row in rows("unanswerable_questions.jsonl")]
    off_topic = ROOT / "site_assistant" / "data" / "off_topic_questions.txt"
    english += [
        line.strip()
        for line in off_topic.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    others = []
    for name in QUESTION_SETS:
        for row in rows(name):
            (english if row["language"] == "en" else others).append(row["question"])
    if stackfaq:
        queries = Path(stackfaq, "queries.jsonl").read_text(encoding="utf-8").splitlines()
        english += [json.loads(line)["text"] for line in queries if line.strip()]
    return english, others


def thresholds(english: list[str], others: list[str]) -> None:
    """Which questions OTHER_LANGUAGE_MAX_PROBABILITY declines at other values."""
    speller = services.speller(index.load_current())
    known, site, typo = speller.is_known, speller.is_site_word, speller.is_typo
    print(f"OTHER_LANGUAGE_MAX_PROBABILITY ({len(english)} English lines, {len(others)} others):")
    for cut in THRESHOLDS:
        user = {**settings.SITE_ASSISTANT, "OTHER_LANGUAGE_MAX_PROBABILITY": cut}
        with override_settings(SITE_ASSISTANT=user):
            wrong = [q for q in english if language.other_language(q, known, site, typo)]
            caught = sum(1 for q in others if language.other_language(q, known, site, typo))
        print(f"  {cut}: English declined {len(wrong)} {wrong}, others declined {caught}")


def respelling(english: list[str], others: list[str]) -> None:
    """Typo tolerance leaves a question as typed when its unknown words are confidently
    another language (language.unknown_words_language): of the English lines whose words
    it would respell, how many it keeps from their fix (should be 0), and of the
    other-language questions searched (not declined), how many it still respells."""
    speller = services.speller(index.load_current())

    def fixable(question):
        return any(speller.correct_word(w) != w for w in WORD.findall(question))

    fixed = [q for q in english if fixable(q)]
    kept = [q for q in fixed if speller.correct(q) == q]
    known, site, typo = speller.is_known, speller.is_site_word, speller.is_typo
    searched = [q for q in others if not language.other_language(q, known, site, typo)]
    before = [q for q in searched if fixable(q)]
    after = [f"{q} → {speller.correct(q)}" for q in before if speller.correct(q) != q]
    print(
        f"Typo tolerance: English lines with a typo to fix {len(fixed)}, left unfixed "
        f"{len(kept)} {kept}; other-language questions searched {len(searched)}, with a word "
        f"to respell {len(before)}, respelled {len(after)} {after}"
    )


# English as typed in a chat, which the question sets lack: words of two or three
# letters that the model knows and the site may not use.
TEXTING = (
    "r u ok",
    "u there",
    "how r u",
    "who r u",
    "yo wassup",
    "thx m8",
    "ur fee",
    "hru",
    "ty",
    "k thx",
    "gr8 site",
    "omg lol",
    "brb",
    "idk tbh",
    "u up",
    "r u open",
    "hw r u",
    "plz help",
    "sup",
    "hi u",
    "ya ok",
    "no ty",
    "wat r ur prices",
    "do u do instagram",
    "do u do tiktok",
    "u do instagram ads",
    "r u on insta",
)


def texting() -> None:
    speller = services.speller(index.load_current())
    known, site, typo = speller.is_known, speller.is_site_word, speller.is_typo
    wrong = [
        f"{q} ({code})" for q in TEXTING if (code := language.other_language(q, known, site, typo))
    ]
    print(f"English texting: {len(TEXTING)}, declined {len(wrong)} {wrong}")


def phone() -> None:
    """tests/data/english_chat_questions.jsonl: English typed fast on a phone ("r u in
    ljublana", "wher is bambicm based"): how many are declined (must be 0) and respelled."""
    speller = services.speller(index.load_current())
    known, site, typo = speller.is_known, speller.is_site_word, speller.is_typo
    text = (ROOT / "tests" / "data" / "english_chat_questions.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line)["question"] for line in text.splitlines() if line.strip()]
    wrong = [
        f"{q} ({code})" for q in rows if (code := language.other_language(q, known, site, typo))
    ]
    respelled = [f"{q} → {fixed}" for q in rows if (fixed := speller.correct(q)) != q]
    print(f"English typed fast: {len(rows)}, declined {len(wrong)} {wrong}")
    print(f"  respelled {len(respelled)} {respelled}")


def single_words(stackfaq: str | None) -> None:
    """A question of one word is declined when the identifier reads it clearly
    (language._one_clear_word): how often a word of the index's language is. Typos of the
    site's own words of five letters or more (its middle pair of letters swapped, its middle
    letter dropped, doubled), as typed and capitalised with a question mark; and
    (STACKFAQ=DIR) the words of a BEIR folder's passages the index does not know."""
    speller = services.speller(index.load_current())
    known, site, typo = speller.is_known, speller.is_site_word, speller.is_typo

    def declined(word):
        return language.other_language(word, known, site, typo)

    words = sorted(w for w in speller.frequency if len(w) >= 5 and w.isalpha())
    typos = set()
    for word in words:
        i = len(word) // 2
        typos |= {word[:i] + word[i + 1] + word[i] + word[i + 2 :], word[:i] + word[i + 1 :]}
        typos.add(word[:i] + word[i] + word[i:])
    typos = sorted(t for t in typos if not known(t))
    wrong = [t for t in typos if declined(t) or declined(f"{t.capitalize()}?")]
    print(f"One word: typos of the site's words {len(typos)}, declined {len(wrong)} {wrong}")
    if stackfaq:
        rows = Path(stackfaq, "corpus.jsonl").read_text(encoding="utf-8").splitlines()
        text = " ".join(json.loads(line).get("text", "") for line in rows if line.strip())
        unknown = sorted({w.casefold() for w in WORD.findall(text)} - {""})
        unknown = [w for w in unknown if w.isalpha() and len(w) >= 4 and not known(w)]
        wrong = [f"{w} ({declined(w)})" for w in unknown if declined(w)]
        print(
            f"  words of the BEIR passages the index does not know {len(unknown)}, declined "
            f"{len(wrong)} {wrong}"
        )


def read(text: str) -> tuple[str, float]:
    ranked = language.probabilities(text)
    return max(ranked, key=ranked.get), ranked.get(conf.index_language(), 0.0)


def report(name: str, texts: dict[str, str]) -> None:
    cut = conf.get("OTHER_LANGUAGE_MAX_PROBABILITY")
    readings = sorted((*reversed(read(text)), key) for key, text in texts.items())
    own = conf.index_language()
    other = sum(top != own for _, top, _ in readings)
    dropped = sum(p < cut for p, _, _ in readings)
    print(
        f"{name}: {len(readings)}; most likely not {own}: {other}; "
        f"P({own}) < {cut} (left out by the question rule): {dropped}; "
        f"lowest P({own}): {readings[0][0]:.4f} ({readings[0][2][:70]})"
    )


def main() -> None:
    questions()
    english, others = lines(os.environ.get("STACKFAQ"))
    thresholds(english, others)
    respelling(english, others)
    single_words(os.environ.get("STACKFAQ"))
    texting()
    phone()
    rows = index.load_current().passages
    report("passages", {f"{row['url']} {row['text']}": row["text"] for row in rows})
    pages: dict[str, str] = {}
    for row in rows:
        pages[row["url"]] = f"{pages.get(row['url'], '')} {row['text']}"
    report("pages", pages)
    # The words of each: a section is checked by the build's warning from
    # extract.SECTION_READS_AS_MIN_WORDS words on.
    print(f"  (sections checked from {SECTION_READS_AS_MIN_WORDS} words on)")
    for text in LJUBLJANA + OTHER:
        top, p = read(text)
        words = len(WORD.findall(text))
        print(f"  {top} P({conf.index_language()})={p:.4f} {words:2d} words  {text}")


if __name__ == "__main__":
    main()
