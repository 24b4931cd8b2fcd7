"""Saving or deleting a registered model's row schedules one debounced rebuild.

A row deleted, or saved so that its registration's ``filter`` leaves it out
(a draft, a private row), is also withdrawn from answers at once
(site_assistant.withdrawn): the rebuild may be seconds away, or, with no
worker running, much longer. So is a row saved with another URL (a new slug):
its old URL, which would answer until then, is withdrawn too. Adding or
removing a row's many-to-many links (its tags) schedules the rebuild as
saving it does.

``question_answered`` (defined in site_assistant.questions, which sends it) is
here for a project's receivers: ``site_assistant.signals.question_answered``.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from . import conf, editors, examples, schema, withdrawn
from .questions import question_answered  # noqa: F401 - its public name
from .sources.models import registration_of

logger = logging.getLogger(__name__)

DEBOUNCE_KEY = "site_assistant:content-rebuild-pending"

# When this thread last asked for a content rebuild (time.monotonic()).
_requested = threading.local()


# Who is changing content in this thread (``changed_by``): their rebuild's "Requested by".
_changer = threading.local()


@contextmanager
def changed_by(user):
    """Changes saved inside are ``user``'s (the admin's save of an example question):
    the rebuild they set off names them, as a build the owner pressed for does."""
    previous = getattr(_changer, "user", None)
    _changer.user = user
    try:
        yield
    finally:
        _changer.user = previous


def schedule_content_rebuild(trigger: str = "content", user=None):
    """One rebuild for a burst of changes.

    The first change in a debounce window requests a build that starts after
    the window; later changes in the window find the key and do nothing (the
    pending build has not started, so it will see them). Across processes
    the database lock in site_assistant.rebuilds coalesces what the cache cannot.

    Returns what became of it, as ``editors.heard`` takes it: the build asked for,
    ``editors.DEBOUNCED``, ``editors.OWED`` or ``editors.FAILED``; None with
    AUTO_REBUILD off.
    """
    if not conf.get("AUTO_REBUILD"):
        return None
    from .rebuilds import owe_content_rebuild, request_rebuild
    from .tasks import rebuild_index

    delay = int(conf.get("REBUILD_DEBOUNCE_SECONDS"))
    if rebuild_index.app.conf.task_always_eager:
        # No broker: the build runs right now, so a change made a moment
        # later must get its own (incremental, cheap) build.
        delay = 0
    if delay and not cache.add(DEBOUNCE_KEY, 1, timeout=delay):
        return editors.DEBOUNCED

    try:
        return request_rebuild(trigger, user=user, countdown=delay)
    except Exception as exc:
        # The code newer than the builds' table (migrate has not run): the rebuild is owed,
        # and asked for once the migrations are applied.
        behind = schema.behind_when(exc) if isinstance(exc, DatabaseError) else ()
        if behind:
            owe_content_rebuild(behind)
            return editors.OWED
        # a broken broker must not break saving content
        logger.exception("could not schedule a search rebuild")
        return editors.FAILED


def content_changed(sender, **kwargs):
    """A receiver for any signal that says the site's content changed: once the
    transaction commits, schedule the debounced rebuild (never for loaddata)."""
    _changed(sender, kwargs)


def row_changed(sender, **kwargs):
    """A registered model's row saved or deleted (or its links changed): as
    ``content_changed``, and the staff member whose request it was is told what became
    of its rebuild (site_assistant.editors)."""
    _changed(sender, kwargs, tell=True)


def _changed(sender, kwargs: dict, tell: bool = False) -> None:
    if kwargs.get("raw"):  # loaddata
        return
    changed_at = time.monotonic()
    # An example question saved says so in Index builds, not "Content change".
    example = sender._meta.label_lower == "site_assistant.examplequestion"
    if example and getattr(kwargs.get("instance"), "declines", False):
        return  # never indexed: serving reads it (site_assistant.declined), no build
    trigger = "example" if example and kwargs.get("signal") is post_save else "content"
    user = getattr(_changer, "user", None)
    transaction.on_commit(lambda: _after_commit(changed_at, trigger, user, tell))


def _after_commit(
    changed_at: float, trigger: str = "content", user=None, tell: bool = False
) -> None:
    """Schedule a rebuild unless this thread asked for one after the change.

    A transaction that changed many rows (the admin's "delete selected", a
    data migration) runs one callback per row once it commits. Without a
    broker the first callback's build runs at once and reads every row, so
    the others would only repeat it: 289 deleted questions gave 289 builds.
    Within one thread a request made after a change also came after its
    commit, so comparing the two times is exact; other threads keep their own.
    """
    if changed_at < getattr(_requested, "at", float("-inf")):
        return
    _requested.at = time.monotonic()
    outcome = schedule_content_rebuild(trigger, user)
    if tell and outcome is not None:
        editors.heard(outcome)


# Where a row being saved linked before the save (pre_save → post_save).
_URL_BEFORE = "_site_assistant_url_before"


def _addresses(registration, obj) -> dict:
    """Where ``obj``'s passages may be indexed, by language (``withdrawn.in_each_language``:
    "/en/faq/3/" and "/de/faq/3/" under ``i18n_patterns``, whichever the editor's is)."""
    from .sources.models import site_link
    from .sources.pages import link_hosts

    urls = withdrawn.in_each_language(lambda: registration.url_of(obj))
    # The hosts (a query with Wagtail) only for a full URL, once, not a language.
    hosts = link_hosts() if any(not url.startswith("/") for url in urls.values()) else None
    return {language: link for language, url in urls.items() if (link := site_link(url, hosts))}


def row_url_before(sender, instance=None, **kwargs):
    """Remember the URLs a registered row linked to before this save, so that
    ``row_hidden`` can withdraw them when the save changes them."""
    registration = registration_of(sender)
    if registration is None or kwargs.get("raw") or instance.pk is None:
        return
    try:
        # The base manager: a default manager that hides drafts would not find
        # a row saved from draft to published.
        before = sender._base_manager.filter(pk=instance.pk).first()
        instance.__dict__[_URL_BEFORE] = _addresses(registration, before) if before else {}
    except Exception:
        logger.exception("could not read the URL %r had before this save", instance)


def row_hidden(sender, instance=None, **kwargs):
    """A registered row deleted, saved as one its ``filter`` leaves out, or
    saved with another URL: withdraw its URLs (the old ones, when they changed) from
    answers now, in each language the index may hold them in, whatever the editor's
    (the rebuild takes it out of the index); a changed URL takes the owner's example
    questions on it along."""
    registration = registration_of(sender)
    if registration is None or kwargs.get("raw"):
        return
    before = instance.__dict__.pop(_URL_BEFORE, {})
    try:
        urls = _addresses(registration, instance)
        shown = kwargs.get("signal") is post_save and registration.shows(instance)
    except Exception:
        # Saving the row must not fail for it; the rebuild still comes.
        logger.exception("could not tell whether %r left the search index", instance)
        return
    if not shown:
        withdrawn.withdraw(urls.values())
        return
    # Moved: the old URLs answer until the rebuild.
    moved = {
        (old, urls.get(language, ""))
        for language, old in before.items()
        if old and old not in urls.values()
    }
    withdrawn.withdraw(old for old, _new in moved)
    for old, new in moved:
        # The owner's example questions go along, as they do with a moved Wagtail page.
        examples.follow_moved_row(old, new)


def links_changed(sender, instance=None, action="", **kwargs):
    """A registered row's many-to-many links changed (``article.tags.add(tag)``,
    from either side): its text may name them, so rebuild as for a save."""
    if action.startswith("post_"):
        _changed(sender, kwargs, tell=registration_of(type(instance)) is not None)


def _receivers(model):
    uid = f"search-{model._meta.label_lower}"
    # A registered model's editor is told what became of the rebuild (site_assistant.editors);
    # an example question's admin says it itself.
    changed = row_changed if registration_of(model) is not None else content_changed
    # Withdrawn first: without a broker the rebuild runs as the change
    # commits, and must find the withdrawal already recorded.
    return [
        (pre_save, row_url_before, f"{uid}-url-before"),
        (post_save, row_hidden, f"{uid}-hidden-save"),
        (post_delete, row_hidden, f"{uid}-hidden-delete"),
        (post_save, changed, f"{uid}-save"),
        (post_delete, changed, f"{uid}-delete"),
    ]


def _links(model):
    """(through model, dispatch uid) of each many-to-many field of ``model``."""
    uid = f"search-{model._meta.label_lower}"
    return [
        (field.remote_field.through, f"{uid}-links-{field.name}")
        for field in model._meta.many_to_many
    ]


def connect(model) -> None:
    for signal, receiver, uid in _receivers(model):
        signal.connect(receiver, sender=model, dispatch_uid=uid, weak=False)
    for through, uid in _links(model):
        m2m_changed.connect(links_changed, sender=through, dispatch_uid=uid, weak=False)


def disconnect(model) -> None:
    for signal, _, uid in _receivers(model):
        signal.disconnect(sender=model, dispatch_uid=uid)
    for through, uid in _links(model):
        m2m_changed.disconnect(sender=through, dispatch_uid=uid)
