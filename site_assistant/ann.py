"""Approximate FAISS indexes for vector sets too big to scan.

Each vector kind of an index version (passages, sentences, example
questions) is written by ``make_index``: an exact ``IndexFlatIP`` up to
``SITE_ASSISTANT["APPROX_THRESHOLD"]`` vectors (the default, and the
reference recall is measured against), past it the approximate index
``APPROX_INDEX`` names, over the same normalised vectors with inner product:

- ``"ivf"`` (default): ``IndexIVFFlat``, about 2·√n lists (a power of two),
  the vectors kept whole; a query scans the ``APPROX_NPROBE`` nearest lists.
  Same memory as flat (+16 bytes a vector: its id and the direct map that
  fetches a row by id), the fastest build.
- ``"ivf-sq8"``: ``IndexIVFScalarQuantizer`` with 8-bit codes: a quarter of
  the memory; a candidate's score (and a snippet's sentence cosine) is then
  computed from its 8-bit vector, within about 0.01 of the exact cosine.
- ``"hnsw"``: ``IndexHNSWFlat`` (``APPROX_HNSW_M`` links a node), searched
  with ``APPROX_EF_SEARCH``: quick queries, but a build several times
  slower than IVF's and ``APPROX_HNSW_M`` · 8 more bytes a vector.

Measured on synthetic vectors that look like the model's embeddings
(``make bench-ann``, docs/benchmarks.md). Searching needs more than the
nearest rows: blending rescores candidates from their stored vectors
(``rows``) and snippets read a passage's sentence vectors
(``reconstruct_range``), which work on every kind here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import faiss
import numpy as np
from django.core.exceptions import ImproperlyConfigured

from . import conf

FLAT = "flat"
KINDS = ("ivf", "ivf-sq8", "hnsw")
# k-means of the IVF lists: at most this many training vectors a list, these iterations.
TRAIN_PER_LIST = 40
TRAIN_ITERATIONS = 10
TRAIN_SEED = 1234


@dataclass(frozen=True)
class Settings:
    threshold: int | None
    kind: str
    nprobe: int
    ef_search: int
    hnsw_m: int


def _whole(name: str, low: int, high: int | None = None, allow_none: bool = False):
    value = conf.get(name)
    if value is None and allow_none:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        none = " or None" if allow_none else ""
        raise ImproperlyConfigured(
            f'SITE_ASSISTANT["{name}"] must be a whole number {bound}{none}, not {value!r}'
        )
    return value


def settings() -> Settings:
    """The approximate-index settings, checked (ImproperlyConfigured saying which is wrong)."""
    kind = conf.get("APPROX_INDEX")
    if kind not in KINDS:
        raise ImproperlyConfigured(
            f'SITE_ASSISTANT["APPROX_INDEX"] must be one of {", ".join(map(repr, KINDS))}, '
            f"not {kind!r}"
        )
    return Settings(
        threshold=_whole("APPROX_THRESHOLD", 1, allow_none=True),
        kind=kind,
        nprobe=_whole("APPROX_NPROBE", 1),
        ef_search=_whole("APPROX_EF_SEARCH", 1),
        hnsw_m=_whole("APPROX_HNSW_M", 4, 128),
    )


def lists_for(count: int) -> int:
    """IVF lists for ``count`` vectors: about 2·√count, a power of two, each trainable."""
    wanted = 2 ** round(math.log2(max(2.0, 2 * math.sqrt(count))))
    return int(max(1, min(wanted, count // 39 or 1, 65536)))


def make_index(vectors: np.ndarray, dim: int, config: Settings | None = None) -> faiss.Index:
    """An index holding ``vectors`` (row i = id i): flat up to the threshold, else approximate."""
    config = config or settings()
    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dim)
    count = len(vectors)
    if config.threshold is None or count <= config.threshold:
        index = faiss.IndexFlatIP(dim)
    elif config.kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    else:
        quantizer = faiss.IndexFlatIP(dim)
        nlist = lists_for(count)
        if config.kind == "ivf":
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        else:
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
        index.own_fields = True
        quantizer.this.disown()
        index.cp.niter = TRAIN_ITERATIONS
        index.cp.seed = TRAIN_SEED
        sample = vectors
        if count > TRAIN_PER_LIST * nlist:
            rng = np.random.default_rng(TRAIN_SEED)
            picked = np.sort(rng.choice(count, TRAIN_PER_LIST * nlist, replace=False))
            sample = vectors[picked]
        index.train(sample)
    if count:
        index.add(vectors)
    if isinstance(index, faiss.IndexIVF):
        index.make_direct_map()  # reconstruct(id) for rescoring and snippets
    configure(index, config)
    return index


def kind_of(index: faiss.Index) -> str:
    """ "flat", "ivf", "ivf-sq8" or "hnsw"."""
    if isinstance(index, faiss.IndexHNSW):
        return "hnsw"
    if isinstance(index, faiss.IndexIVFScalarQuantizer):
        return "ivf-sq8"
    if isinstance(index, faiss.IndexIVF):
        return "ivf"
    return FLAT


def configure(index: faiss.Index | None, config: Settings | None = None) -> None:
    """Apply the search settings (APPROX_NPROBE, APPROX_EF_SEARCH) to a loaded index."""
    if index is None or isinstance(index, faiss.IndexFlat):
        return
    config = config or settings()
    if isinstance(index, faiss.IndexIVF):
        index.nprobe = min(config.nprobe, index.nlist)
    elif isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = config.ef_search


class _ById:
    """Rows of an IVF index by id (its direct map), indexed like an array of its vectors."""

    def __init__(self, index: faiss.IndexIVF):
        self.index = index
        self.shape = (index.ntotal, index.d)

    def __len__(self) -> int:
        return self.index.ntotal

    def __getitem__(self, ids) -> np.ndarray:
        ids = np.ascontiguousarray(np.atleast_1d(ids), dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.index.d), dtype=np.float32)
        return self.index.reconstruct_batch(ids)


def rows(index: faiss.Index):
    """The stored vectors of ``index`` as an (ntotal, d) array-like (fancy-indexable).

    A view, never a copy, where the vectors lie in id order (flat, HNSW);
    an IVF index's rows are fetched by id when asked for.
    """
    n, d = index.ntotal, index.d
    if n == 0:
        return np.zeros((0, d), dtype=np.float32)
    flat = index
    if isinstance(index, faiss.IndexHNSW):
        flat = faiss.downcast_index(index.storage)
    if isinstance(flat, faiss.IndexFlat):
        return faiss.rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d)
    if isinstance(index, faiss.IndexIVF):
        return _ById(index)
    return index.reconstruct_n(0, n)


def reconstruct_range(index: faiss.Index, start: int, count: int) -> np.ndarray:
    """Rows ``start`` … ``start + count - 1`` (an IVF's reconstruct_n reads every list)."""
    if isinstance(index, faiss.IndexIVF):
        return _ById(index)[np.arange(start, start + count)]
    return index.reconstruct_n(int(start), int(count))
