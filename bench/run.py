#!/usr/bin/env python
"""``make bench``: what the search app costs on this machine.

- index build: ``manage.py search_rebuild --sync`` in a subprocess (wall time, peak RSS);
- fine-tune: 320 pairs × 2 epochs with evaluation of base and tuned
  (``manage.py search_finetune --max-pairs 320 --no-activate``) in a subprocess:
  wall time, training time, peak RSS (ru_maxrss of the child);
- query latency p50/p95 of ``services.answer`` for the serving configuration
  (and the other retriever, for comparison), one thread, distinct questions.

Prints a table and writes bench/results.json ("build_finetune"). Never activates a model.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench import record  # noqa: E402

BUDGET_FINETUNE_SECONDS = 60
BUDGET_FINETUNE_RSS_MB = 2048


def run_child(args: list[str], env=None) -> dict:
    """Run ``manage.py <args>``; wall time, exit code, peak RSS of that child alone."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "command": "manage.py " + " ".join(args),
        "seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
        "exit_code": proc.returncode,
        "output_tail": output[-1500:],
    }


def percentile(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    index = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[index]


def query_latency(retriever: str, questions: list[str]) -> dict:
    import django

    django.setup()
    from django.conf import settings

    from site_assistant import conf, services

    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "RETRIEVER": retriever}
    services.answer("warm up the model")  # load model, index (and BM25) once
    timings = []
    for question in questions:
        started = time.perf_counter()
        services.answer(question)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "retriever": retriever,
        "model_id": services.index_status().get("model_id", ""),
        "queries": len(timings),
        "p50_ms": round(percentile(timings, 50), 2),
        "p95_ms": round(percentile(timings, 95), 2),
        "max_ms": round(max(timings), 2),
        "threads": conf.get("TORCH_THREADS"),
    }


def main() -> int:
    results: dict = record.stamp()
    print("Index build (search_rebuild --sync) …", flush=True)
    results["build"] = run_child(["search_rebuild", "--sync"])

    work = Path(tempfile.mkdtemp(prefix="search-bench-"))
    try:
        print("Training pairs …", flush=True)
        results["pairs"] = run_child(["search_make_pairs", "--out", str(work / "pairs")])
        print("Fine-tune: 320 pairs × 2 epochs with evaluation …", flush=True)
        results["finetune"] = run_child(
            [
                "search_finetune",
                "--pairs",
                str(work / "pairs"),
                "--max-pairs",
                "320",
                "--epochs",
                "2",
                "--no-activate",
                "--out",
                str(work / "model"),
            ]
        )
        meta_file = work / "model" / "search.json"
        if meta_file.is_file():
            meta = json.loads(meta_file.read_text())
            results["finetune"].update(
                {
                    "train_seconds": meta["train_seconds"],
                    "pairs": meta["pairs"],
                    "steps": meta["steps"],
                    "dev_ndcg@10_base": round(meta["metrics"]["base"]["ndcg@10"], 4),
                    "dev_ndcg@10_tuned": round(meta["metrics"]["tuned"]["ndcg@10"], 4),
                }
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    questions = [
        json.loads(line)["question"]
        for line in (ROOT / "tests/data/natural_questions.jsonl").read_text().splitlines()
        if line.strip()
    ]
    questions += [f"{q} please" for q in questions] + [f"hi, {q.lower()}" for q in questions]
    import django

    django.setup()
    from site_assistant import conf

    serving = conf.get("RETRIEVER")
    print(f"Query latency ({len(questions)} distinct questions) …", flush=True)
    results["latency"] = [query_latency(serving, questions)]
    other = "hybrid" if serving == "dense" else "dense"
    results["latency"].append(query_latency(other, [f"{q}?" for q in questions]))
    results["latency"][0]["serving"] = True

    ft = results["finetune"]
    rows = [
        (
            "index build (sync, subprocess)",
            f"{results['build']['seconds']} s",
            f"{results['build']['peak_rss_mb']} MB",
            "",
        ),
        (
            "fine-tune 320 pairs × 2 epochs + eval",
            f"{ft['seconds']} s",
            f"{ft['peak_rss_mb']} MB",
            f"training {ft.get('train_seconds', '?')} s; budget {BUDGET_FINETUNE_SECONDS} s / "
            f"{BUDGET_FINETUNE_RSS_MB} MB",
        ),
    ]
    for lat in results["latency"]:
        label = f"query, {lat['retriever']}{' (serving)' if lat.get('serving') else ''}"
        rows.append(
            (
                label,
                f"p50 {lat['p50_ms']} ms",
                f"p95 {lat['p95_ms']} ms",
                f"{lat['queries']} queries, model {lat['model_id']}",
            )
        )
    width = max(len(r[0]) for r in rows)
    print()
    for name, a, b, note in rows:
        print(f"{name:<{width}}  {a:>14}  {b:>14}  {note}")
    results["load_at_end"] = record.load_average()
    results["budget_met"] = {
        "finetune_seconds": ft["seconds"] <= BUDGET_FINETUNE_SECONDS,
        "finetune_rss": ft["peak_rss_mb"] <= BUDGET_FINETUNE_RSS_MB,
    }
    out = record.save("build_finetune", results)
    print(
        f'\nWrote {out.relative_to(ROOT)} ("build_finetune"; load average at start '
        f"{results['load_at_start']}, at the end {results['load_at_end']})"
    )
    failed = [r for r in (results["build"], results["pairs"], ft) if r["exit_code"] != 0]
    for r in failed:
        print(f"FAILED: {r['command']}\n{r['output_tail']}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
