"""The live index's sections, found by their words: the admin's "Fix this answer" picker.

A section is what a link ("/services/#pricing") names: a heading's passage
(a long section cut into several passages is listed once, by its first).
The owner finds it by its page title, its heading or words of its text, and
never has to type the link.
"""

from __future__ import annotations

from . import services
from .index import load_current


def _section(passage: dict) -> dict:
    url, anchor = passage["url"], passage.get("anchor") or ""
    return {
        "link": f"{url}#{anchor}" if anchor else url,
        "title": passage.get("title") or "",
        "heading": passage.get("heading") or "",
        "text": passage["text"],
    }


def find(words: str, limit: int = 30) -> list[dict]:
    """Sections whose title, heading or text hold every word of ``words`` (any case).

    Those with every word in their title or heading come first, then the
    site's order. Empty ``words``: none. Raises IndexNotReady before the
    first build.
    """
    terms = words.casefold().split()
    if not terms:
        return []
    found, seen = [], set()
    for position, passage in enumerate(load_current().passages):
        section = _section(passage)
        if section["link"] in seen:
            continue
        label = f"{section['title']} {section['heading']}".casefold()
        haystack = f"{label} {section['text'].casefold()}"
        if all(term in haystack for term in terms):
            seen.add(section["link"])
            found.append((not all(term in label for term in terms), position, section))
    found.sort(key=lambda row: row[:2])
    return [section for _, _, section in found[:limit]]


def closest(question: str, limit: int = 8) -> list[dict]:
    """The sections the live index ranks closest to ``question``, with their scores."""
    found, seen = [], set()
    for hit in services.search(question, k=limit):
        if hit.link in seen:
            continue
        seen.add(hit.link)
        found.append(
            {
                "link": hit.link,
                "title": hit.title,
                "heading": hit.heading,
                "text": hit.text,
                "score": hit.score,
            }
        )
    return found
