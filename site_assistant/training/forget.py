"""Forgetting visitors' questions kept in training pairs: the question log's purge.

The log deletes a visitor's question after LOG_RETENTION_DAYS (the privacy policy's
promise); the pairs kept with models and in ``search_make_pairs``'s folder must forget
it too. Light on purpose (json and the models, not the trainer's code, whose pairs
import scikit-learn: about 160 MB a process for good), so that the web process's hourly
purge sweeps them as well on a site with neither beat nor cron.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .config import models_dir, pairs_dir
from .jsonl import read_jsonl, write_jsonl


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
    from ..models import Question

    asked = {row["question"] for row in rows if row.get("source") == "visitor"}
    if not asked:
        return set()
    return set(Question.objects.filter(text__in=asked).values_list("text", flat=True))


def drop_kept_visitor_questions(model_dir: Path) -> int:
    """Drop visitors' questions from the pairs kept in ``model_dir`` (``pairs/``,
    the refit's ``pairs-all/``); return how many. A run does so when it ends."""
    return sum(
        drop_visitor_questions(folder)
        for folder in sorted(Path(model_dir).glob("pairs*"))
        if folder.is_dir()
    )


def forget_visitor_questions() -> int:
    """``drop_kept_visitor_questions`` for every model folder, and the questions the
    log no longer holds from ``search_make_pairs``'s folder (INDEX_DIR/pairs); return
    how many.

    Part of the log's purge: it also covers a run stopped mid-way and models
    trained before runs dropped them.
    """
    made = pairs_dir()
    removed = drop_visitor_questions(made, still_logged=True) if made.is_dir() else 0
    models = models_dir()
    if not models.is_dir():
        return removed
    return removed + sum(drop_kept_visitor_questions(folder) for folder in sorted(models.glob("*")))
