"""The Notes: a tiny, fixed journal. Each note's body is a template in
templates/notes/<slug>.html; its title and date live here."""

import datetime
from dataclasses import dataclass

from django.http import Http404


@dataclass(frozen=True)
class Note:
    slug: str
    title: str
    date: datetime.date
    summary: str

    @property
    def template(self) -> str:
        return f"notes/{self.slug}.html"


_NOTES = (
    Note(
        "how-our-site-search-works",
        "How our site assistant finds answers",
        datetime.date(2026, 11, 18),
        "Ask Bambi reads only this site’s public pages and picks the passage closest in "
        "meaning to your question. Your questions never go to a third party.",
    ),
    Note(
        "pink-without-the-pain",
        "Pink without the pain",
        datetime.date(2026, 9, 9),
        "Choosing accessible pinks: body text needs a contrast ratio of at least 4.5:1, "
        "and real users beat tools.",
    ),
    Note(
        "shipping-small",
        "Shipping small",
        datetime.date(2026, 6, 3),
        "Why a two-week landing page beats a three-month redesign: one goal per page; "
        "launch, measure, iterate.",
    ),
)

NOTES = tuple(sorted(_NOTES, key=lambda n: n.date, reverse=True))  # newest first
_BY_SLUG = {n.slug: n for n in NOTES}


def get_note(slug: str) -> Note:
    try:
        return _BY_SLUG[slug]
    except KeyError:
        raise Http404("No such note.") from None


def latest(count: int = 3) -> list[Note]:
    return list(NOTES[:count])
