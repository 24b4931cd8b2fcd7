#!/usr/bin/env python
"""``.venv/bin/python bench/question_labels.py``: would preferring the site's own
languages (settings.LANGUAGES) name the language of a question in another language
better? (docs/quality.md, "Other languages")

The label is what the owner reads in the admin's questions log; whether a question is
refused is not changed by it. For each of the 100 questions of
tests/data/other_language_questions.jsonl the identifier (site_assistant.language) names a
language; the rule measured names instead the site's language with the highest
probability when that probability is at least RATIO times the top language's. Printed:
questions caught, named right, and those of another language named as the site's.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")

import django  # noqa: E402

django.setup()

from site_assistant import language  # noqa: E402

QUESTIONS = ROOT / "tests" / "data" / "other_language_questions.jsonl"
# Sites' languages besides English: Slovenian (a Ljubljana agency), its neighbours', German.
SITES = [("sl",), ("hr",), ("sr",), ("de",), ("sl", "de")]
RATIOS = (0.9, 0.75, 0.5, 0.25, 0.1)


def label(question: str, site: tuple[str, ...], ratio: float) -> str | None:
    # The identifier's own label, as logged before Croatian, Serbian and Bosnian were
    # one ("sh") and LOCAL_LANGUAGES (measured now by `make bench-languages`).
    top = language.other_language(question) and language.confidently_other(question)
    if top is None or not site or top in site:
        return top
    ranked = language.probabilities(question)
    best = max(site, key=lambda code: ranked.get(code, 0.0))
    return best if ranked.get(best, 0.0) >= ratio * ranked[top] else top


def main() -> None:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    rows = [row for row in rows if row]
    found = [(row["language"], label(row["question"], (), 1.0)) for row in rows]
    right = sum(1 for want, code in found if code == want)
    print(
        f"{len(rows)} questions; identifier alone: caught {sum(1 for _, c in found if c)}, "
        f"named right {right}"
    )
    for site in SITES:
        for ratio in RATIOS:
            found = [(row["language"], label(row["question"], site, ratio)) for row in rows]
            named = sum(1 for want, code in found if code == want)
            wrong = [f"{want}→{code}" for want, code in found if code in site and code != want]
            print(
                f"site {'+'.join(site):5} ratio {ratio:<4}: named right {named} "
                f"({named - right:+d}), another language named the site's: {len(wrong)} "
                f"{' '.join(wrong)}"
            )


if __name__ == "__main__":
    main()
