"""The site owner's cockpit: index builds, passages, the questions log, "Try a question".

Pages and passages mirror the current index, so they are read-only here;
builds are started with the "Rebuild index now" button (or the API), never
edited by hand. Every view sits behind ``admin_site.admin_view`` (staff only).
"""

import json
from datetime import datetime, timedelta
from functools import partial, wraps
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.views.main import ChangeList
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from . import conf, index, language, questions, rebuilds, script_prefix, sections, services
from .admin_fix import fix_answer_view
from .api.permissions import may_rebuild
from .models import (
    DECLINED,
    OTHER_LANGUAGE,
    UNANSWERED,
    Dashboard,
    ExampleQuestion,
    IndexBuild,
    NotQueued,
    Page,
    Passage,
    Question,
    looks_personal,
)
from .stored_words import figure
from .tasks import queued_note
from .templatetags.search_admin import (
    AppStylesheet,
    BackToTheListAfterDelete,
    CardsOnAPhone,
    NamesItsFields,
    SaysMigrationsPending,
    also_reads,
    capital,
    date_column,
    human_time,
    milliseconds,
    percent,
    reads_no_table,
    site_label,
    site_names,
    technical_details,
    titled,
)
from .text import question_key


class ReadOnlyAdmin(SaysMigrationsPending, AppStylesheet, NamesItsFields, admin.ModelAdmin):
    """Rows written by the index build; the admin only reads them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Dashboard)
class DashboardAdmin(ReadOnlyAdmin):
    """ "Dashboard", first in the app's row on the admin's home: it opens the app's page,
    where the overview is (admin/site_assistant/app_index.html). Works in any host's
    admin: the home page lists it like a model, with no template of the host changed."""

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def get_model_perms(self, request):
        # Listed (with a "View" link) for whoever may see the app at all.
        return {"view": True} if self.has_module_permission(request) else {}

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "",
                self.admin_site.admin_view(self.changelist_view),
                name=f"{opts.app_label}_{opts.model_name}_changelist",
            )
        ]

    @reads_no_table  # it leads to the overview, which says what is pending itself
    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(
            reverse(f"{self.admin_site.name}:app_list", kwargs={"app_label": self.opts.app_label})
        )


class PageFilter(admin.RelatedOnlyFieldListFilter):
    """The Passages list's "By page": every page while there are at most
    ``MAX_LISTED`` (a site of thousands of pages got a link each on every list
    page, 340 KB of HTML, and with facets a count each). Beyond that, only the
    page picked: from the Pages list, whose passage counts link here."""

    MAX_LISTED = 100

    def field_choices(self, field, request, model_admin):
        if Page.objects.count() <= self.MAX_LISTED:
            return super().field_choices(field, request, model_admin)
        picked = [pk for pk in self.lookup_val or () if str(pk).isdigit()]
        return [(page.pk, str(page)) for page in Page.objects.filter(pk__in=picked)]


@admin.register(Page)
class PageAdmin(ReadOnlyAdmin):
    list_display = ["url", "title", "source", "passage_count", "last_seen_display"]
    list_filter = [("source", titled(pgettext_lazy("list filter", "source")))]
    search_fields = ["url", "title"]
    last_seen_display = date_column("last_seen", _("Last seen"))
    field_labels = {"content_hash": _("Content hash")}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(passage_count=Count("passages"))

    @admin.display(description=_("Passages"), ordering="passage_count")
    def passage_count(self, page):
        if not page.passage_count:
            return 0
        passages = reverse(f"{self.admin_site.name}:site_assistant_passage_changelist")
        return format_html(
            '<a href="{}?{}">{}</a>',
            passages,
            urlencode({"pages__id__exact": page.pk}),
            page.passage_count,
        )


@admin.register(Passage)
class PassageAdmin(ReadOnlyAdmin):
    list_display = ["short_text", "title", "heading", "link_display", "position", "version_display"]
    list_filter = [
        ("pages", titled(pgettext_lazy("list filter", "page"), PageFilter)),
        "index_version",
    ]
    search_fields = ["text", "title", "heading", "url", "anchor"]
    list_per_page = 50
    field_labels = {
        "pages": _("Pages"),
        "anchor": _("Anchor"),
        "text_hash": _("Text hash"),
        "vector_id": _("Vector id"),
    }

    @admin.display(description=_("Text"))
    def short_text(self, passage):
        return passage.text if len(passage.text) <= 120 else passage.text[:117] + "…"

    @admin.display(description=_("Index"), ordering="index_version")
    def version_display(self, passage):
        serving = services.index_status().get("version")
        label = (
            gettext("serving now")
            if passage.index_version == serving
            else gettext("an older build")
        )
        version = gettext("Index version %(version)s") % {"version": passage.index_version}
        return format_html('<span title="{}">{}</span>', version, label)

    @admin.display(description=_("Link"), ordering="url")
    def link_display(self, passage):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            script_prefix.add(passage.link),  # the admin's own script prefix, as a visitor's
            passage.link,
        )

    change_form_template = "admin/site_assistant/passage/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A passage's page offers "Add an example question" with its section already picked."""
        passage = self.get_object(request, object_id)
        add_example = ""
        if passage is not None and request.user.has_perm("site_assistant.add_examplequestion"):
            add = reverse(f"{self.admin_site.name}:site_assistant_examplequestion_add")
            add_example = f"{add}?{urlencode({'url': passage.link})}"
        extra_context = {**(extra_context or {}), "add_example_url": add_example}
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(IndexBuild)
class IndexBuildAdmin(
    SaysMigrationsPending, BackToTheListAfterDelete, CardsOnAPhone, NamesItsFields, admin.ModelAdmin
):
    # Few columns, so a 1280 px window shows them all beside the menu: the
    # status carries a failed build's error, the request its trigger.
    list_display = [
        "build_display",
        "outcome_display",
        "index_display",
        "requested_display",
        "duration_display",
    ]
    list_display_links = ["build_display"]
    list_select_related = ["requested_by"]  # "… by owner": one query, not one a row
    list_filter = [
        ("status", titled(pgettext_lazy("list filter", "status"))),
        ("trigger", titled(pgettext_lazy("list filter", "trigger"))),
    ]
    # Status, stage, progress, counts and error are in the box above the fields
    # (updated while the build runs); the fields are what the box does not say. What
    # only a developer reads (the build it joined, which the box says in words, the
    # index version it wrote, the model, the worker's task) is folded.
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "trigger",
                    "requested_by",
                    "created_at",
                    "started_at",
                    "finished_at",
                    "left_out_display",
                ]
            },
        ),
        technical_details("coalesced_into", "version", "model_id", "task_id"),
    ]
    readonly_fields = flatten_fieldsets(fieldsets)
    # Fields whose model names them in English only (no migration for a label): in the
    # admin's language, as the others ("Requested by:" stayed English on a German page).
    field_labels = {
        "requested_by": _("Requested by"),
        "coalesced_into": _("Joined build"),
        "model_id": _("Model"),
        "task_id": _("Task"),
    }
    change_list_template = "admin/site_assistant/indexbuild/change_list.html"

    change_form_template = "admin/site_assistant/indexbuild/change_form.html"

    # As every time on the app's pages: the language's format, with the time zone.
    created_at = date_column("created", IndexBuild._meta.get_field("created").verbose_name, True)
    started_at = date_column("started", IndexBuild._meta.get_field("started").verbose_name, True)
    finished_at = date_column("finished", IndexBuild._meta.get_field("finished").verbose_name, True)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A queued or running build holds the build lock: never delete it mid-way.
        return super().has_delete_permission(request, obj) and not (obj and obj.is_active)

    @admin.display(description=_("Build"), ordering="pk")
    def build_display(self, build):
        return f"#{build.pk}"

    @admin.display(description=_("Status"), ordering="status")
    def outcome_display(self, build):
        """The status, with a failed build's error under it (never off-screen)."""
        status = build.get_status_display()
        if build.coalesced_into_id:
            status = f"{status} #{build.coalesced_into_id}"
        if not build.error:
            return status
        error = build.error_words()
        error = error if len(error) <= 200 else error[:197] + "…"
        return format_html(
            '<strong>{}</strong><br><span class="search-admin__error">{}</span>', status, error
        )

    @admin.display(description=_("Index"), ordering="passages")
    def index_display(self, build):
        if build.status != IndexBuild.Status.SUCCEEDED:
            return "–"
        shown = format_html(
            '{}<br><span class="help">{}</span>',
            ngettext(
                "%(passages)s passage from %(pages)s pages",
                "%(passages)s passages from %(pages)s pages",
                build.passages,
            )
            % {"passages": build.passages, "pages": build.pages},
            gettext("%(embedded)s embedded · %(reused)s reused · %(removed)s removed")
            % {"embedded": build.embedded, "reused": build.reused, "removed": build.removed},
        )
        for note in _left_out(build):
            shown = format_html('{}<br><span class="help">{}</span>', shown, note)
        return shown

    @admin.display(description=_("Left out"))
    def left_out_display(self, build):
        """On the build's page, what its row in the list says under its figures."""
        notes = _left_out(build)
        if not notes:
            return "–"
        return format_html_join(mark_safe("<br>"), "{}", ((note,) for note in notes))

    @admin.display(description=_("Requested"), ordering="created")
    def requested_display(self, build):
        # Who, when a person set it off ("Example question saved by owner").
        trigger = build.get_trigger_display()
        if build.requested_by_id:
            trigger = gettext("%(trigger)s by %(user)s") % {
                "trigger": trigger,
                "user": build.requested_by.get_username(),
            }
        return format_html('{}<br><span class="help">{}</span>', human_time(build.created), trigger)

    @admin.display(description=_("Duration"))
    def duration_display(self, build):
        duration = build.duration
        if duration is None:
            return "–"
        return gettext("%(seconds)s s") % {"seconds": figure(duration.total_seconds(), 1)}

    def get_urls(self):
        rebuild = path(
            "rebuild/",
            also_reads(*rebuilds.TABLES)(self.admin_site.admin_view(self.rebuild_view)),
            name="site_assistant_indexbuild_rebuild",
        )
        status = path(
            "<int:build_id>/status/",
            self.admin_site.admin_view(self.status_view),
            name="site_assistant_indexbuild_status",
        )
        return [rebuild, status, *super().get_urls()]

    def status_view(self, request, build_id):
        """GET: the build's status as JSON, polled by its page.

        Besides the build's own figures, why a queued build has not started
        (no worker, or the task queue not answering), which the page that
        watches it says as soon as it is known, not only the overview.
        """
        from .rebuilds import release_stale_locks

        if not self.has_view_permission(request):
            raise PermissionDenied
        release_stale_locks()  # a build whose worker died reads "failed", not "running"
        from .training.time_left import left_words

        left = request.GET.get("left", "")
        try:
            seconds = float(left) if left else None
        except ValueError:
            seconds = None
        if seconds is not None and not 0 <= seconds < 10**7:
            seconds = None
        if left and seconds is None:
            return JsonResponse(
                {"error": gettext("left: give the seconds left, a number from 0.")}, status=400
            )
        build = IndexBuild.objects.filter(pk=build_id).first()
        if build is None:
            return JsonResponse({"error": gettext("No such build.")}, status=404)
        return JsonResponse(
            {
                "id": build.pk,
                "status": build.status,
                "progress": build.progress,
                # "40%", "40 %" in German: the percent as the page's own template writes it.
                "progress_words": percent(build.progress),
                "stage": build.stage,
                "stage_words": build.stage_words(),
                **{
                    k: getattr(build, k)
                    for k in ("pages", "passages", "embedded", "reused", "removed")
                },
                "error": build.error_words(),
                "waiting": queued_note(build),
                # The time left the page worked out from the pace it saw (?left=), in words.
                "time_left": left_words(seconds) if seconds is not None else "",
            }
        )

    def rebuild_view(self, request):
        """POST only: ask for a rebuild (joins the active build if there is one)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not may_rebuild(request.user):
            raise PermissionDenied
        from .rebuilds import LockBusy, request_rebuild

        try:
            build = request_rebuild(IndexBuild.Trigger.ADMIN, request.user, background=True)
        except LockBusy as exc:
            messages.error(
                request,
                gettext("Could not start a rebuild: %(error)s. Please try again.") % {"error": exc},
            )
            return HttpResponseRedirect(reverse("admin:site_assistant_indexbuild_changelist"))
        build.refresh_from_db()
        Status = IndexBuild.Status
        if build.status == Status.UNQUEUED and build.not_queued == NotQueued.CANNOT_SEND:
            # Not the queue's silence: this process cannot talk to it (no waiting mends it).
            messages.error(
                request,
                gettext("Could not start a rebuild (#%(build)s): %(error)s")
                % {"build": build.pk, "error": build.error_words()},
            )
            return HttpResponseRedirect(reverse("admin:site_assistant_indexbuild_changelist"))
        if build.status == Status.UNQUEUED:
            messages.error(
                request,
                gettext(
                    "Could not start a rebuild: the task queue is not answering, so nothing "
                    "was started (recorded as #%(build)s, not queued). Please try again once "
                    "it is back."
                )
                % {"build": build.pk},
            )
            return HttpResponseRedirect(reverse("admin:site_assistant_indexbuild_changelist"))
        if build.status == Status.COALESCED:
            messages.info(
                request,
                gettext("A build is already under way (#%(build)s); your request joined it.")
                % {"build": build.coalesced_into_id},
            )
            target = build.coalesced_into_id
        else:
            level, text = _rebuild_message(build)
            messages.add_message(request, level, text)
            target = build.pk
        return HttpResponseRedirect(
            reverse("admin:site_assistant_indexbuild_change", args=[target])
        )

    def changelist_view(self, request, extra_context=None):
        from .rebuilds import release_stale_locks

        release_stale_locks()  # a build whose worker died shows as failed, not running
        status = services.index_status()
        extra_context = {
            **(extra_context or {}),
            "index_status": status,
            "index_problem": services.index_problem(),
            "index_dir": index.looked_in(),
            "waiting_for_a_worker": queued_note(),
            # The index's own record is an ISO string: shown like every other date here.
            "index_built": parse_datetime(status.get("created") or "") if status else None,
            # The button only for staff who may press it (api.permissions.may_rebuild).
            "rebuild_url": reverse("admin:site_assistant_indexbuild_rebuild")
            if may_rebuild(request.user)
            else "",
            "try_url": reverse("admin:site_assistant_question_try"),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from .rebuilds import release_stale_locks

        release_stale_locks()
        build = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "status_api_url": reverse("admin:site_assistant_indexbuild_status", args=[object_id])
            if str(object_id).isdigit()
            else "",
            "waiting": queued_note(build) if build else "",
            "status_labels": json.dumps({k: str(v) for k, v in IndexBuild.Status.choices}),
        }
        return super().change_view(request, object_id, form_url, extra_context)


def _left_out(build: IndexBuild) -> list[str]:
    """What a build left out, for the owner: sitemaps it could not read (a 404, which
    fails the build), sitemap URLs on a host not in ALLOWED_HOSTS;
    SKIP_OTHER_LANGUAGE_PAGES: a bilingual site's pages of the other language; and pages
    read that look like one (a German page inheriting <html lang="en">)."""
    notes = (
        build.sitemaps_left_out(),
        build.other_hosts_left_out(),
        build.other_language_left_out(),
        build.reading_as_other_language(),
    )
    return [note for note in notes if note]


def _rebuild_message(build: IndexBuild) -> tuple[int, str]:
    """What the owner is told after pressing "Rebuild index now": only what happened."""
    Status = IndexBuild.Status
    if build.status == Status.SUCCEEDED:  # ran inside the request, or a worker was quicker
        seconds = build.duration.total_seconds() if build.duration else 0
        return messages.SUCCESS, ngettext(
            "Index rebuild #%(build)s finished in %(seconds)s s: %(passages)s passage "
            "from %(pages)s pages, now live.",
            "Index rebuild #%(build)s finished in %(seconds)s s: %(passages)s passages "
            "from %(pages)s pages, now live.",
            build.passages,
        ) % {
            "build": build.pk,
            "seconds": figure(seconds, 1),
            "passages": build.passages,
            "pages": build.pages,
        }
    if build.status == Status.FAILED:
        return messages.ERROR, gettext("Index rebuild #%(build)s failed: %(error)s") % {
            "build": build.pk,
            "error": build.error_words(),
        }
    if getattr(build, "in_background", False):  # no broker: a thread of this server runs it
        return messages.SUCCESS, gettext(
            "Index rebuild #%(build)s started in the background of this web server "
            "(no task queue configured); its progress shows below."
        ) % {"build": build.pk}
    if build.status == Status.RUNNING:
        return messages.SUCCESS, gettext(
            "Index rebuild #%(build)s is running; its progress shows below."
        ) % {"build": build.pk}
    note = queued_note(build)  # what its page and the builds list say at this moment
    if note:
        return messages.WARNING, gettext(
            "Index rebuild #%(build)s queued, not started. %(note)s"
        ) % {"build": build.pk, "note": note}
    return messages.SUCCESS, gettext(
        "Index rebuild #%(build)s queued: a worker will run it; its progress shows below."
    ) % {"build": build.pk}


class NeedsAttentionFilter(admin.SimpleListFilter):
    """The two lists the owner reads to improve the site, each also as the questions
    still waiting for a fix (no example question saved for them: the overview's counts,
    which link there), and the questions in another language (not searched, so not in
    "Unanswered": there is nothing to fix)."""

    title = pgettext_lazy("list filter", "needs attention")
    parameter_name = "attention"
    WAITING = "_waiting"
    # Every list it offers (lookups): each shows a question once (QuestionAdmin.groups_questions).
    VALUES = {
        "unanswered",
        "unanswered" + WAITING,
        "not_helpful",
        "not_helpful" + WAITING,
        "other_language",
        "unanswerable",
    }

    def lookups(self, request, model_admin):
        return [
            ("unanswered", _("Unanswered")),
            ("unanswered" + self.WAITING, _("Unanswered, waiting for a fix")),
            ("not_helpful", _("Not helpful")),
            ("not_helpful" + self.WAITING, _("Not helpful, waiting for a fix")),
            ("other_language", _("In another language")),
            # Judged on Fix this answer: in no list above, found here.
            ("unanswerable", _("The site doesn’t answer")),
        ]

    def queryset(self, request, queryset):
        value = self.value() or ""
        waiting = value.endswith(self.WAITING)
        value = value.removesuffix(self.WAITING)
        if value == "unanswered":
            queryset = queryset.unanswered()
        elif value == "not_helpful":
            queryset = queryset.filter(helpful=False)
        elif value == "other_language":
            return queryset.other_language()
        elif value == "unanswerable":
            return queryset.filter(unanswerable=True)
        else:
            return queryset
        if waiting:  # "✓ example saved" ones are fixed, those the site doesn't answer judged
            if "has_example" not in queryset.query.annotations:
                queryset = queryset.with_example()
            queryset = queryset.filter(has_example=False, unanswerable=False)
        return queryset


def _on_every_ask(action):
    """``action`` (an admin action) given every ask of the questions ticked in a list
    that shows each question once (QuestionQuerySet.asks_of)."""

    @wraps(action)
    def on_every_ask(model_admin, request, queryset):
        return action(model_admin, request, queryset.asks_of())

    return on_every_ask


class IndexedValuesFilter(admin.AllValuesFieldListFilter):
    """A column's values as choices, read through its index (``distinct_values``):
    Django's ``SELECT DISTINCT`` read every row of the log on every list page. Shown
    once the log holds two values or more (one value picks nothing out), or one is chosen."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = model._default_manager.distinct_values(field.name)

    def has_output(self):
        return len(self.lookup_choices) > 1 or self.lookup_val is not None


class ModelFilter(IndexedValuesFilter):
    """The model that answered: shown once questions were answered by two (the base model
    and one trained on the site); a developer's filter, which one model leaves out."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = pgettext_lazy("list filter", "model")


class LanguageFilter(IndexedValuesFilter):
    """The questions' languages by name ("German (de)"); the index's own, stored as "",
    is "The site’s language" (Django lists it as a link with no text)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = pgettext_lazy("list filter", "language")

    def choices(self, changelist):
        for position, choice in enumerate(super().choices(changelist)):
            if position:  # the first is "All"
                code = choice["display"]
                choice["display"] = (
                    f"{language.name(code)} ({code})" if code else gettext("The site’s language")
                )
            yield choice


def serves_several_sites() -> bool:
    """Whether the assistant serves several sites (several Wagtail sites: ``PER_SITE``
    names them, or the log holds a question asked on another site than the default one):
    only then does a question's page say which site it was asked on."""
    return bool(conf.get("PER_SITE")) or Question.objects.filter(site__gt="").exists()


class SiteFilter(admin.SimpleListFilter):
    """The sites questions were asked on (several Wagtail sites): shown once the log
    holds a question asked on another site than the default one."""

    title = pgettext_lazy("list filter", "site")
    parameter_name = "site"

    def lookups(self, request, model_admin):
        others = Question.objects.filter(site__gt="").distinct_values("site")
        if not others:
            return []
        names = site_names()
        return [
            ("", capital(site_label("", names))),
            *((s, site_label(s, names)) for s in others),
        ]

    def queryset(self, request, queryset):
        return queryset if self.value() is None else queryset.filter(site=self.value())


class AtLeast(int):
    """A count that stopped at its limit: it reads "10000+"."""

    def __str__(self):
        return f"{int(self)}+"


# A filtered Questions list counts its rows up to this many ("10000+ questions").
COUNT_LIMIT = 10_000


class EstimatedCountPaginator(Paginator):
    """Counts that do not grow with the log. The unfiltered list's count is PostgreSQL's
    estimate once the table is big (``models.BIG_LOG`` rows; within a few percent, so
    the last page may be short or empty). A filtered list counts up to
    ``COUNT_LIMIT`` rows and stops there ("10000+", pages up to that many): "Unanswered"
    over a million questions counted 700,000 rows on each of its pages (0.35 s)."""

    @cached_property
    def count(self):
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is None:
            return super().count
        if not query.where:
            estimate = queryset.busy() if hasattr(queryset, "busy") else None
            if estimate is not None:
                return estimate
            return super().count
        asks = getattr(queryset, "_asks", None)
        if asks is not None:  # each question once: the distinct keys of the asks picked
            counted = asks.aggregate(count=Count("text_key", distinct=True))["count"]
            return AtLeast(COUNT_LIMIT) if counted > COUNT_LIMIT else counted
        counted = queryset.order_by().values("pk")[: COUNT_LIMIT + 1].count()
        return AtLeast(COUNT_LIMIT) if counted > COUNT_LIMIT else counted


class QuestionChangeList(ChangeList):
    """Sorted only by the columns offered (``sortable_by``: each has an index), and an
    unfiltered list's count is the log's total: said once ("1,234 questions"), not as
    "1,234 results (Show all)" (show_full_result_count is off)."""

    def get_ordering_field(self, field_name):
        # Only the columns offered for sorting, also from an address typed or kept.
        if field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)

    def get_results(self, request):
        super().get_results(request)
        if self.full_result_count is None and not self.queryset.query.where:
            self.full_result_count = self.result_count

    # The Needs attention lists show each question once (QuestionAdmin.groups_questions):
    # the list's filters and search pick the asks, which are then grouped
    # (QuestionQuerySet.grouped) and sorted as the columns say, Times asked included.
    def get_ordering(self, request, queryset):
        ordering = super().get_ordering(request, queryset)
        if not self.model_admin.groups_questions(request):
            return ordering
        self.group_ordering = ordering
        return []  # sorted once grouped: "Times asked" is not a column of the asks

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        if not self.model_admin.groups_questions(request):
            return queryset
        by_asks = any(str(field).lstrip("-") == "asks" for field in self.group_ordering)
        return queryset.grouped(every_group=by_asks).order_by(*self.group_ordering)


class AskedFilter(admin.DateFieldListFilter):
    """When a question was asked: today, the past 7 days, this month (the log keeps
    LOG_RETENTION_DAYS). Links, no query: the date drill-down above the list it
    replaces read the date of every row on each page of the list; a day of the
    "Questions per day" table links to that day's questions."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = pgettext_lazy("list filter", "asked")
        self.links = self.links[:4]  # "This year" says nothing of a 30-day log


def _threshold_source() -> str:
    """Where the answer threshold comes from, for the Try page's help: "setting",
    "calibrated" (by the live index's build) or "default"."""
    if conf.get("MIN_SCORE") is not None:
        return "setting"
    try:
        calibrated = index.load_current().calibration.get("min_score")
    except services.IndexNotReady:
        calibrated = None
    return "calibrated" if calibrated == services.min_score() else "default"


@admin.register(Question)
class QuestionAdmin(
    SaysMigrationsPending, BackToTheListAfterDelete, CardsOnAPhone, NamesItsFields, admin.ModelAdmin
):
    # "✓ example saved" reads which example questions answer (ExampleQuestion.declines).
    every_view_also_reads = (ExampleQuestion,)
    # What was asked, what it got and the way to fix it first: on a narrow screen
    # the columns after them are the ones scrolled out of view.
    list_display = [
        "created_display",
        "text",
        "top_link",
        "fix_link",
        "answered",
        "score_display",
        "helpful",
        "channel",
        "approved_display",
        "latency_display",
    ]
    list_display_links = ["text"]
    # Sorted through an index: a column without one was a sort of the whole log (0.7 s
    # at a million questions). Site, answered, helpful, channel, approval: filters.
    sortable_by = ["created_display", "text", "score_display"]
    list_filter = [
        NeedsAttentionFilter,
        ("answered", titled(pgettext_lazy("list filter", "answered"))),
        ("helpful", titled(pgettext_lazy("list filter", "helpful"))),
        ("training_approved", titled(pgettext_lazy("list filter", "training approved"))),
        ("channel", titled(pgettext_lazy("list filter", "channel"))),
        ("created", AskedFilter),
        ("language", LanguageFilter),
        SiteFilter,
        ("model_id", ModelFilter),
    ]
    actions = ["approve_for_training", "withdraw_training_approval"]
    search_fields = ["text", "top_url", "top_heading"]
    # One COUNT a page, not two: the total of an unfiltered list is the list's own
    # count; a filtered one offers "Show all" instead of counting every row again.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    # "Show counts" counted every filter's every choice over the whole log.
    show_facets = admin.ShowFacets.NEVER
    change_list_template = "admin/site_assistant/question/change_list.html"
    change_form_template = "admin/site_assistant/question/change_form.html"
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    created_display = date_column("created", _("Asked"))
    last_asked_display = date_column("created", _("Last asked"))
    voted_at = date_column("feedback_at", _("Voted"), clock=True)

    def groups_questions(self, request) -> bool:
        """Whether the list shows each question once: the Needs attention lists
        (Unanswered, Not helpful...), the owner's to-dos, where a question asked twelve
        times was twelve rows. The whole log stays a row an ask (each its own answer,
        score and vote)."""
        chosen = request.GET.get(NeedsAttentionFilter.parameter_name)
        return chosen in NeedsAttentionFilter.VALUES

    @admin.display(description=_("Times asked"), ordering="asks")
    def asks_display(self, question):
        """How often the row's question was asked among the list's questions; more than
        once, a link to the whole log searched for its words, each ask a row."""
        asks = getattr(question, "asks", 1)
        if asks < 2:
            return asks
        listing = reverse(f"{self.admin_site.name}:site_assistant_question_changelist")
        return format_html(
            '<a href="{}?{}" title="{}">{}</a>',
            listing,
            urlencode({"q": question.text_key}),
            gettext("Each time it was asked, in the whole log"),
            asks,
        )

    # The columns of the list of asks a list of questions leaves out (get_list_display).
    ONE_ASKS_COLUMNS = ("channel", "latency_display")

    def get_sortable_by(self, request):
        # Each question once: by when it was last asked, its words or how often (the score
        # is its latest ask's). As many as before: a phone's card list's sort buttons fit.
        if self.groups_questions(request):
            return ["last_asked_display", "text", "asks_display"]
        return self.sortable_by

    def get_actions(self, request):
        """On a list that shows each question once, an action (delete, approve...) acts
        on every ask of the questions ticked, not on the latest alone."""
        actions = super().get_actions(request)
        if not self.groups_questions(request):
            return actions
        return {
            name: (_on_every_ask(action), name, description)
            for name, (action, name, description) in actions.items()
        }

    # A question's page: what the owner reads first, in words and rounded figures; the
    # exact values a developer looks for folded under "Technical details". The site only
    # where there are several (get_fieldsets).
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "text",
                    "created_display",
                    "channel",
                    "answered",
                    "score_display",
                    "top_link",
                    "top_text",
                    "latency_display",
                    "language_display",
                    "site_display",
                    "helpful",
                    "voted_at",
                    "approved_display",
                    "fixed_by",
                    "unanswerable_display",
                ]
            },
        ),
        technical_details(
            "score", "top_url", "top_heading", "latency_ms", "model_id", "index_version", "site"
        ),
    ]
    readonly_fields = flatten_fieldsets(fieldsets)
    # What each value of the page means, for the owner (a method's value has no field
    # whose help Django would show); the technical ones named as a developer knows them.
    field_help = {
        "score_display": _(
            "How closely the best passage matched the question: 1 is a perfect "
            "match, and the assistant answers only when it is above its threshold. The exact "
            "figure is under Technical details."
        ),
        "top_link": _("The section of the site that matched best: the answer, when there was one."),
        "latency_display": _("How long the assistant took to answer, on the server."),
        "site_display": _("Which of your sites the visitor asked on."),
        "approved_display": Question._meta.get_field("training_approved").help_text,
        "unanswerable_display": Question._meta.get_field("unanswerable").help_text,
        "score": _("The score as computed."),
        "site": _("The site's hostname; blank for the default site."),
    }
    field_labels = {
        "top_text": _("Passage text"),
        "score": _("Score (exact)"),
        "top_url": _("Top passage's address"),
        "top_heading": _("Top passage's headings"),
        "latency_ms": _("Time to answer (ms, exact)"),
        "approved_display": _("Approved for training"),
        "fixed_by": _("Fixed by"),
        "model_id": _("Model"),
        "index_version": _("Index version"),
    }

    def get_fieldsets(self, request, obj=None):
        if obj is not None and (obj.site or serves_several_sites()):
            return self.fieldsets
        one_site = {"site_display", "site"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in one_site]})
            for name, options in self.fieldsets
        ]

    def has_approve_permission(self, request):
        return request.user.has_perm("site_assistant.change_question")

    @admin.action(
        description=_("Approve for training (read them first: nothing personal)"),
        permissions=["approve"],
    )
    def approve_for_training(self, request, queryset):
        """The public-safe rule (Question.objects.trainable): a helpful vote is
        trained on only once the owner approved the question, and never when
        its text looks personal, approved or not."""
        personal = [q.text for q in queryset if looks_personal(q.text)]
        approved = queryset.exclude(pk__in=[q.pk for q in queryset if looks_personal(q.text)])
        count = approved.update(training_approved=True)
        self.message_user(
            request,
            ngettext(
                "%(count)s question approved for training.",
                "%(count)s questions approved for training.",
                count,
            )
            % {"count": count},
        )
        if personal:
            self.message_user(
                request,
                ngettext(
                    "%(count)s not approved: it holds what looks like personal data "
                    "(an email or web address, a phone number...).",
                    "%(count)s not approved: they hold what looks like personal data "
                    "(an email or web address, a phone number...).",
                    len(personal),
                )
                % {"count": len(personal)},
                messages.WARNING,
            )

    @admin.action(description=_("Withdraw training approval"), permissions=["approve"])
    def withdraw_training_approval(self, request, queryset):
        count = queryset.update(training_approved=False)
        self.message_user(
            request,
            ngettext(
                "%(count)s question no longer used for training.",
                "%(count)s questions no longer used for training.",
                count,
            )
            % {"count": count},
        )

    @admin.display(description=_("Score"), ordering="score")
    def score_display(self, question):
        return figure(question.score, 2) if question.score is not None else "–"

    @admin.display(description=_("Training"))
    def approved_display(self, question):
        """Approved for training, or a neutral "–": Django's red ✖ on every row that
        nobody approved (every question, until the owner does) read as an error."""
        return gettext("✓ approved") if question.training_approved else "–"

    @admin.display(description=_("The site doesn’t answer it"))
    def unanswerable_display(self, question):
        return gettext("✓ judged so on Fix this answer") if question.unanswerable else "–"

    @admin.display(description=_("Language"))
    def language_display(self, question):
        code = question.language
        return f"{language.name(code)} ({code})" if code else gettext("The site’s language")

    @admin.display(description=_("Top passage"), ordering="top_url")
    def top_link(self, question):
        if not question.top_url:
            return "–"
        # Another site's visitor got a path on that site: link it there, not here.
        link = services.site_link(question.top_url, question.site)
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            script_prefix.add(link),
            # As the visitor saw it ("Contact › Where we are"), not the headings
            # alone ("Say hello › Where we are": the page's top heading, not its name).
            sections.named(link, question.top_heading or question.top_url),
        )

    @admin.display(description=_("Site"), ordering="site")
    def site_display(self, question):
        name = site_names().get(question.site)
        return name or question.site or gettext("default")

    @admin.display(description=_("Time to answer"), ordering="latency_ms")
    def latency_display(self, question):
        return milliseconds(question.latency_ms)

    def get_changelist(self, request, **kwargs):
        return QuestionChangeList

    def get_queryset(self, request):
        # Whether the owner already saved this question as an example ("Fix this answer").
        return super().get_queryset(request).with_example()

    def get_list_display(self, request):
        """The Fix column's links carry the list's filters, so saving returns to this list."""
        filters = urlencode({"_changelist_filters": request.GET.urlencode()})

        @admin.display(description=_("Fix"))
        def fix_link(question):
            return self.fix_link(question, filters)

        columns = [fix_link if name == "fix_link" else name for name in self.list_display]
        if self.groups_questions(request):  # each question once: when last, how often
            columns[columns.index("created_display")] = "last_asked_display"
            columns.insert(columns.index("text") + 1, "asks_display")
            # What one ask alone says (how it came, how long it took): on its own page.
            # So the list stays as wide as it was (every column in view at 1280 px).
            columns = [c for c in columns if c not in self.ONE_ASKS_COLUMNS]
        # Several sites: whose visitor asked (site > "" reads the index; site <> "" cannot).
        if Question.objects.filter(site__gt="").exists():
            columns.insert(columns.index("text") + 1, "site_display")
        return columns

    def fix_link(self, question, filters=""):
        if getattr(question, "answered_now", False):
            return format_html(
                '<span title="{}">{}</span>',
                gettext(
                    "You let the site answer this question (Let it answer, in Example "
                    "questions): visitors asking it now get the site’s answer"
                ),
                gettext("the site answers it now"),
            )
        if question.has_example:
            return format_html(
                '<span title="{}">{}</span>',
                gettext(
                    "An example question saved from this question, or with its text, "
                    "points at a section"
                ),
                gettext("✓ example saved"),
            )
        if question.unanswerable:
            return format_html(
                '<span title="{}">{}</span>',
                gettext("You judged on Fix this answer that the site does not say this"),
                gettext("the site doesn’t answer it"),
            )
        if question.language:
            return format_html(
                '<span title="{}">{}</span>',
                gettext(
                    "Questions in another language are not searched: an example question "
                    "would not change what the visitor gets"
                ),
                gettext("not searched (%(language)s)")
                % {"language": language.name_in_text(question.language)},
            )
        fix = reverse("admin:site_assistant_question_fix", args=[question.pk])
        return format_html(
            '<a href="{}" class="fix-answer">{}</a>',
            f"{fix}?{filters}" if filters else fix,
            gettext("Fix this answer"),
        )

    def get_urls(self):
        try_view = path(
            "try/", self.admin_site.admin_view(self.try_view), name="site_assistant_question_try"
        )
        fix_view = path(
            "<int:question_id>/fix/",
            # It saves an example question, which sets off a build.
            also_reads(*rebuilds.TABLES)(
                self.admin_site.admin_view(partial(fix_answer_view, self))
            ),
            name="site_assistant_question_fix",
        )
        return [try_view, fix_view, *super().get_urls()]

    # The days before today of the "Questions per day" table are counted at most this
    # often (votes on their questions show within it); today's are counted each time.
    PAST_DAYS_SECONDS = 600

    def counts_per_day(self, days):
        """The log's questions per day, newest first, each with the link to its questions.

        Counting every day on each page of the list read the whole log each time
        (0.06 s at 100,000 questions, 0.6 s at a million); the days before today change
        only by votes and the purge, so on a big log (models.BIG_LOG) they are counted
        once every PAST_DAYS_SECONDS (in the cache) and today, an index range, every time."""
        now = timezone.localtime()
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        # (":declined": with the declined column, and the waiting ones counted as questions;
        # rows kept before lack one or count asks.)
        key = f"site_assistant:questions-per-day:declined:{today.isoformat()}:{days}"
        big = Question.objects.busy()
        past = cache.get(key) if big else None
        if past is None:
            past = list(self._per_day(now - timedelta(days=days), today))
            if big:
                cache.set(key, past, self.PAST_DAYS_SECONDS)
        rows = [*self._per_day(today, None), *past]
        for row in rows:
            start = timezone.make_aware(datetime.combine(row["day"], datetime.min.time()))
            end = timezone.make_aware(
                datetime.combine(row["day"] + timedelta(days=1), datetime.min.time())
            )
            row["link"] = "?" + urlencode({"created__gte": str(start), "created__lt": str(end)})
            row["waiting_link"] = f"{row['link']}&attention=unanswered_waiting"
            row["declined_link"] = f"{row['link']}&attention=unanswerable&answered__exact=0"
        return rows

    @staticmethod
    def _per_day(since, until):
        waiting = UNANSWERED & Q(has_example=False)
        # with_example: the unanswered still waiting for a fix, as the overview counts them.
        asked = Question.objects.with_example().filter(created__gte=since)
        if until is not None:
            asked = asked.filter(created__lt=until)
        return (
            asked.annotate(day=TruncDate("created"))
            .values("day")
            .annotate(
                # Names differ from the model's fields: Q(answered=...) must mean the field.
                total=Count("id"),
                answered_count=Count("id", filter=Q(answered=True)),
                # Not searched, so not "unanswered": a column of their own.
                unanswered_count=Count("id", filter=UNANSWERED),
                # Its link opens those each once (the list groups them): counted so, and
                # in asks, to tell whether any of the day's unanswered is not waiting.
                unanswered_waiting=Count("text_key", distinct=True, filter=waiting),
                unanswered_waiting_asks=Count("id", filter=waiting),
                other_language_count=Count("id", filter=OTHER_LANGUAGE),
                # Judged on Fix this answer (not "unanswered"): so the columns add up.
                declined_count=Count("id", filter=DECLINED),
                helpful_count=Count("id", filter=Q(helpful=True)),
                not_helpful_count=Count("id", filter=Q(helpful=False)),
            )
            .order_by("-day")
        )

    # "Asked more than once" reads the latest this many questions of the list shown.
    REPEATS_READ = 2000

    def repeated(self, request, questions_shown):
        """The questions of the list shown (its filters and search) that visitors asked
        more than once, case, spacing and the final ?!. aside (``question_key``, the rule
        an example question is matched by): the most asked first, at most 10, each as
        last typed, with how often and a link to the list searched for it.

        Grouped in Python over the latest REPEATS_READ questions (an index range on
        created): SQL has no portable Unicode case folding, and a week's unanswered
        questions are far fewer."""
        groups = {}
        texts = questions_shown.order_by("-created").values_list("text", flat=True)
        for text in texts[: self.REPEATS_READ]:
            groups.setdefault(question_key(text), []).append(text)
        params = request.GET.copy()
        params.pop("p", None)
        rows = []
        for key, asked in sorted(groups.items(), key=lambda group: -len(group[1]))[:10]:
            if len(asked) < 2:
                break
            params["q"] = key  # its words: the search finds "…PayPal" and "…paypal?" alike
            rows.append({"text": asked[0], "count": len(asked), "link": "?" + params.urlencode()})
        return rows

    def changelist_view(self, request, extra_context=None):
        questions.purge_when_due()  # the list's "older ones are deleted" holds without beat or cron
        grouped = self.groups_questions(request)
        # Those a process from before the column logged: grouped too, and counted as
        # questions by Questions per day's "waiting" (one index lookup when none lacks it).
        Question.objects.fill_text_keys()
        days = conf.get("LOG_RETENTION_DAYS")
        extra_context = {
            **(extra_context or {}),
            "counts_per_day": self.counts_per_day(days),
            "retention_days": days,
            "staff_logged": conf.get("LOG_STAFF_QUESTIONS"),
            "try_url": reverse("admin:site_assistant_question_try"),
            "repeats_read": self.REPEATS_READ,
            "grouped": grouped,
        }
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        # Not on a redirect (an action done); each question once: nothing repeats.
        if changelist is not None and not grouped:
            response.context_data["repeated"] = self.repeated(request, changelist.queryset)
        return response

    @reads_no_table  # the index, not the log
    def try_view(self, request):
        """Ask the live index from the admin. Not logged: the owner's tries are not visitors'.

        For staff who may see the questions log (the page is one of its tools, and it
        lists the pages withdrawn since the build: unpublished or made private)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        query = request.GET.get("q", "").strip()
        k = request.GET.get("k", "") or conf.get("DEFAULT_K")
        try:
            other_sites = services.other_sites()  # several Wagtail sites: ask as whose visitor
        except services.IndexNotReady:
            other_sites = []
        site = request.GET.get("site", "")
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Try a question"),
            "opts": self.model._meta,
            "query": query,
            "k": k,
            "max_k": conf.get("MAX_K"),
            "min_score": services.min_score(),
            "threshold_source": _threshold_source(),
            "other_language_message": conf.get("OTHER_LANGUAGE_MESSAGE"),
            "result": None,
            "error": "",
            "other_sites": other_sites,
            "site_labels": [(s, site_label(s)) for s in ["", *other_sites]],
            "site": site if site in other_sites else "",
        }
        # isascii(): "²" is a digit to isdigit() but no number to int().
        if query and not (
            str(k).isascii() and str(k).isdigit() and 1 <= int(k) <= context["max_k"]
        ):
            context["error"] = gettext(
                "“Passages to show” must be a whole number from 1 to %(most)s."
            ) % {"most": context["max_k"]}
        elif query:
            try:
                result = services.answer(query, k=k, host=context["site"])
                # Its links as the visitor opens them: under the script prefix.
                context["result"] = result = result.for_visitor(request)
                context["language_name"] = language.name_in_text(result.language or "")
                if result.language:  # what a visitor is told: in their language if it can be
                    context["other_language_message"] = conf.other_language_reply(result.language)[
                        "message"
                    ]
                # Pages taken from visitors since the build: never among the passages below.
                context["withdrawn"] = services.withdrawn_now()
            except services.IndexNotReady as exc:
                fix = (
                    ""
                    if "search_rebuild" in str(exc)
                    else " " + gettext("Rebuild the index first.")
                )
                context["error"] = f"{exc}.{fix}"
            except ValueError as exc:
                context["error"] = str(exc)
        return TemplateResponse(request, "admin/site_assistant/try.html", context)


from . import admin_examples, admin_training  # noqa: F401,E402
