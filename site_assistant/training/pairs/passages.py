"""The passages pairs are made from: the live index's, else the Passage table's.

Never a page taken from visitors since the index read it (unpublished, deleted
or made private: ``site_assistant.withdrawn``): its text must not train a model
or be judged by an evaluation, as it is no longer answered from."""

from __future__ import annotations

from collections.abc import Sequence

from ... import withdrawn
from ...examples import PassageFinder


def load_passages() -> tuple[list[dict], str]:
    """Passages of the live index (else the Passage table) and where they came from."""
    from ...index import IndexNotReady, load_current

    try:
        current = load_current()
        if current.passages:
            hidden = withdrawn.paths(current.content_read)
            return _visible(current.passages, hidden), f"index {current.version}"
    except IndexNotReady:
        pass
    from ...models import Passage

    rows = list(Passage.objects.order_by("url", "position", "pk"))
    passages = [
        {
            "id": p.vector_id if p.vector_id is not None else p.pk,
            "text": p.text,
            "title": p.title,
            "heading": p.heading,
            "url": p.url,
            "anchor": p.anchor,
            "urls": [p.url],
            "position": p.position,
        }
        for p in rows
    ]
    return _visible(passages, withdrawn.paths()), "Passage table"


def _visible(passages: Sequence[dict], hidden: frozenset[str]) -> list[dict]:
    """Copies of ``passages`` as visitors see them: each with a page still
    shown, none whose every page is withdrawn."""
    kept = []
    for passage in passages:
        if urls := withdrawn.visible_urls(passage, hidden):
            kept.append({**passage, "url": urls[0]})
    return kept


def passage_id(
    passages: Sequence[dict] | PassageFinder, url: str, anchor: str, text: str = ""
) -> int | None:
    """Id of the passage a link names (or whose text is ``text``), or None.

    For many links over the same passages, pass one ``PassageFinder`` of them."""
    finder = passages if isinstance(passages, PassageFinder) else PassageFinder(passages)
    position = finder.find(url, anchor, text)
    return None if position is None else finder.passages[position]["id"]
