"""The live index's sections, found by their words: the admin's section pickers.

A section is what a link ("/services/#pricing") names: a heading's passage
(a long section cut into several passages is listed once, by its first).
The owner finds it by its page title, its heading or words of its text, sees
it as "Services › Pricing" (``where``), and never has to type the link:
"Fix this answer" and the example question form both pick from here.
"""

from __future__ import annotations

from . import page_labels, services, sites, snippets
from .index import IndexNotReady, load_current


def where(passage: dict) -> str:
    """ "Services › Pricing", "Changelog › 2.3.0 › Removed": the passage's breadcrumb
    (``snippets.breadcrumb``: the page, its title without the trail the site's other titles
    share, and the headings down to the section's own), as the widget, the search page and
    the API show an answer's place. A hit's ``breadcrumb`` is used as it is."""
    crumbs = list(passage.get("breadcrumb") or ()) or snippets.breadcrumb(
        passage, page_labels.of(passage.get("title"), page_labels.live())
    )
    return " › ".join(crumbs or [passage.get("url", "")])


def _section(passage: dict) -> dict:
    url, anchor = passage["url"], passage.get("anchor") or ""
    return {
        "link": f"{url}#{anchor}" if anchor else url,
        "title": passage.get("title") or "",
        "heading": passage.get("heading") or "",
        "label": where(passage),
        "text": passage["text"],
    }


def every() -> list[dict]:
    """Every section of the live index, once each, in the site's order.

    Raises IndexNotReady before the first build.
    """
    found, seen = [], set()
    for passage in load_current().passages:
        section = _section(passage)
        if section["link"] not in seen:
            seen.add(section["link"])
            found.append(section)
    return found


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
    # Every passage is searched: a long section's words may be in its second part.
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


def label(link: str) -> str | None:
    """ "Services › Pricing" for the section ``link`` names, None when the live index has
    no such section. Raises IndexNotReady before the first build."""
    passage = services.section(link)
    return None if passage is None else where(passage)


def lost_examples() -> list[int]:
    """The pks of the active example questions whose link names no section of the live
    index (the section was deleted, or reworded past recognising): they steer no
    visitor. [] before the first build."""
    from .models import ExampleQuestion

    try:
        return [
            pk
            for pk, link in ExampleQuestion.objects.answering().values_list("pk", "url")
            if services.section(link) is None
        ]
    except IndexNotReady:
        return []


def named(link: str, otherwise: str) -> str:
    """ "Contact › Where we are", as the visitor saw the place of the answer ``link``
    names; ``otherwise`` (e.g. the headings logged with a question) when the live
    index has no such section or there is none yet."""
    try:
        return label(link) or otherwise
    except IndexNotReady:
        return otherwise


def closest(question: str, limit: int = 8, site: str = sites.DEFAULT) -> list[dict]:
    """The sections the live index ranks closest to ``question`` for a visitor of
    ``site`` (a hostname; the default site's by default), with their scores. The
    links of another site's sections name its address ("//beta.example/…#…")."""
    found, seen = [], set()
    for hit in services.search(question, k=limit, host=site):
        link = services.site_link(hit.link, site)
        if link in seen:
            continue
        seen.add(link)
        found.append(
            {
                "link": link,
                "title": hit.title,
                "heading": hit.heading,
                "label": where(
                    {
                        "title": hit.title,
                        "heading": hit.heading,
                        "url": hit.url,
                        "breadcrumb": hit.breadcrumb,
                    }
                ),
                "text": hit.text,
                "score": hit.score,
            }
        )
    return found
