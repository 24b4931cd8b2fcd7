"""A process's memory that the database just failed.

What works without the database (answering: the question log and the
withdrawn pages' read are extras) leaves it alone for RETRY_SECONDS after any
of them saw it fail: a database that never answers costs one connect timeout
per process that often, not one per question, nor one per extra.

The question log alone is left alone as long when the database answers but its
tables are older than the code (a migration not applied yet, site_assistant.schema):
every insert would fail, and nothing else needs to wait.
"""

from __future__ import annotations

import time

RETRY_SECONDS = 30.0
_until = float("-inf")  # time.monotonic()
_log_until = float("-inf")


def database_paused() -> bool:
    """Whether the database failed less than RETRY_SECONDS ago."""
    return time.monotonic() < _until


def database_failed() -> None:
    """The database just failed: leave it alone for RETRY_SECONDS."""
    global _until
    _until = time.monotonic() + RETRY_SECONDS


def log_paused() -> bool:
    """Whether the question log failed on its tables less than RETRY_SECONDS ago."""
    return time.monotonic() < _log_until


def log_failed() -> None:
    """The question log's table is not what the code writes: leave it for RETRY_SECONDS."""
    global _log_until
    _log_until = time.monotonic() + RETRY_SECONDS


def forget() -> None:
    """Try the database again at once (tests)."""
    global _until, _log_until
    _until = _log_until = float("-inf")
