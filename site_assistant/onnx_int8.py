"""An int8 copy of the ONNX export: faster, and served only once it has shown it agrees.

``quantize(folder)`` writes ``model.int8.onnx`` beside the fp32 ``model.onnx``
of an export (``site_assistant.onnx_export``): onnxruntime's dynamic
quantisation of the MatMul weights (activations quantised at run time), with
one of the ``VARIANTS`` below. ``int8.json`` records the variant, the sha256
of both files (an int8 file made from an older fp32 export is never used),
and the cosine of int8 against fp32 vectors on ``onnx_export.CHECK_TEXTS``.

Cosine is not the judge: a small change moves rankings. ``manage.py
search_evaluate --compare-encoders`` measures the top-1 agreement of int8 with
fp32 and the quality figures on the site's question sets, and records them
here as ``verdict``; ``site_assistant.embed`` serves int8 only under a verdict
whose agreement is at least ``SITE_ASSISTANT["INT8_MIN_AGREEMENT"]`` on every
set.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from .onnx_encoder import EXPORT_FILE, INT8_FILE, INT8_META, ONNX_FILE, OnnxEncoder, sha256

INT8_FORMAT = 1

# name → how the MatMul weights are quantised. "skip_layers": encoder layers
# (0-5 for MiniLM-L6) whose MatMuls stay fp32.
VARIANTS = {
    "qint8": {"weight_type": "QInt8", "reduce_range": False, "skip_layers": []},
    "quint8": {"weight_type": "QUInt8", "reduce_range": False, "skip_layers": []},
    "qint8-reduce-range": {"weight_type": "QInt8", "reduce_range": True, "skip_layers": []},
    "qint8-fp32-last-layer": {"weight_type": "QInt8", "reduce_range": False, "skip_layers": [-1]},
    "qint8-fp32-first-layer": {"weight_type": "QInt8", "reduce_range": False, "skip_layers": [0]},
    "qint8-reduce-range-fp32-first-layer": {
        "weight_type": "QInt8",
        "reduce_range": True,
        "skip_layers": [0],
    },
    "qint8-fp32-first-last-layers": {
        "weight_type": "QInt8",
        "reduce_range": False,
        "skip_layers": [0, -1],
    },
}
DEFAULT_VARIANT = "qint8"


def read_int8(folder: str | Path) -> dict | None:
    """The folder's int8.json when it describes the folder's current fp32 export, else None."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / INT8_META).read_text())
        export = json.loads((folder / EXPORT_FILE).read_text())
    except (OSError, ValueError):
        return None
    if meta.get("format") != INT8_FORMAT or meta.get("source_sha256") != export.get("sha256"):
        return None
    return meta


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)


def _layer_count(model) -> int:
    layers = {
        part
        for node in model.graph.node
        for part in node.name.split("/")
        if part.startswith("layer.") and part[6:].isdigit()
    }
    return len(layers)


def _excluded_nodes(model, skip_layers: list[int]) -> list[str]:
    count = _layer_count(model)
    wanted = {f"layer.{n % count}" for n in skip_layers} if count else set()
    return [
        node.name
        for node in model.graph.node
        if node.op_type == "MatMul" and wanted & set(node.name.split("/"))
    ]


class _Unadvised(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


def quantize(folder: str | Path, variant: str = DEFAULT_VARIANT) -> dict:
    """Write ``model.int8.onnx`` and ``int8.json`` into an export folder; returns int8.json.

    Raises ValueError for an unknown variant or a folder without an export.
    """
    import numpy as np
    import onnx
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from .onnx_export import CHECK_TEXTS

    if variant not in VARIANTS:
        raise ValueError(f"unknown int8 variant {variant!r} (one of {', '.join(VARIANTS)})")
    folder = Path(folder)
    if not (folder / EXPORT_FILE).is_file() or not (folder / ONNX_FILE).is_file():
        raise ValueError(f"{folder} has no ONNX export to quantise")
    started = time.monotonic()
    spec = VARIANTS[variant]
    source = onnx.load(str(folder / ONNX_FILE), load_external_data=False)
    excluded = _excluded_nodes(source, spec["skip_layers"])
    tmp = folder / f".{INT8_FILE}.tmp-{os.getpid()}"
    # onnxruntime advises shape pre-processing on the root logger at every call
    # (for static quantisation of vision models): nothing to act on here.
    quiet = _Unadvised()
    logging.getLogger().addFilter(quiet)
    try:
        quantize_dynamic(
            str(folder / ONNX_FILE),
            str(tmp),
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            reduce_range=spec["reduce_range"],
            weight_type=getattr(QuantType, spec["weight_type"]),
            nodes_to_exclude=excluded,
        )
        os.replace(tmp, folder / INT8_FILE)
    finally:
        logging.getLogger().removeFilter(quiet)
        tmp.unlink(missing_ok=True)
    export = json.loads((folder / EXPORT_FILE).read_text())
    meta = {
        "format": INT8_FORMAT,
        "variant": variant,
        **spec,
        "op_types": ["MatMul"],
        "per_channel": True,
        "fp32_matmuls": len(excluded),
        "source_sha256": export["sha256"],
        "sha256": sha256(folder / INT8_FILE),
        "onnxruntime": onnxruntime.__version__,
    }
    _write_json(folder / INT8_META, meta)
    fp32 = OnnxEncoder(folder, verify=False).encode(CHECK_TEXTS, batch_size=5)
    int8 = OnnxEncoder(folder, verify=False, int8=True).encode(CHECK_TEXTS, batch_size=5)
    cosines = (fp32 * int8).sum(axis=1)
    meta.update(
        {
            "min_cosine": round(float(cosines.min()), 5),
            "mean_cosine": round(float(np.mean(cosines)), 5),
            "checked_texts": len(CHECK_TEXTS),
            "seconds": round(time.monotonic() - started, 2),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
    )
    _write_json(folder / INT8_META, meta)
    return meta


def record_verdict(folder: str | Path, verdict: dict) -> dict:
    """Store a measured verdict (agreement and quality per set) in int8.json; returns it."""
    folder = Path(folder)
    meta = read_int8(folder)
    if meta is None:
        raise ValueError(f"{folder} has no current int8 export")
    meta["verdict"] = verdict
    _write_json(folder / INT8_META, meta)
    return meta


def refusal(meta: dict | None, min_agreement: float, deployment: str) -> str | None:
    """Why the int8 file may not serve ``deployment`` ("all" or "queries"), or None if it may."""
    if meta is None:
        return "there is no int8 export (manage.py search_export_onnx --int8)"
    verdict = (meta.get("verdict") or {}).get(deployment)
    if not verdict:
        return (
            "its agreement with fp32 has not been measured "
            "(manage.py search_evaluate --compare-encoders --record)"
        )
    worst = min(verdict["agreement"].values())
    if worst < min_agreement:
        return (
            f"its top-1 agreement with fp32 is {worst:.3f} on {verdict['worst_set']} "
            f"(at least {min_agreement} needed)"
        )
    if not verdict.get("quality_ok", False):
        return f"it misses the quality bars: {verdict.get('quality_failures')}"
    return None
