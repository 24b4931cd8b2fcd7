"""``manage.py search_make_pairs``: (question, passage) pairs from the live passages or a corpus."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from site_assistant.training.config import pairs_dir
from site_assistant.training.forget import record_pairs_folder


class Command(BaseCommand):
    help = (
        "Write training pairs made from the current index's passages (plus the owner's example "
        "questions and helpful visitor questions), or from another corpus (--corpus): "
        "train.jsonl, dev.jsonl, corpus.jsonl and datasheet.md. The split is by section, "
        "deterministic for a seed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--corpus",
            help="A BEIR folder (its corpus.jsonl) or a JSONL of passages {_id, title, text}: "
            "make pairs from it instead of the site (needs --out; the site is not touched).",
        )
        parser.add_argument(
            "--out",
            help="Folder to write (default: <INDEX_DIR>/pairs). Site pairs written there are "
            "recorded in <INDEX_DIR>/pairs-folders.json: the question log's purge drops "
            "each visitor's question from them once the log deletes it, as from its own folder.",
        )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--dev-fraction", type=float, default=0.2)

    def handle(self, *args, corpus=None, out=None, seed=42, dev_fraction=0.2, **options):
        from site_assistant.training import pairs

        if not 0 <= dev_fraction < 1:
            raise CommandError("--dev-fraction must be at least 0 and below 1.")
        if corpus:
            if not out:
                raise CommandError("--corpus needs --out (a folder for the pairs).")
            try:
                passages = pairs.read_corpus(corpus)
            except pairs.CorpusError as exc:
                raise CommandError(str(exc)) from exc
            origin, extra, problems = f"corpus {Path(corpus).resolve()}", [], []
        else:
            passages, origin = pairs.load_passages()
            if not passages:
                raise CommandError(
                    "No passages yet: build the index first (manage.py search_rebuild)."
                )
            extra, problems = pairs.human_questions(passages)
        try:
            pair_set = pairs.build_pairs(
                passages, seed=seed, dev_fraction=dev_fraction, extra=extra
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        folder = Path(out) if out else pairs_dir()
        # Recorded before it is written: a write cut short is swept all the same.
        swept = bool(out) and not corpus
        if swept:
            record_pairs_folder(folder)
        stats = pairs.write_pairs(pair_set, folder, origin, problems, site=not corpus)
        for problem in problems:
            self.stderr.write(f"warning: {problem}")
        skipped = f", {stats['skipped_passages']} skipped" if stats["skipped_passages"] else ""
        self.stdout.write(
            f"{stats['train']['pairs']} train pairs ({stats['train']['passages']} passages), "
            f"{stats['dev']['pairs']} dev questions ({stats['dev']['passages']} passages) "
            f"from {stats['passages']} passages{skipped} ({origin}) → {folder}"
        )
        if swept:
            self.stdout.write(
                f"{folder} is swept by the question log's purge from now on: a visitor's "
                "question in it goes once the log deletes it. Delete the folder once used."
            )
