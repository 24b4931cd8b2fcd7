"""After a build: the questions the owner said the site does not answer that it may answer now.

The owner's "The site doesn't answer this" keeps a declining example question
(site_assistant.declined). Content added later may answer it: each build searches the
declining questions in the new index (``review_after_build``) and marks those a section
now answers well (``may_answer``), against the section ranked first when the owner judged
it (``judge``, on save). The overview and the Example questions list offer them for
review: "Let it answer" (``let_answer``) or "Keep declining" (``keep_declining``). It
searches as a visitor's question is searched (site_assistant.services), so it sits above
the pipeline's ``declined``.
"""

from __future__ import annotations

import logging

from . import services
from .declined import forget_read
from .models import ExampleQuestion

logger = logging.getLogger(__name__)

# How much higher than when the owner judged it the same section must score to be
# "reworded to answer it" (a few words changed elsewhere in it move its score by less).
MARGIN = 0.1


def best_section(version, text: str) -> dict | None:
    """{"link", "score"} of the section ``version`` ranks first for ``text`` (as a visitor's
    question is searched: respelled, the owner's answering example questions counted, no
    question declined), or None (nothing to search, no passage)."""
    try:
        query = services.clean_query(text)
    except ValueError:
        return None
    hits = services.rank(version, query, 1)[1]
    return {"link": hits[0].link, "score": round(float(hits[0].score), 4)} if hits else None


def judge(example: ExampleQuestion) -> None:
    """Record on ``example`` (not saved) the section the live index ranks first for its
    question, when the owner says the site does not answer it: what a later build's
    section is compared with (``may_answer``). Nothing recorded without an index."""
    from .index import load_current

    try:
        best = best_section(load_current(), example.question)
    except Exception as exc:  # noqa: BLE001 - no index yet, the model unreadable: no baseline
        logger.info("no best section recorded for a declining question: %s", exc)
        return
    review = {k: v for k, v in (example.review or {}).items() if k != "answers"}
    example.review = {**review, "judged": best or {"link": "", "score": 0.0}}


def judge_on_save(sender, instance: ExampleQuestion, raw: bool = False, **kwargs) -> None:
    """A pre_save receiver: a declining example question saved active, new or switched on
    again, is judged against the live index now (``judge``)."""
    if raw or not (instance.declines and instance.active):
        return
    was_active = (
        instance.pk is not None
        and ExampleQuestion.objects.filter(pk=instance.pk, active=True).exists()
    )
    if not was_active or "judged" not in (instance.review or {}):
        judge(instance)


def may_answer(judged: dict | None, best: dict | None, threshold: float) -> bool:
    """Whether the section ``best`` ({"link", "score"}) now answers a question the owner
    said the site does not answer, when it was ranked ``judged`` then: above the answer
    threshold, and either another section than then, scoring above what that one did (a
    new section, or one reworded to answer it), or the same one scoring MARGIN higher
    than then. Judged before this was recorded, or without an index (None): whenever one
    scores above the threshold, so the owner is asked once ("Keep declining" records it)."""
    if best is None or best["score"] < threshold:
        return False
    if not judged:
        return True
    if best["link"] != judged.get("link"):
        return best["score"] > judged.get("score", 0.0)
    return best["score"] >= judged.get("score", 0.0) + MARGIN


def review_after_build(version) -> int:
    """Mark the active declining example questions that ``version`` (now live) may answer
    (``review["answers"]``: {"link", "score", "version"}), unmark the others; how many are
    marked. A few questions encoded with the cached query encoder."""
    threshold = services.min_score(version)
    marked = 0
    for example in ExampleQuestion.objects.declined():
        review = dict(example.review or {})
        best = best_section(version, example.question)
        if may_answer(review.get("judged"), best, threshold):
            review["answers"] = {**best, "version": version.version}
            marked += 1
        else:
            review.pop("answers", None)
        if review != (example.review or {}):
            # update(), not save(): nothing to rebuild, the owner's judgement unchanged.
            ExampleQuestion.objects.filter(pk=example.pk).update(review=review)
    return marked


def may_answer_now() -> list[ExampleQuestion]:
    """The active declining example questions the live index may answer (the last build's
    ``review_after_build``), oldest first."""
    return [e for e in ExampleQuestion.objects.declined().order_by("pk") if e.review.get("answers")]


def let_answer(example: ExampleQuestion) -> None:
    """Switch ``example`` (a declining one) off: visitors asking it are answered again.

    When (``review["let_answer"]``, an ISO time) is kept, so Example questions says so;
    the logged questions that read as it are no longer judged ones the site does not
    answer, and wait for no fix: the owner has just said the site answers them
    (``Question.objects.let_answer_by``; the Questions list says "the site answers it
    now")."""
    from django.utils import timezone

    from .models import Question

    review = {k: v for k, v in (example.review or {}).items() if k != "answers"}
    review["let_answer"] = timezone.now().isoformat()
    ExampleQuestion.objects.filter(pk=example.pk).update(active=False, review=review)
    Question.objects.let_answer_by(example)
    forget_read()


def keep_declining(example: ExampleQuestion) -> None:
    """The owner judged ``example`` again with the section found now: no longer marked,
    until a later build finds yet another section (or this one reworded) that answers it."""
    review = dict(example.review or {})
    answers = review.pop("answers", None)
    if answers:
        review["judged"] = {"link": answers["link"], "score": answers["score"]}
    ExampleQuestion.objects.filter(pk=example.pk).update(review=review)
