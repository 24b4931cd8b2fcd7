"""datasheet.md: what a pairs folder holds, by kind, with samples (never a visitor's words)."""

from __future__ import annotations

import random

from ... import conf
from .pair import KINDS, PairSet
from .templates import KEYPHRASE_TEMPLATES, TEMPLATES


def datasheet(pair_set: PairSet, origin: str = "", problems=()) -> str:
    s = pair_set.stats()
    lines = [
        "# Training pairs: datasheet",
        "",
        f"- Passages: {s['passages']} (from {origin or 'the given passages'}); "
        f"skipped: {s['skipped_passages']} (markup or empty text).",
        f"- Split by section (url + anchor), seed {s['seed']}, dev fraction "
        f"{s['dev_fraction']}: no passage has questions on both sides, and no dev question "
        "is trained on (for another passage).",
        f"- Train: {s['train']['pairs']} pairs over {s['train']['passages']} passages.",
        f"- Dev: {s['dev']['pairs']} questions over {s['dev']['passages']} passages; a dev "
        "question's relevant passages are every passage of its section, of any other section "
        "the same question was made for, for a key-phrase question, of every section "
        "containing the phrase, and, for an owner's question linked to a page rather than a "
        "section, of every section of that page, which search_evaluate ranks once, as one "
        f"answer, where its best passage is ({s['dev']['shared']} dev questions have more than "
        "one section); the corpus is every passage.",
        "",
        "| kind | train | dev | what |",
        "|---|---:|---:|---|",
    ]
    what = {
        "heading": "a heading (or title) that is itself a question, asked as written",
        "template": "the seed card's templates with X = the heading: "
        + ", ".join(f"“{t.format(x='X')}”" for t in TEMPLATES),
        "factoid": "a question of the type the passage's facts answer (a price → “How much does "
        "X cost?”, a duration → “How long does X take?”, an e-mail, a year, “free”)",
        "keyphrase": "a question about a distinctive phrase (top IDF, ending in a topic word): "
        + ", ".join(f"“{t.format(k='K')}”" for t in KEYPHRASE_TEMPLATES),
        "keywords": "the passage's three most distinctive words",
        "short": "the topic alone, lower case",
        "misspelled": "a template or keyword query with one typo (swap, drop or double)",
        "owner": "the owner's example questions (admin: Example questions)",
        "page": "data-search-questions on the page",
        "visitor": "visitor questions whose answer was marked helpful",
    }
    for kind in KINDS:
        tr = s["train"]["by_kind"].get(kind, 0)
        dv = s["dev"]["by_kind"].get(kind, 0)
        if tr or dv or kind in ("template", "owner", "visitor"):
            lines.append(f"| {kind} | {tr} | {dv} | {what[kind]} |")
    lines += [
        "",
        "Every pair is checked: no template syntax ({# #}, {% %}, {{ }}), no HTML tag or "
        "comment; text is repaired with ftfy (no mojibake) and de-duplicated.",
    ]
    if problems:
        lines += ["", "## Problems", ""] + [f"- {p}" for p in problems]
    if pair_set.skipped:
        lines += ["", "## Skipped passages", ""] + [
            f"- #{s['id']} {s['url']}: {s['reason']}" for s in pair_set.skipped
        ]
    visitors = sum(1 for p in [*pair_set.train, *pair_set.dev] if p.source == "visitor")
    if visitors:
        lines += [
            "",
            f"Visitors' questions among them: {visitors}. The question log deletes them after "
            f"{conf.get('LOG_RETENTION_DAYS')} days: a training run removes their text from the "
            "pairs it keeps with the model, and a folder written by `search_make_pairs` should "
            "be deleted once it has been used.",
        ]
    lines += ["", "## Samples (train)", ""]
    rng = random.Random(pair_set.seed)
    own = [p for p in pair_set.train if p.source != "visitor"]  # never a visitor's words
    for pair in rng.sample(own, min(8, len(own))):
        passage = pair_set.passages[pair.passage_id]["text"]
        lines.append(f"- ({pair.kind}) “{pair.question}” → “{passage[:90]}…”")
    return "\n".join(lines) + "\n"
