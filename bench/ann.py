#!/usr/bin/env python
"""``make bench-ann`` (and part of ``make bench``): flat vs approximate FAISS at scale.

For each size (10k, 100k, 1M vectors by default) it builds the flat index
and the approximate one ``site_assistant.ann`` writes past
``SITE_ASSISTANT["APPROX_THRESHOLD"]`` (with the configured kind and search
parameters), then reports for each: build time, bytes of the index and the
process's RSS growth while it was built, p50 / p95 latency of one query at a
time on one thread (k=10), and recall@10 of the approximate index against
flat (the exact top 10) on real questions.

The vectors look like real embeddings, not uniform random ones (on which
HNSW recall says nothing about real data): a few thousand real texts (the
site's passages, sentences and example questions from the live index, and
the StackFAQ answers and their sentences, ../shared/data/stackfaq) are
embedded with the serving encoder, and each synthetic vector is a random
mixture of three of them (Dirichlet weights) plus a little isotropic noise,
renormalised (``synthetic``). ``check`` compares the synthetic vectors with
the real ones at the same count: the cosine of random pairs and of each
vector's nearest neighbour (reported as quantiles in results.json).
Queries are real questions never in the base set: the StackFAQ queries and
the question sets under tests/data.

    python bench/ann.py [SIZE ...]      e.g. python bench/ann.py 10000 100000
    python bench/ann.py --app 100000    also (or only) the app's blended search over
                                        100k passages with the site's sentences and
                                        questions a passage, flat vs approximate
    BENCH_ANN_KINDS="ivf hnsw"   the kinds measured (default: all three, the configured one first)
    BENCH_ANN_HNSW_1M=1          HNSW past 100k vectors too (a 1M build takes 10+ minutes)

Results: bench/results.json ("ann"), with the load average before and after.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from bench import record  # noqa: E402
from bench.record import load_average  # noqa: E402

STACKFAQ = ROOT.parent / "shared" / "data" / "stackfaq"
CACHE = ROOT / "var" / "bench-ann"
SIZES = (10_000, 100_000, 1_000_000)
K = 10
LATENCY_QUERIES = 300
# Synthetic mixtures: Dirichlet concentration of the three real vectors mixed,
# and the isotropic noise added (its norm, before renormalising).
MIX_ALPHA = 0.35
NOISE = 0.35


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))]


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


# --- real vectors ------------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 20]


def _texts() -> tuple[list[str], list[str]]:
    """(base texts, query texts): real content and real questions, never the same text."""
    base, queries = [], []
    for line in (STACKFAQ / "corpus.jsonl").read_text().splitlines():
        row = json.loads(line)
        base.append(f"{row['title']}. {row['text']}"[:2000])
        base += _sentences(row["text"])[:6]
    for line in (STACKFAQ / "queries.jsonl").read_text().splitlines():
        queries.append(json.loads(line)["text"])
    for name in sorted((ROOT / "tests" / "data").glob("*questions*.jsonl")):
        for line in name.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                queries.append(row.get("question") or row["query"])
    base = list(dict.fromkeys(base))
    seen = set(base)
    queries = [q for q in dict.fromkeys(queries) if q not in seen]
    return base, queries


def real_vectors() -> tuple[np.ndarray, np.ndarray]:
    """(base, queries): the live index's vectors and embedded texts, cached in var/bench-ann."""
    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / "real.npz"
    if cached.is_file():
        data = np.load(cached)
        return data["base"], data["queries"]
    import django

    django.setup()
    from site_assistant import embed, index

    live = index.load_current()
    own = [live.vectors()]
    for owned in (live.sentence_index, live.question_index):
        if owned is not None and owned.ntotal:
            own.append(owned.reconstruct_n(0, owned.ntotal))
    base_texts, query_texts = _texts()
    started = time.perf_counter()
    embedded = embed.encode(base_texts + query_texts)
    print(
        f"ann: embedded {len(base_texts) + len(query_texts)} texts in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    base = np.vstack(own + [embedded[: len(base_texts)]]).astype(np.float32)
    queries = embedded[len(base_texts) :].astype(np.float32)
    np.savez(cached, base=base, queries=queries)
    return base, queries


# --- synthetic vectors -------------------------------------------------------------------


def synthetic(real: np.ndarray, n: int, seed: int = 0, chunk: int = 100_000) -> np.ndarray:
    """``n`` unit vectors, each a Dirichlet mixture of three rows of ``real`` plus noise."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        picks = rng.integers(0, len(real), size=(m, 3))
        weights = rng.dirichlet([MIX_ALPHA] * 3, size=m).astype(np.float32)
        mixed = np.einsum("mk,mkd->md", weights, real[picks])
        mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
        noise = rng.standard_normal(mixed.shape, dtype=np.float32)
        noise *= NOISE / np.linalg.norm(noise, axis=1, keepdims=True)
        mixed += noise
        mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
        out[start : start + m] = mixed
    return out


def _cosine_quantiles(values: np.ndarray) -> dict:
    qs = (5, 25, 50, 75, 95)
    return {f"p{q}": round(float(np.percentile(values, q)), 3) for q in qs}


def _nn_cosines(x: np.ndarray) -> np.ndarray:
    sims = x @ x.T
    np.fill_diagonal(sims, -2)
    return sims.max(axis=1)


def check(real: np.ndarray, seed: int = 1) -> dict:
    """Real vs synthetic at the same count: random-pair and nearest-neighbour cosines."""
    rng = np.random.default_rng(seed)
    fake = synthetic(real, len(real), seed=seed)
    pairs = rng.integers(0, len(real), size=(20_000, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]

    def describe(x):
        return {
            "random_pair_cosine": _cosine_quantiles(np.sum(x[pairs[:, 0]] * x[pairs[:, 1]], 1)),
            "nearest_neighbour_cosine": _cosine_quantiles(_nn_cosines(x)),
        }

    return {"count": len(real), "real": describe(real), "synthetic": describe(fake)}


# --- measuring ---------------------------------------------------------------------------


def _latencies(index, queries, n=LATENCY_QUERIES) -> dict:
    times = []
    for vector in queries[:n]:
        started = time.perf_counter()
        index.search(vector[None, :], K)
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(percentile(times, 50), 3), "p95_ms": round(percentile(times, 95), 3)}


def _recall(index, queries, truth) -> float:
    _, ids = index.search(queries, K)
    return round(
        float(np.mean([len(set(a) & set(b)) / K for a, b in zip(ids, truth, strict=True)])), 4
    )


def _file_bytes(index) -> int:
    import faiss

    path = CACHE / f"measure-{os.getpid()}.faiss"
    try:
        faiss.write_index(index, str(path))
        return path.stat().st_size
    finally:
        path.unlink(missing_ok=True)


def _trim() -> None:
    """Give freed memory back to the system, so the RSS growth is the new index's."""
    import ctypes

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def measure(label: str, make, x, queries, truth) -> tuple[object, dict]:
    _trim()
    before = rss_bytes()
    started = time.perf_counter()
    index = make(x)
    built = time.perf_counter() - started
    grown = rss_bytes() - before
    size = _file_bytes(index)
    row = {
        "index": label,
        "build_s": round(built, 2),
        "index_bytes": size,
        "bytes_per_vector": round(size / len(x), 1),
        "rss_delta_mb": round(grown / 2**20, 1),
        **_latencies(index, queries, LATENCY_QUERIES if len(x) < 500_000 else 100),
        "recall@10": 1.0 if truth is None else _recall(index, queries, truth),
    }
    print(f"ann: {len(x):>9,} {json.dumps(row)}", flush=True)
    return index, row


def _sweep(index, queries, truth, kind: str) -> list[dict]:
    """Recall and p50 over the search setting (nprobe / efSearch) of an approximate index."""
    out = []
    values = (4, 8, 16, 32, 64) if kind.startswith("ivf") else (16, 32, 64, 128)
    for value in values:
        if kind.startswith("ivf"):
            index.nprobe = min(value, index.nlist)
        else:
            index.hnsw.efSearch = value
        name = "nprobe" if kind.startswith("ivf") else "ef_search"
        row = {
            name: value,
            **_latencies(index, queries),
            "recall@10": _recall(index, queries, truth),
        }
        out.append(row)
    return out


def run_size(n: int, real, queries, kinds) -> dict:
    import faiss

    from site_assistant import ann

    faiss.omp_set_num_threads(1)
    started = time.perf_counter()
    x = synthetic(real, n, seed=n)
    out = {
        "vectors": n,
        "generate_s": round(time.perf_counter() - started, 1),
        "load_at_start": load_average(),
    }
    flat, row = measure("flat", lambda v: _flat(v), x, queries, None)
    _, truth = flat.search(queries, K)
    out["flat"] = row
    del flat
    configured = ann.settings()
    for kind in kinds:
        config = ann.Settings(**{**configured.__dict__, "threshold": 1, "kind": kind})
        index, row = measure(
            kind, lambda v, c=config: ann.make_index(v, v.shape[1], c), x, queries, truth
        )
        if kind.startswith("ivf"):
            row["lists"] = index.nlist
        row["settings"] = {
            "nprobe": config.nprobe,
            "ef_search": config.ef_search,
            "hnsw_m": config.hnsw_m,
        }
        row["sweep"] = _sweep(index, queries, truth, kind)
        out[kind] = row
        del index
    out["load_at_end"] = load_average()
    return out


def _flat(x):
    import faiss

    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    return index


def per_million_passages(site: dict, sizes: dict) -> dict:
    """Memory of 1M passages with the site's sentences and example questions a passage."""
    largest = sizes[max(sizes, key=int)]
    per_passage = 1 + site["sentences_per_passage"] + site["questions_per_passage"]
    out = {"vectors_per_passage": round(per_passage, 2)}
    for kind, row in largest.items():
        if isinstance(row, dict) and "bytes_per_vector" in row:
            out[f"{kind}_gib"] = round(row["bytes_per_vector"] * per_passage * 1e6 / 2**30, 2)
    return out


def site_ratios() -> dict:
    """Sentences and example questions per passage in the live index."""
    import django

    django.setup()
    from site_assistant import index

    live = index.load_current()
    count = live.count
    owned = {
        "sentences": live.sentence_index.ntotal if live.sentence_index is not None else 0,
        "questions": live.question_index.ntotal if live.question_index is not None else 0,
    }
    return {
        "passages": count,
        "sentences_per_passage": round(owned["sentences"] / count, 2),
        "questions_per_passage": round(owned["questions"] / count, 2),
    }


def app_search(passages: int, real, queries, site: dict, n_queries: int = 100) -> dict:
    """The app's blended search (``IndexVersion.search``: passages, sentences and
    example questions, k=5) over ``passages`` synthetic passages with the site's
    sentences and questions a passage, flat against approximate: p50 / p95 at
    one thread and how often the approximate top 1 / top 5 equal flat's."""
    import faiss

    from site_assistant import ann, index

    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(passages)
    counts = {
        "passages": passages,
        "sentences": round(passages * site["sentences_per_passage"]),
        "questions": round(passages * site["questions_per_passage"]),
    }
    sets = {name: synthetic(real, n, seed=n + i) for i, (name, n) in enumerate(counts.items())}
    owners = {
        name: np.sort(rng.integers(0, passages, counts[name]))
        for name in ("sentences", "questions")
    }
    queries = queries[:n_queries]
    configured = ann.settings()
    out = {"passages": passages, **{f"{k}_vectors": v for k, v in counts.items()}}
    flat_answers = None
    for mode, threshold in (("flat", None), ("approximate", 1)):
        config = ann.Settings(**{**configured.__dict__, "threshold": threshold})
        started = time.perf_counter()
        built = {name: ann.make_index(x, x.shape[1], config) for name, x in sets.items()}
        build_s = time.perf_counter() - started
        version = index.IndexVersion(
            version="bench",
            model_id="bench",
            model_ref="",
            dim=real.shape[1],
            created="",
            passages=[{}] * passages,
            path=CACHE,
            index=built["passages"],
            sentence_index=built["sentences"],
            sentence_owner=owners["sentences"],
            question_index=built["questions"],
            question_owner=owners["questions"],
        )
        version.search(queries[:1], 5)  # the blending offsets, once per version
        times, answers = [], []
        for vector in queries:
            started = time.perf_counter()
            answers.append([pid for pid, _ in version.search(vector[None, :], 5)[0]])
            times.append((time.perf_counter() - started) * 1000)
        row = {
            "index": configured.kind if threshold else "flat",
            "build_s": round(build_s, 1),
            "p50_ms": round(percentile(times, 50), 2),
            "p95_ms": round(percentile(times, 95), 2),
        }
        if flat_answers is None:
            flat_answers = answers
        else:
            pairs = list(zip(answers, flat_answers, strict=True))
            row["same_top1"] = round(sum(a[0] == b[0] for a, b in pairs) / len(pairs), 3)
            row["same_top5"] = round(sum(a == b for a, b in pairs) / len(pairs), 3)
        out[mode] = row
        print(f"ann: app {passages:,} passages {json.dumps(row)}", flush=True)
        del version, built
        _trim()
    out["load_at_end"] = load_average()
    return out


def main(sizes: list[int], app: int | None = None) -> dict:
    import django

    django.setup()
    from site_assistant import conf

    configured = conf.get("APPROX_INDEX")
    kinds = os.environ.get("BENCH_ANN_KINDS", "").split() or [
        configured,
        *(k for k in ("ivf", "ivf-sq8", "hnsw") if k != configured),
    ]
    big_hnsw = os.environ.get("BENCH_ANN_HNSW_1M") == "1"
    results = {
        **record.stamp(),
        "threads": 1,
        "k": K,
        "synthetic": {"mix_alpha": MIX_ALPHA, "noise": NOISE},
    }
    real, queries = real_vectors()
    queries = queries[:500]
    results["queries"] = len(queries)
    results["check"] = check(real)
    results["site"] = site_ratios()
    results["sizes"] = {}
    for n in sizes:
        # HNSW builds take several times IVF's: past 100k only with BENCH_ANN_HNSW_1M=1.
        chosen = [k for k in kinds if k != "hnsw" or n <= 100_000 or big_hnsw]
        results["sizes"][str(n)] = run_size(n, real, queries, chosen)
    if results["sizes"]:
        results["per_million_passages"] = per_million_passages(results["site"], results["sizes"])
    if app:
        results["app"] = app_search(app, real, queries, results["site"])
    results["load_at_end"] = load_average()
    args = (" ".join(map(str, sizes)) + (f" --app {app}" if app else "")).strip()
    results["command"] = f"make bench-ann (python bench/ann.py {args})"
    return results


def save(results: dict) -> Path:
    if not results["sizes"]:  # only --app: keep the sizes of the last full run
        results = {
            **record.read().get("ann", {}),
            "app": results.get("app"),
            "app_when": results["when"],
            "app_load": results["load_at_start"],
            "app_command": results["command"],
        }
    return record.save("ann", results)


if __name__ == "__main__":
    args = sys.argv[1:]
    app = None
    if "--app" in args:
        at = args.index("--app")
        app = int(args[at + 1])
        del args[at : at + 2]
    sizes = [int(a) for a in args] if args or app else list(SIZES)
    path = save(main(sizes, app))
    print(f"Wrote {path.relative_to(ROOT)}")
