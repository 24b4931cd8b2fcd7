"""Admin helpers: human dates and the overview on the app's admin page.

``{% load search_admin %}`` then ``{{ value|search_ago }}`` renders
"3 minutes ago" with the exact time in a title (and a <time datetime>),
``{% search_dashboard %}`` the overview (site_assistant.dashboard), and
``app_list|search_without_dashboard`` the app's models without the "Dashboard"
entry (on the page that shows the dashboard itself). On a project of several
Wagtail sites, each site's name as the admin gives it (``site_label``).
"""

import datetime
import logging
import time
from functools import wraps
from urllib.parse import urlencode

from django import template
from django.contrib.admin import FieldListFilter
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.db import DatabaseError
from django.forms import Script
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, reverse
from django.utils import dateformat, formats, timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext, npgettext_lazy
from django.utils.translation import gettext_lazy as _

from .. import conf, schema, sites, stored_words
from ..api.permissions import may_rebuild, sees_builds
from ..dashboard import figures
from ..tasks import no_training_worker, queued_note

register = template.Library()

# An empty value, in every column and field of the app's admin (Django's own is "-").
EMPTY = "–"
logger = logging.getLogger(__name__)


# --- the sites of a project of several Wagtail sites, as the admin names them --------

_site_names_read: dict = {"at": float("-inf"), "names": {}}
SITE_NAMES_EVERY = 10.0  # seconds: a list's rows ask once, not once a row


def site_names() -> dict[str, str]:
    """Wagtail's name of each site ("Spoke Bikes"), by the hostname the questions
    log keeps ("" for the default site, the render host's); {} without Wagtail.
    Read at most every SITE_NAMES_EVERY seconds."""
    from django.apps import apps

    if not apps.is_installed("wagtail"):
        return {}
    now = time.monotonic()
    if now - _site_names_read["at"] < SITE_NAMES_EVERY:
        return _site_names_read["names"]
    from wagtail.models import Site

    from ..sources.pages import render_host

    default = sites.hostname(render_host())
    names = {}
    for hostname, name in Site.objects.order_by("-is_default_site").values_list(
        "hostname", "site_name"
    ):
        if name:
            key = sites.hostname(hostname)
            names.setdefault(sites.DEFAULT if key == default else key, name)
    _site_names_read.update(at=now, names=names)
    return names


def site_label(site: str, names: dict[str, str] | None = None) -> str:
    """How the admin names a site of the questions log: "Spoke Bikes (bikes.example)",
    "Rosie's Bakery (the default site)"; the hostname, or "the default site",
    where Wagtail has no name for it."""
    name = (site_names() if names is None else names).get(site)
    where = site or gettext("the default site")
    return f"{name} ({where})" if name else where


def sites_of_the_week(rows: list[dict]) -> list[dict]:
    """The overview's rows of ``dashboard.figures()["week_by_site"]``, each with its site's
    label (``site_label``) and links to its questions and its unanswered ones in the
    Questions list (its *By site* filter)."""
    names = site_names()
    listing = reverse("admin:site_assistant_question_changelist")
    return [
        {
            **row,
            # "The default site" starts the line; a hostname is written as it is.
            "label": site_label(row["site"], names)
            if row["site"]
            else capital(site_label("", names)),
            "url": f"{listing}?{urlencode({'site': row['site']})}",
            "unanswered_url": f"{listing}?{urlencode({'site': row['site'], 'attention': 'unanswered'})}",
        }
        for row in rows
    ]


def capital(label: str) -> str:
    return label[:1].upper() + label[1:]


def number(value, decimals: int) -> str:
    """A score or share as the owner's language writes it: "0,37" in German, "0.37" in
    English, on every page alike (an f-string said "0.37" where floatformat said "0,547");
    ``stored_words.figure``, which the stored texts' figures use too."""
    return stored_words.figure(float(value), decimals)


def percent(value) -> str:
    """ "74%", "74 %" in German and Slovenian: the language's own way, from its catalogue."""
    return gettext("%(percent)s%%") % {"percent": value}


# A list's count in words, with the language's plural forms: Django's footer says the
# number and the model's verbose_name_plural ("12 vprašanja", "0 vprašanja" in Slovenian,
# where 12 takes "vprašanj"). By model name; another model gets Django's words.
_COUNT_WORDS = {
    "page": lambda n: ngettext("%(pages)d page", "%(pages)d pages", n) % {"pages": n},
    "passage": lambda n: (
        ngettext("%(passages)s passage", "%(passages)s passages", n) % {"passages": n}
    ),
    "indexbuild": lambda n: (
        ngettext("%(count)s index build", "%(count)s index builds", n) % {"count": n}
    ),
    "question": lambda n: ngettext("%(count)s question", "%(count)s questions", n) % {"count": n},
    "examplequestion": lambda n: (
        ngettext("%(count)s example question", "%(count)s example questions", n) % {"count": n}
    ),
    "trainingrun": lambda n: (
        ngettext("%(count)s training run", "%(count)s training runs", n) % {"count": n}
    ),
}


def titled(title, list_filter: type | None = None) -> type:
    """For list_filter's (field, class): Django's own filter of the field (or
    ``list_filter``, a field's filter class), headed by ``title`` instead of the field's
    verbose name, English on a German page ("By training approved"). The admin puts a
    filter's title after "By" ("By status"): a title of its own
    (``pgettext_lazy("list filter", …)``) lets a language say it in the form that reads
    there (Slovenian "Po stanju", not "Po stanje")."""
    if list_filter is not None:

        class Titled(list_filter):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.title = title

        Titled.__name__ = Titled.__qualname__ = f"Titled{list_filter.__name__}"
        return Titled

    class TitledField(FieldListFilter):
        def __new__(cls, field, request, params, model, model_admin, field_path):
            spec = FieldListFilter.create(field, request, params, model, model_admin, field_path)
            spec.title = title
            return spec

    return TitledField


@register.filter
def search_result_count(cl) -> str:
    """The changelist footer's "12 questions" (admin/site_assistant/pagination.html)."""
    count, opts = cl.result_count, cl.opts
    words = _COUNT_WORDS.get(opts.model_name)
    if words:
        return words(count)
    return f"{count} {opts.verbose_name if count == 1 else opts.verbose_name_plural}"


@register.filter
def search_number(value, decimals=2) -> str:
    return "" if value in (None, "") else number(value, int(decimals))


@register.filter
def search_percent(value) -> str:
    return "" if value in (None, "") else percent(value)


def exact_time(moment) -> str:
    """The admin's one way of writing a moment: the active language's ``DATETIME_FORMAT``
    (Django's localisation: "Dec. 7, 2026, 1:52 p.m." in English, "7. Dezember 2026
    13:52" in German) in the current time zone, then the zone's name ("CET"). With
    ``USE_TZ`` off, a time is the ``TIME_ZONE``'s and named so."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    written = formats.date_format(local, "DATETIME_FORMAT")
    zone = dateformat.format(local, "T").strip()
    return f"{written} {zone}" if zone else written


# The units of "… ago" with the context "ago": a language that words them otherwise after
# its "ago" (German "vor 2 Tagen", Slovenian "pred 2 dnevoma") translates them so.
AGO_UNITS = {
    "year": npgettext_lazy("ago", "%(num)d year", "%(num)d years", "num"),
    "month": npgettext_lazy("ago", "%(num)d month", "%(num)d months", "num"),
    "week": npgettext_lazy("ago", "%(num)d week", "%(num)d weeks", "num"),
    "day": npgettext_lazy("ago", "%(num)d day", "%(num)d days", "num"),
    "hour": npgettext_lazy("ago", "%(num)d hour", "%(num)d hours", "num"),
    "minute": npgettext_lazy("ago", "%(num)d minute", "%(num)d minutes", "num"),
}


def ago(moment) -> str:
    """ "3 minutes ago", "2 hours ago", "2 days, 3 hours ago", "just now" in the active
    language.

    Django core's ``timesince`` with the app's own words, not humanize's ``naturaltime``,
    whose words load only on a site with ``django.contrib.humanize`` in INSTALLED_APPS:
    a German admin read "aufgebaut 2 minutes ago". A moment ahead of this server's clock
    by more than a minute is written as it is (``exact_time``)."""
    now = timezone.now() if timezone.is_aware(moment) else datetime.datetime.now()
    seconds = (now - moment).total_seconds()
    if seconds < -60:
        return exact_time(moment)
    if seconds < 60:
        return gettext("just now")
    # As naturaltime wrote it: one unit within a day ("2 hours ago"), two beyond.
    depth = 1 if seconds < 24 * 60 * 60 else 2
    since = timesince(moment, now, time_strings=AGO_UNITS, depth=depth)
    return gettext("%(time)s ago") % {"time": since}


def milliseconds(value) -> str:
    """A time taken, "4,351 ms": whole milliseconds, grouped as the reader's language
    groups thousands (``stored_words.figure``), on every page alike (Try a question said
    "4350,9 ms" in German where the Questions list said "5.222 ms")."""
    return gettext("%(ms)s ms") % {"ms": search_ms(value)}


@register.filter
def search_ms(value) -> str:
    """The figure alone, for a sentence that says "ms" itself."""
    return "" if value in (None, "") else stored_words.figure(float(value), 0, grouping=True)


def human_time(moment, clock: bool = False) -> str:
    """ "3 minutes ago" in a <time> whose title is the exact time (``exact_time``);
    "–" for none.

    ``clock``: the exact time itself, for a page that updates in place, where
    "3 minutes ago" as it was drawn goes stale, and for a record's page (when a build
    or a run started and finished)."""
    if not moment:
        return EMPTY
    exact = exact_time(moment)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        moment.isoformat(),
        exact,
        exact if clock else ago(moment),
    )


class AppStylesheet:
    """A ModelAdmin mixin: the app's admin stylesheet (site_assistant/admin.css) on its
    models' list and form pages, Django's own templates included, and the script that
    folds a list's filters above it on a phone (site_assistant/admin/phone-filters.js).
    An empty value reads as the app's own columns write one (``EMPTY``), not Django's "-"."""

    empty_value_display = EMPTY

    class Media:
        css = {"all": ["site_assistant/admin.css"]}
        js = ["site_assistant/admin/phone-filters.js"]


class CardsOnAPhone(AppStylesheet):
    """AppStylesheet, for a list whose columns a phone cannot show side by side (Index
    builds, Training runs, Questions, Example questions): on a phone each row reads as a card, every value
    beside its column's name
    (site_assistant/admin/list-cards.js and admin.css), not a table scrolling sideways."""

    class Media:
        css = AppStylesheet.Media.css
        # The heading above the cards' sort buttons, in the owner's language: the script
        # hands it to admin.css (it was the stylesheet's own English "Sort by").
        js = [
            *AppStylesheet.Media.js,
            Script("site_assistant/admin/list-cards.js", **{"data-sort-label": _("Sort by")}),
        ]


def reads_no_table(view):
    """Marks a view of a ``SaysMigrationsPending`` admin that does not read its model's
    table ("Try a question", a search of the index's sections): it answers as before
    while a migration of that table is pending, not the 503 page."""
    view.reads_its_table = False
    return view


def also_reads(*models):
    """Marks a view of a ``SaysMigrationsPending`` admin that reads or writes the tables of
    ``models`` besides its own model's (Fix this answer saves an example question, which
    sets off a build: ``also_reads(*rebuilds.TABLES)``): it says what to run while any of
    those tables is behind too. An admin whose every view does so names them in its
    ``every_view_also_reads``."""

    def mark(view):
        view.also_reads = models
        return view

    return mark


class SaysMigrationsPending:
    """A ModelAdmin mixin: while a migration is pending that adds a column to the model's
    table (the code newer than the database: docs/operations.md, "Upgrading"), every page
    of the model's admin says what to run, status 503, instead of failing on that column
    with a 500: its list, a row's change, delete and history pages, its add page and the
    admin's own views (``get_urls``), but those marked ``reads_no_table``; a view marked
    ``also_reads`` waits for those models' tables too, and every view of an admin for those
    of its ``every_view_also_reads`` (the example questions' admin: each save or delete
    sets off an index build, so it waits for ``rebuilds.TABLES``). The check runs
    before the view (``urls`` wraps each one), so an admin's work before its list or a
    row's page (reading the table) needs no guard of its own.

    The page is logged once a process for each set of migrations pending, a WARNING of
    the app's logger, and not by Django's ``django.request`` (an ERROR each request: an
    owner's error mail or Sentry filled up during a routine deploy)."""

    # Models whose tables every view of the admin reads or writes besides its own model's.
    every_view_also_reads: tuple = ()

    @property
    def urls(self):
        return [self._migrations_first(pattern) for pattern in self.get_urls()]

    def _migrations_first(self, pattern):
        if not isinstance(pattern, URLPattern) or not getattr(
            pattern.callback, "reads_its_table", True
        ):
            return pattern
        view = pattern.callback

        tables = tuple(
            dict.fromkeys(
                (self.model, *self.every_view_also_reads, *getattr(view, "also_reads", ()))
            )
        )

        @wraps(view)
        def checked(request, *args, **kwargs):
            pending_page = self.migrations_pending_page(request, tables)
            return view(request, *args, **kwargs) if pending_page is None else pending_page

        return URLPattern(pattern.pattern, checked, pattern.default_args, pattern.name)

    def migrations_pending_page(self, request, tables=None) -> TemplateResponse | None:
        """The 503 page while a table of ``tables`` (the models; by default the admin's
        own) lacks a column a pending migration adds, else None."""
        # Who may not see the page gets what the view gives them (the log-in page, a 403).
        if not (
            self.admin_site.has_permission(request) and self.has_view_or_change_permission(request)
        ):
            return None
        try:
            behind = next(
                (found for model in tables or (self.model,) if (found := schema.behind_for(model))),
                (),
            )
        except DatabaseError:  # the database is down: the page says so as before
            return None
        if not behind:
            return None
        say_migrations_pending(behind)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": capital(self.opts.verbose_name_plural),
            "migrations_pending": schema.owner_note(behind),
        }
        response = TemplateResponse(
            request, "admin/site_assistant/migrations_pending.html", context, status=503
        )
        add_never_cache_headers(response)  # as admin_view's pages: gone once migrated
        # Said once above; Django's log_response (django.request, ERROR) skips it.
        response._has_been_logged = True
        return response


_said_pending: set[tuple[str, ...]] = set()


def say_migrations_pending(behind: tuple[str, ...]) -> None:
    """A WARNING of the admin's 503 page, once a process for each set of migrations
    pending (not on every page an owner opens until ``migrate`` has run)."""
    if behind not in _said_pending:
        _said_pending.add(behind)
        logger.warning("admin: %s; its pages answer 503 until then", schema.note(behind))


class BackToTheListAfterDelete:
    """A ModelAdmin mixin for a read-only model whose rows may be deleted: after a
    delete, back to its list (Django sends whoever may not change the model to the
    admin's home page, though they came from its list)."""

    def response_delete(self, request, obj_display, obj_id):
        response = super().response_delete(request, obj_display, obj_id)
        if not isinstance(response, HttpResponseRedirect) or not self.has_view_permission(request):
            return response
        opts = self.opts
        listing = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_changelist",
            current_app=self.admin_site.name,
        )
        filters = self.get_preserved_filters(request)
        return HttpResponseRedirect(
            add_preserved_filters({"preserved_filters": filters, "opts": opts}, listing)
        )


class NamesItsFields:
    """A ModelAdmin mixin that names fields (and describes them) in the admin's language
    where their model names them in English only, as Django derives them ("Task id",
    "Model dir"): a label is no migration. ``field_labels`` and ``field_help`` map a field
    to its label and help; the page of a read-only row shows them too."""

    field_labels: dict = {}
    field_help: dict = {}

    def get_form(self, request, obj=None, **kwargs):
        kwargs.setdefault("labels", self.field_labels)
        kwargs.setdefault("help_texts", self.field_help)
        return super().get_form(request, obj, **kwargs)


def technical_details(*fields: str) -> tuple:
    """A ModelAdmin fieldset of the values only a developer reads (a model's id, an index
    version, a task's id, an exact figure), folded under "Technical details": on the page,
    out of the owner's way, not removed."""
    return (_("Technical details"), {"classes": ["collapse"], "fields": list(fields)})


def date_column(field: str, description: str, clock: bool = False):
    """An admin list column showing ``field`` as a human date (sortable by the field);
    ``clock``: as the time itself (``human_time``)."""

    def show(model_admin, obj):
        return human_time(getattr(obj, field), clock)

    show.short_description = description
    show.admin_order_field = field
    return show


@register.filter
def search_ago(moment) -> str:
    return human_time(moment)


@register.inclusion_tag("admin/site_assistant/_dashboard.html", takes_context=True)
def search_dashboard(context):
    request = context.get("request")
    shown = figures()
    if shown.get("migrations_pending"):  # the note alone: the rest reads those tables
        return {**shown, "request": request}
    if shown["week_by_site"]:
        shown["week_by_site"] = sites_of_the_week(shown["week_by_site"])
    user = getattr(request, "user", None)
    return {
        **shown,
        "build_error": build_error_for(user, shown["last_build"]),
        # And a run queued for a TRAINING_QUEUE no worker consumes, as its pages say.
        "waiting_for_a_worker": queued_note() or no_training_worker(),
        "retention_days": conf.get("LOG_RETENTION_DAYS"),
        # The overview's own "Rebuild index now" (template files changed), for staff who
        # may press it, as on the Index builds list.
        "rebuild_url": reverse("admin:site_assistant_indexbuild_rebuild")
        if user is not None and may_rebuild(user)
        else "",
        "csrf_token": context.get("csrf_token"),  # the overview's buttons post
        "request": request,
        "tools": tools_for(user),
        "training": training_line(),
    }


def tools_for(user) -> list[tuple[str, str, bool]]:
    """The overview's "Tools" row, (url, words, posts), each for staff whose permissions open
    it: the owner found no way from the overview to Try a question, a rebuild or training.
    "Rebuild" posts to the builds list's own rebuild (it only opened that list, where a
    second button started the build)."""
    if user is None:
        return []
    tools = []
    if user.has_perm("site_assistant.view_question"):
        tools.append(
            (reverse("admin:site_assistant_question_try"), gettext("Try a question"), False)
        )
    if may_rebuild(user):
        tools.append((reverse("admin:site_assistant_indexbuild_rebuild"), gettext("Rebuild"), True))
    if user.has_perm("site_assistant.add_trainingrun"):
        tools.append(
            (
                reverse("admin:site_assistant_trainingrun_train"),
                gettext("Train on site content"),
                False,
            )
        )
    return tools


def training_line() -> dict | None:
    """A training run under way, in a line (``text``) with its page (``url``), or None: the
    overview said nothing while one ran."""
    from ..models import TrainingRun
    from ..training.time_left import time_left

    active = [TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING]
    run = TrainingRun.objects.filter(status__in=active).order_by("-pk").first()
    if run is None:
        return None
    if run.status == TrainingRun.Status.QUEUED:
        text = gettext("Training #%(number)s is queued, not started.") % {"number": run.pk}
    else:
        values = {"number": run.pk, "done": percent(run.progress), "left": time_left(run)}
        if values["left"]:
            text = gettext("Training #%(number)s is running: %(done)s done, %(left)s.") % values
        else:
            text = gettext("Training #%(number)s is running: %(done)s done.") % values
    return {"text": text, "url": reverse("admin:site_assistant_trainingrun_change", args=[run.pk])}


def build_error_for(user, build) -> str:
    """The build's error for staff who manage the index (the API's rule: ``error`` in
    its builds), else "": a failure's text names hosts, paths and settings, which a
    helper given only the example questions or the questions log has no need of."""
    return build.error_words() if build is not None and sees_builds(user) else ""


@register.filter
def search_without_dashboard(app_list):
    """The admin's app list without the "Dashboard" entry (site_assistant.models.Dashboard)."""
    return [
        {**app, "models": [m for m in app["models"] if m.get("object_name") != "Dashboard"]}
        for app in app_list
    ]
