"""Sending a task without holding a web request when the broker is in trouble.

Both task modules (index builds, training runs) send through
``broker_connection``: connect and every reply are bounded by
SITE_ASSISTANT["BROKER_TIMEOUT_SECONDS"] (a Redis that accepts connections and
never answers included), and kombu does not retry, so the caller reports the
failure at once instead of after ~20 s.
"""

import time

from django.utils.translation import gettext
from kombu.exceptions import OperationalError as Unreachable

from . import conf
from . import stored_words as words
from .models import NotQueued


def broker_connection(app):
    """A connection for sending one task that gives up after BROKER_TIMEOUT_SECONDS."""
    timeout = float(conf.get("BROKER_TIMEOUT_SECONDS"))
    return app.connection_for_write(
        connect_timeout=timeout,
        transport_options={
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            "max_retries": 0,
        },
    )


# When this process last failed to send a task (time.monotonic()): /health/ probes the
# broker again rather than reuse a passing probe from before.
_failed_at = float("-inf")


def send_failed() -> None:
    """This process could not send a task to the broker just now."""
    global _failed_at
    _failed_at = time.monotonic()


def failed_since(moment: float) -> bool:
    """Whether this process failed to send a task after ``moment`` (time.monotonic())."""
    return _failed_at >= moment


def not_sent_because(exc: Exception) -> str:
    """Why a task was not queued, as a job records it (``NotQueued``): a broker that did
    not answer (try again later), or one this process cannot talk to at all (retrying
    will not help)."""
    if isinstance(exc, (Unreachable, OSError, TimeoutError)):
        return NotQueued.NO_ANSWER
    return NotQueued.CANNOT_SEND


def why_not_sent(exc: Exception) -> str:
    """``not_sent_because(exc)`` in a sentence for the owner, with the error (stored in
    English, shown in the owner's language: stored_words.not_sent)."""
    error = f"{type(exc).__name__}: {exc}"
    if not_sent_because(exc) == NotQueued.NO_ANSWER:
        timeout = conf.get("BROKER_TIMEOUT_SECONDS")
        return words.QUEUE_NO_ANSWER.english(seconds=timeout, error=error)
    return words.CANNOT_SEND.english(error=error)


# What the owner is told to start when the Celery app cannot name itself.
WORKER_COMMAND_PLACEHOLDER = "celery -A <your project> worker"


def worker_command(app) -> str:
    """The command that starts a worker of ``app`` (the Celery app this app's tasks are
    bound to): ``celery -A <its main name> worker``, the name the project gave it
    (``Celery("proj")``). The placeholder when that name says nothing: ``Celery()``
    (no name, or ``__main__``), Celery's own default app (no project app loaded), or
    a name that is no module path."""
    main = getattr(app, "main", None) or ""
    if main in ("__main__", "default") or not all(p.isidentifier() for p in main.split(".")):
        return WORKER_COMMAND_PLACEHOLDER
    return f"celery -A {main} worker"


def until_a_worker_starts(command: str) -> str:
    """The end of every note that no worker runs: what waits, what visitors get, what to start."""
    return gettext(
        "Queued rebuilds and training runs wait until one starts; visitors keep getting "
        "the current index meanwhile (start one: %(command)s)."
    ) % {"command": command}
