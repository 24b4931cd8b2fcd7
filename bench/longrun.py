#!/usr/bin/env python
"""``make bench-longrun``: months of running in about 10 minutes — what grows.

One long-lived *builder* process (what a Celery worker is: it builds again
and again without a restart) runs ``BENCH_BUILDS`` (150) rebuilds, each
after a small content change: a paragraph of the About page's template is
rewritten (the old text leaves the site, the new one is embedded). Each
build is one day of the site's life: afterwards every stored date (the
embedding cache's, the build rows', the question log's) moves a day back
and beat's daily purge of the question log runs. Beside it, one
long-lived *asker* process (what a gunicorn worker is) answers and logs
questions (``questions.ask``, as the widget does) without pause and picks up
every new version by the CURRENT pointer, until the builder is done and it
has answered at least ``BENCH_QUESTIONS`` (10,000).

Measured:

- disk every 10 builds: the index folder (version folders and how many,
  the ONNX exports, the rest), the ``EmbeddingCache`` rows and bytes, the
  ``IndexBuild`` rows;
- RSS of the builder after every build and of the asker every 100
  questions (with the version it served): the slope in MB per build / per
  swap by least squares over the second half of the run (the first half
  holds the one-off warm-up: the model, the ONNX session, allocator pools).

``worker``: ``WORKER_BUILDS`` (50) of those rebuilds asked of a real Celery
worker (prefork, one pool process, on ``BENCH_REDIS_URL``,
redis://127.0.0.1:6379/10, queue ``bench-longrun``): the pool process's RSS
after each build.

``purge``: a fresh process's RSS before and after the daily purge of the
question log (``questions.purge``, what ``purge_question_log`` runs).

Everything runs in a scratch folder (a copy of the templates, a fresh
SQLite database unless ``BENCH_DATABASE_URL`` names another, e.g. an empty
PostgreSQL database); the site's own data is never written. Results:
``bench/results.json`` under ``longrun``.

    python bench/longrun.py [builder] [worker] [purge]   # BENCH_BUILDS=150 BENCH_QUESTIONS=10000
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import record  # noqa: E402

BUILDS = int(os.environ.get("BENCH_BUILDS", "150"))
QUESTIONS = int(os.environ.get("BENCH_QUESTIONS", "10000"))
WORKER_BUILDS = int(os.environ.get("WORKER_BUILDS", "50"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
SETTINGS_MODULE = """
from bambicim.settings import *  # noqa
import os
TEMPLATES[0]["DIRS"] = [os.environ["BENCH_TEMPLATES"]]
# As in production, no query log in memory (DEBUG's settings otherwise: plain
# static files, no HTTPS redirect for the build's in-process requests).
DEBUG = False
ALLOWED_HOSTS = ["*"]
# Edits are read by the same process (no cached loader: a deploy would restart it).
TEMPLATES[0]["APP_DIRS"] = False
TEMPLATES[0].setdefault("OPTIONS", {})["loaders"] = [
    "django.template.loaders.filesystem.Loader",
    "django.template.loaders.app_directories.Loader",
]
"""
MARKER = "<!-- longrun -->"


def rss_mb(pid: int | None = None) -> float:
    import psutil

    return round(psutil.Process(pid).memory_info().rss / 2**20, 1)


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (x, y) over the second half of the points."""
    half = points[len(points) // 2 :]
    if len(half) < 2:
        return None
    n = len(half)
    mx = sum(x for x, _ in half) / n
    my = sum(y for _, y in half) / n
    var = sum((x - mx) ** 2 for x, _ in half)
    return round(sum((x - mx) * (y - my) for x, y in half) / var, 4) if var else None


def folder_bytes(path: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(FileNotFoundError):  # pruned meanwhile
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


# --- inside the builder process -----------------------------------------------------------


def footprint() -> dict:
    from django.db import connection

    from site_assistant import index
    from site_assistant.models import EmbeddingCache, IndexBuild, Question

    root = index.index_dir()
    versions = index.versions()
    version_bytes = sum(folder_bytes(root / v) for v in versions)
    onnx = folder_bytes(root / "onnx") + folder_bytes(root / "models")
    table = EmbeddingCache._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            cache_bytes = cursor.fetchone()[0]
        else:
            cursor.execute(f"SELECT COALESCE(SUM(LENGTH(vector)), 0) FROM {table}")
            cache_bytes = cursor.fetchone()[0]
    return {
        "versions": len(versions),
        "versions_mb": round(version_bytes / 2**20, 2),
        "onnx_and_models_mb": round(onnx / 2**20, 1),
        "index_dir_mb": round(folder_bytes(root) / 2**20, 1),
        "cache_rows": EmbeddingCache.objects.count(),
        "cache_mb": round(cache_bytes / 2**20, 2),
        "build_rows": IndexBuild.objects.count(),
        "question_rows": Question.objects.count(),
    }


def a_day_passes() -> None:
    """Every stored date moves a day back: one build is one day of the site's life.
    Then beat's daily purge of the question log runs."""
    from datetime import timedelta

    from django.db.models import F

    from site_assistant.models import EmbeddingCache, IndexBuild, Question
    from site_assistant.tasks import purge_question_log

    day = timedelta(days=1)
    ages = {"created": F("created") - day}
    if any(f.name == "used" for f in EmbeddingCache._meta.fields):
        ages["used"] = F("used") - day
    EmbeddingCache.objects.update(**ages)
    IndexBuild.objects.update(created=F("created") - day)
    Question.objects.update(created=F("created") - day)
    purge_question_log()


def builder(templates: Path, builds: int, out: Path, worker: int = 0) -> None:
    """``builds`` rebuilds after an edit each: in this process, or (``worker``: the
    pid of a Celery worker) asked of that worker, whose child's RSS is measured."""
    import io

    import django

    django.setup()
    from django.core.management import call_command

    from site_assistant import index, rebuilds
    from site_assistant.models import IndexBuild

    about = templates / "pages" / "about.html"
    original = about.read_text()
    head, end, tail = original.rpartition("{% endblock %}")
    rows = []
    started = time.monotonic()
    for n in range(1, builds + 1):
        paragraph = (
            f'{MARKER}<h2 id="this-week">This week</h2><p>This is week {n} of the studio '
            f"log: we painted {n} walls, drank {3 * n} cups of tea and answered {7 * n} "
            f"letters about colour number {n * 13 % 97}.</p>"
        )
        about.write_text(head + paragraph + end + tail)
        t = time.monotonic()
        said = io.StringIO()
        if worker:
            build = rebuilds.request_rebuild(IndexBuild.Trigger.COMMAND)
            while build.status in ("queued", "running") and time.monotonic() - t < 300:
                time.sleep(0.2)
                build.refresh_from_db()
            said.write(f"build #{build.pk} {build.status} {build.error}")
        else:
            call_command("search_rebuild", "--sync", stdout=said, stderr=io.StringIO())
        live = Path(index.index_dir(), index.current_version_name(), index.PASSAGES_FILE)
        if f"week {n} of" not in live.read_text():
            raise RuntimeError(f"build {n} did not read the edit: {said.getvalue()[-500:]}")
        rss = rss_mb(_child_of(worker)) if worker else rss_mb()
        row = {"build": n, "seconds": round(time.monotonic() - t, 2), "rss_mb": rss}
        a_day_passes()
        if n == 1 or n % 10 == 0:
            row.update(footprint())
        rows.append(row)
        out.write_text(json.dumps(rows))
    rows[-1]["wall_s"] = round(time.monotonic() - started, 1)
    out.write_text(json.dumps(rows))


def _child_of(pid: int) -> int:
    """The pool process of a prefork Celery worker started with --concurrency=1."""
    import psutil

    children = psutil.Process(pid).children(recursive=True)
    if len(children) != 1:
        raise RuntimeError(f"expected one pool process under {pid}, found {children}")
    return children[0].pid


def asker(done_file: Path, least: int, out: Path) -> None:
    import django

    django.setup()
    from site_assistant import index
    from site_assistant import questions as log

    questions = []
    for name in ("natural_questions.jsonl", "unanswerable_questions.jsonl"):
        for line in (ROOT / "tests" / "data" / name).read_text().splitlines():
            row = json.loads(line)
            questions.append(row.get("question") or row["query"])
    rows, asked, swaps, version, errors = [], 0, -1, None, 0
    while asked < least or not done_file.exists():
        query = questions[asked % len(questions)]
        try:
            answer, _ = log.ask(f"{query} {asked % 7 or ''}".strip(), channel="widget")
            if answer.index_version != version:
                version, swaps = answer.index_version, swaps + 1
        except index.IndexNotReady:
            errors += 1
        asked += 1
        if asked % 100 == 0:
            rows.append({"asked": asked, "swaps": swaps, "rss_mb": rss_mb()})
            out.write_text(json.dumps({"rows": rows, "errors": errors}))
    out.write_text(json.dumps({"rows": rows, "errors": errors}))


# --- the run ------------------------------------------------------------------------------


def _scratch() -> tuple[Path, Path, dict]:
    """A scratch folder with a copy of the templates, its env, a migrated database
    and a first index."""
    scratch = Path(tempfile.mkdtemp(prefix="search-bench-longrun-"))
    templates = scratch / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (scratch / "bench_settings.py").write_text(SETTINGS_MODULE)
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{scratch / 'db.sqlite3'}"),
        "SEARCH_INDEX_DIR": str(scratch / "index"),
        "BENCH_TEMPLATES": str(templates),
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "DEBUG": "1",
        "OMP_NUM_THREADS": "1",
        "SEARCH_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(scratch), str(ROOT)]),
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*manage, "search_rebuild", "--sync"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return scratch, templates, env


def _builds_figures(builds: list[dict]) -> dict:
    return {
        "builds": len(builds),
        "build_s_median": sorted(b["seconds"] for b in builds)[len(builds) // 2],
        "disk": [b for b in builds if "versions" in b],
        "rss_mb_first_middle_last": [
            builds[0]["rss_mb"],
            builds[len(builds) // 2]["rss_mb"],
            builds[-1]["rss_mb"],
        ],
        "rss_slope_mb_per_build": slope([(b["build"], b["rss_mb"]) for b in builds]),
    }


def in_process() -> dict:
    """The builder process and the asker process side by side."""
    scratch, templates, env = _scratch()
    try:
        py = [sys.executable, str(Path(__file__).resolve())]
        built, answered, done = scratch / "builder.json", scratch / "asker.json", scratch / "done"
        ask = subprocess.Popen([*py, "_asker", str(done), str(QUESTIONS), str(answered)], env=env)
        subprocess.run(
            [*py, "_builder", str(templates), str(BUILDS), str(built)], env=env, check=True
        )
        done.touch()
        if ask.wait():
            raise RuntimeError("the asker failed")
        builds = json.loads(built.read_text())
        asked = json.loads(answered.read_text())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    per_swap = {}
    for row in asked["rows"]:
        per_swap.setdefault(row["swaps"], row["rss_mb"])
    return {
        "command": "python bench/longrun.py builder",
        "builder": _builds_figures(builds),
        "asker": {
            "questions": asked["rows"][-1]["asked"],
            "errors": asked["errors"],
            "swaps": asked["rows"][-1]["swaps"],
            "rss_mb_first_last": [asked["rows"][0]["rss_mb"], asked["rows"][-1]["rss_mb"]],
            "rss_slope_mb_per_swap": slope(sorted(per_swap.items())),
            "rss_slope_mb_per_1000_questions": slope(
                [(r["asked"] / 1000, r["rss_mb"]) for r in asked["rows"]]
            ),
        },
    }


def celery_worker() -> dict:
    """WORKER_BUILDS (50) rebuilds asked of a real Celery worker (prefork, one pool
    process) on BENCH_REDIS_URL: the pool process's RSS after each."""
    scratch, templates, env = _scratch()
    env = {**env, "REDIS_URL": REDIS_URL, "CELERY_QUEUE": "bench-longrun"}
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "bambicim", "worker"),
            *("--concurrency=1", "--pool=prefork", "--loglevel=warning", "-n", "longrun@%h"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(scratch / "worker.log", "w"),  # noqa: SIM115 - closed with the process
    )
    try:
        time.sleep(15)  # started and warmed up (the model loads at worker_process_init)
        py = [sys.executable, str(Path(__file__).resolve())]
        built = scratch / "builder.json"
        subprocess.run(
            [*py, "_builder", str(templates), str(WORKER_BUILDS), str(built), str(worker.pid)],
            env=env,
            check=True,
        )
        builds = json.loads(built.read_text())
    finally:
        worker.terminate()
        worker.wait(60)
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "command": "python bench/longrun.py worker",
        "worker": _builds_figures(builds),
    }


def _purge() -> None:
    """In a fresh process: RSS before and after the daily purge of the question log."""
    import django

    django.setup()
    from site_assistant import questions

    before = rss_mb()
    questions.purge()
    print(json.dumps({"rss_mb_before": before, "rss_mb_after": rss_mb()}))


def purge() -> dict:
    """What the daily question-log purge costs the memory of the process that runs it."""
    scratch, _, env = _scratch()
    try:
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "_purge"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "command": "python bench/longrun.py purge",
        "purge": json.loads(proc.stdout.strip().splitlines()[-1]),
    }


PARTS = {"builder": in_process, "worker": celery_worker, "purge": purge}


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_builder":
        builder(Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]), *map(int, sys.argv[5:]))
    elif len(sys.argv) > 1 and sys.argv[1] == "_asker":
        asker(Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
    elif len(sys.argv) > 1 and sys.argv[1] == "_purge":
        _purge()
    else:
        results = record.read().get("longrun", {})
        for part in sys.argv[1:] or list(PARTS):
            figures = {**record.stamp(), **PARTS[part]()}
            figures["load_at_end"] = record.load_average()
            print(json.dumps(figures, indent=2), flush=True)
            results[part] = figures
        if os.environ.get("BENCH_SAVE", "1") == "1":
            record.save("longrun", results)
