#!/usr/bin/env python
"""``make bench`` part ``scaleout``: how a chunked build of 1M passages falls with workers.

This machine has 2 cores, so N = 1, 2, 4 workers cannot be run for real at
1M passages (one thread embeds ~35 passages/s: 1M is ~8 hours). The figure
is a model built from parts measured here, for real:

- ``chunk``: one chunk task's body (``site_assistant.build.embed_chunk``'s
  work: ``embed.embed_cached`` of never-seen texts, ONNX Runtime at 1 thread,
  writing the EmbeddingCache rows) on CHUNK_SAMPLE synthetic passages made of
  the site's own sentences (~70 tokens each): passages per CPU second is what
  a worker with a core of its own does (the wall rate is reported too: on a
  shared machine it measures the other processes).
- ``broker``: a real Celery worker (solo pool) on Redis (BENCH_REDIS_URL)
  running BROKER_TASKS tasks that carry one chunk's texts in and out
  (``bambicim.ping`` echoing them: an upper bound, a chunk returns a small
  dict): seconds per task beyond its work.
- ``merge``: the merge task's parts that grow with the index: reading the
  vectors back from the EmbeddingCache (measured on CACHE_SAMPLE rows, scaled
  linearly to 1M) and ``index.write_version`` of 1M passages for real
  (synthetic rows; vectors are the site's real passage, sentence and question
  embeddings with small perturbations, renormalised: a flat index's write
  cost does not depend on them).

wall(N) = ceil(chunks / N) × (chunk seconds + broker seconds) + merge seconds,
one worker per core. Not in the model (the same for any N, and site-bound):
collecting and extracting pages, calibration, syncing the Page/Passage tables.

Run by ``bench/speed.py scaleout`` in the sandbox's environment; prints one JSON line.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")
os.environ.setdefault("OMP_NUM_THREADS", "1")

PASSAGES = 1_000_000
CHUNK_SIZE = 2000  # the BUILD_CHUNK_SIZE default
CHUNK_SAMPLE = int(os.environ.get("BENCH_CHUNK_SAMPLE", "256"))
CACHE_SAMPLE = 100_000
BROKER_TASKS = 20
WORKERS = (1, 2, 4)


def site_sentences(version) -> list[str]:
    from site_assistant.extract import scored_sentences

    sentences = []
    for row in version.passages:
        sentences += [s for s in scored_sentences(row) if len(s.split()) >= 4]
    return sentences


def synthetic_passages(sentences: list[str], count: int, seed: int) -> list[str]:
    """Passages of ~70 tokens: 3-5 of the site's sentences, numbered so none repeats."""
    rng = random.Random(seed)
    return [
        f"Section {seed}-{i}. " + " ".join(rng.sample(sentences, rng.randint(3, 5)))
        for i in range(count)
    ]


def measure_chunk(sentences) -> dict:
    from site_assistant import embed

    texts = synthetic_passages(sentences, CHUNK_SAMPLE, seed=int(time.time()))
    embed.encode(texts[:8])  # the encoder loaded (a worker does that at start)
    tokens = embed.token_counter()
    started, cpu = time.perf_counter(), time.process_time()
    _, embedded, _ = embed.embed_cached(texts)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    # On a shared machine the wall time says how busy the other processes were;
    # the CPU time is what one worker with a core of its own spends.
    rate = embedded / cpu
    return {
        "texts": embedded,
        "mean_tokens": round(sum(map(tokens, texts)) / len(texts), 1),
        "wall_s": round(seconds, 2),
        "cpu_s": round(cpu, 2),
        "passages_per_s_wall": round(embedded / seconds, 1),
        "passages_per_s_1_thread": round(rate, 1),
        "chunk_of_2000_s": round(CHUNK_SIZE / rate, 1),
    }


def measure_cache_read(vectors) -> dict:
    from site_assistant import embed
    from site_assistant.models import EmbeddingCache

    mid = f"bench-scaleout-{uuid.uuid4().hex[:8]}"
    hashes = [f"{uuid.uuid4().hex}{i:032x}"[:64] for i in range(CACHE_SAMPLE)]
    rows = [
        EmbeddingCache(model_id=mid, text_hash=h, vector=vectors[i % len(vectors)].tobytes())
        for i, h in enumerate(hashes)
    ]
    started = time.perf_counter()
    EmbeddingCache.objects.bulk_create(rows, batch_size=2000)
    written = time.perf_counter() - started
    started = time.perf_counter()
    found = embed._cached(hashes, mid)
    read = time.perf_counter() - started
    EmbeddingCache.objects.filter(model_id=mid).delete()
    assert len(found) == CACHE_SAMPLE
    return {
        "rows": CACHE_SAMPLE,
        "write_s": round(written, 2),
        "read_s": round(read, 2),
        "read_1m_s_scaled": round(read * PASSAGES / CACHE_SAMPLE, 1),
    }


def real_like_vectors(version, count: int):
    """The site's real embeddings, repeated with small perturbations, renormalised."""
    import numpy as np

    from site_assistant import index

    real = [version.vectors()]
    for owned in (version.sentence_index, version.question_index):
        if owned is not None:
            real.append(index._matrix(owned))
    base = np.vstack(real).astype(np.float32)
    rng = np.random.default_rng(0)
    out = np.empty((count, base.shape[1]), dtype=np.float32)
    step = 100_000
    for start in range(0, count, step):
        n = min(step, count - start)
        block = base[rng.integers(0, len(base), n)] + rng.normal(0, 0.03, (n, base.shape[1]))
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + n] = block
    return out, len(base)


def measure_write(version, sentences) -> dict:
    from django.conf import settings

    from site_assistant import index

    vectors, real = real_like_vectors(version, PASSAGES)
    rng = random.Random(1)
    rows = [
        {
            "text": f"Section {i}. " + " ".join(rng.sample(sentences, 4)),
            "title": "Synthetic page",
            "heading": ["Synthetic page", f"Section {i}"],
            "url": f"/synthetic/{i // 10}/",
            "anchor": f"s{i % 10}",
            "position": i % 10,
            "source": "page",
            "urls": [f"/synthetic/{i // 10}/"],
        }
        for i in range(PASSAGES)
    ]
    folder = Path(tempfile.mkdtemp(prefix="bench-scaleout-write-"))
    previous = settings.SITE_ASSISTANT
    settings.SITE_ASSISTANT = {**previous, "INDEX_DIR": str(folder)}
    try:
        started, cpu = time.perf_counter(), time.process_time()
        written = index.write_version(vectors, rows, model_id="bench", model_ref="")
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        size = sum(f.stat().st_size for f in written.path.iterdir())
    finally:
        settings.SITE_ASSISTANT = previous
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "passages": PASSAGES,
        "real_vectors_perturbed": real,
        "write_version_s": round(seconds, 1),
        "write_version_cpu_s": round(cpu, 1),
        "version_mb": round(size / 2**20),
    }


def measure_broker(sentences) -> dict:
    """Seconds per task of a real worker on Redis, the task carrying one chunk's texts."""
    from bambicim.celery import app, ping

    queue = f"bench-scaleout-{uuid.uuid4().hex[:6]}"
    log_path = Path(tempfile.mkstemp(prefix="bench-scaleout-worker-", suffix=".log")[1])
    hostname = f"{queue}@{os.uname().nodename}"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "bambicim", "worker", "-Q", queue]
            + ["--pool=solo", "--concurrency=1", "--loglevel=WARNING", f"--hostname={hostname}"]
            + ["--without-heartbeat", "--without-gossip", "--without-mingle"],
            cwd=ROOT,
            env={**os.environ, "CELERY_QUEUE": queue},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while not app.control.ping(timeout=0.5, destination=[hostname]):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log_path.read_text()[-2000:])
        payload = synthetic_passages(sentences, CHUNK_SIZE, seed=7)
        ping.apply_async(args=["warm"], queue=queue).get(timeout=60)
        started = time.perf_counter()
        results = [ping.apply_async(args=[payload], queue=queue) for _ in range(BROKER_TASKS)]
        for result in results:
            result.get(timeout=120)
        seconds = time.perf_counter() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        log_path.unlink(missing_ok=True)
    return {
        "tasks": BROKER_TASKS,
        "payload_kb": round(len(json.dumps(payload)) / 1024),
        "per_task_s": round(seconds / BROKER_TASKS, 3),
    }


def model(chunk: dict, broker: dict, cache: dict, write: dict) -> dict:
    chunks = math.ceil(PASSAGES / CHUNK_SIZE)
    per_chunk = CHUNK_SIZE / chunk["passages_per_s_1_thread"]
    merge = cache["read_1m_s_scaled"] + write["write_version_s"]
    single = PASSAGES / chunk["passages_per_s_1_thread"] + merge
    out = {"chunks": chunks, "chunk_s": round(per_chunk, 1), "merge_s": round(merge, 1)}
    out["single_process_h"] = round(single / 3600, 2)
    for n in WORKERS:
        wall = math.ceil(chunks / n) * (per_chunk + broker["per_task_s"]) + merge
        out[f"workers_{n}"] = {
            "wall_h": round(wall / 3600, 2),
            "speedup_vs_single_process": round(single / wall, 2),
        }
    return out


def main() -> dict:
    import django

    django.setup()
    from site_assistant import index

    version = index.load_current()
    sentences = site_sentences(version)
    out = {"load_at_start": [round(x, 2) for x in os.getloadavg()]}
    out["chunk"] = measure_chunk(sentences)
    out["broker"] = measure_broker(sentences)
    vectors = version.vectors()
    out["cache_read"] = measure_cache_read(vectors)
    out["merge_write"] = measure_write(version, sentences)
    out["model"] = model(out["chunk"], out["broker"], out["cache_read"], out["merge_write"])
    out["load_at_end"] = [round(x, 2) for x in os.getloadavg()]
    out["note"] = (
        "a model from measured parts: wall(N) = ceil(chunks/N) x (chunk + broker per task) + merge,"
        " one worker per core; collect, extract, calibrate and table sync not included"
    )
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
