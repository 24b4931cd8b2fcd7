"""No markup or template syntax ever reaches a pair."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Markup and template syntax that must never reach a pair (the seed's data had
# "{# show the clear button only when there are items #}" in a passage).
_MARKUP = re.compile(r"\{#|#\}|\{%|%\}|\{\{|\}\}|<!--|-->|</?[a-zA-Z][^>]*>")


class DirtyPairError(ValueError):
    """A pair would carry template syntax or markup."""


def is_clean(text: str) -> bool:
    return not _MARKUP.search(text or "")


def assert_clean(pairs: Iterable, passages: dict[int, dict]) -> None:
    """Raise DirtyPairError if a pair's question or passage carries markup."""
    for pair in pairs:
        for text in (pair.question, passages[pair.passage_id]["text"]):
            if not is_clean(text):
                raise DirtyPairError(f"markup or template syntax in a pair: {text[:120]!r}")
