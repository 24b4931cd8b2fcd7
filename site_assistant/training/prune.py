"""Old fine-tuned models deleted: each run's folder holds ~175 MB (its weights
and their ONNX export), and a site trained every week filled its disk.

After each training run (``finetune.run_training``), the folders of
``INDEX_DIR/models/`` (named by the time the run started, so they sort
oldest first) beyond the newest ``KEEP_MODELS`` go, except:

- the model served now (``active-model.json``), and
- every model an index version on disk was built with: a process answers a
  question with the live version's model until the rebuild with a new one
  is live, and falls back to an older kept version if the live one is damaged.

A training run whose folder is gone says so in the admin ("left no model to
serve"); its figures stay on its row.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from .. import conf, embed, index
from .config import models_dir

logger = logging.getLogger(__name__)


def prune_models(keep: int | None = None, just_made: Path | None = None) -> list[str]:
    """Delete the model folders nothing needs beyond the newest ``keep``
    (``KEEP_MODELS``; None keeps every one), never ``just_made`` (the run's
    own); the names of those deleted."""
    keep = conf.get("KEEP_MODELS") if keep is None else keep
    root = models_dir()
    if keep is None or not root.is_dir():
        return []
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    newest = set(folders[-keep:]) if keep > 0 else set()
    needed = [_resolved(embed.active_model_ref()), *map(_resolved, index.model_refs())]
    needed.append(_resolved(str(just_made)) if just_made else None)
    deleted = []
    for folder in folders:
        resolved = folder.resolve()
        if folder in newest or any(ref.is_relative_to(resolved) for ref in needed if ref):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        deleted.append(folder.name)
    if deleted:
        logger.info(
            "deleted %d old fine-tuned model(s) (KEEP_MODELS=%s): %s",
            len(deleted),
            keep,
            ", ".join(deleted),
        )
    return deleted


def _resolved(ref: str) -> Path | None:
    return Path(ref).resolve() if ref else None
