"""Where every bench writes its figures: one section of ``bench/results.json`` each.

A section names when it ran, on what machine and at what load average
(``stamp`` at the start, ``load_at_end`` when done), and writing one section
(``save``) leaves the others as they were, so ``make bench-ann`` never erases
``make bench-speed``'s figures and the other way round.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import secrets
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"

# The benches run the site with DEBUG off, which refuses to start without a secret
# key: a bench's own processes get a throwaway one when none is given.
if not (os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE")):
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version()}


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def stamp() -> dict:
    """What describes a run, taken at its start: when (UTC), the machine, the load."""
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "load_at_start": load_average(),
    }


def read(out: Path = RESULTS) -> dict:
    return json.loads(out.read_text()) if out.is_file() else {}


def save(section: str, figures: dict, out: Path = RESULTS) -> Path:
    """Replace one section of the results file; the other sections stay."""
    existing = read(out)
    existing[section] = figures
    out.write_text(json.dumps(existing, indent=2) + "\n")
    return out
