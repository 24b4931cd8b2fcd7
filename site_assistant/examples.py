"""The owner's example questions, each matched to the passage that answers it.

An ExampleQuestion names a section by link ("/services/#pricing"). The index
embeds every active one beside its passage (SITE_ASSISTANT["QUESTION_VECTORS"]): a
visitor's question close to a question the owner wrote lifts that passage
(see ``site_assistant.index.blend_search``). Training uses the same questions as pairs
(``site_assistant.training.pairs.human_questions``).
"""

from __future__ import annotations

from collections.abc import Sequence


def split_link(link: str) -> tuple[str, str]:
    """ "/services/#pricing" → ("/services/", "pricing")."""
    url, _, anchor = (link or "").partition("#")
    return url.strip(), anchor.strip()


def on_page(passage: dict, url: str) -> bool:
    """Whether ``passage`` is on the page ``url`` (its own, or one it was merged from)."""
    return passage["url"] == url or url in (passage.get("urls") or ())


def find_passage(passages: Sequence[dict], url: str, anchor: str, text: str = "") -> int | None:
    """Position in ``passages`` of the passage a link names (or whose text is ``text``).

    The section's first passage when a long section was cut into several; a
    page's own URL before a URL the passage was merged from.
    """
    if text:
        for position, p in enumerate(passages):
            if p["text"] == text:
                return position
    matches = [
        position
        for position, p in enumerate(passages)
        if on_page(p, url) and (not anchor or p.get("anchor") == anchor)
    ]
    if not matches:
        return None
    return min(
        matches,
        key=lambda i: (passages[i]["url"] != url, passages[i].get("position", 0), i),
    )


def example_questions(passages: Sequence[dict]) -> list[tuple[str, int]]:
    """(question, position in ``passages``) for every active example question that
    names one of them, and every question a page declares for one of them
    (``data-search-questions``, the passage's "questions"), sorted by position
    (questions whose link matches no passage are left out: the admin lists
    them as unmatched)."""
    from .models import ExampleQuestion

    found = []
    for question, link in ExampleQuestion.objects.filter(active=True).values_list(
        "question", "url"
    ):
        question = " ".join((question or "").split())
        position = find_passage(passages, *split_link(link)) if question else None
        if position is not None:
            found.append((question, position))
    for position, passage in enumerate(passages):
        for question in passage.get("questions") or ():
            question = " ".join(question.split())
            if question:
                found.append((question, position))
    return sorted(set(found), key=lambda pair: (pair[1], pair[0]))
