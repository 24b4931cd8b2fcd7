#!/usr/bin/env python
"""``make bench-splits``: how steady is the dev-split figure?

The quality bar is measured on one dev split (``search_make_pairs --seed 42``):
16 of the site's sections and their questions. Which sections land in dev
moves the figure more than most changes to the recipe do, so a change should
be judged over several splits. For each seed this makes the pairs, trains the
guarded fine-tune (``search_finetune --no-refit --no-activate``: the card's
recipe, never served) and reads the base and tuned dev metrics (serving
scores) from the model's ``search.json``.

Prints one row per split and the mean ± standard deviation; writes
bench/splits.json. A few minutes a split on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from run import ROOT, run_child

METRICS = ("accuracy@1", "accuracy@3", "ndcg@10")
DEFAULT_SEEDS = (42, 1, 2, 3, 4, 5)


def one_split(seed: int, work: Path) -> dict:
    pairs, model = work / f"pairs-{seed}", work / f"model-{seed}"
    made = run_child(["search_make_pairs", "--seed", str(seed), "--out", str(pairs)])
    if made["exit_code"] != 0:
        return {"seed": seed, "error": made["output_tail"]}
    trained = run_child(
        [
            "search_finetune",
            "--pairs",
            str(pairs),
            "--no-refit",
            "--no-activate",
            "--out",
            str(model),
        ]
    )
    meta_file = model / "search.json"
    if trained["exit_code"] != 0 or not meta_file.is_file():
        return {"seed": seed, "error": trained["output_tail"]}
    meta = json.loads(meta_file.read_text())
    stats = json.loads((pairs / "stats.json").read_text())
    return {
        "seed": seed,
        "dev_questions": stats.get("dev", {}).get("pairs"),
        "seconds": trained["seconds"],
        **{
            side: {m: round(meta["metrics"][side][m], 4) for m in METRICS}
            for side in ("base", "tuned")
        },
    }


def summary(rows: list[dict]) -> dict:
    done = [r for r in rows if "error" not in r]
    out = {}
    for side in ("base", "tuned"):
        for m in METRICS:
            values = [r[side][m] for r in done]
            if values:
                out[f"{side} {m}"] = {
                    "mean": round(statistics.fmean(values), 4),
                    "sd": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
                    "min": min(values),
                    "max": max(values),
                }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds",
        default=",".join(map(str, DEFAULT_SEEDS)),
        help="comma-separated split seeds (default: %(default)s)",
    )
    args = parser.parse_args()
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--seeds must be comma-separated integers, not {args.seeds!r}")
    if not seeds:
        parser.error("--seeds names no seed")

    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    work = Path(tempfile.mkdtemp(prefix="search-splits-"))
    rows = []
    try:
        for n, seed in enumerate(seeds, 1):
            print(f"[{n}/{len(seeds)}] split seed {seed} …", flush=True)
            row = one_split(seed, work)
            rows.append(row)
            if "error" in row:
                print(f"  FAILED:\n{row['error']}", file=sys.stderr)
                continue
            cells = "   ".join(
                f"{side} " + "/".join(f"{row[side][m]:.3f}" for m in METRICS)
                for side in ("base", "tuned")
            )
            print(f"  {row['dev_questions']} dev questions   {cells}   ({row['seconds']} s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    result = {"when": started, "metrics": list(METRICS), "splits": rows, "summary": summary(rows)}
    print(f"\nOver {sum('error' not in r for r in rows)} splits (mean ± sd, min–max):")
    for name, s in result["summary"].items():
        print(f"  {name:<18} {s['mean']:.3f} ± {s['sd']:.3f}   ({s['min']:.3f}–{s['max']:.3f})")
    out = ROOT / "bench" / "splits.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"Wrote {out.relative_to(ROOT)}")
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
