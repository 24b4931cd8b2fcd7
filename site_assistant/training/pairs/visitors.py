"""Visitors' helpful, public-safe questions as pairs, and forgetting them.

The question log deletes a visitor's question after LOG_RETENTION_DAYS (the
privacy policy's promise); whatever pairs are kept must forget them too.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...examples import PassageFinder, split_link
from .pair import Pair
from .passages import passage_id


def visitor_questions(passages: Sequence[dict]) -> list[Pair]:
    """One pair per public-safe helpful question whose top answer is a passage.

    Public-safe: ``Question.objects.trainable()`` (voted helpful, approved by
    the owner, nothing personal in the text); a vote alone is not enough.
    """
    from ...models import Question

    pairs = []
    finder = PassageFinder(passages)
    for question in Question.objects.trainable().exclude(top_url="").order_by("pk"):
        url, anchor = split_link(question.top_url)
        pid = passage_id(finder, url, anchor, question.top_text)
        if pid is not None:
            pairs.append(Pair(question.text, pid, "visitor", "visitor"))
    return pairs
