#!/usr/bin/env python
"""``make bench-speed`` (and part of ``make bench``): what a question costs.

- ``latency``: in-process ``services.search()`` p50/p95, split into encode /
  index (FAISS + blending) / rest, side by side in the same run and on the
  same questions with the seed card's naive path (``SentenceTransformer.encode``
  + ``util.semantic_search``); embedding throughput ONNX vs torch.
- ``http``: real gunicorn (``gunicorn.conf.py``, 2 workers, DEBUG off) on
  127.0.0.1:8108 driven by a bounded load client (threads in 2 processes,
  unique questions, one connection per request) at 1/8/16/32 clients:
  req/s, p50, p99, errors; start to first answer; RSS per worker after the
  run (each has answered well over 1,000 questions).
- ``load``: the same gunicorn with production settings (collectstatic's
  manifest) for 60 s at 32 clients (BENCH_LOAD_SECONDS, BENCH_LOAD_CLIENTS;
  bounded to 600 s and 64 clients) with POST /api/index/rebuild/ (staff
  token) halfway, built by a Celery worker on Redis (BENCH_REDIS_URL) when it
  answers, else in-process: req/s, p50, p99, errors (any non-200), the
  rebuild's outcome and index version before/after, RSS per worker before and
  after.
- ``process``: a fresh process from start to first answer and its peak RSS,
  then its RSS (anonymous and mapped files apart) after 1,000 more distinct
  questions; a Celery worker (prefork, 1 child) on Redis from start to warmed
  up, RSS.
- ``build``: ``search_rebuild --sync`` cold (empty embedding cache), unchanged,
  one page changed, in a private database and index folder.
- ``scaleout``: a chunked build of 1M synthetic passages over 1, 2, 4 Celery
  workers, modelled from parts measured here (bench/scaleout.py says which).

Every run uses a copy of the site's database and its own index folder; the
site's own data is never written. Results: bench/results.json ("speed"),
one entry a part with its time, machine and load average at start and end;
a run of some parts replaces only theirs.

    python bench/speed.py [latency|http|load|process|build|scaleout ...]
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from multiprocessing import Process, Queue
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from bench import record  # noqa: E402
from bench.record import load_average  # noqa: E402
from tests import gunicorn_server  # noqa: E402  (gunicorn started and stopped as the tests do)

PORT = int(os.environ.get("BENCH_PORT", "8108"))
HTTP_SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "10"))
CLIENTS = (1, 8, 16, 32)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")


def percentile(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))]


def questions(n: int | None = None) -> list[str]:
    """Distinct questions: the natural and held-out sets, with varied openings and endings."""
    base = []
    for name in ("natural_questions.jsonl", "natural_questions_holdout.jsonl"):
        for line in (ROOT / "tests/data" / name).read_text().splitlines():
            if line.strip():
                base.append(json.loads(line)["question"])
    openings = ["", "hi, ", "please tell me: ", "quick question: ", "hello! ", "I wonder, "]
    endings = ["", " thanks", " please", " :)", " (asking for a friend)", "!!"]
    out = [f"{o}{q}{e}" for o in openings for e in endings for q in base]
    return out[:n] if n else out


def rss_mb(pid: int) -> float:
    import psutil

    return round(psutil.Process(pid).memory_info().rss / 2**20, 1)


# --- a private copy of the site's data ---------------------------------------------------


class Sandbox:
    """A copy of the site's database and index folder, removed afterwards."""

    def __init__(self):
        import django

        django.setup()
        from django.conf import settings

        self.dir = Path(tempfile.mkdtemp(prefix="search-bench-speed-"))
        db = settings.DATABASES["default"]
        if not db["ENGINE"].endswith("sqlite3"):
            raise SystemExit("bench/speed.py copies an SQLite database; unset DATABASE_URL")
        shutil.copyfile(db["NAME"], self.dir / "db.sqlite3")
        self.index_dir = self.dir / "index"
        shutil.copytree(settings.SITE_ASSISTANT["INDEX_DIR"], self.index_dir, symlinks=True)
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.dir / 'db.sqlite3'}",
            "SEARCH_INDEX_DIR": str(self.index_dir),
            "DEBUG": "0",
            "SECURE_SSL_REDIRECT": "0",
            "SEARCH_THROTTLE_ANON": "10000000/min",
            "SEARCH_THROTTLE_USER": "10000000/min",
            "PYTHONUNBUFFERED": "1",
        }

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# --- in-process latency ---------------------------------------------------------------------


BLOCK = 25


def latency(n: int = 600) -> dict:
    """services.search() split into encode / index / rest, beside the naive path."""
    import django

    django.setup()
    from site_assistant import embed, index, services

    asked = questions(n)
    version = index.load_current()
    warm = services.warm_up()
    timers = {"encode": 0.0, "index": 0.0}
    encode, blend = embed.encode, index.IndexVersion.search

    def timed_encode(*args, **kwargs):
        started = time.perf_counter()
        try:
            return encode(*args, **kwargs)
        finally:
            timers["encode"] += time.perf_counter() - started

    def timed_search(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return blend(self, *args, **kwargs)
        finally:
            timers["index"] += time.perf_counter() - started

    import torch
    from sentence_transformers import SentenceTransformer, util

    torch.set_num_threads(1)
    model = SentenceTransformer(version.model_ref or embed.active_model_ref(), device="cpu")
    texts = [p["text"] for p in version.passages]
    corpus = model.encode(texts, convert_to_tensor=True, normalize_embeddings=True)

    def naive(question):
        vector = model.encode(question, convert_to_tensor=True, normalize_embeddings=True)
        return util.semantic_search(vector, corpus, top_k=5)

    naive("warm up")
    rows = {"search": [], "encode": [], "index": [], "rest": [], "naive": []}
    embed.encode, index.IndexVersion.search = timed_encode, timed_search
    try:
        # Blocks of BLOCK questions, alternating which path goes first, so both
        # see the same minutes of the machine; within a block each path runs
        # with its own weights in the CPU caches, as in a process serving one
        # of them (one question each in turn evicted both: the app's p50 7.4
        # ms against 4.8 in blocks, the naive path's 10.5 against 8.8).
        blocks = [asked[i : i + BLOCK] for i in range(0, len(asked), BLOCK)]
        for b, block in enumerate(blocks):
            order = (0, 1) if b % 2 else (1, 0)
            for which, question in ((w, q) for w in order for q in block):
                if which == 0:
                    timers.update(encode=0.0, index=0.0)
                    started = time.perf_counter()
                    services.search(question)
                    total = time.perf_counter() - started
                    rows["search"].append(total * 1000)
                    rows["encode"].append(timers["encode"] * 1000)
                    rows["index"].append(timers["index"] * 1000)
                    rows["rest"].append((total - timers["encode"] - timers["index"]) * 1000)
                else:
                    started = time.perf_counter()
                    naive(question)
                    rows["naive"].append((time.perf_counter() - started) * 1000)
    finally:
        embed.encode, index.IndexVersion.search = encode, blend

    def stats(values):
        return {
            "p50_ms": round(percentile(values, 50), 3),
            "p95_ms": round(percentile(values, 95), 3),
        }

    out = {name: stats(values) for name, values in rows.items()}
    out["naive_over_search_p50"] = round(out["naive"]["p50_ms"] / out["search"]["p50_ms"], 2)
    out["questions"] = len(asked)
    out["passages"] = version.count
    out["encoder"] = warm.get("encoder")
    out["model_id"] = version.model_id

    # Embedding throughput: the index's own texts, batch 32, one thread.
    started = time.perf_counter()
    embed.encode(texts, version.model_ref, batch_size=32)
    onnx_seconds = time.perf_counter() - started
    started = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True)
    torch_seconds = time.perf_counter() - started
    out["embed_passages_per_s"] = {
        "onnx": round(len(texts) / onnx_seconds, 1),
        "torch": round(len(texts) / torch_seconds, 1),
        "texts": len(texts),
    }
    return out


# --- HTTP through gunicorn -----------------------------------------------------------------


def post(question: str, timeout: float = 30) -> tuple[float, int]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/api/search/",
        data=json.dumps({"q": question}).encode(),
        headers={"Content-Type": "application/json"},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    return (time.perf_counter() - started) * 1000, status


def _client_process(threads: int, asked: list[str], offset: int, stride: int, seconds, out):
    deadline = time.monotonic() + seconds
    results: list[tuple[float, int, float]] = []
    lock = threading.Lock()

    def run(k):
        i = offset + k
        while time.monotonic() < deadline:
            sent = time.monotonic()  # CLOCK_MONOTONIC: comparable across processes
            latency_ms, status = post(asked[i % len(asked)])
            with lock:
                results.append((latency_ms, status, sent))
            i += stride

    workers = [threading.Thread(target=run, args=(k * 2,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put(results)


def drive(clients: int, seconds: float, asked: list[str], offset: int, raw=None) -> dict:
    """``clients`` concurrent clients (threads in up to 2 processes) for ``seconds``;
    ``raw``, a list, receives each request's (ms, status, monotonic time sent)."""
    processes = min(2, clients)
    per = [clients // processes + (1 if p < clients % processes else 0) for p in range(processes)]
    queue: Queue = Queue()
    started = time.monotonic()
    procs = [
        Process(
            target=_client_process,
            args=(per[p], asked, offset + p, 2 * max(per), seconds, queue),
        )
        for p in range(processes)
    ]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in queue.get()]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - started
    if raw is not None:
        raw.extend(results)
    ok = [ms for ms, status, _ in results if status == 200]
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": len(results),
        "req_per_s": round(len(ok) / seconds, 1),
        "p50_ms": round(percentile(ok, 50), 2),
        "p99_ms": round(percentile(ok, 99), 2),
        "errors": len(results) - len(ok),
    }


def load_count(count: int, clients: int, asked: list[str], offset: int) -> int:
    """Exactly ``count`` more questions from ``clients`` threads; returns how many."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(post, asked[offset : offset + count]))
    return count


def http(sandbox: Sandbox) -> dict:
    out = serve(sandbox, "onnx", CLIENTS, at_least=1000)
    # The same server with the torch encoder, for a ratio measured in the same run.
    out["torch_encoder"] = serve(sandbox, "torch", (1, 16), at_least=0)
    return out


def serve(sandbox: Sandbox, encoder: str, clients_list, at_least: int) -> dict:
    import psutil

    asked = questions()
    log_path = sandbox.dir / f"gunicorn-{encoder}.log"
    env = {**sandbox.env, "SEARCH_ENCODER": encoder, "GUNICORN_TIMEOUT": "120"}
    started = time.perf_counter()
    proc = gunicorn_server.start(gunicorn_server.conf_args(PORT), env, log_path)
    out: dict = {
        "workers": 2,
        "encoder": encoder,
        "command": "gunicorn -c gunicorn.conf.py --workers 2 (DEBUG=0)",
    }
    try:
        # Start → first answer: keep asking until one is answered.
        gunicorn_server.wait_until(
            proc,
            log_path,
            lambda: post("How can I contact you?", timeout=120)[1] == 200,
            timeout=600,
            every=0.05,
            what="gunicorn answered no question in 600 s",
        )
        out["start_to_first_answer_s"] = round(time.perf_counter() - started, 2)
        deadline = time.monotonic() + 120
        while log_path.read_text().count("search warm-up") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = psutil.Process(proc.pid).children()
        out["rss_mb_after_start"] = {
            "master": rss_mb(proc.pid),
            "workers": [rss_mb(w.pid) for w in workers],
        }
        # First questions on each worker vs warm ones (sequential, distinct).
        firsts = [post(q)[0] for q in asked[-2:]]
        warm = [post(q)[0] for q in asked[-40:-2]]
        out["first_vs_warm"] = {
            "first_two_ms": [round(x, 2) for x in firsts],
            "warm_median_ms": round(statistics.median(warm), 2),
        }
        out["runs"] = []
        offset = 0
        for clients in clients_list:
            run = drive(clients, HTTP_SECONDS, asked, offset)
            offset += run["requests"]
            out["runs"].append(run)
            print(
                f"  {encoder} {clients:>2} clients: {run['req_per_s']} req/s, p50 {run['p50_ms']} ms, "
                f"p99 {run['p99_ms']} ms, {run['errors']} errors",
                flush=True,
            )
        if offset + 40 < at_least:
            offset += load_count(at_least - offset - 40, 4, asked, offset)
        out["questions_answered"] = offset + 40
        out["rss_mb_after_run"] = {
            "master": rss_mb(proc.pid),
            "workers": [rss_mb(w.pid) for w in workers],
        }
    finally:
        gunicorn_server.stop(proc)
    return out


# --- a load run with a rebuild in the middle ------------------------------------------------

LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
LOAD_CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", "32"))
LOAD_QUEUE = "bench-load"
# Production settings (DEBUG off, collectstatic's manifest) with STATIC_ROOT in the sandbox.
LOAD_SETTINGS = """
from bambicim.settings import *  # noqa
import os
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
"""
STAFF_TOKEN = """
import django; django.setup()
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
user, _ = get_user_model().objects.get_or_create(
    username="bench-load", defaults={"is_staff": True, "is_superuser": True}
)
print(Token.objects.get_or_create(user=user)[0].key)
"""


def api(path: str, token: str = "", method: str = "GET") -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/api/{path}",
        data=b"" if method == "POST" else None,
        headers={"Authorization": f"Token {token}"} if token else {},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def redis_available(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping())
    except Exception:
        return False


def rebuild_midway(token: str, at: float, out: dict) -> None:
    """At ``at`` s: POST /api/index/rebuild/ as staff, then follow the build to its end."""
    time.sleep(at)
    try:
        out["version_before"] = api("index/")["version"]
        started = out["started"] = time.monotonic()
        build = api("index/rebuild/", token, "POST")
        while build["status"] in ("queued", "running") and time.monotonic() - started < 600:
            time.sleep(0.5)
            build = api(f"index/builds/{build['build_id']}/", token)
        out["ended"] = time.monotonic()
        out.update(
            status=build["status"],
            seconds=round(time.monotonic() - started, 1),
            passages=build["passages"],
            embedded=build["embedded"],
            version_after=api("index/")["version"],
        )
        if build["error"]:
            out["error"] = build["error"][:500]
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    out["succeeded"] = out.get("status") == "succeeded" and (
        out["version_after"] != out["version_before"]
    )


def load(sandbox: Sandbox, seconds: float = LOAD_SECONDS, clients: int = LOAD_CLIENTS) -> dict:
    """``clients`` clients for ``seconds`` against gunicorn (2 workers, production
    settings); a rebuild is asked for halfway, run by a Celery worker on Redis
    (BENCH_REDIS_URL) when it answers, else in-process by the web worker."""
    import psutil

    seconds = max(5.0, min(seconds, 600.0))  # bounded: never an open-ended run
    clients = max(1, min(clients, 64))
    (sandbox.dir / "bench_load_settings.py").write_text(LOAD_SETTINGS)
    env = {
        **sandbox.env,
        "DJANGO_SETTINGS_MODULE": "bench_load_settings",
        "BENCH_STATIC_ROOT": str(sandbox.dir / "staticfiles"),
        "PYTHONPATH": os.pathsep.join([str(sandbox.dir), str(ROOT)]),
        "GUNICORN_TIMEOUT": "120",
        "CELERY_QUEUE": LOAD_QUEUE,
    }
    with_redis = redis_available(REDIS_URL)
    if with_redis:
        env["REDIS_URL"] = REDIS_URL
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    token = (
        subprocess.run(
            [sys.executable, "-c", STAFF_TOKEN], cwd=ROOT, env=env, check=True, capture_output=True
        )
        .stdout.decode()
        .strip()
    )
    out: dict = {
        "duration_s": seconds,
        "workers": 2,
        "rebuild_by": "celery worker (prefork, 1 child) on Redis" if with_redis else "in-process",
        "command": f"python bench/speed.py load (gunicorn -c gunicorn.conf.py --workers 2, "
        f"DEBUG=0, {clients} clients for {seconds:g} s, POST /api/index/rebuild/ at "
        f"{seconds / 2:g} s)",
    }
    celery = None
    if with_redis:
        with (sandbox.dir / "celery-load.log").open("w") as celery_log:
            celery = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "bambicim", "worker", "--concurrency=1"]
                + ["--loglevel=INFO", "-Q", LOAD_QUEUE, "--without-heartbeat", "--without-gossip"]
                + ["--without-mingle"],
                cwd=ROOT,
                env=env,
                stdout=celery_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
    log_path = sandbox.dir / "gunicorn-load.log"
    proc = None
    try:
        proc = gunicorn_server.start(gunicorn_server.conf_args(PORT), env, log_path)
        deadline = time.monotonic() + 180
        gunicorn_server.wait_for_warm_up(proc, log_path, timeout=180)
        if celery is not None:
            celery_path = sandbox.dir / "celery-load.log"
            while "search warmed up" not in celery_path.read_text():
                if celery.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(celery_path.read_text()[-2000:])
                time.sleep(0.1)
        workers = psutil.Process(proc.pid).children()
        out["rss_mb_before"] = {str(w.pid): rss_mb(w.pid) for w in workers}
        rebuild: dict = {}
        thread = threading.Thread(target=rebuild_midway, args=(token, seconds / 2, rebuild))
        thread.start()
        raw: list = []
        run = drive(clients, seconds, questions(), 0, raw)
        thread.join(timeout=600)
        out.update(run)
        # The requests sent while the rebuild was asked for, ran and went live.
        began, ended = rebuild.pop("started", 0), rebuild.pop("ended", 0)
        during = [(ms, status) for ms, status, sent in raw if began <= sent <= ended]
        ok = [ms for ms, status in during if status == 200]
        rebuild["during"] = {
            "requests": len(during),
            "errors": len(during) - len(ok),
            "p50_ms": round(percentile(ok, 50), 2),
            "p99_ms": round(percentile(ok, 99), 2),
        }
        out["rebuild"] = rebuild
        out["rss_mb_after"] = {
            str(w.pid): rss_mb(w.pid) if w.is_running() else None for w in workers
        }
        out["workers_after"] = [c.pid for c in psutil.Process(proc.pid).children()]
        print(
            f"  load: {run['req_per_s']} req/s, p50 {run['p50_ms']} ms, p99 {run['p99_ms']} ms, "
            f"{run['errors']} errors; rebuild {rebuild.get('status')} "
            f"({rebuild.get('version_before')} -> {rebuild.get('version_after')})",
            flush=True,
        )
    finally:
        for started in (proc, celery):
            if started is not None:
                gunicorn_server.stop(started)
    return out


# --- process start -------------------------------------------------------------------------

FIRST_ANSWER = """
import sys, json
import django
django.setup()
from site_assistant import services
services.warm_up()
result = services.answer("Can I scrape the site?")
import time
answered_at = time.monotonic()  # CLOCK_MONOTONIC: the bench's own clock too
# /proc, not getrusage: ru_maxrss survives exec, so it would report the bench's own peak.
def mb(*keys):
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    return [int(status[key].split()[0]) / 1024 for key in keys]
peak, rss = mb("VmHWM", "VmRSS")
# Then the bench's AFTER_QUESTIONS distinct questions, as a web process answers them.
asked = json.loads(sys.argv[1])
for question in asked:
    services.answer(question)
after = mb("VmRSS", "RssAnon", "RssFile")
print(json.dumps({"peak_rss_mb": peak, "rss_mb": rss, "after": after, "asked": len(asked),
    "answered_at": answered_at,
    "torch": "torch" in sys.modules, "answer": bool(result.answer)}))
"""
AFTER_QUESTIONS = 1000


def process(sandbox: Sandbox) -> dict:
    import psutil

    asked = questions()
    asked = [
        asked[i % len(asked)] + (f" ({i})" if i >= len(asked) else "")
        for i in range(AFTER_QUESTIONS)
    ]
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", FIRST_ANSWER, json.dumps(asked)],
        cwd=ROOT,
        env=sandbox.env,
        capture_output=True,
        text=True,
    )
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    rss, anon, file = report["after"]
    out = {
        "fresh_process": {
            "start_to_first_answer_s": round(report["answered_at"] - started, 2),
            "peak_rss_mb": round(report["peak_rss_mb"], 1),
            "rss_mb": round(report["rss_mb"], 1),
            "torch_loaded": report["torch"],
            # Mapped files (the model's weights: shared by a machine's processes) apart.
            f"after_{report['asked']}_questions": {
                "rss_mb": round(rss, 1),
                "anonymous_mb": round(anon, 1),
                "file_mb": round(file, 1),
            },
        }
    }
    # A Celery worker (prefork, one child) on Redis: start → warmed up, RSS.
    log_path = sandbox.dir / "celery.log"
    env = {**sandbox.env, "REDIS_URL": REDIS_URL}
    started = time.perf_counter()
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "bambicim",
                "worker",
                "--concurrency=1",
                "--loglevel=INFO",
                "-Q",
                "bench-speed",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        while "search warmed up" not in log_path.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log_path.read_text()[-2000:])
            time.sleep(0.1)
        children = psutil.Process(worker.pid).children()
        out["celery_worker"] = {
            "start_to_warm_s": round(time.perf_counter() - started, 2),
            "rss_mb": {"main": rss_mb(worker.pid), "children": [rss_mb(c.pid) for c in children]},
            "warm_up": re.search(r"search warmed up: (\{.*\})", log_path.read_text()).group(1),
        }
    finally:
        gunicorn_server.stop(worker)
    return out


TRAINING_MEMORY = """
import json, sys, threading, time
import django
django.setup()
from site_assistant import services
from site_assistant.training.finetune import TrainConfig, run_training
from site_assistant.training.tasks import give_memory_back

def rss():
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    return {key: round(int(status[key].split()[0]) / 1024, 1) for key in ("VmRSS", "RssAnon")}

services.warm_up()
out = {"warm": rss()}
# In a thread, as the web process runs it without a broker (TRAIN_IN_BACKGROUND_WITHOUT_BROKER).
steps = int(sys.argv[1])
config = TrainConfig(max_steps=steps, max_pairs=320)
meta = {}
ended = {}  # stage: when it was first reported, seconds into the run
started = time.perf_counter()

def progress(fraction, stage):
    ended.setdefault(stage, time.perf_counter() - started)

work = threading.Thread(target=lambda: meta.update(run_training(
    config=config, activate=False, seed=42, show_progress_bar=False, refit=False,
    progress=progress)))
work.start()
work.join()
out["run_seconds"] = round(time.perf_counter() - started, 1)
out["train_seconds"] = meta["train_seconds"]
# The admin's pace (site_assistant.training.time_left.seconds_left): the steps after the
# first, not the trainer's set-up nor its first batch (train_seconds / steps counts both).
step = [ended[f"training: step {n}/{steps}"] for n in range(1, steps + 1)]
out["seconds_a_step"] = round((step[-1] - step[0]) / (steps - 1), 2)
out["seconds_a_step_all_in"] = round(meta["train_seconds"] / meta["steps"], 2)
out["phases_s"] = {
    "set_up": round(ended["training: loading the base model"], 1),
    "loading_to_first_step": round(step[0] - ended["training: loading the base model"], 1),
    "evaluating": round(out["run_seconds"] - step[-1], 1),
}
out["after_run"] = rss()
give_memory_back()
out["after_give_memory_back"] = rss()
print(json.dumps(out))
"""
TRAINING_STEPS = 10


def training(sandbox: Sandbox) -> dict:
    """RSS of a serving process before a short training run (in a thread, as a web
    process runs it without a broker), right after it, and once it let go
    (site_assistant.training.tasks.give_memory_back); the run's time, and its
    training steps' time a step (batches of 32, as the admin's button trains)."""
    proc = subprocess.run(
        [sys.executable, "-c", TRAINING_MEMORY, str(TRAINING_STEPS)],
        cwd=ROOT,
        env={**sandbox.env, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise RuntimeError(proc.stderr[-2000:])
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    timing = {
        key: out.pop(key)
        for key in (
            "run_seconds",
            "train_seconds",
            "seconds_a_step",
            "seconds_a_step_all_in",
            "phases_s",
        )
    }
    return {"steps": TRAINING_STEPS, **timing, "rss_mb": out}


# --- builds ------------------------------------------------------------------------------

BUILD_LINE = re.compile(r"Build #\d+ succeeded in ([\d.]+) s: .*?(\d+) passages \((\d+) embedded")
SETTINGS_MODULE = """
from bambicim.settings import *  # noqa
import os
TEMPLATES[0]["DIRS"] = [os.environ["BENCH_TEMPLATES"]]
"""


def build(sandbox: Sandbox) -> dict:
    """Cold (empty embedding cache, ONNX export in place), unchanged, one page changed."""
    templates = sandbox.dir / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (sandbox.dir / "bench_settings.py").write_text(SETTINGS_MODULE)
    env = {
        **sandbox.env,
        "BENCH_TEMPLATES": str(templates),
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        # As `make index` builds: pages render with plain static files (no
        # collectstatic manifest needed).
        "DEBUG": "1",
        "PYTHONPATH": os.pathsep.join([str(sandbox.dir), str(ROOT)]),
    }
    # Cold: no embedding cache and no index, but the model's export kept.
    code = (
        "import django; django.setup();"
        "from site_assistant.models import EmbeddingCache; EmbeddingCache.objects.all().delete()"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    for child in sandbox.index_dir.iterdir():
        if child.name.startswith("v-") or child.name == "CURRENT":
            shutil.rmtree(child) if child.is_dir() else child.unlink()

    def rebuild(label):
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "manage.py", "search_rebuild", "--sync"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
        found = BUILD_LINE.search(proc.stdout)
        if proc.returncode or not found:
            raise RuntimeError(f"{label}: {(proc.stdout + proc.stderr)[-1500:]}")
        build_seconds, passages, embedded = float(found[1]), int(found[2]), int(found[3])
        return {
            "wall_s": round(wall, 2),
            "build_s": build_seconds,
            "passages": passages,
            "embedded": embedded,
            "passages_per_s": round(passages / build_seconds, 1) if build_seconds else None,
        }

    out = {"cold": rebuild("cold"), "unchanged": rebuild("unchanged")}
    about = templates / "pages" / "about.html"
    head, marker, tail = about.read_text().rpartition("{% endblock %}")
    added = '<h2 id="tea">Tea</h2><p>We drink a lot of tea while we work, mostly green.</p>'
    about.write_text(head + added + marker + tail)
    out["one_page_changed"] = rebuild("one page changed")
    out["command"] = "manage.py search_rebuild --sync (a subprocess: wall includes start-up)"
    return out


# --- chunked builds over N workers (a model from measured parts: bench/scaleout.py) -----


def scaleout(sandbox: Sandbox) -> dict:
    """bench/scaleout.py in the sandbox's environment, its worker on BENCH_REDIS_URL."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "scaleout.py")],
        cwd=ROOT,
        env={**sandbox.env, "REDIS_URL": REDIS_URL},
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise RuntimeError((proc.stdout + proc.stderr)[-1500:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- all ---------------------------------------------------------------------------------


PARTS = ("latency", "http", "load", "process", "build", "scaleout", "training")


def main(parts: list[str]) -> dict:
    """Each part's figures, each with when it ran, on what machine and at what load."""
    results: dict = {}
    sandbox = Sandbox()
    try:
        for part in parts or PARTS:
            print(f"speed: {part} …", flush=True)
            run = record.stamp()
            try:
                figures = latency() if part == "latency" else globals()[part](sandbox)
            except Exception as exc:  # keep the other parts' figures
                figures = {"error": f"{type(exc).__name__}: {str(exc)[-1000:]}"}
            # A part that measures its own load (scaleout, in its own process) keeps it.
            results[part] = {**run, **figures}
            results[part].setdefault("load_at_end", load_average())
            print(json.dumps(results[part], indent=1), flush=True)
    finally:
        sandbox.close()
    return results


def save(results: dict, out: Path = record.RESULTS) -> Path:
    """The parts just run replace their earlier figures; the others stay as they were.

    The "speed" section holds parts only: what describes a run (when, the
    machine, the load average) is in each part, so running some parts leaves
    nothing in the section that speaks for the others.
    """
    previous = record.read(out).get("speed", {})
    # Files written before the parts carried their own: the machine was the
    # same for every part, the time and load at the top were the last run's only.
    legacy_machine = previous.get("machine")
    kept = {
        part: {"machine": legacy_machine, **figures} if legacy_machine else figures
        for part, figures in previous.items()
        if part in PARTS
    }
    return record.save("speed", {**kept, **results}, out)


if __name__ == "__main__":
    path = save(main(sys.argv[1:]))
    print(f"Wrote {path.relative_to(ROOT)}")
