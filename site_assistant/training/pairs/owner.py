"""The owner's example questions (admin: Example questions) as pairs."""

from __future__ import annotations

from collections.abc import Sequence

from ...examples import PassageFinder, split_link
from .pair import Pair
from .passages import passage_id


def owner_questions(passages: Sequence[dict]) -> tuple[list[Pair], list[str]]:
    """(pairs, problems): one pair per active ExampleQuestion whose link names a
    passage; a link that names none is reported, not silently dropped."""
    from ...models import ExampleQuestion

    pairs, problems = [], []
    finder = PassageFinder(passages)
    for example in ExampleQuestion.objects.answering().order_by("pk"):
        url, anchor = split_link(example.url)
        pid = passage_id(finder, url, anchor)
        if pid is None:
            problems.append(f"example question #{example.pk} {example.url!r}: no such passage")
            continue
        # A link without a section names the whole page as the answer.
        page = "" if anchor else url
        pairs.append(Pair(example.question, pid, "owner", "owner", page=page))
    return pairs, problems
