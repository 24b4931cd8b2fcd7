"""The passages pairs are made from: the live index's, else the Passage table's."""

from __future__ import annotations

from collections.abc import Sequence

from ...examples import PassageFinder


def load_passages() -> tuple[list[dict], str]:
    """Passages of the live index (else the Passage table) and where they came from."""
    from ...index import IndexNotReady, load_current

    try:
        current = load_current()
        if current.passages:
            return [dict(p) for p in current.passages], f"index {current.version}"
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
    return passages, "Passage table"


def passage_id(
    passages: Sequence[dict] | PassageFinder, url: str, anchor: str, text: str = ""
) -> int | None:
    """Id of the passage a link names (or whose text is ``text``), or None.

    For many links over the same passages, pass one ``PassageFinder`` of them."""
    finder = passages if isinstance(passages, PassageFinder) else PassageFinder(passages)
    position = finder.find(url, anchor, text)
    return None if position is None else finder.passages[position]["id"]
