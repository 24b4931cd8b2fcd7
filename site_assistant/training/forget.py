"""Forgetting visitors' questions kept in training pairs: the question log's purge.

The log deletes a visitor's question after LOG_RETENTION_DAYS (the privacy policy's
promise); the pairs kept with models and in ``search_make_pairs``'s folder must forget
it too, and so must every folder ``search_make_pairs --out`` wrote site pairs to: each
is recorded in ``<INDEX_DIR>/pairs-folders.json`` and swept like its own. Light on purpose (json and the models, not the trainer's code, whose pairs
import scikit-learn: about 160 MB a process for good), so that the web process's hourly
purge sweeps them as well on a site with neither beat nor cron.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from .config import models_dir, pairs_dir
from .jsonl import read_jsonl, write_jsonl

# The folders outside INDEX_DIR/pairs that ``search_make_pairs --out`` wrote site pairs to.
RECORD_FILE = "pairs-folders.json"


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


def _record_path() -> Path:
    return pairs_dir().parent / RECORD_FILE


def recorded_pairs_folders() -> list[Path]:
    """The folders ``record_pairs_folder`` recorded, as recorded (gone ones too)."""
    try:
        folders = json.loads(_record_path().read_text())
    except (FileNotFoundError, ValueError):  # none; damaged (never written so: os.replace)
        return []
    return [Path(folder) for folder in folders if isinstance(folder, str)]


def _write_record(folders: Sequence[Path]) -> None:
    path = _record_path()
    if not folders:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(sorted({str(folder) for folder in folders}), indent=1))
    os.replace(tmp, path)


def record_pairs_folder(folder: Path) -> None:
    """Have the log's purge sweep ``folder`` (site pairs written outside INDEX_DIR/pairs,
    which it sweeps anyway): its visitors' questions go once the log deletes them."""
    folder = Path(folder).resolve()
    folders = recorded_pairs_folders()
    if folder != pairs_dir().resolve() and folder not in folders:
        _write_record([*folders, folder])


def _sweep_recorded_folders() -> int:
    """``drop_visitor_questions`` (still logged kept) for each recorded folder; a folder
    deleted since leaves the record."""
    folders = recorded_pairs_folders()
    there = [folder for folder in folders if folder.is_dir()]
    if len(there) < len(folders):
        _write_record(there)
    return sum(drop_visitor_questions(folder, still_logged=True) for folder in there)


def forget_visitor_questions() -> int:
    """``drop_kept_visitor_questions`` for every model folder, and the questions the
    log no longer holds from ``search_make_pairs``'s folder (INDEX_DIR/pairs) and from
    every folder it wrote with ``--out`` (``record_pairs_folder``); return how many.

    Part of the log's purge: it also covers a run stopped mid-way and models
    trained before runs dropped them.
    """
    made = pairs_dir()
    removed = drop_visitor_questions(made, still_logged=True) if made.is_dir() else 0
    removed += _sweep_recorded_folders()
    models = models_dir()
    if not models.is_dir():
        return removed
    return removed + sum(drop_kept_visitor_questions(folder) for folder in sorted(models.glob("*")))
