"""Real gunicorn serving the site, for the tests and for bench/speed.py.

    with running(conf_args(8108), env, log_path) as proc:
        wait_for_warm_up(proc, log_path)
        ...  # ask 127.0.0.1:8108

gunicorn runs in a session of its own, so ``stop`` ends the master and its
workers together. Nothing here needs pytest: a server that does not come up
raises ``RuntimeError`` with the end of its log.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def conf_args(port: int, workers: int = 2) -> list[str]:
    """The site's own gunicorn.conf.py (workers warm up before they take a request)."""
    return [
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]


def start(args: list[str], env: dict, log_path: Path) -> subprocess.Popen:
    """``python -m gunicorn *args`` in the repository with ``env``, its output in ``log_path``."""
    with Path(log_path).open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    """End a process started in a session of its own and all of its children:
    SIGTERM, then SIGKILL after ``timeout`` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextlib.contextmanager
def running(args: list[str], env: dict, log_path: Path) -> Iterator[subprocess.Popen]:
    """gunicorn started with ``start`` and stopped when the block ends."""
    proc = start(args, env, log_path)
    try:
        yield proc
    finally:
        stop(proc)


def wait_until(
    proc: subprocess.Popen,
    log_path: Path,
    ready: Callable[[], bool],
    timeout: float,
    every: float = 0.2,
    what: str = "gunicorn did not start",
) -> None:
    """Call ``ready()`` every ``every`` seconds until it is true; ``RuntimeError``
    if gunicorn exits first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            what = f"{what} (gunicorn exited with {proc.returncode})"
        elif time.monotonic() <= deadline:
            time.sleep(every)
            continue
        raise RuntimeError(f"{what}: {Path(log_path).read_text()[-3000:]}")


def wait_for_warm_up(
    proc: subprocess.Popen, log_path: Path, workers: int = 2, timeout: float = 240
) -> None:
    """Until each worker has logged its ``search warm-up`` (gunicorn.conf.py's post_worker_init)."""
    wait_until(
        proc,
        log_path,
        lambda: Path(log_path).read_text().count("search warm-up") >= workers,
        timeout,
        what=f"gunicorn's {workers} workers did not warm up within {timeout:g} s",
    )
