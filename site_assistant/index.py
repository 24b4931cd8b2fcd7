"""Versioned FAISS indexes on disk, swapped atomically, reloaded cheaply.

Layout of SITE_ASSISTANT["INDEX_DIR"]::

    CURRENT                     name of the live version (replaced atomically)
    v-20261128T011502123456-all-MiniLM-L6-v2/
        index.faiss             IndexFlatIP over normalized vectors; row i = passage i
        passages.json           what queries need: text, title, heading, url, anchor, urls,
                                example_questions (the owner's questions naming it)
        sentences.faiss         optional (SITE_ASSISTANT["SENTENCE_VECTORS"]): IndexFlatIP of every
                                passage's sentences, grouped by passage
        sentences.json          optional: the passage id of each sentence row
        questions.faiss         optional (SITE_ASSISTANT["QUESTION_VECTORS"]): IndexFlatIP of the
                                owner's example questions, grouped by the passage they name
        questions.json          optional: the passage id of each question row
        meta.json               version, model_id, model_ref, dim, count, sha256, created
        manifest.json           written last: the sha256 and size of every other file

With sentence vectors, a passage's score is a blend of its own cosine and its
best sentence's cosine (see ``blend_search``): a question about one fact of a
long passage matches that fact's sentence better than the whole passage.
With question vectors, a visitor's question close to one the owner wrote for
a passage lifts that passage towards the question's cosine. A short query
repeating a phrase of few passages (their text or their example questions)
adds a bonus to them (``boosts``, see ``site_assistant.lexical.phrase_boosts``).

A version folder is written completely under a temporary name, renamed into
place, and only then named in CURRENT (``os.replace``): a reader sees the old
version or the new one, never half of one. Each process keeps the loaded
version in memory and stats CURRENT (cheap) to notice a new one.

Damage on disk never takes the answers down: a version whose files do not
match its manifest (or whose passages lack their fields) is skipped with a
logged reason, and a process serves the newest intact version instead; a
running process keeps what it loaded when CURRENT disappears or names a
damaged version; pruning never deletes the last intact version.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from . import ann, conf, embed

logger = logging.getLogger(__name__)

CURRENT = "CURRENT"
NO_INDEX_YET = "No index yet"
INDEX_FILE = "index.faiss"
PASSAGES_FILE = "passages.json"
META_FILE = "meta.json"
SENTENCES_INDEX_FILE = "sentences.faiss"
SENTENCES_FILE = "sentences.json"
QUESTIONS_INDEX_FILE = "questions.faiss"
QUESTIONS_FILE = "questions.json"
MANIFEST_FILE = "manifest.json"
# Owned-vector sets: name → (index file, owner file); meta.json has "<name>_sha256".
_OWNED_FILES = {
    "sentences": (SENTENCES_INDEX_FILE, SENTENCES_FILE),
    "questions": (QUESTIONS_INDEX_FILE, QUESTIONS_FILE),
}
_VERSION_RE = re.compile(r"^v-\d{8}T\d{12}-[\w.-]+$")


class IndexNotReady(Exception):
    """No index has been built yet (or the live one cannot be read)."""


def index_dir() -> Path:
    return Path(conf.get("INDEX_DIR"))


def check_writable() -> None:
    """Raise the OSError a build's first write into INDEX_DIR would meet, named by the
    folder; nothing when it can write there. A build asks first: before minutes of work it
    could not keep, and before the model's export into INDEX_DIR fails and says the model
    is served with torch ("Permission denied: '…/onnx'"), as if the model were at fault."""
    folder = index_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=".tmp-write-check-", dir=folder))
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(folder)) from None


def no_index_yet() -> str:
    """What to say when nothing was made live: the folder looked in (``looked_in``: a
    relative INDEX_DIR is read from the process's working directory), and what to run."""
    return f"{NO_INDEX_YET} in {looked_in()}: run manage.py search_rebuild --sync"


def looked_in() -> str:
    """INDEX_DIR as a full path, as "No index yet" names it (the admin's too)."""
    return str(index_dir().resolve())


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
    # Question vectors (optional): the owner's example questions, same shape.
    question_index: faiss.Index | None = field(default=None, repr=False)
    question_owner: np.ndarray | None = field(default=None, repr=False)
    # What the build measured on this version (meta.json "calibration"), e.g. its
    # answer threshold (site_assistant.answerability).
    calibration: dict = field(default_factory=dict)
    # When the build that wrote it began reading the site (ISO time; "" when
    # unknown): a page withdrawn after it is not answered from (site_assistant.withdrawn).
    content_read: str = ""

    @property
    def count(self) -> int:
        return len(self.passages)

    def search(
        self,
        vectors: np.ndarray,
        k: int,
        boosts: Sequence[Mapping[int, float]] | None = None,
    ) -> list[list[tuple[int, float]]]:
        """For each query vector, up to ``k`` (passage id, score) pairs, best first.

        The score is the cosine, blended with the best sentence's cosine and
        lifted by the best example question's (``blend_search``) as the
        settings and the version's files allow, plus any of ``boosts``.
        """
        sentence_weight = conf.get("SENTENCE_WEIGHT") if self.sentence_index is not None else 0
        question_weight = conf.get("QUESTION_WEIGHT") if self.question_index is not None else 0
        self._tune_approximate()
        return self._blender.search(vectors, k, sentence_weight, question_weight, boosts)

    @functools.cached_property
    def _blender(self) -> _Blender:
        # Once per loaded version: row offsets and vector views, not per query.
        return _Blender(
            self.index,
            self.sentence_index,
            self.sentence_owner,
            self.question_index,
            self.question_owner,
        )

    def nearest_example_question(self, vector: np.ndarray) -> float:
        """The cosine of the owner's example question nearest to ``vector`` (-1: none)."""
        if self.question_index is None or self.question_index.ntotal == 0:
            return -1.0
        scores, _ = self.question_index.search(np.atleast_2d(vector).astype(np.float32), 1)
        return float(scores[0][0])

    def sentence_rows(self, passage_id: int) -> tuple[int, int]:
        """The rows of the sentence index that belong to a passage: (start, end)."""
        owned = self._blender.sentences
        if not owned.on:
            return 0, 0
        return int(owned.starts[passage_id]), int(owned.starts[passage_id + 1])

    def sentence_vectors(self, start: int, count: int) -> np.ndarray:
        """Rows ``start`` … ``start + count - 1`` of the sentence index: of a flat one, a
        read-only view of its storage (no copy)."""
        owned = self._blender.sentences
        if not owned.flat:
            return ann.reconstruct_range(self.sentence_index, start, count)
        rows = owned.vectors[start : start + count]
        rows.flags.writeable = False
        return rows

    def vectors(self) -> np.ndarray:
        """Every passage vector, row i = passage i."""
        if self.count == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return ann.reconstruct_range(self.index, 0, self.count)

    # --- approximate indexes (site_assistant.ann) ---

    @functools.cached_property
    def approximate(self) -> dict[str, str]:
        """The kind of each vector set that is not flat, e.g. {"sentences": "ivf"}."""
        sets = {
            "passages": self.index,
            "sentences": self.sentence_index,
            "questions": self.question_index,
        }
        kinds = {name: ann.kind_of(i) for name, i in sets.items() if i is not None}
        return {name: kind for name, kind in kinds.items() if kind != ann.FLAT}

    def _tune_approximate(self) -> None:
        """Apply APPROX_NPROBE / APPROX_EF_SEARCH (read per query: settings can change)."""
        if self.approximate:
            config = ann.settings()
            for i in (self.index, self.sentence_index, self.question_index):
                ann.configure(i, config)

    def meta(self) -> dict:
        return {
            "version": self.version,
            "model_id": self.model_id,
            "count": self.count,
            "created": self.created,
            "dim": self.dim,
        }


def _matrix(index: faiss.Index) -> np.ndarray:
    """The stored vectors of an index as an (ntotal, d) array(-like), a view where possible."""
    return ann.rows(index)


class _Owned:
    """Vectors that each belong to a passage (rows grouped by passage id, ascending).

    Built once per loaded version (``_Blender``): the row offsets of each
    passage and a view of the vectors, so a query gathers its candidates'
    rows and scores them in one matrix product. A flat index of few rows
    scores all its rows once a query (``cosines``) and both the nearest rows
    and each candidate's best come from those: one product instead of FAISS's
    top-k search and then gathering most of the same rows again to score the
    candidates.
    """

    def __init__(self, index: faiss.Index | None, owner: np.ndarray | None, count: int):
        self.on = bool(index is not None and index.ntotal > 0)
        self.flat = False
        if self.on:
            self.index, self.owner = index, np.asarray(owner, dtype=np.int64)
            self.starts = np.searchsorted(self.owner, np.arange(count + 1))
            self.vectors = _matrix(index)
            self.flat = ann.kind_of(index) == ann.FLAT and isinstance(self.vectors, np.ndarray)

    def cosines(self, vectors: np.ndarray) -> np.ndarray | None:
        """Every row's cosine with each query (one row per query), or None when the
        index is approximate or the product would be large (FULL_SCAN_MAX)."""
        if not self.flat or len(vectors) * self.index.ntotal > FULL_SCAN_MAX:
            return None
        return vectors @ self.vectors.T

    def owners_of_nearest(
        self, vectors: np.ndarray, depth: int, cosines: np.ndarray | None = None
    ) -> list[np.ndarray]:
        """The owners of each query's 4 · ``depth`` nearest rows (in no set order)."""
        m = min(self.index.ntotal, 4 * depth)
        if cosines is None:
            _, ids = self.index.search(vectors, m)
            return [self.owner[row[row >= 0]] for row in ids]
        if m >= self.index.ntotal:
            return [self.owner] * len(cosines)
        return [self.owner[np.argpartition(-row, m - 1)[:m]] for row in cosines]

    def best(
        self, pids: np.ndarray, vector: np.ndarray, cosines: np.ndarray | None = None
    ) -> np.ndarray:
        """Each passage's best cosine of its rows with ``vector`` (NaN: it has none);
        ``cosines``: every row's, when at hand."""
        first, last = self.starts[pids], self.starts[pids + 1]
        lengths = last - first
        has = lengths > 0
        out = np.full(len(pids), np.nan)
        if not has.any():
            return out
        lengths, first = lengths[has], first[has]
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        rows = np.repeat(first - offsets, lengths) + np.arange(int(lengths.sum()))
        scored = cosines[rows] if cosines is not None else self.vectors[rows] @ vector
        out[has] = np.maximum.reduceat(scored, offsets)
        return out


# The most query x row cosines a flat sentence or question index computes at once
# (``_Owned.cosines``): 16 MB of float32; past it FAISS's search picks the nearest rows.
FULL_SCAN_MAX = 1 << 22


class _Blender:
    """What blending needs of one set of indexes, prepared once."""

    def __init__(
        self, passage_index, sentence_index, sentence_owner, question_index, question_owner
    ):
        self.index = passage_index
        self.count = passage_index.ntotal
        self.vectors = _matrix(passage_index)
        self.sentences = _Owned(sentence_index, sentence_owner, self.count)
        self.questions = _Owned(question_index, question_owner, self.count)

    def search(self, vectors, k, weight=0.0, question_weight=0.0, boosts=None):
        vectors = np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)
        count = self.count
        if count == 0 or k <= 0:
            return [[] for _ in range(len(vectors))]
        k = min(k, count)
        sentences = self.sentences if self.sentences.on and weight else None
        questions = self.questions if self.questions.on and question_weight else None
        if boosts is not None and len(boosts) != len(vectors):
            raise ValueError("boosts needs one mapping per query vector")
        boosts = [b or {} for b in boosts] if boosts is not None else [{}] * len(vectors)
        rescored = sentences is not None or questions is not None or any(boosts)
        depth = min(count, k + 20) if rescored else k
        scores, ids = self.index.search(vectors, depth)
        if not rescored:
            return [
                [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i >= 0]
                for row_ids, row_scores in zip(ids, scores, strict=True)
            ]
        none = [np.zeros(0, dtype=np.int64)] * len(vectors)
        no_cosines = [None] * len(vectors)
        sentence_cosines = sentences.cosines(vectors) if sentences else None
        question_cosines = questions.cosines(vectors) if questions else None
        near_sentences = (
            sentences.owners_of_nearest(vectors, depth, sentence_cosines) if sentences else none
        )
        near_questions = (
            questions.owners_of_nearest(vectors, depth, question_cosines) if questions else none
        )
        if sentence_cosines is None:
            sentence_cosines = no_cosines
        if question_cosines is None:
            question_cosines = no_cosines
        out = []
        for vector, row_ids, by_sentence, by_question, boost, s_cos, q_cos in zip(
            vectors,
            ids,
            near_sentences,
            near_questions,
            boosts,
            sentence_cosines,
            question_cosines,
            strict=True,
        ):
            boosted = np.fromiter(
                (pid for pid in boost if 0 <= pid < count), dtype=np.int64, count=-1
            )
            pids = np.unique(
                np.concatenate([row_ids[row_ids >= 0], by_sentence, by_question, boosted])
            )
            score = (self.vectors[pids] @ vector).astype(np.float64)
            if sentences is not None:
                best = sentences.best(pids, vector, s_cos)
                has = ~np.isnan(best)
                score[has] = (1 - weight) * score[has] + weight * best[has]
            if questions is not None:
                best = questions.best(pids, vector, q_cos)
                closer = best > score  # False where it has none (NaN)
                score[closer] += question_weight * (best[closer] - score[closer])
            if len(boosted):
                bonus = np.array([boost.get(int(pid), 0.0) for pid in pids])
                lifted = np.isin(pids, boosted)
                score[lifted] = np.minimum(1.0, score[lifted] + bonus[lifted])
            order = np.lexsort((pids, -score))[:k]
            out.append([(int(pids[i]), float(score[i])) for i in order])
        return out


def blend_search(
    passage_index: faiss.Index,
    vectors: np.ndarray,
    k: int,
    sentence_index: faiss.Index | None = None,
    sentence_owner: np.ndarray | None = None,
    weight: float = 0.0,
    question_index: faiss.Index | None = None,
    question_owner: np.ndarray | None = None,
    question_weight: float = 0.0,
    boosts: Sequence[Mapping[int, float]] | None = None,
) -> list[list[tuple[int, float]]]:
    """Up to ``k`` (passage id, score) pairs per query vector, best first.

    score = (1 - weight) · cosine(passage) + weight · max cosine(its sentences);
    then, if its best example question q is closer than that,
    score += question_weight · (q - score): a question the owner wrote for the
    passage pulls it part of the way towards that question's cosine, and the
    score stays a cosine-like number the answer threshold can judge. Without
    sentences or questions (or weight 0) the plain cosine. Last, ``boosts``
    (one {passage id: bonus} per query vector, e.g. a phrase match, see
    site_assistant.lexical.phrase_boosts) adds its bonus, capped at 1. Exact over the
    candidates: the top passages plus the owners of the top sentences and
    questions (FAISS searches; a small flat index has all its rows scored by one
    product instead, see ``_Owned``) and the boosted passages, each rescored from
    its stored vectors (gathered and scored as matrices). Owner arrays must be
    sorted (a passage's rows are contiguous). A loaded ``IndexVersion``
    prepares this once (``IndexVersion.search``); this function prepares it
    per call.
    """
    blender = _Blender(
        passage_index,
        sentence_index if weight else None,
        sentence_owner,
        question_index if question_weight else None,
        question_owner,
    )
    return blender.search(vectors, k, weight, question_weight, boosts)


# --- writing ---------------------------------------------------------------------------


def _owner_array(owner, vectors, what: str) -> np.ndarray:
    owner = np.asarray(owner, dtype=np.int64)
    if len(owner) != len(vectors) or np.any(np.diff(owner) < 0):
        raise ValueError(f"{what}_owner must give a sorted passage id for each {what}")
    return owner


def _write_faiss(vectors, path: Path) -> None:
    """``faiss.write_index``, with a refusal of the disk raised as the ``OSError`` it is:
    FAISS raises a RuntimeError that ends with the C library's reason ("write error in
    …: 466899 != 1036800 (No space left on device)", "could not open … for writing:
    Read-only file system"), which only an OSError's errno lets a caller explain."""
    try:
        faiss.write_index(vectors, str(path))
    except RuntimeError as exc:
        said = str(exc).strip()
        for code in sorted(errno.errorcode):
            reason = os.strerror(code)
            if said.endswith((f"({reason})", f": {reason}")):
                raise OSError(code, reason, str(path)) from exc
        raise


def _write_owned(folder: Path, index_file: str, owner_file: str, vectors, owner, dim: int):
    """Write one owned-vector set; returns (its index, its sha256)."""
    owned = ann.make_index(vectors if len(owner) else np.zeros((0, dim)), dim)
    _write_faiss(owned, folder / index_file)
    (folder / owner_file).write_text(json.dumps(owner.tolist()))
    return owned, _sha256(folder / index_file)


def _approximate_kinds(index: faiss.Index, loaded: dict) -> dict[str, str]:
    sets = {"passages": index, **{name: owned for name, (owned, _) in loaded.items()}}
    kinds = {name: ann.kind_of(i) for name, i in sets.items()}
    return {name: kind for name, kind in kinds.items() if kind != ann.FLAT}


def write_version(
    vectors: np.ndarray,
    passages: list[dict],
    model_id: str,
    model_ref: str,
    sentence_vectors: np.ndarray | None = None,
    sentence_owner: list[int] | None = None,
    question_vectors: np.ndarray | None = None,
    question_owner: list[int] | None = None,
    content_read: str = "",
) -> IndexVersion:
    """Write a complete new version folder (not yet live: see ``activate``).

    ``content_read``: when the build began reading the site (``IndexVersion.content_read``).

    ``sentence_vectors`` / ``question_vectors`` (optional): one row per
    sentence / example question, ``*_owner`` its passage id (sorted ascending).
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(vectors) != len(passages):
        raise ValueError(f"{len(vectors)} vectors for {len(passages)} passages")
    owned = {}  # name → (vectors, owner array)
    if sentence_vectors is not None:
        owned["sentences"] = (
            sentence_vectors,
            _owner_array(sentence_owner, sentence_vectors, "sentence"),
        )
    if question_vectors is not None:
        owned["questions"] = (
            question_vectors,
            _owner_array(question_owner, question_vectors, "question"),
        )
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
    loaded = {}
    try:
        index = ann.make_index(vectors, dim)  # flat, or approximate past APPROX_THRESHOLD
        _write_faiss(index, tmp / INDEX_FILE)
        rows = [{**p, "id": i} for i, p in enumerate(passages)]
        (tmp / PASSAGES_FILE).write_text(json.dumps(rows, ensure_ascii=False))
        extra = {}
        for name, (owned_vectors, owner) in owned.items():
            index_file, owner_file = _OWNED_FILES[name]
            owned_index, sha = _write_owned(tmp, index_file, owner_file, owned_vectors, owner, dim)
            loaded[name] = (owned_index, owner)
            extra[f"{name}_sha256"] = sha
        meta = {
            "version": version,
            "model_id": model_id,
            "model_ref": model_ref,
            "dim": dim,
            "count": len(rows),
            "sha256": _sha256(tmp / INDEX_FILE),
            "created": now.isoformat(),
            "content_read": content_read,
            **extra,
            # Vector sets written approximate (site_assistant.ann), e.g. {"sentences": "ivf"}.
            "approximate": _approximate_kinds(index, loaded),
        }
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2))
        _write_manifest(tmp)
        for f in tmp.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        os.rename(tmp, root / version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    sentence_index, sentence_owner = loaded.get("sentences", (None, None))
    question_index, question_owner = loaded.get("questions", (None, None))
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
        sentence_owner=sentence_owner,
        question_index=question_index,
        question_owner=question_owner,
        content_read=content_read,
    )


def record_calibration(version: IndexVersion, calibration: dict) -> None:
    """Store ``calibration`` in a written version's meta.json (before it is activated)."""
    _record_meta(version, "calibration", calibration)
    version.calibration = calibration


def record_left_out(version: IndexVersion, left_out: dict) -> None:
    """Store what the build left out for its language, by page ({path: {"page": code,
    "sections": n, "reads_as": {section: code}}}), in a written version's meta.json: a
    one-page rebuild counts the other pages' from it."""
    _record_meta(version, "left_out", left_out)


def left_out_of(version: IndexVersion) -> dict | None:
    """What ``version``'s build left out for its language (``record_left_out``); None for
    a version that did not record it."""
    try:
        return json.loads((version.path / META_FILE).read_text()).get("left_out")
    except (OSError, ValueError):
        return None


def _record_meta(version: IndexVersion, key: str, value) -> None:
    path = version.path / META_FILE
    meta = json.loads(path.read_text())
    meta[key] = value
    tmp = path.with_name(f"{META_FILE}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(meta, indent=2))
    os.replace(tmp, path)
    _write_manifest(version.path)  # meta.json changed, and so did its checksum


def content_digest(version: IndexVersion) -> str | None:
    """One sha256 of what ``version`` holds (every file but meta.json), from its
    manifest: equal for two versions with the same vectors and passages.
    None for a version written before manifests."""
    try:
        files = json.loads((version.path / MANIFEST_FILE).read_text())["files"]
    except (OSError, ValueError, KeyError):
        return None
    sums = {name: f["sha256"] for name, f in files.items() if name != META_FILE}
    return hashlib.sha256(json.dumps(sums, sort_keys=True).encode()).hexdigest()


def _live_meta() -> dict:
    """The live version's meta.json alone (no vectors loaded), or {}."""
    name = current_version_name()
    try:
        return json.loads((index_dir() / name / META_FILE).read_text()) if name else {}
    except (OSError, ValueError):
        return {}


def live_calibration() -> dict:
    """The live version's calibration, read from its meta.json alone (no vectors loaded)."""
    return _live_meta().get("calibration") or {}


def live_model_ref() -> str:
    """The folder of the model the live version was built with ("" when unknown)."""
    return embed.locate(_live_meta().get("model_ref") or "")


def _write_manifest(folder: Path) -> None:
    """The sha256 and size of every file of a version: written last, checked on load."""
    files = {
        f.name: {"sha256": _sha256(f), "size": f.stat().st_size}
        for f in sorted(folder.iterdir())
        if f.is_file() and f.name != MANIFEST_FILE
    }
    (folder / MANIFEST_FILE).write_text(json.dumps({"files": files}, indent=2))


# What ``damage`` says of a version whose folder is not there at all.
FOLDER_MISSING = "its folder is missing"


def damage(version: str, checksums: bool = True) -> str | None:
    """Why version ``version`` cannot be served (its folder or a file missing, a file
    changed or cut short), or None when every file matches its manifest.

    A version written before manifests existed is judged by the checksums its
    meta.json holds (the FAISS files). ``checksums=False``: files and sizes
    only (a few ``stat`` calls, not a read of every byte: for a probe).
    """
    path = index_dir() / version
    if not path.is_dir():
        return FOLDER_MISSING
    try:
        manifest = json.loads((path / MANIFEST_FILE).read_text())
        files = manifest["files"]
    except FileNotFoundError:
        return _legacy_damage(path, checksums)
    except (ValueError, KeyError, TypeError, OSError) as exc:
        return f"{MANIFEST_FILE} unreadable ({exc})"
    for name in (INDEX_FILE, PASSAGES_FILE, META_FILE):
        if name not in files:
            return f"{MANIFEST_FILE} does not list {name}"
    for name, expected in files.items():
        file = path / name
        try:
            size = file.stat().st_size
        except FileNotFoundError:
            return f"{name} is missing"
        except (OSError, TypeError) as exc:
            return f"{name} unreadable ({exc})"
        if size != expected.get("size"):
            return f"{name} has {size} bytes, the manifest says {expected.get('size')}"
        if checksums and _sha256(file) != expected.get("sha256"):
            return f"{name} does not match its checksum"
    return None


def _legacy_damage(path: Path, checksums: bool = True) -> str | None:
    try:
        meta = json.loads((path / META_FILE).read_text())
        if not checksums:
            (path / INDEX_FILE).stat()
            return None
        if _sha256(path / INDEX_FILE) != meta["sha256"]:
            return f"{INDEX_FILE} does not match its checksum"
        for name, (index_file, _) in _OWNED_FILES.items():
            if f"{name}_sha256" in meta and _sha256(path / index_file) != meta[f"{name}_sha256"]:
                return f"{index_file} does not match its checksum"
    except FileNotFoundError as exc:
        return f"{Path(exc.filename or '?').name} is missing"
    except (ValueError, KeyError, TypeError, OSError) as exc:
        return f"{META_FILE} unreadable ({exc})"
    return None


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


def model_refs() -> set[str]:
    """The model each version on disk was built with (its meta.json's ``model_ref``)."""
    refs = set()
    for name in versions():
        try:
            refs.add(
                embed.locate(json.loads((index_dir() / name / META_FILE).read_text())["model_ref"])
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a damaged version: no process loads it
    return refs - {""}


def prune(keep: int | None = None) -> list[str]:
    """Delete old versions, keeping the live one and the newest ``keep`` intact ones in all.

    Never deleted: the live version, any version newer than it (a build in
    flight), the last intact version, and a damaged version no intact version
    is newer than (until a good build exists, it may be all there is to
    repair from). A damaged version older than an intact one goes.
    """
    keep = max(1, keep or conf.get("KEEP_VERSIONS"))
    live = current_version_name()
    names = versions()
    intact = {name: damage(name) is None for name in names}
    if live in names:
        position = names.index(live)
        kept = {live, *names[position + 1 :]}
        older = names[:position]
        budget = keep - 1 if intact[live] else keep
    else:
        kept, older, budget = set(), names, keep
    # The newest intact versions before the live one are the fallback.
    for name in reversed(older):
        if budget <= 0:
            break
        if intact[name]:
            kept.add(name)
            budget -= 1
    newest_intact = max((n for n in names if intact[n]), default=None)
    for name in older:
        if not intact[name] and (newest_intact is None or newest_intact < name):
            kept.add(name)  # nothing intact is newer: keep it
    removed = [n for n in names if n not in kept]
    for name in removed:
        reason = "" if intact[name] else f" (damaged: {damage(name)})"
        logger.info("search index %s pruned%s", name, reason)
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


def _read_owned(path: Path, meta: dict, name: str):
    """(index, owner) of one owned-vector set, or (None, None) when the version has none."""
    if f"{name}_sha256" not in meta:
        return None, None
    index_file, owner_file = _OWNED_FILES[name]
    owned = faiss.read_index(str(path / index_file))
    owner = np.asarray(json.loads((path / owner_file).read_text()), dtype=np.int64)
    if owned.ntotal != len(owner) or owned.d != meta["dim"] or owner.ndim != 1:
        raise IndexNotReady(f"index {meta['version']} is inconsistent ({name})")
    if len(owner) and (np.any(np.diff(owner) < 0) or owner[0] < 0):
        raise IndexNotReady(f"index {meta['version']} is inconsistent ({name} owners)")
    return owned, owner


# What queries read of each passage row: name → type (optional ones may be absent).
PASSAGE_FIELDS = {
    "id": int,
    "text": str,
    "title": str,
    "heading": str,
    "url": str,
    "anchor": str,
    "urls": list,
}
OPTIONAL_PASSAGE_FIELDS = {
    "position": int,
    "source": str,
    "questions": list,
    "example_questions": list,
    "piece_anchor": str,
}


def _check_passages(passages) -> None:
    """ValueError unless ``passages`` is a list of rows with the fields queries read."""
    if not isinstance(passages, list):
        raise ValueError(f"{PASSAGES_FILE} is not a list")
    for position, row in enumerate(passages):
        if not isinstance(row, dict):
            raise ValueError(f"{PASSAGES_FILE} row {position} is not an object")
        for name, kind in PASSAGE_FIELDS.items():
            if not isinstance(row.get(name), kind):
                raise ValueError(
                    f"{PASSAGES_FILE} row {position}: {name!r} missing or not {kind.__name__}"
                )
        for name, kind in OPTIONAL_PASSAGE_FIELDS.items():
            if name in row and not isinstance(row[name], kind):
                raise ValueError(f"{PASSAGES_FILE} row {position}: {name!r} is not {kind.__name__}")
        if row["id"] != position:
            raise ValueError(f"{PASSAGES_FILE} row {position} has id {row['id']}")
        if not row["urls"] or not all(isinstance(u, str) for u in row["urls"]):
            raise ValueError(f"{PASSAGES_FILE} row {position}: 'urls' is not a list of paths")


def load_version(version: str) -> IndexVersion:
    """Load one version after checking every file against its manifest.

    Raises IndexNotReady, saying why, for a version that is missing, damaged
    or inconsistent (never a KeyError or a FAISS error).
    """
    path = index_dir() / version
    problem = damage(version)
    if problem == FOLDER_MISSING:  # not a damaged file: nothing of it is there
        raise IndexNotReady(
            f"index {version} is missing: INDEX_DIR has no folder {version} (deleted, or "
            "not restored with the rest): put it back, or run manage.py search_rebuild --sync"
        )
    if problem:
        raise IndexNotReady(f"index {version} is damaged: {problem}")
    try:
        meta = json.loads((path / META_FILE).read_text())
        index = faiss.read_index(str(path / INDEX_FILE))
        passages = json.loads((path / PASSAGES_FILE).read_text())
        _check_passages(passages)
        if index.ntotal != len(passages) or index.d != meta["dim"]:
            raise IndexNotReady(f"index {version} is inconsistent")
        sentence_index, sentence_owner = _read_owned(path, meta, "sentences")
        question_index, question_owner = _read_owned(path, meta, "questions")
        loaded = IndexVersion(
            version=meta["version"],
            model_id=meta["model_id"],
            model_ref=embed.locate(meta.get("model_ref", ""), meta["model_id"]),
            dim=meta["dim"],
            created=meta["created"],
            passages=passages,
            path=path,
            index=index,
            sentence_index=sentence_index,
            sentence_owner=sentence_owner,
            question_index=question_index,
            question_owner=question_owner,
            calibration=meta.get("calibration") or {},
            content_read=meta.get("content_read") or "",
        )
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        # RuntimeError: FAISS refusing a file.
        raise IndexNotReady(f"index {version} cannot be read: {exc}") from exc
    for owner in (sentence_owner, question_owner):
        if owner is not None and len(owner) and owner[-1] >= len(passages):
            raise IndexNotReady(f"index {version} is inconsistent (owner past the passages)")
    return loaded


def load_newest_intact(preferred: str | None = None, skipped: list | None = None) -> IndexVersion:
    """``preferred`` (the version CURRENT names) if it loads, else the newest
    version that does (older ones first: a version newer than the live one
    was never made live).

    Logs why each version was skipped (and appends it to ``skipped``). Raises
    IndexNotReady when none loads.
    """
    if not preferred:  # no CURRENT: nothing was made live (a written version is not live yet)
        raise IndexNotReady(no_index_yet())
    names = versions()
    others = [n for n in reversed(names) if n != preferred]
    order = (
        [preferred] + [n for n in others if n < preferred] + [n for n in others if n > preferred]
    )
    skipped = [] if skipped is None else skipped
    for name in order:
        try:
            loaded = load_version(name)
        except IndexNotReady as exc:
            logger.error("search index %s skipped: %s", name, exc)
            skipped.append(f"{name}: {exc}")
            continue
        if name != preferred:
            logger.warning(
                "search index %s served instead of %s (%s)",
                name,
                preferred,
                "; ".join(skipped),
            )
        return loaded
    raise IndexNotReady(
        "No intact index version (" + "; ".join(skipped) + "): run manage.py search_rebuild --sync"
    )


class _Cache:
    def __init__(self):
        self.lock = threading.Lock()
        self.key = None  # (index dir, inode, mtime_ns, size) of CURRENT
        self.loaded: IndexVersion | None = None
        self.failure: str | None = None  # why nothing could be loaded for ``key``
        # Why what is served is not the version CURRENT names ("" when it is).
        self.note = ""


_cache = _Cache()

# Called first by every load_current(): site_assistant.publish.refresh (set by
# site_assistant.apps) fetches a version published to a storage backend.
_refresh = None


def set_refresh(refresh) -> None:
    """Name what ``load_current`` calls first (``refresh()``, cheap when nothing changed)."""
    global _refresh
    _refresh = refresh


def load_current() -> IndexVersion:
    """The live version, loaded once per process and re-read only when CURRENT changes.

    The check is one ``stat`` of CURRENT per call. A damaged CURRENT version
    is replaced by the newest intact one (``load_newest_intact``); once a
    version is loaded, a missing or damaged CURRENT keeps it serving (logged).
    Raises IndexNotReady when nothing can be served.
    """
    if _refresh is not None:
        _refresh()
    root = index_dir()
    pointer = root / CURRENT
    try:
        st = os.stat(pointer)
        key = (str(root), st.st_ino, st.st_mtime_ns, st.st_size)
    except FileNotFoundError:
        key = (str(root), None)
    loaded = _cache.loaded
    if _cache.key == key and loaded is not None:
        return loaded
    with _cache.lock:
        if _cache.key == key:
            if _cache.loaded is not None:
                return _cache.loaded
            if _cache.failure:  # nothing changed since: do not re-read every file per request
                raise IndexNotReady(_cache.failure)
        # What this process serves (from this INDEX_DIR) keeps serving when
        # CURRENT goes missing or names a damaged version.
        loaded = _cache.loaded if _cache.loaded and _cache.loaded.path.parent == root else None
        named = current_version_name()
        if loaded is not None and named in (None, loaded.version):
            if named is None:
                logger.error(
                    "search index: %s is missing; still serving %s", pointer, loaded.version
                )
            _cache.key = key
            _cache.note = f"{CURRENT} is missing" if named is None else ""
            return loaded
        skipped = []
        try:
            fresh = load_newest_intact(named, skipped)
        except IndexNotReady as exc:
            if loaded is not None:
                logger.error("search index: still serving %s: %s", loaded.version, exc)
                _cache.key, _cache.note = key, _skipped_note(skipped) or str(exc)
                return loaded
            _cache.loaded, _cache.key, _cache.failure = None, key, str(exc)
            raise
        note = _skipped_note(skipped) if fresh.version != named else ""
        if loaded is not None and fresh.version != named and fresh.version < loaded.version:
            logger.error("search index: %s is damaged; still serving %s", named, loaded.version)
            _cache.key, _cache.note = key, note
            return loaded
        _cache.loaded, _cache.key, _cache.failure, _cache.note = fresh, key, None, note
        logger.info("search index %s loaded (%d passages)", fresh.version, fresh.count)
        return fresh


def _skipped_note(skipped: list[str]) -> str:
    """What ``load_newest_intact`` said of the first version it skipped (the live one)."""
    return skipped[0].split(": ", 1)[-1] if skipped else ""


def serving_problem() -> str:
    """Why this process cannot serve the version CURRENT names: "" when it does
    (or nothing was ever built); else what is wrong, e.g. "index v-… is damaged:
    index.faiss has 40 bytes, the manifest says 121389" or "CURRENT is missing".
    ``load_current`` serves what it can meanwhile: an older version, or nothing."""
    try:
        load_current()
    except IndexNotReady as exc:
        if not str(exc).startswith(NO_INDEX_YET):
            return str(exc)
        on_disk = versions()  # built before, and CURRENT gone: nothing says which is live
        count = len(on_disk)
        return (
            f"{CURRENT} is missing ({count} version{'s' * (count != 1)} on disk)" if count else ""
        )
    return _cache.note


def forget_loaded() -> None:
    """Drop the in-process cache (tests; after deleting INDEX_DIR)."""
    with _cache.lock:
        _cache.loaded, _cache.key, _cache.failure, _cache.note = None, None, None, ""
