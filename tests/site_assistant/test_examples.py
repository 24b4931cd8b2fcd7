"""Example questions matched to their passages: on a site of thousands of passages."""

import pytest

from site_assistant.examples import example_questions, find_passage
from site_assistant.models import ExampleQuestion

pytestmark = pytest.mark.django_db


class CountedPassages(list):
    """Passages that count how often they are read from first to last."""

    passes = 0

    def __iter__(self):
        self.passes += 1
        return super().__iter__()


def _passages(pages: int) -> CountedPassages:
    passages = CountedPassages()
    for n in range(pages):
        for position, anchor in enumerate(["", "details", "details"]):
            passages.append(
                {
                    "id": len(passages),
                    "text": f"Page {n}, passage {position}.",
                    "url": f"/notes/{n}/",
                    # Every page's intro was also merged from the listing.
                    "urls": [f"/notes/{n}/", "/notes/"] if not position else [f"/notes/{n}/"],
                    "anchor": anchor,
                    "position": position,
                }
            )
    return passages


def test_matching_example_questions_reads_the_passages_once_not_once_a_question():
    """A build matches every example question to its passage: with 675 example
    questions and 4,300 passages that was 2.9 million comparisons (1.4 s of each
    build), growing with both; the admin's list of example questions did the same
    for each row shown."""
    ExampleQuestion.objects.all().delete()  # the site's own
    passages = _passages(300)
    for n in range(0, 300, 3):
        ExampleQuestion.objects.create(
            question=f"What does note {n} detail?", url=f"/notes/{n}/#details"
        )
        ExampleQuestion.objects.create(question=f"What is note {n}?", url=f"/notes/{n}/")
    ExampleQuestion.objects.create(question="A page that is gone?", url="/gone/")
    found = example_questions(passages)
    assert passages.passes <= 2, passages.passes
    assert len(found) == 200
    # The section's first passage; a page's own URL before one it was merged from.
    assert ("What does note 9 detail?", 9 * 3 + 1) in found
    assert ("What is note 9?", 9 * 3) in found


def test_a_link_names_the_same_passage_as_before():
    passages = _passages(5)
    assert find_passage(passages, "/notes/2/", "details") == 7
    assert find_passage(passages, "/notes/2/", "") == 6
    assert find_passage(passages, "/notes/", "") == 0  # merged from the listing
    assert find_passage(passages, "/notes/", "details") is None
    assert find_passage(passages, "/notes/9/", "") is None
    assert find_passage(passages, "/notes/9/", "", text="Page 3, passage 2.") == 11
