"""``manage.py search_export_onnx``: export the serving models to ONNX, checked against torch."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from site_assistant import embed, index
from site_assistant.onnx_export import MAX_ABS_DIFF


class Command(BaseCommand):
    help = (
        "Export the model of the live index and the active model to ONNX (what the web "
        "process serves with, without torch), checked against torch on fixed texts. "
        "Builds and training do this by themselves; run it after installing a model."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--model", help="A sentence-transformers model folder (default: served)."
        )
        parser.add_argument("--force", action="store_true", help="Export even if one exists.")

    def handle(self, *args, model=None, force=False, **options):
        if model:
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
