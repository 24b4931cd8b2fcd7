"""What a process works out once for an index version: the live one only."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerVersion(Generic[T]):
    """A value worked out once per index version in this process (a speller, a
    BM25 index...). Only the live version is asked for, so a new version's
    value replaces the old one's: nothing accumulates."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._value: T | None = None

    def get(self, version: str, make: Callable[[], T]) -> T:
        with self._lock:
            if self._version != version:
                self._value = make()
                self._version = version
            return self._value
