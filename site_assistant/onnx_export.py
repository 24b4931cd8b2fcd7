"""Export a sentence-transformers model to ONNX for serving without torch.

The serving encoder (``site_assistant.onnx_encoder.OnnxEncoder``) runs the exported
transformer with ONNX Runtime, tokenizes with ``tokenizers`` and mean-pools and
L2-normalizes in numpy. This module is the only place besides training that
imports torch and sentence-transformers, and it checks its own work: the
export is run on ``CHECK_TEXTS`` (short, long, truncated, mixed-length batches)
beside ``SentenceTransformer.encode`` and the largest absolute difference of
any vector component is stored in ``export.json``. The encoder refuses an
export whose difference exceeds ``MAX_ABS_DIFF``.

A folder written here holds::

    model.onnx      the transformer's graph: input_ids, attention_mask[, token_type_ids]
                    (int64, dynamic batch and sequence) -> last_hidden_state
    model.onnx.data its weights (ONNX external data: mapped, not copied, by
                    ONNX Runtime, and shared by the processes of a machine)
    tokenizer.json  the model's fast tokenizer
    export.json     model_id, weights stamp, dim, max_seq_length, inputs,
                    max_abs_diff, sha256 of model.onnx and model.onnx.data,
                    versions

The folder is written under a temporary name and renamed into place, so a
reader never sees half an export. Run as a module (``python -m
site_assistant.onnx_export MODEL_DIR OUT_DIR MODEL_ID``) it exports in a child
process: a web or Celery process that finds no export does not keep torch's
~500 MB for the rest of its life.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .onnx_encoder import (
    DATA_FILE,
    EXPORT_FILE,
    ONNX_FILE,
    TOKENIZER_FILE,
    OnnxEncoder,
    sha256,
)

# 2: the weights in DATA_FILE beside the graph (1 kept them inside model.onnx).
FORMAT = 2
OPSET = 17
# Largest absolute difference of a vector component accepted against torch.
MAX_ABS_DIFF = 1e-4

# Checked against torch at every export: questions, passages, a text longer
# than the model's limit (truncation), punctuation, accents and emoji, and
# batches mixing lengths (padding).
CHECK_TEXTS = [
    "hi",
    "Can I scrape the site?",
    "What are your opening hours on Sunday?",
    "wifi password",
    "Which cookies do you use, and can I turn them off?",
    "Café crème — naïve façade, 100% déjà vu… ✨🙂",
    "Terms of use. No abuse: don't hammer the server with automated requests, "
    "and respect robots.txt when you crawl the pages.",
    "The pocket zine is a single sheet folded into eight pages; print it, fold it, "
    "cut the middle and you have a little book to hand out.",
    " ".join(["A very long passage about the site's privacy policy and retention."] * 40),
    "x",
    "1234 5678",
    "Who made this site and how do I contact them?",
]


def weights_stamp(model_ref: str | Path) -> str:
    """Size and mtime of the weights file: a model retrained in place changes it."""
    path = Path(model_ref)
    parts = []
    for name in ("model.safetensors", "pytorch_model.bin"):
        weights = path / name
        if weights.exists():
            st = weights.stat()
            parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def same_weights(recorded: str, current: str) -> bool:
    """Whether the weights stamped ``current`` (``weights_stamp``) are those ``recorded``
    at the export: the same stamp, or the same files and sizes with the mtime cut
    to the whole second, as tar restores them (a backup of INDEX_DIR: a model
    retrained in place has another mtime, whole seconds apart or not)."""
    if recorded == current:
        return True
    was, now = str(recorded).split("|"), current.split("|")
    if not current or len(was) != len(now):
        return False
    for before, after in zip(was, now, strict=True):
        try:
            name, size, mtime = before.rsplit(":", 2)
            name_now, size_now, mtime_now = after.rsplit(":", 2)
            mtime, mtime_now = int(mtime), int(mtime_now)
        except ValueError:
            return False
        if (name, size) != (name_now, size_now) or mtime_now % 10**9:
            return False
        if mtime // 10**9 != mtime_now // 10**9:
            return False
    return True


def read_export(folder: str | Path) -> dict | None:
    """The folder's export.json, or None when there is no complete export."""
    try:
        return json.loads((Path(folder) / EXPORT_FILE).read_text())
    except (OSError, ValueError):
        return None


def _torch_model(model_ref: str):
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_ref), device="cpu")
    model.eval()
    return model


def _check_structure(model) -> None:
    """Only Transformer → mean Pooling (→ Normalize) is what the ONNX encoder computes."""
    names = [type(module).__name__ for module in model]
    if names[:2] != ["Transformer", "Pooling"] or names[2:] not in ([], ["Normalize"]):
        raise ValueError(f"cannot serve {names} with ONNX (Transformer, Pooling, Normalize)")
    pooling = model[1].get_config_dict()
    mode = pooling.get("pooling_mode") or (
        "mean" if pooling.get("pooling_mode_mean_tokens") else "other"
    )
    if mode != "mean":
        raise ValueError(f"cannot serve pooling mode {mode!r} with ONNX (mean only)")


def _weights_beside(path: Path) -> None:
    """Rewrite the ONNX file at ``path`` with its weights in DATA_FILE beside it."""
    import onnx

    model = onnx.load(str(path))
    onnx.save_model(
        model,
        str(path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=DATA_FILE,
        size_threshold=1024,
    )
    shutil.copymode(path, path.parent / DATA_FILE)  # onnx writes it owner-only


def export(model_ref: str | Path, out_dir: str | Path, model_id: str) -> dict:
    """Export ``model_ref`` into ``out_dir`` and check it; returns its export.json.

    Raises ValueError for a model the ONNX encoder cannot compute. An export
    whose difference from torch exceeds MAX_ABS_DIFF is still written (its
    export.json says why it is not used) so the check is not repeated by
    every process.
    """
    import numpy as np
    import torch

    started = time.monotonic()
    model_ref, out_dir = str(model_ref), Path(out_dir)
    model = _torch_model(model_ref)
    _check_structure(model)
    transformer = model[0]
    bert = transformer.auto_model
    tokenizer_file = Path(model_ref) / TOKENIZER_FILE
    if not tokenizer_file.is_file():
        raise ValueError(f"{model_ref} has no {TOKENIZER_FILE} (a fast tokenizer is needed)")
    inputs = [
        name
        for name in ("input_ids", "attention_mask", "token_type_ids")
        if name in transformer.tokenizer.model_input_names
    ]

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *args):
            return self.inner(**dict(zip(inputs, args, strict=True))).last_hidden_state

    dimension = (
        getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".tmp-{out_dir.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        sample = transformer.tokenizer(["a sample", "a longer sample text"], padding=True)
        args = tuple(torch.tensor(sample[name], dtype=torch.int64) for name in inputs)
        dynamic = {name: {0: "batch", 1: "sequence"} for name in inputs}
        dynamic["last_hidden_state"] = {0: "batch", 1: "sequence"}
        with torch.no_grad():
            torch.onnx.export(
                LastHiddenState(bert).eval(),
                args,
                str(tmp / ONNX_FILE),
                input_names=inputs,
                output_names=["last_hidden_state"],
                dynamic_axes=dynamic,
                opset_version=OPSET,
                dynamo=False,
            )
        _weights_beside(tmp / ONNX_FILE)
        shutil.copyfile(tokenizer_file, tmp / TOKENIZER_FILE)
        meta = {
            "format": FORMAT,
            "model_id": model_id,
            "model_ref": model_ref,
            "weights": weights_stamp(model_ref),
            "dim": int(dimension()),
            "max_seq_length": int(model.max_seq_length),
            "inputs": inputs,
            "sha256": sha256(tmp / ONNX_FILE),
            "data_sha256": sha256(tmp / DATA_FILE),
            "opset": OPSET,
            "torch": torch.__version__,
        }
        (tmp / EXPORT_FILE).write_text(json.dumps(meta, indent=2))
        # The check: torch and the ONNX encoder on the same texts, one by one and batched.
        expected = model.encode(CHECK_TEXTS, batch_size=5, normalize_embeddings=True)
        encoder = OnnxEncoder(tmp, verify=False)
        got_batched = encoder.encode(CHECK_TEXTS, batch_size=5)
        got_single = np.vstack([encoder.encode([t]) for t in CHECK_TEXTS])
        diff = float(max(np.abs(got_batched - expected).max(), np.abs(got_single - expected).max()))
        import onnxruntime

        meta.update(
            {
                "max_abs_diff": diff,
                "checked_texts": len(CHECK_TEXTS),
                "accepted": diff <= MAX_ABS_DIFF,
                "onnxruntime": onnxruntime.__version__,
                "seconds": round(time.monotonic() - started, 2),
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
        )
        (tmp / EXPORT_FILE).write_text(json.dumps(meta, indent=2))
        for f in tmp.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        if out_dir.exists():
            old = out_dir.parent / f".old-{out_dir.name}-{os.getpid()}"
            os.rename(out_dir, old)
            shutil.rmtree(old, ignore_errors=True)
        os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return meta


def export_in_child(model_ref: str | Path, out_dir: str | Path, model_id: str) -> dict:
    """``export`` in a child process (torch stays out of this one); returns its export.json."""
    package_parent = str(Path(__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.run(
        [sys.executable, "-m", __name__, str(model_ref), str(out_dir), model_id],
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raise ValueError(
            f"ONNX export of {model_ref} failed: {lines[-1] if lines else proc.returncode}"
        )
    meta = read_export(out_dir)
    if meta is None:
        raise ValueError(f"ONNX export of {model_ref} wrote no {EXPORT_FILE}")
    return meta


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(
            "usage: python -m site_assistant.onnx_export MODEL_DIR OUT_DIR MODEL_ID",
            file=sys.stderr,
        )
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        meta = export(*argv)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({k: meta[k] for k in ("model_id", "max_abs_diff", "accepted", "seconds")}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
