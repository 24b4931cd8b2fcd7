"""The assistant in Wagtail's admin, where a Wagtail site's editors work.

Wagtail imports this module from every installed app (its hooks discovery), so
it runs only where Wagtail is installed. The assistant's own screens stay in
Django's admin (which `wagtail start` mounts at /django-admin/); Wagtail's
admin gets the way there:

- **Site assistant** in Wagtail's sidebar, opening the app's overview;
- a panel on Wagtail's dashboard with the overview's figures: what is served,
  the last build when it failed, the questions of the last seven days (of each
  site too, when there are several), and what waits for review, each linked to
  its list: the declined questions a build found a section for too ("The site
  may answer these now"), for those who may see example questions.

Both only for users who may open the app in Django's admin (active staff with
a permission of the app), and only when Django's admin is mounted.

And every editor who publishes, unpublishes, deletes, moves or copies a page, or
changes its privacy, is told,
beside Wagtail's own message, what the assistant does with the change: that
it is reading it and about when visitors get the new text, or that the page
left the answers at once; then, once the rebuild has finished, on whichever
admin page the editor is on, that visitors now get it (or that the rebuild
failed), in place of the first message when it is still on screen. The editor's session remembers the build waited for; a small script
(``site_assistant/wagtail_update.js``), started by a marker in the message,
asks ``editor_update`` until it is done, on that page and the next ones.
Wagtail's privacy dialog reloads no page: the same script asks ``privacy_changed``
when it closes.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from django.contrib import messages
from django.db import DatabaseError
from django.http import JsonResponse
from django.templatetags.static import static
from django.urls import NoReverseMatch, path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from . import conf, dashboard, schema, tasks
from .models import IndexBuild, NotQueued
from .templatetags.search_admin import build_error_for, sites_of_the_week

APP = "site_assistant"


def _in_django_admin(name: str, **kwargs) -> str | None:
    """The URL of ``name`` in Django's admin; None when Django's admin is not mounted."""
    try:
        return reverse(f"admin:{name}", kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def overview_url() -> str | None:
    """The app's overview in Django's admin; None when Django's admin is not mounted."""
    return _in_django_admin("app_list", app_label=APP)


def rebuild_url() -> str | None:
    """The Index builds list's box with "Rebuild index now" in Django's admin; None when
    Django's admin is not mounted."""
    builds = _in_django_admin(f"{APP}_indexbuild_changelist")
    return f"{builds}#index-status" if builds else None


def may_answer_url(user) -> str | None:
    """Example questions' *The site may answer it now* list in Django's admin, where the
    owner lets a declined question be answered or keeps declining it; None when Django's
    admin is not mounted or ``user`` may not see example questions there (the view or
    change permission, as Django's admin asks)."""
    if user is None or not any(
        user.has_perm(f"{APP}.{action}_examplequestion") for action in ("view", "change")
    ):
        return None
    listed = _in_django_admin(f"{APP}_examplequestion_changelist")
    return f"{listed}?review=may_answer" if listed else None


def may_open(user) -> bool:
    """Whether Django's admin is mounted and ``user`` may open the app there (as its own
    check asks)."""
    return overview_url() is not None and bool(
        user.is_active and user.is_staff and user.has_module_perms(APP)
    )


class AssistantMenuItem(MenuItem):
    """Its URL is reversed lazily, when shown: only if Django's admin is mounted."""

    def is_shown(self, request):
        return may_open(request.user)


class AssistantPanel(Component):
    name = "site_assistant"
    template_name = "site_assistant/wagtail/dashboard_panel.html"
    order = 150

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        context.update(dashboard.figures())
        context["overview_url"] = overview_url()
        if context.get("migrations_pending"):  # the note alone: the rest reads those tables
            return context
        request = parent_context.get("request")
        user = getattr(request, "user", None)
        context["build_error"] = build_error_for(user, context["last_build"])
        # The declined questions a build found a section for: counted and linked to where
        # the owner decides, for those who may see example questions (the questions are
        # the owner's, the decision theirs).
        context["may_answer_url"] = may_answer_url(user) if context["may_answer"] else None
        if context["may_answer_url"] is None:
            context["may_answer"] = []
        # Its notes (the index cannot be served, none yet, pages left out, the last build
        # failed) lead to where the owner acts: the Index builds list's "Rebuild index now".
        context["rebuild_url"] = rebuild_url()
        if context["week_by_site"]:
            context["week_by_site"] = sites_of_the_week(context["week_by_site"])
        return context


@hooks.register("register_admin_menu_item")
def register_menu_item():
    return AssistantMenuItem(
        gettext_lazy("Site assistant"),
        reverse_lazy("admin:app_list", kwargs={"app_label": APP}),
        name="site-assistant",
        icon_name="help",
        order=850,
    )


@hooks.register("construct_homepage_panels")
def add_dashboard_panel(request, panels):
    if may_open(request.user):
        panels.append(AssistantPanel())


# --- what an editor's change does to the answers --------------------------------------

# The editor's session: {"build": the pk of the build waited for, "title": the page's,
# "moved": whether the change was a move, "since": when it was made (a Unix time)}.
WAITING = "site_assistant_waiting"
UNDER_WAY = (IndexBuild.Status.QUEUED, IndexBuild.Status.RUNNING)


def _follows_editors() -> bool:
    return bool(conf.get("AUTO_REBUILD") and conf.get("WAGTAIL_REBUILD"))


def _builds_behind() -> tuple[str, ...]:
    """The migrations pending while the builds' table lacks a column the code reads (the
    new code serving before ``manage.py migrate``), else (): reading a build then fails,
    and made the editor's publish a 500."""
    try:
        return schema.behind_for(IndexBuild)
    except DatabaseError:  # the database is down: Wagtail's own view says so
        return ()


def _build_under_way() -> IndexBuild | None:
    """The build that will read the change: the newest one queued or running."""
    return IndexBuild.objects.filter(status__in=UNDER_WAY).order_by("-pk").first()


def _tell(request, page, withdrawn: bool = False, moved: bool = False) -> None:
    """Add the message for the change just made to ``page`` (published, or ``moved``
    or ``withdrawn``); remember the build to wait for in the session."""
    told = _what_it_does(request, page, withdrawn=withdrawn, moved=moved)
    if told is None:
        return
    level, text, waiting = told
    if waiting:  # the marker starts the script (waiting_script) asking until it is done
        text = format_html("{}<span hidden data-site-assistant-waiting></span>", text)
    messages.add_message(request, level, text)


def _what_it_does(
    request, page, withdrawn: bool = False, moved: bool = False
) -> tuple[int, str, bool] | None:
    """(message level, text, whether to wait for a build) for the change just made to
    ``page``; None when the assistant does not follow editors' changes. Remembers the
    build to wait for in the session."""
    if not _follows_editors():
        return None
    assistant, title = conf.get("WIDGET_TITLE"), page.title
    if withdrawn:
        text = _("%(assistant)s no longer answers from “%(title)s” or the pages below it.")
        return messages.INFO, text % {"assistant": assistant, "title": title}, False
    if getattr(page, "scheduled_revision", None) is not None:
        text = _("%(assistant)s reads the new text of “%(title)s” once it goes live.")
        return messages.INFO, text % {"assistant": assistant, "title": title}, False
    if _builds_behind():
        # Its rebuild is owed (site_assistant.rebuilds.owe_content_rebuild): the builds'
        # table cannot record it until ``migrate`` has run.
        text = _(
            "%(assistant)s reads the new text of “%(title)s” once the site's upgrade is "
            "finished (manage.py migrate). Until then visitors get the text it read before."
        )
        return messages.INFO, text % {"assistant": assistant, "title": title}, False
    build = _build_under_way()
    if build is not None:
        request.session[WAITING] = {
            "build": build.pk,
            "title": title,
            "moved": moved,
            "since": time.time(),
        }
        if moved:
            text = _(
                "%(assistant)s is reading “%(title)s” at its new address: visitors are "
                "sent there in about %(seconds)s seconds. A message here says when they are."
            )
        else:
            text = _(
                "%(assistant)s is reading the new text of “%(title)s”: visitors get it in "
                "about %(seconds)s seconds. A message here says when they do."
            )
        text %= {
            "assistant": assistant,
            "title": title,
            "seconds": max(int(conf.get("REBUILD_DEBOUNCE_SECONDS")), 0) + 5,
        }
        return messages.INFO, text, True
    last = dashboard.latest_build()
    if last is not None and last.status == IndexBuild.Status.SUCCEEDED:
        # No broker: the rebuild ran in this request, before this message.
        return messages.SUCCESS, _done(title, moved, now=True), False
    if last is not None:
        return messages.WARNING, _update_failed(title, last), False
    return None


def _done(title: str, moved: bool, now: bool = False) -> str:
    """What visitors get once the rebuild has read the change (``now``: in this request)."""
    if moved and now:
        text = _("%(assistant)s sends visitors to “%(title)s” at its new address now.")
    elif moved:
        text = _("%(assistant)s now sends visitors to “%(title)s” at its new address.")
    elif now:
        text = _("%(assistant)s answers from the new text of “%(title)s” now.")
    else:
        text = _("%(assistant)s now answers from the new text of “%(title)s”.")
    return text % {"assistant": conf.get("WIDGET_TITLE"), "title": title}


def _update_failed(title: str, build: IndexBuild) -> str:
    if build.status == IndexBuild.Status.UNQUEUED and build.not_queued == NotQueued.CANNOT_SEND:
        return _(
            "%(assistant)s could not start reading the new text of “%(title)s”: this site "
            "cannot send tasks to its task queue. Visitors get the text it read before; "
            "tell whoever runs the site."
        ) % {"assistant": conf.get("WIDGET_TITLE"), "title": title}
    if build.status == IndexBuild.Status.UNQUEUED:
        return _(
            "%(assistant)s could not start reading the new text of “%(title)s”: the task "
            "queue did not answer. Visitors get the text it read before until it does."
        ) % {"assistant": conf.get("WIDGET_TITLE"), "title": title}
    return _(
        "%(assistant)s could not read the new text of “%(title)s”: its rebuild failed. "
        "Visitors get the text it read before."
    ) % {"assistant": conf.get("WIDGET_TITLE"), "title": title}


# How long after a build that started before the change finished its follow-up
# build may take to appear (it is asked for just after the build frees its lock).
FOLLOW_UP_GRACE = timedelta(seconds=5)


def _follow_up_coming(last: IndexBuild | None, since: float | None) -> bool:
    """Whether ``last`` succeeded without reading the change made at ``since``: it
    was already running then, and the follow-up build that reads the change is
    asked for a moment after it finishes."""
    if last is None or since is None or last.status != IndexBuild.Status.SUCCEEDED:
        return False
    changed = datetime.fromtimestamp(since, tz=UTC)
    started_before = last.started is not None and last.started < changed
    return started_before and timezone.now() - last.finished < FOLLOW_UP_GRACE


def editor_update(request):
    """JSON for the editor's script: {"done": false} while the build waited for (or
    one after it) is queued or running; then, once, the message to show."""
    waiting = request.session.get(WAITING)
    if not waiting:
        return JsonResponse({"done": True, "message": "", "type": ""})
    if _builds_behind():  # asked again after migrate: the owed rebuild is after the one waited for
        return JsonResponse({"done": False})
    under_way = (
        IndexBuild.objects.filter(pk__gte=waiting["build"], status__in=UNDER_WAY)
        .order_by("pk")
        .first()
    )
    if under_way is not None:
        if not tasks.no_worker_note(under_way):
            return JsonResponse({"done": False})
        # Queued with no worker to run it (one stopped: at once; else once it is late):
        # say so, and stop asking.
        del request.session[WAITING]
        message = _(
            "%(assistant)s has not started reading the new text of “%(title)s”: no "
            "worker is running its rebuilds. Visitors get the text it read before until "
            "one does; tell whoever runs the site."
        ) % {"assistant": conf.get("WIDGET_TITLE"), "title": waiting["title"]}
        return JsonResponse({"done": True, "message": message, "type": "warning"})
    last = (
        IndexBuild.objects.filter(pk__gte=waiting["build"], finished__isnull=False)
        .order_by("-finished", "-pk")
        .first()
    )
    if _follow_up_coming(last, waiting.get("since")):
        return JsonResponse({"done": False})
    del request.session[WAITING]
    if last is not None and last.status != IndexBuild.Status.SUCCEEDED:
        return JsonResponse(
            {"done": True, "message": _update_failed(waiting["title"], last), "type": "error"}
        )
    message = _done(waiting["title"], waiting.get("moved", False))
    return JsonResponse({"done": True, "message": message, "type": "success"})


# Wagtail's privacy dialog saves a page's view restriction and closes, with no hook
# and no message: its log entry (by the editor, just now) says which page it was.
PRIVACY_ACTIONS = (
    "wagtail.view_restriction.create",
    "wagtail.view_restriction.edit",
    "wagtail.view_restriction.delete",
)
PRIVACY_JUST_NOW_SECONDS = 60
# The levels Wagtail's admin can add a message at from a script (its templates).
SCRIPT_MESSAGE_TYPES = {messages.SUCCESS: "success", messages.WARNING: "warning"}


def privacy_changed(request):
    """JSON for the editor's script once Wagtail's privacy dialog has closed: what the
    privacy the editor has just given a page does to the answers, as a publish or an
    unpublish tells. Private (there or above it): it left the answers at once
    (wagtail_signals); public again: the rebuild reads it (``waiting``: then ask
    ``editor_update`` until it is done). {"message": ""} when there is nothing to say."""
    from django.utils import timezone
    from wagtail.models import PageLogEntry

    nothing = JsonResponse({"message": "", "type": "", "waiting": False})
    entry = (
        PageLogEntry.objects.filter(
            user_id=request.user.pk,
            action__in=PRIVACY_ACTIONS,
            timestamp__gte=timezone.now() - timedelta(seconds=PRIVACY_JUST_NOW_SECONDS),
        )
        .select_related("page")
        .order_by("-timestamp", "-pk")
        .first()
    )
    page = entry.page if entry is not None else None
    if page is None or not page.live:  # a draft's privacy changes nothing visitors get
        return nothing
    private = page.get_view_restrictions().exists()
    told = _what_it_does(request, page, withdrawn=private)
    if told is None:
        return nothing
    level, text, waiting = told
    kind = SCRIPT_MESSAGE_TYPES.get(level, "success")
    return JsonResponse({"message": text, "type": kind, "waiting": waiting})


@hooks.register("after_publish_page")
def after_publish(request, page):
    _tell(request, page)


@hooks.register("after_move_page")
def after_move(request, page):
    _tell(request, page, moved=True)


@hooks.register("after_copy_page")
def after_copy(request, page, new_page):
    if new_page.live:  # a copy left as a draft changes nothing visitors get
        _tell(request, new_page)


@hooks.register("after_unpublish_page")
def after_unpublish(request, page):
    _tell(request, page, withdrawn=True)


@hooks.register("after_delete_page")
def after_delete(request, page):
    _tell(request, page, withdrawn=True)


@hooks.register("register_admin_urls")
def register_urls():
    return [
        path("site-assistant/update/", editor_update, name="site_assistant_editor_update"),
        path("site-assistant/privacy/", privacy_changed, name="site_assistant_privacy_changed"),
    ]


@hooks.register("insert_global_admin_js")
def waiting_script():
    """On every admin page; it asks ``editor_update`` only after a message with the
    marker, and on the pages after it until the build is done (sessionStorage)."""
    return format_html(
        '<script src="{}" data-url="{}" data-privacy-url="{}" defer></script>',
        static("site_assistant/wagtail_update.js"),
        reverse("site_assistant_editor_update"),
        reverse("site_assistant_privacy_changed"),
    )
