#!/usr/bin/env python
"""Does the snippet of the passage that answers show the answer? (snippet choice alone)

``search_evaluate --snippets`` scores what a visitor gets: the top passage's
snippet, so a wrong passage counts against the snippet too. This scores the
snippet code alone: each question's snippet is made from the passage that
holds its answer, however the search ranks it.

``site FILE``: a ``search_evaluate --snippets`` file (question, answer list of
exact strings, page) on the live index: the passage of ``page`` that holds an
answer string (the first, in page order), its sentence vectors from the index,
the question encoded as a search encodes it.

``stackfaq FILE``: lines {"question", "doc", "answer"} over
``../shared/data/stackfaq/corpus.jsonl`` (``--corpus``): the document as a
passage titled by its question, its sentences encoded with the served model.

Prints the share whose snippet text shows an answer string and whose
highlighted sentence(s) hold one, and each miss with its snippet.

    python bench/snippet_gold.py site tests/data/snippet_questions.jsonl [--no-neighbours]
    python bench/snippet_gold.py stackfaq tests/data/snippet_stackfaq.jsonl [--no-neighbours]

It writes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")


def _score(items, verbose):
    from site_assistant.training.evaluate import fold

    shown = marked = lit_chars = chars = 0
    for question, snippet, wanted in items:
        wanted = [fold(w) for w in wanted]
        text = fold(snippet.text)
        lit = fold(" ".join(snippet.text[a:b] for a, b in snippet.highlights))
        lit_chars += len(lit)
        chars += len(text)
        shown += any(w in text for w in wanted)
        marked += any(w in lit for w in wanted)
        if verbose and not any(w in lit for w in wanted):
            print(f"  miss: {question!r}\n        {snippet.text[:200]!r}")
    n = max(len(items), 1)
    print(
        f"  {len(items)} questions: shown {shown / n:.3f}  highlighted {marked / n:.3f}"
        f"  (mean characters: snippet {chars / n:.0f}, highlighted {lit_chars / n:.0f})"
    )


def site(path, verbose):
    from site_assistant import index, services, snippets
    from site_assistant.training.evaluate import fold, read_jsonl

    version = index.load_current()
    items = []
    for row in read_jsonl(Path(path)):
        wanted = [fold(a) for a in row["answer"]]
        ids = [
            i
            for i, p in enumerate(version.passages)
            if p.get("url", "").rstrip("/") == row["page"].rstrip("/")
            and any(w in fold(p["text"]) for w in wanted)
        ]
        if not ids:
            print(f"  no passage of {row['page']} holds {row['answer']}")
            continue
        passage = version.passages[ids[0]]
        vector = services._query_vector(version, row["question"])
        snippet = snippets.make(
            passage, services._sentence_vectors(version, ids[0]), vector, row["question"]
        )
        items.append((row["question"], snippet, row["answer"]))
    _score(items, verbose)


def stackfaq(path, corpus, verbose):
    from site_assistant import embed, snippets
    from site_assistant.extract import sentence_texts
    from site_assistant.training.evaluate import read_jsonl

    lines = Path(corpus).read_text().splitlines()
    docs = {doc["_id"]: doc for doc in map(json.loads, lines)}
    items = []
    for row in read_jsonl(Path(path)):
        doc = docs[row["doc"]]
        passage = {"text": doc["text"], "title": doc.get("title", ""), "heading": ""}
        vectors = embed.encode(sentence_texts(passage))
        vector = embed.encode([row["question"]], role="query")[0]
        items.append(
            (
                row["question"],
                snippets.make(passage, vectors, vector, row["question"]),
                row["answer"],
            )
        )
    _score(items, verbose)


def main():
    import django

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=["site", "stackfaq"])
    parser.add_argument("file")
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared/data/stackfaq/corpus.jsonl"))
    parser.add_argument(
        "--no-neighbours", action="store_true", help="SITE_ASSISTANT['SNIPPET_NEIGHBOURS'] off"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print each miss")
    args = parser.parse_args()
    django.setup()
    from django.conf import settings
    from django.test import override_settings

    neighbours = not args.no_neighbours
    print(f"{Path(args.file).name}, neighbours {'on' if neighbours else 'off'}:")
    with override_settings(
        SITE_ASSISTANT={**getattr(settings, "SITE_ASSISTANT", {}), "SNIPPET_NEIGHBOURS": neighbours}
    ):
        if args.kind == "site":
            site(args.file, args.verbose)
        else:
            stackfaq(args.file, args.corpus, args.verbose)


if __name__ == "__main__":
    main()
