"""What the assistant does with a change an editor saved, told to that editor.

Saving or deleting a row of a model registered with ``site_assistant.register()``
asks for a rebuild once the transaction commits (site_assistant.signals). Django's
admin then says "was changed successfully", and nothing of the rebuild: with the task
queue down the change was not sent, and only the overview and ``/health/`` said so.

``EditorMessagesMiddleware``, listed after Django's ``MessageMiddleware`` (and
``AuthenticationMiddleware``), gives the request that saved such a change a message
(``django.contrib.messages``) saying what became of its rebuild: that the assistant is
reading the change and about when visitors get it; that it answers from it now (no
broker: the build ran in the request); or, when the task queue did not take it, that
the change is saved but the assistant could not be told, and when it is sent again.
Whatever the view: Django's admin, or a staff page of the site's own. Only for
signed-in active staff (``EDITOR_MESSAGES``): a visitor's request that saves a row (a
form on the site) is told nothing.

The signal handler records the outcome for the current request (``heard``); the
middleware turns it into the message once the view has returned (the admin's
transaction has committed by then, and with it the rebuild was asked for).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from django.contrib import messages
from django.utils.translation import gettext as _

from . import conf
from .models import IndexBuild, NotQueued
from .visitors import user_of

logger = logging.getLogger(__name__)

# What a request's changes asked for (``heard``), while the middleware listens.
_heard: ContextVar[list | None] = ContextVar("site_assistant_editor_changes", default=None)

Status = IndexBuild.Status
# ``heard`` without a build: the rebuild was asked for a moment ago (the debounce window),
# it is owed until ``manage.py migrate`` has run, or asking for it failed.
DEBOUNCED, OWED, FAILED = "debounced", "owed", "failed"


def heard(outcome) -> None:
    """Record what a change saved in this request asked for: the ``IndexBuild``
    ``request_rebuild`` returned, ``DEBOUNCED``, ``OWED`` or ``FAILED`` (nothing outside
    a request the middleware listens to)."""
    changes = _heard.get()
    if changes is not None:
        changes.append(outcome)


class EditorMessagesMiddleware:
    """Tells staff who saved registered content what the assistant does with it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        changes: list = []
        token = _heard.set(changes)
        try:
            response = self.get_response(request)
        finally:
            _heard.reset(token)
        if changes and _tells(request):
            told = message_for(changes)
            if told is not None:
                try:
                    messages.add_message(request, *told)
                except messages.MessageFailure:
                    logger.warning(
                        "site_assistant: EditorMessagesMiddleware is listed before "
                        "django.contrib.messages.middleware.MessageMiddleware: no message"
                    )
        return response


def _tells(request) -> bool:
    if not conf.get("EDITOR_MESSAGES"):
        return False
    user = user_of(request)
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def message_for(changes: list) -> tuple[int, str] | None:
    """(level, text) for a request whose changes asked for ``changes``; None: nothing to
    say (the rebuilds are switched off)."""
    outcome = next((c for c in reversed(changes) if c != DEBOUNCED), DEBOUNCED)
    assistant = conf.get("WIDGET_TITLE")
    if outcome == OWED:
        text = _(
            "%(assistant)s reads the change once the site's upgrade is finished "
            "(manage.py migrate). Until then visitors get what it read before."
        )
        return messages.INFO, text % {"assistant": assistant}
    build = _asked(outcome)
    if build is None and outcome == DEBOUNCED:
        return None
    if build is None:
        text = _(
            "Saved, but %(assistant)s could not be told of the change: asking for its "
            "rebuild failed (the site's log says why). Visitors get what it read before "
            "until the next rebuild."
        )
        return messages.WARNING, text % {"assistant": assistant}
    if build.status == Status.UNQUEUED and build.not_queued == NotQueued.CANNOT_SEND:
        text = _(
            "Saved, but %(assistant)s could not be told of the change: this site cannot send "
            "tasks to its task queue. Visitors get what it read before; tell whoever runs "
            "the site."
        )
        return messages.WARNING, text % {"assistant": assistant}
    if build.status == Status.UNQUEUED:
        text = _(
            "Saved, but %(assistant)s could not be told of the change: the task queue did "
            "not answer. Visitors get what it read before until the change is sent again, "
            "which happens by itself once the task queue answers."
        )
        return messages.WARNING, text % {"assistant": assistant}
    if build.status in (Status.QUEUED, Status.RUNNING):
        from .tasks import no_worker_now

        if no_worker_now():
            text = _(
                "%(assistant)s has not started reading the change: no worker is running its "
                "rebuilds. Visitors get what it read before until one does; tell whoever "
                "runs the site."
            )
            return messages.WARNING, text % {"assistant": assistant}
        text = _(
            "%(assistant)s is reading the change: visitors get it in about %(seconds)s seconds."
        )
        seconds = max(int(conf.get("REBUILD_DEBOUNCE_SECONDS")), 0) + 5
        return messages.INFO, text % {"assistant": assistant, "seconds": seconds}
    if build.status == Status.SUCCEEDED:  # no broker: it ran in this request
        return messages.SUCCESS, _("%(assistant)s answers from the change now.") % {
            "assistant": assistant
        }
    text = _(
        "%(assistant)s could not read the change: its rebuild failed. Visitors get what it "
        "read before."
    )
    return messages.WARNING, text % {"assistant": assistant}


def _asked(outcome) -> IndexBuild | None:
    """The build that reads the change, as it is now: the one asked for (or the one its
    request joined), or, asked for a moment ago by another change, the newest; None when
    asking failed."""
    if outcome == FAILED:
        return None
    if isinstance(outcome, IndexBuild):
        pk = outcome.coalesced_into_id or outcome.pk
        return IndexBuild.objects.filter(pk=pk).first()
    return IndexBuild.objects.exclude(status=Status.COALESCED).order_by("-pk").first()
