"""What the search app stores.

Passages and pages mirror the *current* index so the owner can read them in
the admin; the index itself (vectors + the passage metadata queries need)
lives in versioned folders under SITE_ASSISTANT["INDEX_DIR"].
"""

import re

from django.conf import settings
from django.db import connections, models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import stored_words as words
from .text import question_key, strip_invisible


class Page(models.Model):
    class Source(models.TextChoices):
        PAGE = "page", _("Rendered page")
        TEMPLATE = "template", _("Template file")
        MODEL = "model", _("Database content")
        CUSTOM = "custom", _("The project's own source")

    url = models.CharField(_("address"), max_length=500, unique=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.PAGE
    )
    content_hash = models.CharField(max_length=64, blank=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["url"]

    def __str__(self):
        return self.url


class Passage(models.Model):
    pages = models.ManyToManyField(Page, related_name="passages", blank=True)
    text = models.TextField(_("text"))
    title = models.CharField(_("title"), max_length=300, blank=True, help_text=_("The page title."))
    heading = models.CharField(
        _("heading"), max_length=500, blank=True, help_text=_("Heading path, ' › '-joined.")
    )
    url = models.CharField(
        _("address"), max_length=500, help_text=_("Where the passage first appears.")
    )
    anchor = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(
        _("position"), default=0, help_text=_("Order on its page.")
    )
    text_hash = models.CharField(max_length=64, db_index=True)
    vector_id = models.PositiveIntegerField(null=True, blank=True, help_text=_("Row in the index."))
    index_version = models.CharField(_("index version"), max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        ordering = ["url", "position"]

    def __str__(self):
        return f"{self.url}#{self.anchor}" if self.anchor else self.url

    @property
    def link(self):
        return f"{self.url}#{self.anchor}" if self.anchor else self.url


class EmbeddingCache(models.Model):
    """One vector per (model, text): unchanged text is never embedded twice."""

    model_id = models.CharField(max_length=128)
    text_hash = models.CharField(max_length=64)
    vector = models.BinaryField(help_text=_("float32, normalized."))
    created = models.DateTimeField(auto_now_add=True)
    # When a build last read (or wrote) it, to a day (site_assistant.embed.prune_cache):
    # rows no build read for EMBEDDING_CACHE_DAYS are deleted. A default in the
    # database too: a worker still running the code before this field inserts rows.
    used = models.DateTimeField(default=timezone.now, db_default=Now(), db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["model_id", "text_hash"], name="search_embedding_unique"
            )
        ]

    def __str__(self):
        return f"{self.model_id}:{self.text_hash[:12]}"


class NotQueued(models.TextChoices):
    """Why the task queue did not take a job's task (nothing ran): what the owner is told,
    decided from this, not from the wording of the job's error."""

    # Refused, timed out or hung up: once it answers, the job can be queued.
    NO_ANSWER = "no_answer", _("The task queue did not answer")
    # This process cannot talk to the broker at all (its client library is not
    # installed, a broker URL of an unknown kind): no waiting mends it.
    CANNOT_SEND = "cannot_send", _("This process cannot send tasks to the task queue")


class Job(models.Model):
    """What every background job records: its task, live progress and outcome."""

    task_id = models.CharField(max_length=255, blank=True)
    # Every column a migration added to a table made before it has a database default
    # (0028 gave one to those that lacked it): code from before a migration, still running
    # after it, inserts its rows.
    not_queued = models.CharField(
        max_length=16,
        choices=NotQueued.choices,
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "Why the task queue did not take its task; blank when it did (or none was needed)."
        ),
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0, help_text=_("0–100."))
    stage = models.CharField(_("stage"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created"]
        get_latest_by = "created"

    @property
    def duration(self):
        if self.started and self.finished:
            return self.finished - self.started
        return None

    @property
    def is_active(self):
        return self.status in ("queued", "running")


class IndexBuild(Job):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        COALESCED = "coalesced", _("Coalesced into a running build")
        # The broker did not take the task: nothing ran. A content change or a
        # model activation recorded so is queued again once the broker answers
        # (site_assistant.tasks.retry_unqueued).
        UNQUEUED = "unqueued", _("Not queued (task queue unreachable)")

    class Trigger(models.TextChoices):
        ADMIN = "admin", _("Admin")
        API = "api", _("API")
        COMMAND = "command", _("Command")
        SCHEDULE = "schedule", _("Schedule")
        CONTENT = "content", _("Content change")
        EXAMPLE = "example", _("Example question saved")
        MODEL = "model", _("Model activation")

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    trigger = models.CharField(
        _("trigger"), max_length=16, choices=Trigger.choices, default=Trigger.COMMAND
    )
    # "index" while queued or running, NULL otherwise: the unique constraint
    # lets the database itself refuse a second active build, across processes.
    lock = models.CharField(max_length=16, null=True, blank=True, unique=True, editable=False)
    # The lease: a queued or running build whose lease has passed is abandoned
    # (site_assistant.tasks.release_stale_locks). A running build's heartbeat keeps
    # moving it forward; a dead worker stops it.
    lease_expires = models.DateTimeField(null=True, blank=True, editable=False)
    coalesced_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="coalesced"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    version = models.CharField(
        _("version"), max_length=64, blank=True, help_text=_("Index version it wrote.")
    )
    model_id = models.CharField(_("model"), max_length=128, blank=True)
    pages = models.PositiveIntegerField(default=0)
    passages = models.PositiveIntegerField(default=0)
    embedded = models.PositiveIntegerField(default=0, help_text=_("Passages embedded this build."))
    reused = models.PositiveIntegerField(default=0, help_text=_("Vectors taken from the cache."))
    removed = models.PositiveIntegerField(default=0, help_text=_("Passages gone since last build."))
    other_language_pages = models.PositiveIntegerField(
        default=0,
        db_default=0,
        help_text=_(
            "Pages not read: the lang of their <html> (or of their content) is not "
            "the index's LANGUAGE (SKIP_OTHER_LANGUAGE_PAGES)."
        ),
    )
    other_language_sections = models.PositiveIntegerField(
        default=0,
        db_default=0,
        help_text=_(
            "Sections of pages read that were left out: their lang attribute is not "
            "the index's LANGUAGE (SKIP_OTHER_LANGUAGE_PAGES)."
        ),
    )

    pages_reading_as_other_language = models.JSONField(
        default=dict,
        db_default={},
        blank=True,
        help_text=_(
            "Pages read whose text confidently reads as another language than the "
            "index's though their lang does not say so: {path: language}. Indexed; a warning."
        ),
    )

    # A database default: code from before the column records builds all the same.
    other_host_urls = models.PositiveIntegerField(
        default=0,
        db_default=0,
        help_text=_("Sitemap locations on a host not this site's (ALLOWED_HOSTS): not read."),
    )
    # Sitemaps not read ([path, why], a 404 say), which fail the build: kept for the
    # build's page, whoever ran it (a worker, the admin's button, the nightly schedule). A database default
    # too, as every column added after 0001 has (docs/operations.md, "Upgrading").
    sitemaps_not_read = models.JSONField(
        default=list,
        db_default=[],
        blank=True,
        help_text=_(
            "Sitemaps the build could not read: [[path, why], ...] (a 404, say). Such "
            "a build fails and the live index answers on."
        ),
    )

    class Meta(Job.Meta):
        verbose_name = _("index build")
        verbose_name_plural = _("index builds")

    def __str__(self):
        return gettext("Build #%(number)s (%(status)s)") % {
            "number": self.pk,
            "status": self.get_status_display(),
        }

    def stage_words(self) -> str:
        """The stage in the reader's language (the row keeps its English name: "embed")."""
        return words.build_stage(self.stage)

    def error_words(self) -> str:
        """The error in the reader's language when the build wrote it (why a sitemap or a
        page was not read, no passages found); any other as it is."""
        return words.say(self.error, words.BUILD_ERRORS)

    def get_status_display(self) -> str:
        """The status in words; a build the task queue did not take says why (the status's
        own label is the queue not answering)."""
        if self.status == self.Status.UNQUEUED and self.not_queued == NotQueued.CANNOT_SEND:
            return gettext("Not queued (the task could not be sent)")
        return self._get_FIELD_display(self._meta.get_field("status"))

    def reading_as_other_language(self) -> str:
        """The pages read that read as another language ("/de/preise/ (de)"), for the
        owner to give a lang; "" for none."""
        pages = self.pages_reading_as_other_language or {}
        if not pages:
            return ""
        named = ", ".join(f"{url} ({code})" for url, code in sorted(pages.items())[:5])
        if len(pages) > 5:
            more = len(pages) - 5
            named = ngettext(
                "%(named)s and %(count)d more", "%(named)s and %(count)d more", more
            ) % {
                "named": named,
                "count": more,
            }
        # A section is named by its link (/about/#clients) or its headings (/about/ › …).
        sections = sum("#" in url or " › " in url for url in pages)
        if sections == len(pages):
            said = gettext(
                "sections that read as another language though their lang does not say so: "
                "%(named)s (if they are in it, give them its lang to leave them out)"
            )
        elif sections:
            said = gettext(
                "pages and sections that read as another language though their lang does not "
                "say so: %(named)s (if they are in it, give them its lang to leave them out)"
            )
        else:
            said = gettext(
                "pages that read as another language though their lang does not say so: "
                "%(named)s (if they are in it, give them its lang to leave them out)"
            )
        return said % {"named": named}

    def other_hosts_left_out(self) -> str:
        """The sitemap URLs this build skipped for their host ("3 sitemap URLs on other
        hosts skipped (see ALLOWED_HOSTS)"), "" for none (and for builds recorded before
        migration 0027 kept the count)."""
        count = self.other_host_urls
        if not count:
            return ""
        return ngettext(
            "%(count)d sitemap URL on another host skipped (see ALLOWED_HOSTS)",
            "%(count)d sitemap URLs on other hosts skipped (see ALLOWED_HOSTS)",
            count,
        ) % {"count": count}

    def sitemaps_left_out(self) -> str:
        """The sitemaps this build could not read ("sitemap /sitemap.xml not read (status
        404)"), "" for none (and for builds recorded before migration 0028 kept them): such
        a build fails, and its page says which."""
        return "; ".join(
            gettext("sitemap %(path)s not read (%(why)s)")
            % {"path": path, "why": words.not_read_because(why)}
            for path, why in self.sitemaps_not_read or ()
        )

    def other_language_left_out(self) -> str:
        """What SKIP_OTHER_LANGUAGE_PAGES left out, for the owner ("1 page and 2 sections
        in another language than the index's (en) not read"), "" for nothing."""
        from . import conf

        pages, sections = self.other_language_pages, self.other_language_sections
        values = {"pages": pages, "sections": sections, "language": conf.index_language()}
        if pages and sections:
            counts = gettext("%(pages)s and %(sections)s") % {
                "pages": ngettext("%(pages)d page", "%(pages)d pages", pages) % values,
                "sections": ngettext("%(sections)d section", "%(sections)d sections", sections)
                % values,
            }
        elif pages:
            counts = ngettext("%(pages)d page", "%(pages)d pages", pages) % values
        elif sections:
            counts = ngettext("%(sections)d section", "%(sections)d sections", sections) % values
        else:
            return ""
        return gettext(
            "%(counts)s in another language than the index's (%(language)s) not read"
        ) % {
            "counts": counts,
            "language": values["language"],
        }


class Dashboard(IndexBuild):
    """No data of its own: the "Dashboard" entry of the app in the admin.

    The admin's home lists an app's models, nothing else, and a host site's
    admin templates are its own. This proxy puts "Dashboard" first in the
    app's row on the admin's home (and in its sidebar), leading to the app's
    page with the overview (site_assistant.admin.DashboardAdmin). No table,
    no permissions: whoever may see the app sees it.
    """

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboard")


# Text that may identify a person: an email address or @handle, a web
# address, a phone-like run of 7+ digits, an IBAN-like account number.
_PERSONAL_DATA = re.compile(
    r"[\w.+-]+@[\w-]+\.\w"
    r"|(?<!\w)@\w"
    r"|https?://|www\."
    r"|\b[\w-]+\.(?:com|net|org|info|io|eu|si|de|at|uk|co|me|app|dev)\b"
    r"|(?:\d[\s().+/-]*){7,}"
    r"|\b[A-Z]{2}\d{2}[A-Z0-9]{10,}\b",
    re.IGNORECASE,
)


def looks_personal(text: str) -> bool:
    """True when ``text`` holds something that may identify a person (see _PERSONAL_DATA),
    also split by an invisible character ("john@example\u200b.com")."""
    return bool(_PERSONAL_DATA.search(strip_invisible(text)))


# Not answered in the index's language: what the owner can fix. A question in
# another language (``language`` set) was never searched, so it is not here.
# Not one the owner judged the site does not answer ("Fix this answer"): nothing to fix.
UNANSWERED = models.Q(answered=False, language="", unanswerable=False)
# Not answered, and judged on Fix this answer as a question the site doesn't answer.
DECLINED = models.Q(answered=False, language="", unanswerable=True)
# In another language than the index's: not searched, nothing to fix. language > ""
# (never NULL) is a range of its index; language <> "" read every row of the log.
OTHER_LANGUAGE = models.Q(language__gt="")


# Past this many questions (PostgreSQL's estimate) the log is a busy site's: the admin
# counts it from the table's statistics and keeps its per-day and overview figures a
# while (QuestionQuerySet.busy).
BIG_LOG = 50_000


def text_key_of(text: str) -> str:
    """What ``Question.text_key`` stores for ``text``: ``question_key`` (case, spacing and
    the final ?!. aside), as long as the column holds; the text itself for one that has
    no words (``question_key("???")`` is ""), so such a question is a group of its own,
    never merged with another; never "", which marks a question not keyed yet."""
    return question_key(text)[:TEXT_KEY_LENGTH] or text[:TEXT_KEY_LENGTH] or " "


TEXT_KEY_LENGTH = 500

# How many logged questions ``fill_text_keys`` fills at a time (one UPDATE each batch).
TEXT_KEY_BATCH = 1000


class QuestionQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """As Django's, each question's ``text_key`` filled first (``save`` fills it for
        one created alone): a bulk insert calls no ``save``."""
        objs = list(objs)
        for question in objs:
            question.text_key = text_key_of(question.text)
        return super().bulk_create(objs, *args, **kwargs)

    def fill_text_keys(self, limit: int | None = TEXT_KEY_BATCH) -> int:
        """Fill ``text_key`` of the questions that lack it (written by code from before
        the column, still running after migrate: the column's database default is ""),
        at most ``limit`` (None: all), TEXT_KEY_BATCH an UPDATE. One lookup of the
        column's index when none lacks it. How many it filled."""
        filled = 0
        while limit is None or filled < limit:
            size = TEXT_KEY_BATCH if limit is None else min(TEXT_KEY_BATCH, limit - filled)
            rows = self.model._default_manager.filter(text_key="").order_by()
            keyed = [
                self.model(pk=pk, text_key=text_key_of(text))
                for pk, text in rows.values_list("pk", "text")[:size]
            ]
            if keyed:
                self.model._default_manager.bulk_update(keyed, ["text_key"])
            filled += len(keyed)
            if len(keyed) < size:
                break
        return filled

    def grouped(self, every_group: bool = False):
        """Each question once, as ``text_key`` groups them (case, spacing and the final
        ?!. aside), among the questions of this queryset: its latest ask, annotated with
        ``asks``, how many of them are that question. Sorted and paged as any queryset:
        the admin's filters and search pick the asks, which are then grouped.
        ``asks_of`` turns a selection of its rows back into all their asks.

        Two ways to the same rows. Newest first (by default), an ask is its question's
        latest when no later one reads the same: a lookup of the ``text_key`` index per
        row, so a page reads about as many rows as it shows, as the list of asks did
        (grouping them all took 0.13 s of each page at 100,000 questions). Sorted by
        ``asks`` (``every_group``), every group is counted anyway: they are read once
        (GROUP BY text_key), not an ask at a time (a lookup per later ask of each:
        seconds on a busy log)."""
        asks = self.order_by()
        key = models.OuterRef("text_key")
        counted = asks.filter(text_key=key).values("text_key").annotate(count=models.Count("pk"))
        if every_group:
            latest = asks.values("text_key").annotate(latest=models.Max("pk")).values("latest")
            grouped = self.filter(pk__in=latest)
        else:
            grouped = self.filter(
                ~models.Exists(asks.filter(text_key=key, pk__gt=models.OuterRef("pk")))
            )
        grouped = grouped.annotate(
            asks=models.Subquery(counted.values("count")[:1], output_field=models.IntegerField())
        )
        grouped._asks = asks
        return grouped

    def asks_of(self):
        """All the asks the rows of a ``grouped`` queryset stand for (the questions of
        the queryset it was grouped from that read as one of them); this queryset
        itself when it is not grouped."""
        asks = getattr(self, "_asks", None)
        if asks is None:
            return self
        return asks.filter(text_key__in=self.order_by().values("text_key"))

    def _clone(self):
        clone = super()._clone()
        clone._asks = getattr(self, "_asks", None)
        return clone

    def estimated_total(self) -> int | None:
        """The table's rows as PostgreSQL plans with them (rows per page at the last
        ANALYZE × the table's pages now: within a few percent), read from its
        statistics, not its rows; None on another database or before any ANALYZE."""
        connection = connections[self.db]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN c.reltuples < 0 OR c.relpages = 0 THEN NULL ELSE"
                " (c.reltuples / c.relpages * (pg_relation_size(c.oid)"
                " / current_setting('block_size')::int))::bigint END"
                " FROM pg_class c WHERE c.oid = %s::regclass",
                [self.model._meta.db_table],
            )
            row = cursor.fetchone()
        return row[0] if row else None

    def busy(self) -> int | None:
        """``estimated_total`` when it is past BIG_LOG, else None (exact counts are cheap)."""
        estimate = self.estimated_total()
        return estimate if estimate is not None and estimate >= BIG_LOG else None

    def trainable(self):
        """Visitor questions a training run may use: the public-safe rule.

        A "helpful" vote alone never makes a training pair: anyone can ask
        anything and vote for it. A question is used only when it was voted
        helpful, the owner approved it for training in the admin, and its
        text holds nothing that looks personal (``looks_personal``: an email
        address, a web address, a phone-like number...) — checked again here,
        whatever was approved. Repetition is not taken as approval: the log
        keeps nothing about who asked, so one person asking twice cannot be
        told from two people.
        """
        approved = self.filter(helpful=True, training_approved=True)
        # The few that look personal are left out by id: listing the safe ones made a
        # parameter of every approved question (9,000 in a busy log), past SQLite's limit.
        personal = [pk for pk, text in approved.values_list("pk", "text") if looks_personal(text)]
        return approved.exclude(pk__in=personal)

    def with_example(self):
        """Annotate ``has_example``: an active example question has this question's
        text, or "Fix this answer" saved one from it, reworded or not (the list's
        "✓ example saved").

        Uncorrelated subqueries (``text IN (SELECT question …)``): the database
        reads the active example questions once and looks each logged question up
        in that set (PostgreSQL hashes it). ``EXISTS (… = outer.text)`` was a
        lookup per logged question: the overview's counts over 100,000 logged
        questions took 0.28 s (0.05 s so), growing with the log.

        And ``answered_now``: the owner let the site answer it ("Let it answer" on the
        declining example question it was judged by, ``let_answer_by``). It waits for
        no fix either, so ``has_example`` too: the owner has decided, and visitors
        asking it now get the site's answer."""
        active = ExampleQuestion.objects.answering()
        let_answer = ExampleQuestion.objects.let_answer()
        # fixed_by IS NOT NULL first: NULL IN (…) is NULL, and NOT NULL would drop the
        # question from "not fixed" counts.
        fixed = models.Q(fixed_by__isnull=False)
        # (Judged again since, the example question declining again: not answered now.)
        answered_now = (
            fixed & models.Q(fixed_by__in=let_answer.values("pk")) & models.Q(unanswerable=False)
        )
        return self.annotate(
            answered_now=models.ExpressionWrapper(answered_now, output_field=models.BooleanField()),
            has_example=models.ExpressionWrapper(
                models.Q(text__in=active.values("question"))
                | (fixed & models.Q(fixed_by__in=active.values("pk")))
                | answered_now,
                output_field=models.BooleanField(),
            ),
        )

    def distinct_values(self, field: str, limit: int = 100) -> list:
        """The distinct values of an indexed ``field``, sorted, at most ``limit``: one
        index lookup each (``MIN(field) WHERE field > the last one``), never a read of
        every row as ``SELECT DISTINCT`` is (a busy log's filters: a few values over
        100,000 rows)."""
        rows, values = self.order_by(), []
        while len(values) < limit:
            following = rows.filter(**{f"{field}__gt": values[-1]}) if values else rows
            value = following.aggregate(value=models.Min(field))["value"]
            if value is None:
                break
            values.append(value)
        return values

    def mark_answered_by(self, example: "ExampleQuestion", *texts: str) -> int:
        """Point the logged questions that read as one of ``texts`` (case, spacing and
        the final ?!. aside: ``question_key``, the rule serving matches an example
        question by) at ``example``, so each says "✓ example saved" and leaves To
        review, not only the one the owner fixed ("Do you offer hosting" beside
        "do you offer hosting?"). Those already pointing at an active one and those
        in another language (never searched) are left as they are. How many it marked.

        The log's ``text_key`` (``question_key``, stored) finds them: one index range."""
        marked = self._unfixed().exclude(fixed_by=example)._reading(*texts)
        # Answered by it: no longer judged one the site does not answer.
        return (
            self.filter(pk__in=marked).update(fixed_by=example, unanswerable=False) if marked else 0
        )

    def mark_unanswerable(self, text: str) -> int:
        """ "The site doesn't answer this" (Fix this answer): the logged questions that read
        as ``text`` (``question_key``), not fixed by an active example question, judged
        ones the site does not answer, so that none of them waits for a fix or is
        proposed again. How many it marked."""
        marked = self._unfixed().filter(unanswerable=False)._reading(text)
        return self.filter(pk__in=marked).update(unanswerable=True) if marked else 0

    def let_answer_by(self, example: "ExampleQuestion") -> int:
        """The owner let the site answer ``example`` (a declining example question) after
        all ("Let it answer"): the logged questions that read as it (``question_key``),
        judged ones the site does not answer, no longer are, and point at it
        (``fixed_by``): the owner's word is that the site answers them now, so they wait
        for no fix (``with_example``'s ``answered_now``), though they were not answered
        when asked. Declining it again (its Active box) marks them judged again
        (``mark_unanswerable``). How many it marked."""
        marked = self.filter(unanswerable=True)._reading(example.question)
        if not marked:
            return 0
        return self.filter(pk__in=marked).update(unanswerable=False, fixed_by=example)

    def _unfixed(self):
        """Those no active example question answers (none saved, one switched off, or
        one that declines: "Let it answer" points the questions at it)."""
        return self.filter(
            models.Q(fixed_by__isnull=True)
            | models.Q(fixed_by__active=False)
            | models.Q(fixed_by__declines=True)
        )

    def _reading(self, *texts: str) -> list[int]:
        """The ids of the questions searched (not in another language) that read as one
        of ``texts``, case, spacing and the final ?!. aside: one range of the
        ``text_key`` index each (those logged by code from before the column keyed first)."""
        keys = {question_key(text)[:TEXT_KEY_LENGTH] for text in texts} - {""}
        if not keys:
            return []
        self.fill_text_keys(limit=None)
        return list(self.filter(language="", text_key__in=keys).values_list("pk", flat=True))

    def unanswered(self):
        return self.filter(UNANSWERED)

    def other_language(self):
        return self.filter(OTHER_LANGUAGE)


class Question(models.Model):
    """One question asked. Privacy: no IP address, no user agent, purged after 30 days."""

    class Channel(models.TextChoices):
        WIDGET = "widget", _("Widget")
        PAGE = "page", _("Search page")
        API = "api", _("API")
        ADMIN = "admin", _("Admin")

    text = models.CharField(_("text"), max_length=500)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.API
    )
    answered = models.BooleanField(_("answered"), default=False)
    score = models.FloatField(_("score"), null=True, blank=True)
    top_url = models.CharField(max_length=500, blank=True)
    top_heading = models.CharField(max_length=500, blank=True)
    top_text = models.TextField(blank=True)
    latency_ms = models.FloatField(default=0)
    # Indexed: the Questions list's filter lists its values (distinct_values).
    model_id = models.CharField(max_length=128, blank=True, db_index=True)
    index_version = models.CharField(max_length=64, blank=True)
    # The question's language (ISO 639-1) when it was not the index's
    # (site_assistant.language), else "": which languages visitors use.
    language = models.CharField(
        _("language"), max_length=16, blank=True, default="", db_default="", db_index=True
    )
    # The hostname of the site it was asked on when the index holds several
    # sites' pages (site_assistant.sites), else "": the default site. Which site,
    # never which visitor; no port, so a site moved to another port keeps its
    # questions (the admin links them on its address in the live index).
    # A database default (migration 0028), as every column added after 0001 has: a web
    # process from before 0005, 0007, 0016 or 0026, still running after migrate, logs
    # its questions all the same.
    site = models.CharField(
        max_length=255,
        blank=True,
        default="",
        db_default="",
        db_index=True,
        help_text=_(
            "The site it was asked on (several Wagtail sites), by its hostname "
            "(beta.example); blank for the default site."
        ),
    )
    helpful = models.BooleanField(_("helpful"), null=True, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    training_approved = models.BooleanField(
        default=False,
        db_default=False,
        help_text=_("The owner checked this question: training may use it once voted helpful."),
    )
    # "Fix this answer" saved an example question from this one, maybe reworded.
    fixed_by = models.ForeignKey(
        "ExampleQuestion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fixed_questions",
        help_text=_("The example question the owner saved from this question."),
    )
    # "Fix this answer": the owner judged that the site does not say this. Not unanswered
    # then (UNANSWERED), waiting for no fix, and proposed no more; saving an example
    # question for it later clears it.
    unanswerable = models.BooleanField(
        _("the site doesn’t answer it"),
        default=False,
        db_default=False,
        help_text=_(
            "The owner judged that the site does not answer this question: it waits for no fix."
        ),
    )
    created = models.DateTimeField(_("asked"), auto_now_add=True, db_index=True)
    # The text as the owner's lists tell questions apart (``text_key_of``: case, spacing and
    # the final ?!. aside), filled on save: the Needs attention lists show each question
    # once, with how often it was asked, and act on all its asks. Indexed: a question's
    # asks are one index range. A database default, "" (migration 0033): a process from
    # before it still logs questions; ``fill_text_keys`` keys them later.
    text_key = models.CharField(
        max_length=TEXT_KEY_LENGTH, blank=True, default="", db_default="", editable=False
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-created"]
        # The Questions list sorts by these (and by created): without an index a sort
        # read the whole log, 0.7 s at a million questions. With the id, as the admin
        # breaks ties by it: "-score" is (score, id) read backwards, with no sort of the
        # rows of one score (all questions in another language have none). Plain
        # indexes: db_index on a CharField adds a LIKE-prefix one on PostgreSQL.
        indexes = [
            models.Index(fields=["text", "id"], name="site_assistant_question_text"),
            models.Index(fields=["score", "id"], name="site_assistant_question_score"),
            # The list's "Not helpful" and "training approved": a few rows of the log
            # each (0.2 s to find them among 100,000 without these, 0.4 s in a million).
            models.Index(
                fields=["created"],
                condition=models.Q(helpful=False),
                name="sa_question_not_helpful",
            ),
            models.Index(
                fields=["created"],
                condition=models.Q(training_approved=True),
                name="sa_question_approved",
            ),
            # A question's asks (text_key), and the Needs attention lists' groups; the
            # Unanswered list's own, so its groups are counted from an index, not the log
            # (a read of every question, 100,000 wide rows, on each page of the list).
            models.Index(fields=["text_key", "id"], name="sa_question_text_key"),
            models.Index(
                fields=["text_key", "id"], condition=UNANSWERED, name="sa_question_unanswered_key"
            ),
        ]

    def __str__(self):
        return self.text

    def save(self, *args, **kwargs):
        self.text_key = text_key_of(self.text)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "text" in update_fields:
            kwargs["update_fields"] = {*update_fields, "text_key"}
        super().save(*args, **kwargs)


class ExampleQuestionQuerySet(models.QuerySet):
    def reading(self, text: str) -> list["ExampleQuestion"]:
        """The example questions that read as ``text``, case, spacing and the final
        ?!. aside (``question_key``, the rule serving matches them by).

        Compared in Python (``question_key``): the owner writes these by hand, so
        there are few, and SQL has no portable Unicode case folding.
        """
        key = question_key(text)
        return [e for e in self.order_by("pk") if question_key(e.question) == key]

    def answering(self):
        """The active ones that name a section: indexed, trained on, "✓ example saved"."""
        return self.filter(active=True, declines=False)

    def declined(self):
        """The active ones the owner said the site does not answer: visitors asking them
        get "not sure" (site_assistant.declined)."""
        return self.filter(active=True, declines=True)

    def let_answer(self):
        """The declining ones the owner let the site answer ("Let it answer",
        site_assistant.declined_review), switched off since: visitors asking them are
        answered."""
        return self.filter(active=False, declines=True, review__has_key="let_answer")


class ExampleQuestion(models.Model):
    """The owner's own example question for a section: used as training pairs. Or, with
    ``declines``, one the site does not answer: no section, and visitors asking it (or
    a close paraphrase, site_assistant.declined) get "not sure". The owner's own text,
    kept for good as any example question is, unlike the visitors' questions log. Or one
    the site came with (``source``): a fixture, data migration or command of the site's."""

    class Source(models.TextChoices):
        # Who added it. Every place the app adds one on the owner's behalf (the admin's
        # form, "Fix this answer") says OWNER; a site that ships example questions (a
        # fixture, its own data migration, a command) says SITE. UNRECORDED: nobody said,
        # e.g. every row from before migration 0034, which cannot tell them apart (a
        # site's own data migration, which knows what it shipped, can).
        OWNER = "owner", _("You")
        SITE = "site", _("Shipped with the site")
        UNRECORDED = "unrecorded", _("Not recorded")

    # Indexed: every logged question is compared with them (the overview's
    # "To review" counts, the Questions list's "✓ example saved").
    question = models.CharField(_("question"), max_length=300, db_index=True)
    url = models.CharField(
        _("section"), max_length=500, blank=True, help_text=_("Page URL, optionally with #anchor.")
    )
    active = models.BooleanField(_("active"), default=True)
    # "Fix this answer" › "The site doesn't answer this" (url ""): read by serving at
    # once, never indexed, so no build is needed. A database default (migration 0029): a
    # process from before it still adds example questions.
    declines = models.BooleanField(
        _("the site doesn’t answer it"),
        default=False,
        db_default=False,
        help_text=_(
            "Visitors asking this get “I’m not sure” with the closest sections, not an answer."
        ),
    )
    created = models.DateTimeField(auto_now_add=True)
    # What the owner's to-dos know of it, never typed in a form (site_assistant.declined):
    # "judged" {"link", "score"}: the best section when the owner said the site does not
    # answer it; "answers" {"link", "score", "version"}: a section a build found that now
    # answers it (the overview's "may answer these now"); "gone": switched off because
    # its section was gone (switched on again by the build that finds it back).
    review = models.JSONField(default=dict, db_default={}, blank=True, editable=False)
    # Who added it (Source). A database default (migration 0034): a process from before it
    # still adds example questions, as "not recorded", as code that does not say does.
    source = models.CharField(
        _("added by"),
        max_length=16,
        choices=Source.choices,
        default=Source.UNRECORDED,
        db_default=Source.UNRECORDED,
        editable=False,
        help_text=_(
            "You (in the admin, or with Fix this answer), or the site it came with (a "
            "fixture, data migration or command). Not recorded for those from before it "
            "was kept."
        ),
    )

    objects = ExampleQuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("example question")
        verbose_name_plural = _("example questions")
        ordering = ["url", "question"]

    def __str__(self):
        return self.question


class TrainingRun(Job):
    """One fine-tune on the site's passages, started from the admin or a command."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    params = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    model_dir = models.CharField(max_length=500, blank=True)
    activated = models.BooleanField(_("activated"), default=False)
    decision = models.TextField(
        _("decision"), blank=True, help_text=_("Why the model was or was not activated.")
    )
    # The process running it: {"host", "pid", "process_started"} (see tasks.abandon_stale_runs).
    runner = models.JSONField(default=dict, db_default={}, blank=True)

    class Meta(Job.Meta):
        verbose_name = _("training run")
        verbose_name_plural = _("training runs")

    def __str__(self):
        return _("Training #%(number)s (%(status)s)") % {
            "number": self.pk,
            "status": self.get_status_display(),
        }

    def stage_words(self) -> str:
        """The stage in the reader's language (the row keeps it in English: "training:
        step 4/78")."""
        return words.say(self.stage, words.TRAINING_STAGES)

    def decision_words(self) -> str:
        """The decision in the reader's language (the row keeps it in English)."""
        return words.say(self.decision, words.DECISIONS)


class WorkerHeartbeat(models.Model):
    """A Celery worker's last sign of life, written by the worker itself every quarter of
    WORKER_SILENT_SECONDS (site_assistant.heartbeat); /health/ reads the newest."""

    hostname = models.CharField(max_length=255, unique=True)
    started = models.DateTimeField(help_text=_("When the worker became ready."))
    seen = models.DateTimeField(db_index=True, help_text=_("Its latest heartbeat."))
    stopped = models.DateTimeField(null=True, blank=True, help_text=_("When it shut down cleanly."))

    def __str__(self):
        return self.hostname


class WithdrawnPage(models.Model):
    """A page taken from visitors (unpublished, deleted, moved away, made
    private) after the live index read it: not answered from until a build
    that read the site after ``at`` is live (site_assistant.withdrawn)."""

    path = models.CharField(max_length=2000, help_text=_("The page's path; pages below it too."))
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["path"]

    def __str__(self):
        return self.path
