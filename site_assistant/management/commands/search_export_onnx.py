"""``manage.py search_export_onnx``: export the serving models to ONNX, checked against torch."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from site_assistant import embed, index
from site_assistant.onnx_export import MAX_ABS_DIFF
from site_assistant.onnx_int8 import DEFAULT_VARIANT, VARIANTS, quantize, read_int8


class Command(BaseCommand):
    help = (
        "Export the model of the live index and the active model to ONNX (what the web "
        "process serves with, without torch), checked against torch on fixed texts. "
        "Builds and training do this by themselves; run it after installing a model."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--model",
            help="A sentence-transformers model folder, or 'base' for the configured "
            "MODEL (default: the models served).",
        )
        parser.add_argument("--force", action="store_true", help="Export even if one exists.")
        parser.add_argument(
            "--int8",
            action="store_true",
            help="Also write the int8 copy (model.int8.onnx: MatMul weights, per channel) "
            "beside model.onnx; it serves only once search_evaluate --compare-encoders "
            "--record has shown it agrees with fp32.",
        )
        parser.add_argument(
            "--int8-variant",
            choices=list(VARIANTS),
            default=DEFAULT_VARIANT,
            help=f"How the int8 copy is quantised (default {DEFAULT_VARIANT}).",
        )

    def handle(
        self, *args, model=None, force=False, int8=False, int8_variant=DEFAULT_VARIANT, **options
    ):
        if model == "base":  # as search_rebuild --model base says it
            refs = [embed.configured_model_ref()]
        elif model:
            if not (Path(model) / "config.json").is_file():
                raise CommandError(f"{model} is not a model folder (no config.json)")
            refs = [str(Path(model).resolve())]
        else:
            refs = [embed.active_model_ref()]
            try:
                live = index.load_current()
                if live.model_ref and Path(live.model_ref).is_dir():
                    refs.insert(0, live.model_ref)
            except index.IndexNotReady:
                pass
        for ref in dict.fromkeys(refs):
            found = None if force else embed.find_onnx(ref)
            if found is None:
                try:
                    meta = embed.export_onnx(ref)
                except ValueError as exc:
                    raise CommandError(str(exc)) from None
                found = embed.find_onnx(ref)
                folder = found[0] if found else "?"
                verb = "exported"
            else:
                folder, meta = found
                verb = "already exported"
            used = "used" if meta["max_abs_diff"] <= MAX_ABS_DIFF else "REFUSED: served with torch"
            self.stdout.write(
                f"{meta['model_id']}: {verb} in {folder}; max abs difference from torch "
                f"{meta['max_abs_diff']:.2e} on {meta.get('checked_texts', '?')} texts ({used})"
            )
            if int8:
                self._int8(Path(folder), int8_variant, force)

    def _int8(self, folder, variant, force):
        meta = read_int8(folder)
        if force or meta is None or meta["variant"] != variant:
            meta = quantize(folder, variant)
            verb = "written"
        else:
            verb = "already written"
        self.stdout.write(
            f"  int8 ({variant}): {verb} in {folder}; cosine with fp32 min "
            f"{meta['min_cosine']:.4f}, mean {meta['mean_cosine']:.4f} on "
            f"{meta['checked_texts']} texts; "
            + (
                "agreement recorded"
                if meta.get("verdict")
                else "agreement not measured yet (search_evaluate --compare-encoders --record)"
            )
        )
