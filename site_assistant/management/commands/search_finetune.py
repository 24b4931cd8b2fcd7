"""``manage.py search_finetune``: fine-tune the model on the site, activate it if better."""

import argparse
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from site_assistant.training.config import TrainConfig


class Command(BaseCommand):
    help = (
        "Fine-tune all-MiniLM-L6-v2 on (question, passage) pairs of this site "
        "(MultipleNegativesRankingLoss; the seed card's recipe by default), evaluate the base "
        "and the tuned model on the dev split, and activate the tuned model (then rebuild the "
        "index) only if the guard passes. With --corpus, tune on another corpus's passages "
        "into --out, leaving the site alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pairs", help="Pairs folder (default: make fresh pairs now).")
        parser.add_argument(
            "--corpus",
            help="A BEIR folder (its corpus.jsonl) or a JSONL of passages {_id, title, text}: "
            "make pairs from it and tune on them (needs --out). The model is written to --out "
            "only: never activated, the site's index is not rebuilt.",
        )
        parser.add_argument("--epochs", type=float, default=TrainConfig.epochs)
        parser.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
        parser.add_argument("--lr", type=float, default=TrainConfig.learning_rate)
        parser.add_argument("--max-steps", type=int, default=-1, help="Stop after N steps.")
        parser.add_argument("--max-pairs", type=int, default=None, help="Train on N pairs only.")
        parser.add_argument("--seed", type=int, default=TrainConfig.seed)
        parser.add_argument(
            "--threads", type=int, default=TrainConfig.threads, help="torch threads for training."
        )
        parser.add_argument("--out", help="Model folder (default: <INDEX_DIR>/models/<time>).")
        parser.add_argument(
            "--no-activate", action="store_true", help="Evaluate, but never activate."
        )
        parser.add_argument(
            "--refit",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Once the guard passes, train again on every section (train + dev) and "
            "activate that model (default; --no-refit activates the guarded model itself).",
        )

    def handle(self, *args, **o):
        from site_assistant.training import finetune, pairs

        problem = finetune.missing_extra()
        if problem:
            raise CommandError(problem)
        if o["epochs"] <= 0 or o["batch_size"] < 1 or o["lr"] <= 0 or o["threads"] < 1:
            raise CommandError("--epochs, --batch-size, --lr and --threads must be positive.")
        if o["corpus"]:
            if o["pairs"]:
                raise CommandError("Give --corpus or --pairs, not both.")
            if not o["out"]:
                raise CommandError("--corpus needs --out (a folder for the model).")
            try:
                pairs.corpus_file(o["corpus"])
            except pairs.CorpusError as exc:
                raise CommandError(str(exc)) from exc
        if o["max_steps"] == 0 or o["max_steps"] < -1:
            raise CommandError("--max-steps must be a positive number of steps.")
        if o["pairs"] and not (Path(o["pairs"]) / "train.jsonl").is_file():
            raise CommandError(f"{o['pairs']}: no train.jsonl (make it with search_make_pairs).")
        config = finetune.TrainConfig(
            epochs=o["epochs"],
            batch_size=o["batch_size"],
            learning_rate=o["lr"],
            max_steps=o["max_steps"],
            seed=o["seed"],
            threads=o["threads"],
            max_pairs=o["max_pairs"],
        )
        stage = {"last": None}

        def progress(fraction, message):
            head = message.split(":")[0]
            if head != stage["last"]:
                stage["last"] = head
                self.stderr.write(f"[{fraction * 100:3.0f}%] {message}")

        try:
            meta = finetune.run_training(
                pairs_dir=o["pairs"],
                out_dir=o["out"],
                config=config,
                activate=not o["no_activate"],
                seed=o["seed"],
                progress=progress,
                refit=o["refit"],
                corpus=o["corpus"],
            )
        except (ValueError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        base, tuned = meta["metrics"]["base"], meta["metrics"]["tuned"]
        self.stdout.write(
            f"{finetune.trained_summary(meta)} in {meta['train_seconds']}s → {meta['model_dir']}"
        )
        self.stdout.write("dev (dense)     base    tuned")
        for name in ("accuracy@1", "accuracy@3", "ndcg@10", "mrr@10"):
            self.stdout.write(f"{name:<14} {base[name]:.4f}  {tuned[name]:.4f}")
        self.stdout.write(
            f"Answer threshold of {meta['served_model_dir']}: {meta['served_min_score']} "
            "(used while it serves, SITE_ASSISTANT['MIN_SCORE_FROM_MODEL'])"
        )
        self.stdout.write(meta["decision"].capitalize())
