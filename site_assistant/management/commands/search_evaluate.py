"""``manage.py search_evaluate``: dense vs BM25 vs hybrid on the dev split, BEIR, natural questions."""

import argparse
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from site_assistant import conf


class Command(BaseCommand):
    help = (
        "Evaluate retrieval with a model (base, active or a folder) on the site dev split, a "
        "BEIR-format folder and/or a JSONL of natural questions; prints the seed card's metrics "
        "for dense (FAISS flat IP), BM25 and hybrid side by side."
    )

    def add_arguments(self, parser):
        parser.add_argument("--model", default="active", help="base | active | a model folder")
        parser.add_argument("--dev", help="Pairs folder with dev.jsonl + corpus.jsonl.")
        parser.add_argument("--beir", help="BEIR folder: corpus.jsonl, queries.jsonl, qrels.")
        parser.add_argument("--split", default="test", help="BEIR qrels split (default test).")
        parser.add_argument(
            "--natural",
            action="append",
            help="JSONL of {question, url, phrase} (repeat the option for several files).",
        )
        parser.add_argument(
            "--unanswerable",
            action="append",
            help="JSONL of {query, kind, why}: questions the site does not answer; reports the "
            "share declined ('not sure'). Repeat for several files.",
        )
        parser.add_argument(
            "--off-topic-quantile",
            type=float,
            help="Calibrate the answer threshold with this SITE_ASSISTANT['OFF_TOPIC_QUANTILE'].",
        )
        parser.add_argument(
            "--sentence-weight",
            type=float,
            help="Score with this SITE_ASSISTANT['SENTENCE_WEIGHT'] (0: passage vectors only).",
        )
        parser.add_argument(
            "--question-weight",
            type=float,
            help="Score with this SITE_ASSISTANT['QUESTION_WEIGHT'] (0: no example questions).",
        )
        parser.add_argument(
            "--phrase-boost",
            type=float,
            help="Score with this SITE_ASSISTANT['PHRASE_BOOST'] (0: no phrase matches).",
        )
        parser.add_argument(
            "--typo-tolerance",
            action=argparse.BooleanOptionalAction,
            help="Score with SITE_ASSISTANT['TYPO_TOLERANCE'] on or off (default: the setting).",
        )
        parser.add_argument("--json", dest="json_out", help="Write the results to this file.")

    def handle(
        self,
        *args,
        model="active",
        dev=None,
        beir=None,
        split="test",
        natural=None,
        unanswerable=None,
        off_topic_quantile=None,
        json_out=None,
        sentence_weight=None,
        question_weight=None,
        phrase_boost=None,
        typo_tolerance=None,
        **options,
    ):
        overrides = {} if typo_tolerance is None else {"TYPO_TOLERANCE": typo_tolerance}
        for name, value in (
            ("SENTENCE_WEIGHT", sentence_weight),
            ("QUESTION_WEIGHT", question_weight),
            ("PHRASE_BOOST", phrase_boost),
            ("OFF_TOPIC_QUANTILE", off_topic_quantile),
        ):
            if value is None:
                continue
            if not 0 <= value <= 1:
                option = "--" + name.lower().replace("_", "-")
                raise CommandError(f"{option} must be between 0 and 1, not {value}.")
            overrides[name] = value
        # Scoring reads these through site_assistant.conf, so the override covers the whole run.
        with override_settings(
            SITE_ASSISTANT={**getattr(settings, "SITE_ASSISTANT", {}), **overrides}
        ):
            self._evaluate(model, dev, beir, split, natural, unanswerable, json_out)

    def _evaluate(self, model, dev, beir, split, natural, unanswerable, json_out):
        from site_assistant import embed
        from site_assistant.training import evaluate, pairs

        if model == "base":
            model_ref = embed.default_model_path()
        elif model == "active":
            model_ref = embed.active_model_ref()
        else:
            if not Path(model).is_dir():
                raise CommandError(f"--model {model}: not a folder (use base, active or a path)")
            model_ref = str(Path(model).resolve())
        if not (dev or beir or natural or unanswerable):
            default_dev = Path(conf.get("INDEX_DIR")) / "pairs"
            if not (default_dev / "dev.jsonl").is_file():
                raise CommandError("Nothing to evaluate: give --dev, --beir and/or --natural.")
            dev = str(default_dev)
        sets = []
        try:
            if dev:
                sets.append(evaluate.load_dev(dev))
            if beir:
                sets.append(evaluate.load_beir(beir, split))
            if natural or unanswerable:
                passages, _ = pairs.load_passages()
                if not passages:
                    raise CommandError("No passages: build the index first.")
                for path in [natural] if isinstance(natural, str) else natural or []:
                    sets.append(evaluate.load_natural(path, passages))
                for path in [unanswerable] if isinstance(unanswerable, str) else unanswerable or []:
                    sets.append(evaluate.load_unanswerable(path, passages))
        except evaluate.EvalSetError as exc:
            raise CommandError(str(exc)) from exc
        reports = []
        for eval_set in sets:
            report = evaluate.evaluate(eval_set, model_ref)
            reports.append(report)
            self.stdout.write(evaluate.format_table(report))
            for note in report["notes"]:
                self.stdout.write(f"note: {note}")
            self.stdout.write("")
        if json_out:
            Path(json_out).parent.mkdir(parents=True, exist_ok=True)
            Path(json_out).write_text(json.dumps(reports, indent=2))
            self.stdout.write(f"Wrote {json_out}")
