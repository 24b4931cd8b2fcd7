"""The questions log: what visitors asked and whether the answer helped.

Privacy (as the Privacy page promises): a question is stored with what the
owner needs to improve answers — the text, the top passage, the score,
latency, model and index version, feedback, and on a project of several
sites which site it was asked on — and nothing about the person:
no IP address, no user agent, no user. Entries older than
``SITE_ASSISTANT["LOG_RETENTION_DAYS"]`` are deleted, with the visitors' questions
kept in training pairs, by ``purge``
(run by the periodic Celery task and ``manage.py search_purge_log``, and,
so that a site with neither keeps the promise, at most hourly by
``purge_when_due`` when a question is logged or the owner opens the log).

Every interface that answers a visitor (widget, search page, API) goes
through ``ask`` so they log the same way, and so ``question_answered`` (the
project's own analytics; importable as ``site_assistant.signals.question_answered``)
is sent once for each question the log counts.
"""

import hmac
import logging
from datetime import timedelta

from django.core import signing
from django.core.cache import cache
from django.db import DatabaseError
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext

from . import conf, outage, schema, services
from .models import Question
from .text import question_key

logger = logging.getLogger(__name__)

# The log is purged at most this often outside the scheduled purge.
PURGE_EVERY_SECONDS = 3600
PURGE_DUE_KEY = "site_assistant:log-purge-due"

# Sent (sender=Question) after a visitor's question is answered: keyword
# arguments ``query``, ``answered``, ``top_url``, ``channel``, ``language``, ``site``
# (the hostname of the site it was asked on when the index holds several sites'
# pages, else "") and ``question`` (the logged row, None when the database is down). Never the
# visitor's address, agent or user. Not for small talk, a HEAD request or the
# widget's "See all results" repeating a question. A receiver that raises is
# logged (logger "django.dispatch") and the answer goes out all the same.
question_answered = Signal()

_TEXT_LIMIT = Question._meta.get_field("text").max_length
_URL_LIMIT = Question._meta.get_field("top_url").max_length
_HEADING_LIMIT = Question._meta.get_field("top_heading").max_length
_SITE_LIMIT = Question._meta.get_field("site").max_length


def is_question_number(value) -> bool:
    """True for a question id as a link carries it: 1–18 ASCII digits ("²" is not one)."""
    value = str(value)
    return value.isascii() and value.isdigit() and 0 < len(value) <= 18


# How much of its feedback token a link's ``asked`` carries: enough to be unguessable
# (96 bits), never the whole token, which a vote must present. An address is shared
# (copied, sent, bookmarked): with the token in it, whoever opened it could vote on
# the asker's answer. Keep widget.js's ``askedRef`` in step.
ASKED_TOKEN_CHARS = 16


def asked_reference(question: Question) -> str:
    """How a link names a logged question: ``<id>.<the first ASKED_TOKEN_CHARS of its
    feedback_token>`` (the search page's ``?asked=``). The signature makes it the asker's:
    an id alone, which is sequential, would let anyone take over another visitor's
    entry by asking the same words, and learn what was asked under each id. It names
    the question only: a page opened by it shows no vote (``repeats``)."""
    return f"{question.pk}.{feedback_token(question)[:ASKED_TOKEN_CHARS]}"


def is_asked_reference(value) -> bool:
    """Whether ``value`` has the form of ``asked_reference`` (or is a bare id, as older
    links carry: it is then no reference and the question is logged anew)."""
    number, _, _ = str(value).partition(".")
    return is_question_number(number)


def _asked_id(value) -> int | None:
    """The question id ``value`` (an ``asked_reference``, or an older link's whole
    feedback token) names, if its signature is right."""
    number, _, token = str(value).partition(".")
    if not (is_question_number(number) and len(token) >= ASKED_TOKEN_CHARS):
        return None
    expected = _token(number)
    if not hmac.compare_digest(expected[: len(token)].encode(), token.encode()):
        return None
    return int(number)


def repeats(already_asked, question: Question | None) -> bool:
    """Whether ``question`` is the one ``already_asked`` named (a reload, Back, the
    widget's "See all results", or a shared link): its page then carries no feedback
    token, which only the browser that asked keeps (widget.js)."""
    return (
        question is not None
        and already_asked is not None
        and _asked_id(already_asked) == question.pk
    )


def logs_questions_of(user) -> bool:
    """Whether a question ``user`` asks is logged: not one of signed-in, active staff (the
    owner trying the widget, the search page or the API), unless LOG_STAFF_QUESTIONS."""
    staff = bool(getattr(user, "is_staff", False) and getattr(user, "is_active", False))
    return not staff or bool(conf.get("LOG_STAFF_QUESTIONS"))


def ask(
    query: str,
    k: int | None = None,
    channel: str = Question.Channel.API,
    already_asked: int | str | None = None,
    log: bool = True,
    host: str = "",
    asker=None,
):
    """Answer ``query`` through ``site_assistant.services`` and log it (unless ``log``
    is False: a HEAD request, which a link checker or a monitor sends, not a visitor;
    or ``asker``, the user asking, is staff: ``logs_questions_of``).

    Returns ``(Answer, Question)``, or ``(Answer, None)`` for small talk
    ("thanks": site_assistant.small_talk), which is not logged. Raises ``services.IndexNotReady`` (and
    logs nothing) when no index is built yet. ``already_asked``: the
    ``asked_reference`` of the logged question this one repeats (the widget's
    "See all results" link): when its token is right and the text matches, that
    entry is returned and nothing new is logged, so one question is counted once. ``host``: the
    request's, whose site's pages answer (site_assistant.sites). With the database down the answer is
    returned all the same, with None for the question: nothing is logged.
    """
    if k is None:
        k = conf.get("DEFAULT_K")
    result = services.answer(query, k=k, host=host)
    if result.reply is not None or not log or not logs_questions_of(asker):
        return result, None  # small talk: nothing the owner could improve, nothing kept
    question, repeated = None, False
    if not (outage.database_paused() or outage.log_paused()):
        try:
            question, repeated = _log(query, channel, result, already_asked)
        except DatabaseError as exc:
            # The answer comes from the index, not the database: a database that
            # is down costs the log entry (and the 👍 / 👎, which need it), not the answer.
            _not_logged(exc)
        else:
            purge_when_due()
    if not repeated:
        _announce(query, channel, result, question)
    return result, question


def _not_logged(exc: DatabaseError) -> None:
    """Say why a question was not logged, and leave the log alone for a while: the
    database failed, or it answers but this app's migrations are not all applied (code
    newer than its tables, site_assistant.schema), which only ``migrate`` mends."""
    behind = schema.behind_when(exc)
    if behind:
        outage.log_failed()
        logger.warning(
            "question answered but not logged (%s; tried again in %.0f s): %s",
            schema.note(behind),
            outage.RETRY_SECONDS,
            exc,
        )
        return
    outage.database_failed()
    logger.warning(
        "question answered but not logged (the database failed; tried again in %.0f s): %s",
        outage.RETRY_SECONDS,
        exc,
    )


def _top(result: services.Answer) -> services.Hit | None:
    """What the visitor was shown first: the answer, else the closest result."""
    return result.answer or (result.results[0] if result.results else None)


def _announce(query: str, channel: str, result: services.Answer, question: Question | None) -> None:
    """Send ``question_answered`` for a question the log counts (see its definition)."""
    top = _top(result)
    question_answered.send_robust(
        sender=Question,
        query=query,
        answered=result.answer is not None,
        top_url=top.link if top else "",
        channel=str(channel),
        language=result.language or "",
        site=result.site,
        question=question,
    )


def _log(query: str, channel: str, result, already_asked) -> tuple[Question, bool]:
    """The logged question, and whether it was logged before (a repeat)."""
    earlier_id = _asked_id(already_asked) if already_asked is not None else None
    if earlier_id is not None:
        earlier = Question.objects.filter(pk=earlier_id, text=query[:_TEXT_LIMIT]).first()
        if earlier is not None:
            return earlier, True
    top = _top(result)
    text = query[:_TEXT_LIMIT]
    # Asked as written (``question_key``) as one the owner said the site does not answer
    # (Fix this answer: declined, site_assistant.declined, or judged in the log before
    # that): judged too, not proposed again. A paraphrase the owner has not seen is
    # declined but proposed. One lookup of the text's index.
    judged = (
        result.answer is None
        and not result.language
        and (
            (result.declined is not None and question_key(result.declined) == question_key(text))
            or Question.objects.filter(unanswerable=True, text=text).exists()
        )
    )
    question = Question.objects.create(
        text=text,
        channel=channel,
        answered=result.answer is not None,
        score=top.score if top else None,
        top_url=top.link[:_URL_LIMIT] if top else "",
        top_heading=top.heading[:_HEADING_LIMIT] if top else "",
        top_text=top.text if top else "",
        latency_ms=round(result.took_ms, 2),
        model_id=result.model_id,
        index_version=result.index_version,
        language=result.language or "",
        site=result.site[:_SITE_LIMIT],
        unanswerable=judged,
    )
    return question, False


_FEEDBACK_SALT = "site_assistant.questions.feedback"


class NotTheAsker(PermissionError):
    """Feedback without the token the answer came with."""


def feedback_token(question: Question) -> str:
    """The unguessable token an answer comes with: feedback on it must present it.

    Ids are sequential, so an id alone would let anyone vote on anyone's
    question. The token is the id signed with the project's SECRET_KEY: only
    whoever received the answer (the widget in that browser, the API client
    that asked) holds it, and nothing about them is stored.
    """
    return _token(question.pk)


def _token(question_id) -> str:
    return signing.Signer(salt=_FEEDBACK_SALT).sign(str(question_id)).split(":", 1)[1]


def is_feedback_token(question_id, token: str) -> bool:
    """Whether ``token`` is the ``feedback_token`` of the question ``question_id``."""
    try:
        signing.Signer(salt=_FEEDBACK_SALT).unsign(f"{question_id}:{token or ''}")
    except signing.BadSignature:
        return False
    return True


def record_feedback(question_id: int, helpful: bool, token: str = "") -> Question:
    """Store a visitor's verdict; a later click replaces an earlier one.

    Raises ``NotTheAsker`` unless ``token`` is the question's
    ``feedback_token``, and ``Question.DoesNotExist`` for an unknown (or
    already purged) id. The token is checked first: an id that never was, with
    any token, is refused as one that is, so no caller learns which ids exist.
    """
    if not is_feedback_token(question_id, token):
        raise NotTheAsker(
            gettext(
                "Feedback is taken only from whoever asked: send the question_id and the "
                "feedback_token of the same answer (any other pair is refused, whether or not "
                "the question exists)."
            )
        )
    question = Question.objects.get(pk=question_id)
    question.helpful = bool(helpful)
    question.feedback_at = timezone.now()
    question.save(update_fields=["helpful", "feedback_at"])
    return question


def purge_old_questions(days: int | None = None) -> int:
    """Delete questions older than ``days`` (default LOG_RETENTION_DAYS); return how many."""
    if days is None:
        days = conf.get("LOG_RETENTION_DAYS")
    if days < 0:
        raise ValueError("days must be 0 or more")
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = Question.objects.filter(created__lt=cutoff).delete()  # one DELETE
    if deleted:
        logger.info("question log: %d question(s) older than %d days deleted", deleted, days)
    return deleted


def purge_when_due() -> int:
    """``purge`` if this process has not run it in the last hour; return how many
    questions went. Never raises: a cache, database or file error is logged, and the
    question that triggered it is answered all the same."""
    try:
        if not cache.add(PURGE_DUE_KEY, 1, timeout=PURGE_EVERY_SECONDS):
            return 0
        return purge()[0]
    except Exception:
        logger.exception("site_assistant: could not purge old questions")
        return 0


def purge(days: int | None = None) -> tuple[int, int]:
    """The privacy purge: questions older than ``days`` (default LOG_RETENTION_DAYS),
    then visitors' questions in the training pairs kept with models, and those the
    log no longer holds in ``search_make_pairs``'s folder (INDEX_DIR/pairs).

    Returns (questions deleted, visitor questions dropped from kept pairs).
    """
    from .training.forget import forget_visitor_questions

    deleted = purge_old_questions(days)
    return deleted, forget_visitor_questions()
