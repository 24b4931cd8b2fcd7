"""A pairs folder: train.jsonl, dev.jsonl, corpus.jsonl, stats.json and datasheet.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from ..jsonl import write_jsonl
from .datasheet import datasheet
from .pair import PairSet


def write_pairs(
    pair_set: PairSet, out: Path, origin: str = "", problems=(), site: bool = True
) -> dict:
    """train.jsonl, dev.jsonl, corpus.jsonl and datasheet.md in ``out``.

    ``site``: made from this site's passages. stats.json records it: a model
    trained on another corpus's pairs is never activated on the site.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    passages = pair_set.passages
    write_jsonl(
        out / "train.jsonl",
        (
            {
                "question": p.question,
                "passage": passages[p.passage_id]["text"],
                "passage_id": p.passage_id,
                "kind": p.kind,
                "source": p.source,
            }
            # Visitor questions last: the model card sentence-transformers writes
            # quotes the first rows, and a visitor's words must not outlive the log.
            for p in sorted(pair_set.train, key=lambda p: p.source == "visitor")
        ),
    )
    write_jsonl(
        out / "dev.jsonl",
        (
            {
                "qid": f"q{i}",
                "question": p.question,
                "passage_id": p.passage_id,
                "relevant": pair_set.relevant_to(p),
                "kind": p.kind,
                "source": p.source,
                # A question about a page as a whole: the page is its one answer.
                **({"page": p.page} if p.page else {}),
            }
            for i, p in enumerate(pair_set.dev)
        ),
    )
    write_jsonl(
        out / "corpus.jsonl",
        (
            {
                "_id": str(pid),
                "title": p.get("title", ""),
                "heading": p.get("heading", ""),
                "url": p["url"],
                # The pages it was merged from: a page question's answer is on each.
                "urls": p.get("urls") or [p["url"]],
                "anchor": p.get("anchor", ""),
                "text": p["text"],
                "questions": p.get("questions") or [],
            }
            for pid, p in sorted(passages.items())
        ),
    )
    stats = pair_set.stats()
    stats["origin"] = origin
    stats["site"] = site
    stats["created"] = datetime.now(UTC).isoformat(timespec="seconds")
    (out / "stats.json").write_text(json.dumps(stats, indent=2))
    (out / "datasheet.md").write_text(datasheet(pair_set, origin, problems))
    return stats


def made_from_site(folder: Path) -> bool:
    """Whether the pairs in ``folder`` were made from this site (stats.json says so)."""
    try:
        stats = json.loads((Path(folder) / "stats.json").read_text())
    except (OSError, ValueError):
        return True  # a hand-made folder: as before, the guard decides
    return stats.get("site", True) is not False
