#!/usr/bin/env python
"""``python bench/health.py [N]``: what one ``GET /health/`` costs a process
(docs/operations.md, "Health checks").

N (200) anonymous requests through Django's test client on the live index, as a
load balancer or anyone polling it sends them, after one to warm up: the median
and 95th percentile in ms, and how many times the model ran. With ``REDIS_URL``
set the task queue's probe is in it too. Run with HEALTH_PROBE_SECONDS as set
(10 by default) and with 0 (every request probes).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")

import django  # noqa: E402

from bench import record  # noqa: E402, F401  (a throwaway secret key when none is given)

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from site_assistant import conf, embed, index, services  # noqa: E402


def measure(n: int) -> dict:
    live = index.load_current()
    encoder = embed.get_encoder(live.model_ref or embed.active_model_ref(), role="query")
    real, runs = encoder.encode, []
    encoder.encode = lambda *a, **kw: runs.append(1) or real(*a, **kw)
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0], REMOTE_ADDR="192.0.2.1")
    client.get("/health/", secure=True)
    runs.clear()
    took = []
    for _ in range(n):
        started = time.perf_counter()
        status = client.get("/health/", secure=True).status_code
        took.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
    encoder.encode = real
    return {
        "median_ms": round(statistics.median(took), 2),
        "p95_ms": round(statistics.quantiles(took, n=20)[-1], 2),
        "model_runs": len(runs),
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    setup_test_environment()
    services.warm_up()
    broker = "broker " + ("on" if os.environ.get("REDIS_URL") else "off")
    configured = (
        conf.get("HEALTH_PROBE_SECONDS") if "HEALTH_PROBE_SECONDS" in conf.DEFAULTS else "(none)"
    )
    print(f"{n} anonymous GET /health/, {broker}, load {os.getloadavg()[0]:.1f}")
    print(f"  HEALTH_PROBE_SECONDS {configured}: {measure(n)}")
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "HEALTH_PROBE_SECONDS": 0}
    print(f"  HEALTH_PROBE_SECONDS 0: {measure(n)}")


if __name__ == "__main__":
    main()
