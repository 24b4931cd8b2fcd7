"""``manage.py search_evaluate``: dense vs BM25 vs hybrid on the dev split, BEIR, natural questions."""

import argparse
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from site_assistant import conf
from site_assistant.training.config import pairs_dir


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
            "--snippets",
            action="append",
            help="JSONL of {question, answer: [exact strings]}: asks each through the served "
            "index and model (as visitors do) and reports how often the answer's snippet or "
            "breadcrumb shows one of the strings. Repeat for several files.",
        )
        parser.add_argument(
            "--no-answer-types",
            action="store_true",
            help="Score --snippets with SITE_ASSISTANT['SNIPPET_ANSWER_TYPES'] off.",
        )
        parser.add_argument(
            "--no-neighbours",
            action="store_true",
            help="Score --snippets with SITE_ASSISTANT['SNIPPET_NEIGHBOURS'] off.",
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
        parser.add_argument(
            "--compare-encoders",
            action="store_true",
            help="Score the int8 copy of the ONNX export against fp32 (index and questions "
            "int8, and fp32 index with int8 questions) on the dev split and --natural files: "
            "top-1 agreement, acc@1/acc@3/ndcg@10, answered share, encode ms per question.",
        )
        parser.add_argument(
            "--record",
            action="store_true",
            help="With --compare-encoders: store the verdict in the int8 export's int8.json "
            "(what ENCODER onnx-int8 / onnx-int8-queries is judged by).",
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
        compare_encoders=False,
        record=False,
        snippets=None,
        no_answer_types=False,
        no_neighbours=False,
        **options,
    ):
        overrides = {} if typo_tolerance is None else {"TYPO_TOLERANCE": typo_tolerance}
        if no_answer_types:
            overrides["SNIPPET_ANSWER_TYPES"] = False
        if no_neighbours:
            overrides["SNIPPET_NEIGHBOURS"] = False
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
        # Scoring reads these through site_assistant.conf, so they cover the whole run
        # (in this thread only: call_command in a serving process changes nothing else).
        with conf.scoped(**overrides):
            if compare_encoders:
                self._compare(model, dev, natural, json_out, record)
            elif snippets:
                for path in snippets:
                    self._snippets(path, json_out)
            else:
                if record:
                    raise CommandError("--record goes with --compare-encoders.")
                self._evaluate(model, dev, beir, split, natural, unanswerable, json_out)

    def _model_ref(self, model):
        from site_assistant import embed

        if model == "base":
            model_ref = embed.default_model_path()
        elif model == "active":
            model_ref = embed.active_model_ref()
        else:
            if not Path(model).is_dir():
                raise CommandError(f"--model {model}: not a folder (use base, active or a path)")
            model_ref = str(Path(model).resolve())
        return model_ref

    def _default_dev(self):
        default_dev = pairs_dir()
        return str(default_dev) if (default_dev / "dev.jsonl").is_file() else None

    def _compare(self, model, dev, natural, json_out, record):
        from site_assistant import embed, onnx_int8
        from site_assistant.training import evaluate, int8, pairs

        model_ref = self._model_ref(model)
        dev = dev or self._default_dev()
        natural = [natural] if isinstance(natural, str) else list(natural or [])
        if record and not (dev and natural):
            raise CommandError(
                "--record needs the dev split and --natural files (held-out and natural)."
            )
        sets = []
        try:
            if dev:
                sets.append(("dev", "dev", evaluate.load_dev(dev)))
            if natural:
                passages, _ = pairs.load_passages()
                if not passages:
                    raise CommandError("No passages: build the index first.")
                for path in natural:
                    sets.append((Path(path).stem, "visitor", evaluate.load_natural(path, passages)))
        except evaluate.EvalSetError as exc:
            raise CommandError(str(exc)) from exc
        if not sets:
            raise CommandError("Nothing to compare: give --dev and/or --natural.")
        try:
            found = embed.find_onnx(model_ref)
            if found is None:
                embed.export_onnx(model_ref)
                found = embed.find_onnx(model_ref)
            if found is None:
                raise ValueError(f"model {embed.model_id(model_ref)} has no ONNX export")
            folder = found[0]
            meta = onnx_int8.read_int8(folder) or onnx_int8.quantize(folder)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        report = int8.compare(sets, model_ref, folder, float(conf.get("INT8_MIN_AGREEMENT")))
        report.update({"model_id": embed.model_id(model_ref), "variant": meta["variant"]})
        self.stdout.write(int8.format_report(report, report["model_id"], meta["variant"]))
        if record:
            onnx_int8.record_verdict(folder, report["verdict"])
            self.stdout.write(f"Recorded the verdict in {folder / onnx_int8.INT8_META}")
        if json_out:
            Path(json_out).parent.mkdir(parents=True, exist_ok=True)
            Path(json_out).write_text(json.dumps(report, indent=2))
            self.stdout.write(f"Wrote {json_out}")

    def _evaluate(self, model, dev, beir, split, natural, unanswerable, json_out):
        from site_assistant.training import evaluate, pairs

        model_ref = self._model_ref(model)
        if not (dev or beir or natural or unanswerable):
            dev = self._default_dev()
            if dev is None:
                raise CommandError("Nothing to evaluate: give --dev, --beir and/or --natural.")
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

    def _snippets(self, path, json_out):
        """Does the answer a visitor gets show the fact? (the live index, served model)"""
        from site_assistant import services
        from site_assistant.training import evaluate

        try:
            rows = evaluate.read_jsonl(Path(path))
            if not rows or any(
                not isinstance(r.get("question"), str) or not isinstance(r.get("answer"), list)
                for r in rows
            ):
                raise evaluate.EvalSetError(
                    f"{path}: each line needs a question and an answer list of exact strings"
                )
        except evaluate.EvalSetError as exc:
            raise CommandError(str(exc)) from exc

        counts = {"questions": len(rows), "passage": 0, "shown": 0, "highlighted": 0}
        missed = []
        services.ensure_model_export()  # a command may wait for it; a web process may not
        for row in rows:
            try:
                hits = services.search(row["question"], k=1)
            except services.IndexNotReady as exc:
                raise CommandError(str(exc)) from exc
            if not hits:
                missed.append(row["question"])
                continue
            hit, wanted = hits[0], [evaluate.fold(a) for a in row["answer"]]
            shown = evaluate.fold(" ".join([*hit.breadcrumb, hit.snippet.text]))
            marked = evaluate.fold(
                " ".join(hit.snippet.text[a:b] for a, b in hit.snippet.highlights)
            )
            is_shown = any(w in shown for w in wanted)
            counts["passage"] += any(w in evaluate.fold(hit.text) for w in wanted)
            counts["shown"] += is_shown
            counts["highlighted"] += any(w in marked for w in wanted)
            if not is_shown:
                missed.append(row["question"])
        n = max(counts["questions"], 1)
        self.stdout.write(
            f"{Path(path).name}: {counts['questions']} questions, answer types "
            f"{'on' if conf.get('SNIPPET_ANSWER_TYPES') else 'off'}, neighbours "
            f"{'on' if conf.get('SNIPPET_NEIGHBOURS') else 'off'}\n"
            f"  the fact is in the top passage      {counts['passage'] / n:.3f}\n"
            f"  shown (snippet or breadcrumb)       {counts['shown'] / n:.3f}\n"
            f"  in the highlighted sentence(s)      {counts['highlighted'] / n:.3f}"
        )
        for question in missed:
            self.stdout.write(f"  not shown: {question}")
        if json_out:
            Path(json_out).parent.mkdir(parents=True, exist_ok=True)
            Path(json_out).write_text(json.dumps({**counts, "missed": missed}, indent=2))
            self.stdout.write(f"Wrote {json_out}")
