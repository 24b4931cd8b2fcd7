"""The fine-tuning recipe and its defaults: the seed card's hyperparameters.

A light module (no torch, no pairs) so the command's option defaults and the
admin's Celery task read the same numbers without importing the trainer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TrainConfig:
    epochs: float = 2
    batch_size: int = 32
    learning_rate: float = 5e-5
    max_steps: int = -1
    warmup_steps: int | None = None  # None = 10% of the steps
    scale: float = 20.0
    seed: int = 42
    threads: int = 2
    max_pairs: int | None = None  # train on the first N pairs only (the bench's 320)
    # Passages are cut to this many tokens while training only (the saved model
    # keeps the base model's limit): a passage's heading and lead carry its
    # topic. Measured on 320 pairs: 128 tokens peaked at 2.4 GB RSS, 64 at
    # 1.6 GB, with the same dev ndcg@10 (0.902 vs 0.907).
    max_seq_length: int | None = 64

    def steps(self, n_pairs: int) -> int:
        if self.max_steps and self.max_steps > 0:
            return self.max_steps
        return max(1, math.ceil(self.epochs * math.ceil(n_pairs / self.batch_size)))


# What the admin's "Train on site content" records and may override.
TASK_PARAMS = ("epochs", "batch_size", "learning_rate", "max_steps", "seed")


def defaults(names=TASK_PARAMS) -> dict:
    return {name: getattr(TrainConfig, name) for name in names}


def models_dir() -> Path:
    """Where fine-tuned models are kept, one folder each (INDEX_DIR/models): the folder
    ``embed.locate`` looks in for a model moved with its INDEX_DIR."""
    from .. import embed

    return embed.index_dir() / embed.MODELS_DIR


def pairs_dir() -> Path:
    """Where ``search_make_pairs`` writes without ``--out`` (INDEX_DIR/pairs), and where
    ``search_evaluate`` looks for its dev questions: the daily log purge sweeps it."""
    from .. import embed

    return embed.index_dir() / "pairs"
