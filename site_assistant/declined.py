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
