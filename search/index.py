"""Versioned FAISS indexes on disk, swapped atomically, reloaded cheaply.

Layout of SEARCH["INDEX_DIR"]::

    CURRENT                     name of the live version (replaced atomically)
    v-20261128T011502123456-all-MiniLM-L6-v2/
        index.faiss             IndexFlatIP over normalized vectors; row i = passage i
        passages.json           what queries need: text, title, heading, url, anchor, urls
        sentences.faiss         optional (SEARCH["SENTENCE_VECTORS"]): IndexFlatIP of every
                                passage's sentences, grouped by passage
        sentences.json          optional: the passage id of each sentence row
        meta.json               version, model_id, model_ref, dim, count, sha256, created

With sentence vectors, a passage's score is a blend of its own cosine and its
best sentence's cosine (see ``blend_search``): a question about one fact of a
long passage matches that fact's sentence better than the whole passage.

A version folder is written completely under a temporary name, renamed into
place, and only then named in CURRENT (``os.replace``): a reader sees the old
version or the new one, never half of one. Each process keeps the loaded
version in memory and stats CURRENT (cheap) to notice a new one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from . import conf

logger = logging.getLogger(__name__)

CURRENT = "CURRENT"
INDEX_FILE = "index.faiss"
PASSAGES_FILE = "passages.json"
META_FILE = "meta.json"
SENTENCES_INDEX_FILE = "sentences.faiss"
SENTENCES_FILE = "sentences.json"
_VERSION_RE = re.compile(r"^v-\d{8}T\d{12}-[\w.-]+$")


class IndexNotReady(Exception):
    """No index has been built yet (or the live one cannot be read)."""


def index_dir() -> Path:
    return Path(conf.get("INDEX_DIR"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class IndexVersion:
    """One immutable, loaded index version."""

    version: str
    model_id: str
    model_ref: str
    dim: int
    created: str
    passages: list[dict]
    path: Path
    index: faiss.Index = field(repr=False)
    # Sentence vectors (optional): a flat IP index and the passage id of each row.
    sentence_index: faiss.Index | None = field(default=None, repr=False)
    sentence_owner: np.ndarray | None = field(default=None, repr=False)

    @property
    def count(self) -> int:
        return len(self.passages)

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """For each query vector, up to ``k`` (passage id, score) pairs, best first.

        The score is the cosine, or with sentence vectors and
        SEARCH["SENTENCE_WEIGHT"] > 0 the blend of ``blend_search``.
        """
        weight = conf.get("SENTENCE_WEIGHT") if self.sentence_index is not None else 0
        return blend_search(
            self.index, vectors, k, self.sentence_index, self.sentence_owner, weight
        )

    def vectors(self) -> np.ndarray:
        """Every passage vector, row i = passage i."""
        if self.count == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.index.reconstruct_n(0, self.count)

    def meta(self) -> dict:
        return {
            "version": self.version,
            "model_id": self.model_id,
            "count": self.count,
            "created": self.created,
            "dim": self.dim,
        }


def blend_search(
    passage_index: faiss.Index,
    vectors: np.ndarray,
    k: int,
    sentence_index: faiss.Index | None = None,
    sentence_owner: np.ndarray | None = None,
    weight: float = 0.0,
) -> list[list[tuple[int, float]]]:
    """Up to ``k`` (passage id, score) pairs per query vector, best first.

    score = (1 - weight) · cosine(passage) + weight · max cosine(its sentences);
    without sentences (or weight 0) the plain cosine. Exact over the
    candidates: the top passages plus the owners of the top sentences (both
    flat IP searches), each rescored from its stored vectors.
    ``sentence_owner`` must be sorted (a passage's sentences are contiguous rows).
    """
    vectors = np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)
    count = passage_index.ntotal
    if count == 0 or k <= 0:
        return [[] for _ in range(len(vectors))]
    k = min(k, count)
    blend = sentence_index is not None and weight and sentence_index.ntotal > 0
    depth = min(count, k + 20) if blend else k
    scores, ids = passage_index.search(vectors, depth)
    if not blend:
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i >= 0]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]
    _, sentence_ids = sentence_index.search(vectors, min(sentence_index.ntotal, 4 * depth))
    starts = np.searchsorted(sentence_owner, np.arange(count + 1))
    out = []
    for vector, row_ids, row_sentences in zip(vectors, ids, sentence_ids, strict=True):
        candidates = {int(i) for i in row_ids if i >= 0}
        candidates |= {int(sentence_owner[i]) for i in row_sentences if i >= 0}
        ranked = []
        for pid in candidates:
            score = float(passage_index.reconstruct(pid) @ vector)
            start, end = int(starts[pid]), int(starts[pid + 1])
            if end > start:
                best = float((sentence_index.reconstruct_n(start, end - start) @ vector).max())
                score = (1 - weight) * score + weight * best
            ranked.append((pid, score))
        ranked.sort(key=lambda pair: (-pair[1], pair[0]))
        out.append(ranked[:k])
    return out


# --- writing ---------------------------------------------------------------------------


def write_version(
    vectors: np.ndarray,
    passages: list[dict],
    model_id: str,
    model_ref: str,
    sentence_vectors: np.ndarray | None = None,
    sentence_owner: list[int] | None = None,
) -> IndexVersion:
    """Write a complete new version folder (not yet live: see ``activate``).

    ``sentence_vectors`` (optional): one row per sentence, ``sentence_owner``
    its passage id (sorted ascending).
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(vectors) != len(passages):
        raise ValueError(f"{len(vectors)} vectors for {len(passages)} passages")
    sentence_index = owner = None
    if sentence_vectors is not None:
        owner = np.asarray(sentence_owner, dtype=np.int64)
        if len(owner) != len(sentence_vectors) or np.any(np.diff(owner) < 0):
            raise ValueError("sentence_owner must give a sorted passage id for each sentence")
    dim = int(vectors.shape[1]) if vectors.ndim == 2 and vectors.shape[1] else 0
    if not dim:
        raise ValueError("vectors have no dimension")
    root = index_dir()
    root.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    safe_model = re.sub(r"[^\w.-]", "_", model_id)[:60]
    version = f"v-{now:%Y%m%dT%H%M%S%f}-{safe_model}"
    tmp = root / f".tmp-{version}-{os.getpid()}"
    tmp.mkdir()
    try:
        index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(vectors)
        faiss.write_index(index, str(tmp / INDEX_FILE))
        rows = [{**p, "id": i} for i, p in enumerate(passages)]
        (tmp / PASSAGES_FILE).write_text(json.dumps(rows, ensure_ascii=False))
        extra = {}
        if owner is not None:
            sentence_index = faiss.IndexFlatIP(dim)
            if len(owner):
                sentence_index.add(np.ascontiguousarray(sentence_vectors, dtype=np.float32))
            faiss.write_index(sentence_index, str(tmp / SENTENCES_INDEX_FILE))
            (tmp / SENTENCES_FILE).write_text(json.dumps(owner.tolist()))
            extra["sentences_sha256"] = _sha256(tmp / SENTENCES_INDEX_FILE)
        meta = {
            "version": version,
            "model_id": model_id,
            "model_ref": model_ref,
            "dim": dim,
            "count": len(rows),
            "sha256": _sha256(tmp / INDEX_FILE),
            "created": now.isoformat(),
            **extra,
        }
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2))
        for f in tmp.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        os.rename(tmp, root / version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return IndexVersion(
        version=version,
        model_id=model_id,
        model_ref=model_ref,
        dim=dim,
        created=meta["created"],
        passages=rows,
        path=root / version,
        index=index,
        sentence_index=sentence_index,
        sentence_owner=owner,
    )


def activate(version: str) -> None:
    """Make ``version`` live: an atomic replace of the CURRENT pointer."""
    root = index_dir()
    if not (root / version / META_FILE).is_file():
        raise FileNotFoundError(f"no index version {version} in {root}")
    tmp = root / f"{CURRENT}.tmp-{os.getpid()}-{threading.get_ident()}"
    tmp.write_text(version)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, root / CURRENT)
    prune()


def current_version_name() -> str | None:
    try:
        return (index_dir() / CURRENT).read_text().strip() or None
    except FileNotFoundError:
        return None


def versions() -> list[str]:
    """Version folder names, oldest first."""
    root = index_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and _VERSION_RE.match(p.name))


def prune(keep: int | None = None) -> list[str]:
    """Delete old versions, keeping the live one and the newest ``keep`` in all."""
    keep = max(1, keep or conf.get("KEEP_VERSIONS"))
    live = current_version_name()
    names = versions()
    if live in names:
        # Keep the live version and the ones just before it (the fallback);
        # never delete a version newer than the live one (a build in flight).
        position = names.index(live)
        kept = set(names[max(0, position - keep + 1) : position + 1]) | set(names[position + 1 :])
    else:
        kept = set(names[-keep:])
    removed = [n for n in names if n not in kept]
    for name in removed:
        shutil.rmtree(index_dir() / name, ignore_errors=True)
    # Temporary folders of crashed builds older than an hour.
    root = index_dir()
    for tmp in root.glob(".tmp-*") if root.is_dir() else []:
        try:
            if time.time() - tmp.stat().st_mtime > 3600:
                shutil.rmtree(tmp, ignore_errors=True)
        except FileNotFoundError:
            pass
    return removed


# --- reading ---------------------------------------------------------------------------


def load_version(version: str) -> IndexVersion:
    path = index_dir() / version
    try:
        meta = json.loads((path / META_FILE).read_text())
        if _sha256(path / INDEX_FILE) != meta["sha256"]:
            raise IndexNotReady(f"index {version} is corrupt (checksum mismatch)")
        index = faiss.read_index(str(path / INDEX_FILE))
        passages = json.loads((path / PASSAGES_FILE).read_text())
        sentence_index = owner = None
        if "sentences_sha256" in meta:
            if _sha256(path / SENTENCES_INDEX_FILE) != meta["sentences_sha256"]:
                raise IndexNotReady(f"index {version} is corrupt (sentences checksum mismatch)")
            sentence_index = faiss.read_index(str(path / SENTENCES_INDEX_FILE))
            owner = np.asarray(json.loads((path / SENTENCES_FILE).read_text()), dtype=np.int64)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        raise IndexNotReady(f"index {version} cannot be read: {exc}") from exc
    if index.ntotal != len(passages) or index.d != meta["dim"]:
        raise IndexNotReady(f"index {version} is inconsistent")
    if sentence_index is not None and (
        sentence_index.ntotal != len(owner) or sentence_index.d != meta["dim"]
    ):
        raise IndexNotReady(f"index {version} is inconsistent (sentences)")
    return IndexVersion(
        version=meta["version"],
        model_id=meta["model_id"],
        model_ref=meta.get("model_ref", ""),
        dim=meta["dim"],
        created=meta["created"],
        passages=passages,
        path=path,
        index=index,
        sentence_index=sentence_index,
        sentence_owner=owner,
    )


class _Cache:
    def __init__(self):
        self.lock = threading.Lock()
        self.key = None  # (index dir, inode, mtime_ns, size) of CURRENT
        self.loaded: IndexVersion | None = None


_cache = _Cache()


def load_current() -> IndexVersion:
    """The live version, loaded once per process and re-read only when CURRENT changes.

    The check is one ``stat`` of CURRENT per call. Raises IndexNotReady when
    nothing has been built yet.
    """
    root = index_dir()
    pointer = root / CURRENT
    try:
        st = os.stat(pointer)
    except FileNotFoundError:
        raise IndexNotReady("No index yet: run manage.py search_rebuild --sync") from None
    key = (str(root), st.st_ino, st.st_mtime_ns, st.st_size)
    loaded = _cache.loaded
    if _cache.key == key and loaded is not None:
        return loaded
    with _cache.lock:
        if _cache.key == key and _cache.loaded is not None:
            return _cache.loaded
        for attempt in range(3):
            version = pointer.read_text().strip()
            if _cache.loaded is not None and _cache.loaded.version == version:
                _cache.key = key
                return _cache.loaded
            try:
                loaded = load_version(version)
                break
            except IndexNotReady:
                # A version pruned between reading CURRENT and loading it:
                # CURRENT names a newer one by now.
                if attempt == 2 or pointer.read_text().strip() == version:
                    raise
        _cache.loaded, _cache.key = loaded, key
        logger.info("search index %s loaded (%d passages)", version, loaded.count)
        return loaded


def forget_loaded() -> None:
    """Drop the in-process cache (tests; after deleting INDEX_DIR)."""
    with _cache.lock:
        _cache.loaded, _cache.key = None, None
