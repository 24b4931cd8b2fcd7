"""Texts the app stores in English and shows in the reader's language.

A build's and a training run's stage, a run's decision, why a sitemap or a page was not
read and the errors a build fails with that say so are stored as English text: logs,
``search_rebuild``, ``/health/`` and the API read them as they are. Each is written from
one ``Said`` here (its English msgid, with ``%(name)s`` parts) and shown in the admin
with ``say``, which finds the ``Said`` a stored text was written from and says it in the
active language, each part in turn. A text no ``Said`` wrote (a row from before a
wording changed, an exception's message) is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cached_property

from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

_PART = re.compile(r"%\((\w+)\)s")


def as_is(text: str) -> str:
    return text


class Said:
    """One English text, stored as written (``english``), said in the active language
    when shown (``say``). ``parts``: how each ``%(name)s`` part is said (by default as
    it is: a path, a number, an exception's message)."""

    def __init__(self, message: Promise, **parts: Callable[[str], str]):
        self.message = message
        self.parts = parts

    @cached_property
    def msgid(self) -> str:
        with translation.override(None):
            return str(self.message)

    @cached_property
    def pattern(self) -> re.Pattern:
        pieces = _PART.split(self.msgid)
        return re.compile(
            "".join(
                re.escape(piece) if i % 2 == 0 else f"(?P<{piece}>.+?)"
                for i, piece in enumerate(pieces)
            ),
            re.DOTALL,
        )

    def english(self, **values) -> str:
        """The text to store (and log)."""
        return self.msgid % values if values else self.msgid

    def __str__(self) -> str:
        return self.english()

    def say(self, text: str) -> str | None:
        """``text`` in the active language if this wrote it, else None."""
        found = self.pattern.fullmatch(text)
        if found is None:
            return None
        values = {
            name: self.parts.get(name, as_is)(value) for name, value in found.groupdict().items()
        }
        return str(self.message) % values if values else str(self.message)


def say(text: str | None, known: Iterable[Said]) -> str:
    """``text`` in the active language, by the first of ``known`` that wrote it; as it is
    when none did."""
    if not text:
        return text or ""
    for said in known:
        if (words := said.say(text)) is not None:
            return words
    return text


_DECIMAL = re.compile(r"[+-]?\d+\.\d+")


def decimal(text: str) -> str:
    """A figure ("+0.0213") with the reader's language's decimal separator ("+0,0213")."""
    if not _DECIMAL.fullmatch(text):
        return text
    return text.replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))


def figure(value: float, places: int, grouping: bool = False) -> str:
    """``value`` rounded as ``f"{value:.2f}"`` rounds it (what the admin showed before),
    written as the reader's language writes numbers ("0,31", "1.235")."""
    return formats.number_format(f"{value:.{places}f}", places, force_grouping=grouping)


def saying(*known: Said) -> Callable[[str], str]:
    return lambda text: say(text, known)


def each(separator: str, part: Callable[[str], str]) -> Callable[[str], str]:
    """A list joined by ``separator`` ("; "), each item said by ``part``."""
    return lambda text: separator.join(part(item) for item in text.split(separator))


# --- an index build's stages (site_assistant.build.STAGES) ---------------------------------

BUILD_STAGES = {
    said.msgid: said
    for said in (
        Said(pgettext_lazy("build stage", "queued")),
        Said(pgettext_lazy("build stage", "collect")),
        Said(pgettext_lazy("build stage", "extract")),
        Said(pgettext_lazy("build stage", "prepare model (first time only)")),
        Said(pgettext_lazy("build stage", "load model")),
        Said(pgettext_lazy("build stage", "embed")),
        Said(pgettext_lazy("build stage", "write")),
        Said(pgettext_lazy("build stage", "calibrate")),
        Said(pgettext_lazy("build stage", "sync")),
        Said(pgettext_lazy("build stage", "done")),
    )
}


def build_stage(stage: str) -> str:
    said = BUILD_STAGES.get(stage)
    return str(said.message) if said else stage


# --- why a sitemap or a page was not read (site_assistant.sources) --------------------------

STATUS = Said(_("status %(status)s"))
NOINDEX = Said(_("noindex"))
ASKS_FOR_A_PASSWORD = Said(_("asks for a password"))
NOT_HTML = Said(_("not HTML (%(type)s)"))
STREAMING = Said(_("streaming response"))
ERROR = Said(_("error: %(error)s"))
OTHER_LANGUAGE_BY_HEADER = Said(
    _(
        "in another language (%(page)s) than the index's (%(index)s) (its Content-Language "
        "header; its HTML has no lang)"
    )
)
OTHER_LANGUAGE = Said(_("in another language (%(page)s) than the index's (%(index)s)"))
NOT_SITEMAP_XML = Said(_("not valid sitemap XML (%(error)s)"))
NOT_A_SITEMAP = Said(_("<%(kind)s> is neither <urlset> nor <sitemapindex>"))
TOO_BIG = Said(_("more than %(bytes)s bytes unpacked"))

NOT_READ_BECAUSE = (
    STATUS,
    NOINDEX,
    ASKS_FOR_A_PASSWORD,
    NOT_HTML,
    STREAMING,
    ERROR,
    OTHER_LANGUAGE_BY_HEADER,
    OTHER_LANGUAGE,
    NOT_SITEMAP_XML,
    NOT_A_SITEMAP,
    TOO_BIG,
)
not_read_because = saying(*NOT_READ_BECAUSE)

# --- what the owner does about it, and the errors a build fails with -----------------------

FIX_SITEMAP_SERVER_ERROR = Said(_("mend the sitemap (the log of django.request has the traceback)"))
FIX_SITEMAP_FORMAT = Said(
    _("make it sitemaps.org XML, or name another in SITE_ASSISTANT['SITEMAPS']")
)
FIX_SITEMAPS_SETTING = Said(
    _(
        "check SITE_ASSISTANT['SITEMAPS'] (or set SITE_ASSISTANT['USE_SITEMAPS'] = False if "
        "the site has no sitemap)"
    )
)
FIX_SITEMAP_INDEX = Said(_("mend the sitemap index that lists it"))
FIX_PREFIX = Said(
    _(
        "they all start with %(prefix)s, which the site serves them without: a site under a "
        "path prefix sets FORCE_SCRIPT_NAME = %(setting)s for its builds too (docs/install.md, "
        "'Under a path prefix')"
    )
)
FIX_PAGES = Said(
    _(
        "check that the sitemaps' locations and SITE_ASSISTANT['URLS'] are pages of this site "
        "(a site under a path prefix: docs/install.md, 'Under a path prefix')"
    )
)
fix = saying(
    FIX_SITEMAP_SERVER_ERROR,
    FIX_SITEMAP_FORMAT,
    FIX_SITEMAPS_SETTING,
    FIX_SITEMAP_INDEX,
    FIX_PREFIX,
    FIX_PAGES,
)
LIVE_INDEX_KEPT = Said(_("the live index is kept"))
NO_INDEX_MADE = Said(_("no index is made"))
kept = saying(LIVE_INDEX_KEPT, NO_INDEX_MADE)

SITEMAP_NOT_READ = Said(_("sitemap %(path)s: %(why)s"), why=not_read_because)
UNREAD_SITEMAP = Said(
    _("%(sitemap)s - its pages cannot be read, so %(kept)s: %(fixes)s, then rebuild"),
    sitemap=saying(SITEMAP_NOT_READ),
    kept=kept,
    fixes=each("; ", fix),
)
UNREAD_SITEMAPS = Said(
    _("%(sitemaps)s - their pages cannot be read, so %(kept)s: %(fixes)s, then rebuild"),
    sitemaps=each("; ", saying(SITEMAP_NOT_READ)),
    kept=kept,
    fixes=each("; ", fix),
)
MORE = Said(_("%(pages)s and %(more)s more"))
EVERY_PAGE_MISSING = Said(
    _("every page answered 404: %(pages)s, so %(kept)s - %(fix)s, then rebuild"),
    pages=saying(MORE),
    kept=kept,
    fix=fix,
)
OTHER_HOST = Said(
    _(
        "%(count)s sitemap URL on other hosts than this site's (%(host)s) was skipped: "
        "%(hosts)s, e.g. %(example)s - add the host to ALLOWED_HOSTS if it is this site's"
    )
)
OTHER_HOSTS = Said(
    _(
        "%(count)s sitemap URLs on other hosts than this site's (%(host)s) were skipped: "
        "%(hosts)s, e.g. %(example)s - add the host to ALLOWED_HOSTS if it is this site's"
    )
)
PAGE_FAILED = Said(_("%(url)s: %(why)s"), why=not_read_because)
NO_PASSAGES_OTHER_LANGUAGE = Said(
    _(
        "no passages found: %(pages)s page is in another language than the index's "
        "(%(language)s): set SITE_ASSISTANT['LANGUAGE'] (and a MODEL of that language), or "
        "SKIP_OTHER_LANGUAGE_PAGES: False"
    )
)
NO_PASSAGES_OTHER_LANGUAGES = Said(
    _(
        "no passages found: %(pages)s pages are in another language than the index's "
        "(%(language)s): set SITE_ASSISTANT['LANGUAGE'] (and a MODEL of that language), or "
        "SKIP_OTHER_LANGUAGE_PAGES: False"
    )
)
NO_TEXT = Said(
    _(
        "no passages found: check the sitemaps, SITE_ASSISTANT['URLS'] and "
        "SITE_ASSISTANT['CONTENT_SELECTOR'] (no page rendered any text)"
    )
)
NO_PASSAGES_FAILURES = Said(
    _("no passages found: %(failures)s"),
    failures=each("; ", saying(OTHER_HOST, OTHER_HOSTS, PAGE_FAILED)),
)
NO_PASSAGES_LEFT = Said(_("no passages left: the index would be empty"))

# Why a build or a training run was not queued (site_assistant.broker.why_not_sent).
QUEUE_NO_ANSWER = Said(_("the task queue did not answer within %(seconds)s s (%(error)s)."))
CANNOT_SEND = Said(
    _(
        "the task could not be sent (%(error)s); is the broker's client library installed "
        "(Redis: pip install redis) and CELERY_BROKER_URL right?"
    )
)
not_sent = saying(QUEUE_NO_ANSWER, CANNOT_SEND)
# A build that failed with no page or sitemap to blame: rare, and the owner's to act on.
NOT_QUEUED_UNTIL_IT_ANSWERS = Said(
    _("Not queued: %(why)s It is queued again once the task queue answers."), why=not_sent
)
NOT_QUEUED = Said(_("Not queued: %(why)s"), why=not_sent)
RETRYING = Said(_("Retrying after: %(error)s"))
WORKER_LOST = Said(
    _(
        "Worker lost: the build's heartbeat stopped (its worker was killed or cut off). "
        "The next rebuild request runs a new build."
    )
)
QUEUED_TOO_LONG = Said(
    _("Expired: no worker took the queued build in time (is a Celery worker running?).")
)
HELD_TOO_LONG = Said(_("Abandoned: the build held the lock too long (worker stopped?)."))
NO_BUILD_QUEUE = Said(_("Could not queue the build: site_assistant.tasks was never imported."))
LIVE_INDEX_SERVES = Said(_("the live index keeps serving"))
NOTHING_SERVES = Said(_("no index is live yet, so visitors get no answers until a build succeeds"))
meanwhile = saying(LIVE_INDEX_SERVES, NOTHING_SERVES)
CHUNK_FAILED = Said(
    _("A chunk of the build failed (see the worker's log); %(meanwhile)s."), meanwhile=meanwhile
)
MODEL_UNREADABLE = Said(_("The model at %(ref)s cannot be read (%(error)s)"))
MODEL_DAMAGED = Said(
    _(
        "%(model)s: its files are damaged or incomplete. Put them back, or serve another "
        "model (Training runs), then rebuild; %(meanwhile)s."
    ),
    model=saying(MODEL_UNREADABLE),
    meanwhile=meanwhile,
)
# The disk refusing to write the index: why, and what the owner can do about it.
DISK_FULL = Said(_("the disk is full"))
QUOTA_USED_UP = Said(_("the disk quota is used up"))
MAY_NOT_WRITE = Said(_("this process may not write there"))
READ_ONLY = Said(_("the disk is mounted read-only"))
FREE_SPACE = Said(_("Free some space"))
CHECK_PERMISSIONS = Said(_("Check the folder's owner and permissions"))
MAKE_WRITABLE = Said(_("Make it writable or move INDEX_DIR"))
DISK_PARTS = {
    "cause": saying(DISK_FULL, QUOTA_USED_UP, MAY_NOT_WRITE, READ_ONLY),
    "action": saying(FREE_SPACE, CHECK_PERMISSIONS, MAKE_WRITABLE),
    "meanwhile": meanwhile,
}
NOT_WRITTEN_AT = Said(
    _(
        "Could not write the index at %(path)s: %(cause)s (%(why)s). %(action)s, then "
        "rebuild; %(meanwhile)s."
    ),
    **DISK_PARTS,
)
NOT_WRITTEN = Said(
    _("Could not write the index: %(cause)s (%(why)s). %(action)s, then rebuild; %(meanwhile)s."),
    **DISK_PARTS,
)

BUILD_ERRORS = (
    UNREAD_SITEMAP,
    UNREAD_SITEMAPS,
    EVERY_PAGE_MISSING,
    NO_PASSAGES_OTHER_LANGUAGE,
    NO_PASSAGES_OTHER_LANGUAGES,
    NO_TEXT,
    NO_PASSAGES_LEFT,
    NO_PASSAGES_FAILURES,
    NOT_QUEUED_UNTIL_IT_ANSWERS,
    NOT_QUEUED,
    RETRYING,
    WORKER_LOST,
    QUEUED_TOO_LONG,
    HELD_TOO_LONG,
    NO_BUILD_QUEUE,
    CHUNK_FAILED,
    MODEL_DAMAGED,
    NOT_WRITTEN_AT,
    NOT_WRITTEN,
)

# --- a training run's stages and decision (site_assistant.training) ------------------------

TRAINING_STEPS = (
    Said(_("step %(done)s/%(of)s")),
    Said(_("loading the base model")),
    Said(_("evaluating on the dev split")),
    Said(_("training again on every section")),
    Said(_("setting its answer threshold")),
)
training_step = saying(*TRAINING_STEPS)
TRAINING_STAGES = (
    Said(pgettext_lazy("training stage", "queued")),
    Said(pgettext_lazy("training stage", "starting")),
    Said(pgettext_lazy("training stage", "making pairs")),
    Said(pgettext_lazy("training stage", "training: %(step)s"), step=training_step),
    Said(pgettext_lazy("training stage", "refit: %(step)s"), step=training_step),
    Said(pgettext_lazy("training stage", "evaluating the base and the tuned model")),
    Said(pgettext_lazy("training stage", "evaluating natural questions against the answers alone")),
    Said(pgettext_lazy("training stage", "activating and rebuilding the index")),
    Said(pgettext_lazy("training stage", "done")),
    Said(pgettext_lazy("training stage", "cancelled")),
)

# Why a run failed, when the app says why (an exception's message shows as it is).
RUN_TOOK_TOO_LONG = Said(
    _("Abandoned: the run took too long (its worker or web process stopped?).")
)
RUN_NOT_QUEUED = Said(_("Could not queue the run: %(why)s"), why=not_sent)
TRAINING_ERRORS = (RUN_TOOK_TOO_LONG, RUN_NOT_QUEUED)

ACTIVATION_OFF = Said(_("activation off"))
PAIRS_FROM_ELSEWHERE = Said(_("pairs from another corpus"))
SCORES = {"tuned": decimal, "base": decimal, "gain": decimal, "low": decimal}
NATURAL_ALONE = Said(
    _("natural questions (%(count)s) asked of the answers alone %(tuned)s vs base %(base)s"),
    **SCORES,
)
NATURAL = Said(_("natural questions (%(count)s) %(tuned)s vs base %(base)s"), **SCORES)
FIGURES = Said(
    _("dev %(metric)s %(tuned)s vs base %(base)s (%(gain)s, %(confidence)s low %(low)s)"),
    **SCORES,
)
FIGURES_AND_NATURAL = Said(
    _("%(figures)s; %(natural)s"),
    figures=saying(FIGURES),
    natural=saying(NATURAL_ALONE, NATURAL),
)
figures = saying(FIGURES_AND_NATURAL, FIGURES)
NOTHING_TO_JUDGE = Said(_("not activated: no dev %(metric)s to judge on"))
NO_GAIN = Said(_("not activated: %(figures)s: no gain beyond split noise"), figures=figures)
NATURAL_LOWER = Said(
    _("not activated: %(figures)s, but %(natural)s: lower"),
    figures=figures,
    natural=saying(NATURAL_ALONE, NATURAL),
)
ACTIVATED = Said(_("activated: %(figures)s"), figures=figures)
NOT_ACTIVATED_THOUGH = Said(
    _("not activated (%(off)s), though %(figures)s"),
    off=saying(ACTIVATION_OFF, PAIRS_FROM_ELSEWHERE),
    figures=figures,
)
METRIC_MISSING = Said(_("not activated: %(metric)s missing from the dev metrics"))
METRIC_NOT_A_NUMBER = Said(_("not activated: %(metric)s is not a number"))
MEAN_HIGHER = Said(_("activated: dev %(metric)s %(tuned)s > base %(base)s (+%(gain)s)"), **SCORES)
MEAN_NOT_HIGHER = Said(
    _("not activated: dev %(metric)s %(tuned)s is not higher than the base model's %(base)s"),
    **SCORES,
)
THE_OWNER = Said(_("the owner"))
CANCELLED = Said(_("Cancelled by %(who)s: no model was activated."), who=saying(THE_OWNER))
DECISIONS = (
    NOTHING_TO_JUDGE,
    NO_GAIN,
    NATURAL_LOWER,
    NOT_ACTIVATED_THOUGH,
    METRIC_MISSING,
    METRIC_NOT_A_NUMBER,
    MEAN_HIGHER,
    MEAN_NOT_HIGHER,
    ACTIVATED,
    CANCELLED,
)
