"""A passage's topic (X in "What is X?"): its heading, or its page's title."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from ...extract import HEADING_SEPARATOR
from ...text import normalize

TITLE_SEPARATORS = (" — ", " | ", " - ", " · ")


def site_suffix(titles: Sequence[str]) -> str:
    """The part of page titles naming the site ("Acme"), if most titles share one."""
    tails = Counter()
    for title in titles:
        for sep in TITLE_SEPARATORS:
            if sep in title:
                tails[title.rsplit(sep, 1)[1].strip()] += 1
                break
    if not tails:
        return ""
    tail, n = tails.most_common(1)[0]
    return tail if n * 2 >= len(titles) else ""


def title_base(title: str, suffix: str) -> str:
    """ "Opening hours — Tea room — Acme" → "Opening hours"; the site's own title stays."""
    title = (title or "").strip()
    if suffix:
        for sep in TITLE_SEPARATORS:
            if title.endswith(sep + suffix):
                title = title[: -len(sep + suffix)].strip()
                break
    for sep in TITLE_SEPARATORS:
        if sep in title:
            head = title.split(sep, 1)[0].strip()
            if head:
                return head
    return title


def leaf(heading: str) -> str:
    """The last heading of a heading path ("Services › Pricing" → "Pricing")."""
    return (heading or "").split(HEADING_SEPARATOR)[-1].strip()


def body(passage: dict) -> str:
    """The passage text without its leading heading (HEADING_IN_TEXT puts it there)."""
    text = passage["text"]
    heading = leaf(passage.get("heading", ""))
    if heading and text.startswith(heading):
        text = text[len(heading) :].lstrip(" .:")
    return text


def topics(passages: Sequence[dict]) -> dict[int, str]:
    """Passage id → X for the templates: heading leaf, qualified when ambiguous."""
    suffix = site_suffix([p.get("title", "") for p in passages])
    leaf_urls: dict[str, set[str]] = defaultdict(set)
    for p in passages:
        leaf_urls[leaf(p.get("heading", "")).lower()].add(p["url"])
    out = {}
    for p in passages:
        heading = leaf(p.get("heading", ""))
        base = title_base(p.get("title", ""), suffix) or suffix
        if not heading or heading.endswith("?"):
            # Intro passages and question headings ("What do you do?") are about the page.
            x = base
        elif len(leaf_urls[heading.lower()]) > 1 and base.lower() != heading.lower():
            # The same heading on several pages ("Pricing" on several service pages).
            x = f"{base} {heading}"
        else:
            x = heading
        out[p["id"]] = normalize(x.strip(" .:;!"))
    return out
