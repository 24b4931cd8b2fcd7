"""The serving encoder: ONNX Runtime + tokenizers + numpy, no torch.

Computes what ``SentenceTransformer.encode(..., normalize_embeddings=True)``
computes for a Transformer → mean Pooling (→ Normalize) model: tokens
truncated at the model's max_seq_length, the transformer's last hidden
state, its mean over the real (unpadded) tokens, L2-normalized. The ONNX
file comes from ``site_assistant.onnx_export``, which checked it against torch.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

EXPORT_FILE = "export.json"
ONNX_FILE = "model.onnx"
# The weights, beside ONNX_FILE (ONNX "external data"): ONNX Runtime maps the
# file instead of copying it, so a process keeps only the pages it touches
# (the word embeddings are 47 MB, a question reads a few rows) and the
# processes of one machine share them through the page cache.
DATA_FILE = "model.onnx.data"
# The int8 copy (site_assistant.onnx_int8) and its description, beside ONNX_FILE.
INT8_FILE = "model.int8.onnx"
INT8_META = "int8.json"
TOKENIZER_FILE = "tokenizer.json"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class OnnxEncoder:
    """One exported model, loaded once; ``encode(texts)`` → float32, L2-normalized rows."""

    backend = "onnx"

    def __init__(
        self, folder: str | Path, threads: int = 1, verify: bool = True, int8: bool = False
    ):
        """``int8``: run the int8 copy (``model.int8.onnx``, checked against int8.json)."""
        import onnxruntime
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        self.meta = json.loads((self.folder / EXPORT_FILE).read_text())
        onnx_file, expected = ONNX_FILE, self.meta["sha256"]
        if int8:
            self.backend = "onnx-int8"
            onnx_file = INT8_FILE
            expected = json.loads((self.folder / INT8_META).read_text())["sha256"]
        checks = [(onnx_file, expected)]
        if not int8 and self.meta.get("data_sha256"):
            checks.append((DATA_FILE, self.meta["data_sha256"]))
        for name, digest in checks if verify else ():
            if not (self.folder / name).is_file() or sha256(self.folder / name) != digest:
                raise ValueError(f"{self.folder / name} is damaged (checksum mismatch)")
        self.dim = int(self.meta["dim"])
        self.inputs = list(self.meta["inputs"])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, int(threads or 1))
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        # A single question is short work: spinning threads only steal the other core.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(self.folder / onnx_file), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
        tokenizer.enable_truncation(int(self.meta["max_seq_length"]))
        padding = tokenizer.padding or {}
        tokenizer.enable_padding(
            pad_id=padding.get("pad_id", 0), pad_token=padding.get("pad_token", "[PAD]")
        )
        self.tokenizer = tokenizer

    def _batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64)}
        if "attention_mask" in self.inputs:
            feeds["attention_mask"] = mask
        if "token_type_ids" in self.inputs:
            feeds["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
        hidden = self.session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)

    def encode(self, texts, batch_size: int = 32) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        # Longest first, as sentence-transformers batches: little padding per batch.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batch_size = max(1, int(batch_size))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._batch([texts[i] for i in rows])
        return out
