"""Visitors' helpful, public-safe questions as pairs, and forgetting them.

The question log deletes a visitor's question after LOG_RETENTION_DAYS (the
privacy policy's promise); whatever pairs are kept must forget them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ...examples import PassageFinder, split_link
from .files import read_jsonl, write_jsonl
from .pair import Pair
from .passages import passage_id


def visitor_questions(passages: Sequence[dict]) -> list[Pair]:
    """One pair per public-safe helpful question whose top answer is a passage.

    Public-safe: ``Question.objects.trainable()`` (voted helpful, approved by
    the owner, nothing personal in the text); a vote alone is not enough.
    """
    from ...models import Question

    pairs = []
    finder = PassageFinder(passages)
    for question in Question.objects.trainable().exclude(top_url="").order_by("pk"):
        url, anchor = split_link(question.top_url)
        pid = passage_id(finder, url, anchor, question.top_text)
        if pid is not None:
            pairs.append(Pair(question.text, pid, "visitor", "visitor"))
    return pairs


def drop_visitor_questions(folder: Path, still_logged: bool = False) -> int:
    """Remove visitors' questions from a pairs folder's JSONL files; return how many.

    A model folder keeps its pairs for good, so once a training run is over it
    keeps only the generated and the owner's ones. The datasheet's counts
    stay; it never quotes a visitor. ``still_logged``: keep the visitor questions
    the log still holds (``search_make_pairs``'s own folder, which a training run
    may still read): each goes when the log's purge deletes it.
    """
    removed = 0
    for path in sorted(Path(folder).glob("*.jsonl")):
        rows = read_jsonl(path)
        keep = _still_logged(rows) if still_logged else set()
        kept = [row for row in rows if row.get("source") != "visitor" or row["question"] in keep]
        if len(kept) < len(rows):
            removed += len(rows) - len(kept)
            write_jsonl(path, kept)
    return removed


def _still_logged(rows: Sequence[dict]) -> set[str]:
    """The visitors' questions among ``rows`` that the question log still holds."""
    from ...models import Question

    asked = {row["question"] for row in rows if row.get("source") == "visitor"}
    if not asked:
        return set()
    return set(Question.objects.filter(text__in=asked).values_list("text", flat=True))
