"""The page an answer is on, as its breadcrumb names it: its title without the trail.

Titles carry a trail after the page's own name: the site's name ("About — Example"),
often a section's too ("Inventory — Game — Example"). Left in, the breadcrumb reads
"Inventory — Game › Your spoils" or repeats a heading. So the parts of a title
(split on " — ", " – ", " | ", " · ", " - ") that end other pages' titles too are
left out from the end, and a part that leads the titles of several pages ("Example |
About") from the start, while at least one part is left. A title nothing was left
out of loses its last part after " — ", " – " or " | ", the site's name on a site of
one page ("About — Example"), and a home page's tagline ("Example — Where we are"
reads "Example"). Only what is
shown changes: the title the model reads (``extract.label_texts``) is the page's
whole <title>.

The page's <h1> is not used: it is the breadcrumb's next crumb already (or none, where
it only says the label again: ``snippets.breadcrumb``), and a heading such as "Say
hello" names a contact page less clearly than "Contact".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from .memo import PerVersion

# A separator between a title's parts, kept (the split's odd items) so the page's own
# part reads as written.
_PARTS = re.compile(r"(\s+[—–|·-]\s+)")
# Before a site's name when no other title tells (not " - ": "Visit us - 2027").
_NAME_SEPARATOR = re.compile(r"\s+[—–|]\s+")
_labels: PerVersion[dict[str, str]] = PerVersion()


def _key(part: str) -> str:
    return " ".join(part.split()).casefold()


def _split(title: str) -> list[str]:
    return [part.strip() for part in _PARTS.split(title)[::2]]


def _joined(title: str, first: int, last: int) -> str:
    """The parts ``first`` to ``last`` of ``title`` with their own separators."""
    pieces = _PARTS.split(title)
    return "".join(pieces[2 * first : 2 * last + 1]).strip()


def label(title: str, titles: Iterable[str] = ()) -> str:
    """``title`` without the parts the other ``titles`` (the site's) share with it."""
    title = " ".join((title or "").split())
    parts = _split(title)
    if len(parts) < 2:
        return title
    others = [_split(" ".join(t.split())) for t in set(titles) if " ".join(t.split()) != title]
    ends = Counter(_key(p) for other in others for p in set(other[1:]))
    leads = Counter(_key(other[0]) for other in others if len(other) > 1)
    first, last = 0, len(parts) - 1
    while last > first and ends[_key(parts[last])]:
        last -= 1
    while last > first and leads[_key(parts[first])]:
        first += 1
    if (first, last) == (0, len(parts) - 1) and _NAME_SEPARATOR.fullmatch(_PARTS.split(title)[-2]):
        last -= 1  # "About — Example" with no other page to tell: the site's name is last
    return _joined(title, first, last) or title


def labels(titles: Iterable[str]) -> dict[str, str]:
    """Each of ``titles`` -> its ``label`` among the others."""
    titles = {" ".join((t or "").split()) for t in titles} - {""}
    return {title: label(title, titles) for title in titles}


def of(title: str | None, known: dict[str, str]) -> str:
    """The label of ``title`` in ``known`` (``labels``), else its own ``label``."""
    title = " ".join((title or "").split())
    return known.get(title) or label(title)


def for_version(version) -> dict[str, str]:
    """``labels`` of the titles of an index version's passages, once per process."""
    return _labels.get(
        version.version, lambda: labels(p.get("title") or "" for p in version.passages)
    )


def live() -> dict[str, str]:
    """``for_version`` of the live index, {} before the first build."""
    from .index import IndexNotReady, load_current

    try:
        return for_version(load_current())
    except IndexNotReady:
        return {}
