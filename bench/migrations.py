#!/usr/bin/env python
"""``make bench-migrations``: what an upgrade's migrations do to visitors' questions.

On the database of ``DATABASE_URL`` (a scratch PostgreSQL database holding a big
question log: ``make bench-questionlog N=1000000`` fills one), ``site_assistant``
is migrated back to ``--back`` (default ``0015_embedding_cache_used``), then forward one
migration at a time to the latest while a second process logs a question every
50 ms, as the API does (``Question.objects.create``). For each migration: how
long it ran (``manage.py migrate``'s start included), how many questions were
logged meanwhile and how many failed, and the longest a question's insert waited (an insert blocked by a migration's lock waits until the
lock goes).

    python bench/migrations.py [--back 0015_embedding_cache_used]

Migrating back drops what the later migrations made: their indexes, and the
questions' ``site`` column (0016), which comes back blank for every question. It writes nothing into the repository (the figures are printed).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")

APP = "site_assistant"
PAUSE = 0.05  # between two questions logged


def insert(out: str) -> None:
    """Log a question every PAUSE seconds; one line per insert: start, seconds taken."""
    import django

    django.setup()
    from django.db import DatabaseError, ProgrammingError, connection
    from django.utils import timezone

    from site_assistant.models import Question

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    text = "how much does a landing page cost?"
    with open(out, "w") as log:
        while not stop:
            started, failed = time.time(), 0
            try:
                try:
                    Question.objects.create(text=text, channel="api")
                except ProgrammingError:  # before 0016_question_site: no site column yet
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "INSERT INTO site_assistant_question (text, channel, answered,"
                            " top_url, top_heading, top_text, latency_ms, model_id,"
                            " index_version, language, training_approved, created) VALUES"
                            " (%s, 'api', false, '', '', '', 0, '', '', '', false, %s)",
                            [text, timezone.now()],
                        )
            except DatabaseError as exc:  # the question is lost
                failed = 1
                print(f"insert failed: {str(exc).splitlines()[0]}", file=sys.stderr)
            log.write(f"{started:.3f} {time.time() - started:.3f} {failed}\n")
            log.flush()
            time.sleep(PAUSE)


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)


def _migrations_after(back: str) -> list[str]:
    names = sorted(p.stem for p in (ROOT / APP / "migrations").glob("0*.py"))
    return [name for name in names if name > back]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--back", default="0015_embedding_cache_used")
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    from site_assistant.models import Question

    if connection.vendor != "postgresql":
        sys.exit("bench/migrations.py: DATABASE_URL must name a PostgreSQL database")
    rows = Question.objects.count()
    print(f"{rows:,} questions in the log; migrating {APP} back to {args.back}")
    _manage("migrate", APP, args.back, "--noinput", "-v0")
    connection.close()
    handle, out = tempfile.mkstemp(prefix="bench-migrations-", suffix=".log")
    os.close(handle)  # the inserter, a process of its own, writes it
    inserter = subprocess.Popen([sys.executable, __file__, "insert", out], cwd=ROOT)
    time.sleep(3)
    windows = []
    for name in _migrations_after(args.back):
        started = time.time()
        _manage("migrate", APP, name, "--noinput", "-v0")
        windows.append((name, started, time.time()))
        time.sleep(2)
    inserter.send_signal(signal.SIGTERM)
    inserter.wait()
    with open(out) as log:
        inserts = [tuple(map(float, line.split())) for line in log if line.strip()]
    os.unlink(out)
    print("| migration | ran (s) | questions logged meanwhile | lost | longest insert (s) |")
    print("|:--|--:|--:|--:|--:|")
    for name, start, end in windows:
        # An insert belongs to a migration's window when it overlaps it.
        during = [(took, lost) for at, took, lost in inserts if at < end and at + took > start]
        longest = max((took for took, _ in during), default=0.0)
        lost = int(sum(lost for _, lost in during))
        print(f"| {name} | {end - start:.1f} | {len(during) - lost} | {lost} | {longest:.2f} |")
    quiet = [took for at, took, _ in inserts if at + took < windows[0][1]]
    if quiet:
        print(f"before the first migration: {len(quiet)} inserts, longest {max(quiet):.3f} s")


if __name__ == "__main__":
    if sys.argv[1:2] == ["insert"]:
        insert(sys.argv[2])
    else:
        main()
