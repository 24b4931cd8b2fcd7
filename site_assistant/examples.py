"""The owner's example questions, each matched to the passage that answers it.

An ExampleQuestion names a section by link ("/services/#pricing"). The index
embeds every active one beside its passage (SITE_ASSISTANT["QUESTION_VECTORS"]): a
visitor's question close to a question the owner wrote lifts that passage
(see ``site_assistant.index.blend_search``). Training uses the same questions as pairs
(``site_assistant.training.pairs.human_questions``).
"""

from __future__ import annotations

from collections.abc import Sequence

from .extract import TEXT_DIRECTIVE


def split_link(link: str) -> tuple[str, str]:
    """ "/services/#pricing" → ("/services/", "pricing")."""
    url, _, anchor = (link or "").partition("#")
    return url.strip(), anchor.strip()


def fragment_parts(anchor: str) -> tuple[str, str] | None:
    """(heading, first words) of a text-fragment link to a heading without an id
    (``:~:text=Location,-You%20will%20find&text=Location``, see
    ``site_assistant.extract.text_fragment``), as encoded; None for an id."""
    if not anchor.startswith(TEXT_DIRECTIVE):
        return None
    first = anchor[len(TEXT_DIRECTIVE) :].split("&text=", 1)[0]
    heading, _, after = first.partition(",-")
    return heading, after


def on_page(passage: dict, url: str) -> bool:
    """Whether ``passage`` is on the page ``url`` (its own, or one it was merged from)."""
    return passage["url"] == url or url in (passage.get("urls") or ())


class PassageFinder:
    """``find_passage`` for many links over the same passages: the passages are read
    once, into a map from each page URL (a passage's own and those it was merged
    from) to its passages, so a link costs its page's passages, not the whole list."""

    def __init__(self, passages: Sequence[dict]):
        self.passages = passages
        self.by_url: dict[str, list[int]] = {}
        self.by_text: dict[str, int] = {}
        for position, p in enumerate(passages):
            self.by_text.setdefault(p["text"], position)
            for url in dict.fromkeys([p["url"], *(p.get("urls") or ())]):
                self.by_url.setdefault(url, []).append(position)

    def follow(self, url: str, anchor: str) -> int | None:
        """The section a text-fragment link named before an editor reworded its
        heading or its first words: on the same page, the one section with the same
        heading, else the one whose text starts with the same words. None when the
        link is not a text fragment, or no section or several could be it."""
        parts = fragment_parts(anchor)
        if parts is None:
            return None
        heading, after = parts
        sections: dict[str, int] = {}
        for position in self.by_url.get(url, ()):
            other = self.passages[position].get("anchor") or ""
            if fragment_parts(other) is not None:
                sections.setdefault(other, position)
        for same in (0, 1):
            wanted = parts[same]
            if not wanted:
                continue
            found = [p for a, p in sections.items() if fragment_parts(a)[same] == wanted]
            if len(found) == 1:
                return found[0]
            if found:
                return None  # two sections with that heading (or those words): not a guess
        return None

    def find(self, url: str, anchor: str, text: str = "") -> int | None:
        """See ``find_passage``."""
        if text and text in self.by_text:
            return self.by_text[text]
        passages = self.passages
        matches = [
            position
            for position in self.by_url.get(url, ())
            if not anchor or passages[position].get("anchor") == anchor
        ]
        if not matches:
            return None
        return min(
            matches,
            key=lambda i: (passages[i]["url"] != url, passages[i].get("position", 0), i),
        )


def find_passage(passages: Sequence[dict], url: str, anchor: str, text: str = "") -> int | None:
    """Position in ``passages`` of the passage a link names (or whose text is ``text``).

    The section's first passage when a long section was cut into several; a
    page's own URL before a URL the passage was merged from. For many links
    over the same passages, make one ``PassageFinder``.
    """
    return PassageFinder(passages).find(url, anchor, text)


def follow_edited_sections(passages: Sequence[dict]) -> int:
    """Point each example question whose section an editor reworded at that section
    again; how many were changed.

    A heading without an id (Wagtail's rich text, most Markdown) is linked by a
    text fragment of its words and the section's first words, so rewording
    either ("Opening hours" → "When we are open", or the paragraph under it)
    gives the section another link, and the owner's example question named no
    section any more. A build calls this with the passages it read: a link that
    names none of them, on a page that still has a section with the same heading
    (or, the heading renamed, the same first words), is stored as that section's
    link."""
    from .models import ExampleQuestion

    finder = PassageFinder(passages)
    changed = 0
    for pk, link in ExampleQuestion.objects.values_list("pk", "url"):
        url, anchor = split_link(link)
        if fragment_parts(anchor) is None or finder.find(url, anchor) is not None:
            continue
        position = finder.follow(url, anchor)
        if position is None:
            continue
        # update(), not save(): the link names the same section, nothing to rebuild.
        new = f"{url}#{passages[position]['anchor']}"
        changed += ExampleQuestion.objects.filter(pk=pk, url=link).update(url=new)
    return changed


def follow_moved_page(before: str, after: str) -> int:
    """Point the example questions on the page ``before`` (or on pages below it) at
    ``after``, where an editor moved it or changed its slug; how many were changed.

    Without this an example question kept the old address, named "no such
    section" after the next build and no longer steered visitors. ``before`` and
    ``after`` are what the index knows the page as ("/faq/", "//beta.example/faq/"),
    ending in "/" as Wagtail's do, so "/faq/" does not take "/faq-2/" along.
    """
    from .models import ExampleQuestion

    if not before or not after or before == after or not before.endswith("/"):
        return 0
    changed = 0
    for pk, link in ExampleQuestion.objects.filter(url__startswith=before).values_list("pk", "url"):
        # update(), not save(): the move's own rebuild reads the new links.
        changed += ExampleQuestion.objects.filter(pk=pk, url=link).update(
            url=after + link[len(before) :]
        )
    return changed


def follow_moved_row(before: str, after: str) -> int:
    """Point the example questions on a registered row's link ``before`` at
    ``after``, the link a save gave it (an article's new slug); how many changed.

    A row is its own page ("/notes/glitter/", its sections "…#hours") or one
    section of a page ("/alpha/#glitter"): unlike a Wagtail page, it takes no
    pages below it along.
    """
    from .models import ExampleQuestion

    if not before or not after or before == after:
        return 0
    same = ExampleQuestion.objects.filter(url=before)
    if "#" not in before:
        same |= ExampleQuestion.objects.filter(url__startswith=before + "#")
    changed = 0
    for pk, link in same.values_list("pk", "url"):
        # A section of the row's page keeps its anchor, unless the row is now a section itself.
        new = after if "#" in after else after + link[len(before) :]
        changed += ExampleQuestion.objects.filter(pk=pk, url=link).update(url=new)
    return changed


def example_questions(passages: Sequence[dict]) -> list[tuple[str, int]]:
    """(question, position in ``passages``) for every active example question that
    names one of them, and every question a page declares for one of them
    (``data-search-questions``, the passage's "questions"), sorted by position
    (questions whose link matches no passage are left out: the admin lists
    them as unmatched)."""
    from .models import ExampleQuestion

    found = []
    finder = PassageFinder(passages)
    for question, link in ExampleQuestion.objects.answering().values_list("question", "url"):
        question = " ".join((question or "").split())
        position = finder.find(*split_link(link)) if question else None
        if position is not None:
            found.append((question, position))
    for position, passage in enumerate(passages):
        for question in passage.get("questions") or ():
            question = " ".join(question.split())
            if question:
                found.append((question, position))
    return sorted(set(found), key=lambda pair: (pair[1], pair[0]))


def switch_off_gone(pks) -> int:
    """Switch off the example questions ``pks`` (those whose section is gone, the overview
    says: ``sections.lost_examples``), marked as switched off for that (``review["gone"]``):
    a build that finds their section again switches them back on (``switch_on_found``).
    How many were switched off. update(), not save(): they named no passage, so the
    index does not change."""
    from .models import ExampleQuestion

    changed = 0
    for example in ExampleQuestion.objects.filter(pk__in=list(pks), active=True):
        review = {**(example.review or {}), "gone": True}
        changed += ExampleQuestion.objects.filter(pk=example.pk).update(active=False, review=review)
    return changed


def switch_on(pks) -> int:
    """Switch the example questions ``pks`` that were switched off because their section
    was gone back on (the owner's undo); how many."""
    from .models import ExampleQuestion

    changed = 0
    for example in ExampleQuestion.objects.filter(pk__in=list(pks), active=False):
        if not (example.review or {}).get("gone"):
            continue
        review = {k: v for k, v in example.review.items() if k != "gone"}
        changed += ExampleQuestion.objects.filter(pk=example.pk).update(active=True, review=review)
    return changed


def switched_off_gone() -> list[int]:
    """The pks of the example questions switched off because their section was gone."""
    from .models import ExampleQuestion

    return [
        pk
        for pk, review in ExampleQuestion.objects.filter(active=False).values_list("pk", "review")
        if (review or {}).get("gone")
    ]


def switch_on_found(passages: Sequence[dict]) -> int:
    """Switch back on each example question switched off because its section was gone
    (``switch_off_gone``) whose link names one of ``passages`` again: a build calls this
    with the passages it read, before it reads the example questions it indexes. How
    many were switched on."""
    from .models import ExampleQuestion

    finder = PassageFinder(passages)
    back = [
        pk
        for pk, link in ExampleQuestion.objects.filter(pk__in=switched_off_gone()).values_list(
            "pk", "url"
        )
        if finder.find(*split_link(link)) is not None
    ]
    return switch_on(back)
