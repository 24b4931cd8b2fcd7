#!/usr/bin/env python
"""``make bench-languages``: could the language identifier that screens questions
(site_assistant.language, py3langid) also leave out passages whose page does not
declare its language? (docs/sources.md, "Pages and sections in another language")

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

from site_assistant import conf, index, language  # noqa: E402
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
