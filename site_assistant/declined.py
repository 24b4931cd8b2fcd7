"""Questions the owner said the site does not answer: visitors asking them get "not sure".

"Fix this answer" › "The site doesn't answer this" saves the question as an example
question that declines (``ExampleQuestion.declines``, no section). A visitor's question
is then declined (no answer; the closest sections and the contact link, as any "not
sure") when

- it reads as one (``question_key``: case, spacing and the final ?!. aside), or
- it is a close paraphrase of one (``claims``): of all the owner's example questions,
  those that name a section and those that decline, a declining one is the nearest to
  it, and nearer than the answer threshold asks of a section and than the best
  section's score. So a declined question takes only the visitors' questions it is a
  better match for than anything the site says.

Serving reads them from the database, not from the index: the next question is
declined, with no build. As site_assistant.withdrawn reads withdrawn pages, at most
once a second per process (``READ_EVERY``), at once after a save in the same
process; a table it cannot read (the database down, a migration not applied yet)
declines nothing for ``outage.RETRY_SECONDS``, then is read again.

They are the owner's own text, kept as long as the owner keeps them (Example
questions), unlike the visitors' questions log (LOG_RETENTION_DAYS).
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np

from . import outage, schema
from .models import ExampleQuestion
from .text import question_key

logger = logging.getLogger(__name__)

READ_EVERY = 1.0  # seconds

_lock = threading.Lock()
_read: dict = {"next": float("-inf"), "texts": ()}  # the questions as last read, and when next


def forget_read(**kwargs) -> None:
    """Read the table again at the next question (a receiver of ExampleQuestion's saves)."""
    with _lock:
        _read["next"] = float("-inf")


def texts() -> tuple[str, ...]:
    """The active declining example questions, one per ``question_key``, sorted."""
    now = time.monotonic()
    with _lock:
        if now < _read["next"] or outage.database_paused():
            return _read["texts"]
    try:
        # Never a query of a column the table lacks: on PostgreSQL it would end the
        # request's transaction (ATOMIC_REQUESTS), and the question would not be logged.
        behind = schema.behind_for(ExampleQuestion)
        if behind:
            raise RuntimeError(schema.note(behind))
        rows = ExampleQuestion.objects.declined().values_list("question", flat=True)
        found = {question_key(text): " ".join(text.split()) for text in rows}
        read, wait = tuple(sorted(v for k, v in found.items() if k)), READ_EVERY
    except Exception as exc:  # noqa: BLE001 - the database down, or its table behind the code
        logger.warning("declined questions unreadable, using the last read: %s", exc)
        read, wait = _read["texts"], outage.RETRY_SECONDS
    with _lock:
        _read.update(next=now + wait, texts=read)
    return read


def reads_as_one(*queries: str) -> str | None:
    """The declined question one of ``queries`` reads as, or None."""
    declined = {question_key(text): text for text in texts()}
    for query in queries:
        found = declined.get(question_key(query))
        if found is not None:
            return found
    return None


def claims(
    queries: np.ndarray,
    declined: np.ndarray,
    nearest_example: np.ndarray,
    best_scores: np.ndarray,
    threshold: float,
) -> np.ndarray:
    """Which of the ``queries`` (vectors, one a row) a declined question claims, as a
    boolean per query: its nearest declined question (``declined``: vectors, one a row)
    is nearer than ``nearest_example`` (each query's nearest answering example
    question's cosine; -1 without any), than ``best_scores`` (each query's best section
    score) and at least ``threshold`` (the answer threshold)."""
    queries = np.atleast_2d(queries)
    if not len(declined) or not len(queries):
        return np.zeros(len(queries), dtype=bool)
    nearest = (queries @ np.atleast_2d(declined).T).max(axis=1)
    return (
        (nearest >= threshold)
        & (nearest > np.asarray(nearest_example))
        & (nearest > np.asarray(best_scores))
    )


# --- after a build: the declining questions the site may answer now -----------------

# How much higher than when the owner judged it the same section must score to be
# "reworded to answer it" (a few words changed elsewhere in it move its score by less).
MARGIN = 0.1


def best_section(version, text: str) -> dict | None:
    """{"link", "score"} of the section ``version`` ranks first for ``text`` (as a visitor's
    question is searched: respelled, the owner's answering example questions counted, no
    question declined), or None (nothing to search, no passage)."""
    from . import services

    try:
        query = services.clean_query(text)
    except ValueError:
        return None
    searched = services.respell(version, query)
    hits = services._search(version, searched, 1, services.example_answer(version, query, searched))
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
    from . import services

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
    answer: they count as answered or unanswered by their own result."""
    from django.utils import timezone

    from .models import Question

    review = {k: v for k, v in (example.review or {}).items() if k != "answers"}
    review["let_answer"] = timezone.now().isoformat()
    ExampleQuestion.objects.filter(pk=example.pk).update(active=False, review=review)
    Question.objects.unmark_unanswerable(example.question)
    forget_read()


def keep_declining(example: ExampleQuestion) -> None:
    """The owner judged ``example`` again with the section found now: no longer marked,
    until a later build finds yet another section (or this one reworded) that answers it."""
    review = dict(example.review or {})
    answers = review.pop("answers", None)
    if answers:
        review["judged"] = {"link": answers["link"], "score": answers["score"]}
    ExampleQuestion.objects.filter(pk=example.pk).update(review=review)
