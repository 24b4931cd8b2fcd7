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
        # Never padded: ``encode`` runs texts of the same token count together.
        tokenizer.no_padding()
        self.tokenizer = tokenizer

    def _run(self, encodings: list) -> np.ndarray:
        """Pooled, normalized vectors of encodings that all have the same token count."""
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids}
        if "attention_mask" in self.inputs:
            feeds["attention_mask"] = np.ones_like(ids)
        if "token_type_ids" in self.inputs:
            feeds["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
        hidden = self.session.run(None, feeds)[0]
        # What .mean(axis=1), np.linalg.norm and np.clip compute, bit for bit, without
        # their Python layers.
        pooled = np.add.reduce(hidden, axis=1)
        pooled /= np.intp(hidden.shape[1])
        norms = np.sqrt(np.add.reduce(pooled * pooled, axis=1, keepdims=True))
        return pooled / np.maximum(norms, 1e-12)

    def encode(self, texts, batch_size: int = 32) -> np.ndarray:
        """Texts of the same token count run together, up to ``batch_size`` at a time.

        No padding at all: a padded batch of passages of different lengths was
        slower per passage than one passage at a time (``make bench-speed``,
        docs/benchmarks.md), and the vectors are the same either way (mean
        pooling over the real tokens).
        """
        texts = list(texts)
        if len(texts) == 1:  # a question: one text, nothing to group
            return self._run([self.tokenizer.encode(texts[0])])
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(texts)
        by_length: dict[int, list[int]] = {}
        for i, encoding in enumerate(encodings):
            by_length.setdefault(len(encoding.ids), []).append(i)
        batch_size = max(1, int(batch_size))
        for rows in by_length.values():
            for start in range(0, len(rows), batch_size):
                chunk = rows[start : start + batch_size]
                out[chunk] = self._run([encodings[i] for i in chunk])
        return out
