import difflib
import logging
import os
from pathlib import Path

from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy


class SearchConfig(AppConfig):
    name = "site_assistant"
    # Django's "%s administration" (the app's page title) and its breadcrumbs, in the
    # admin's language: "Website-Assistent-Verwaltung", not "Site assistant-Administration".
    verbose_name = gettext_lazy("Site assistant")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        checks.register(check_index_dir, checks.Tags.compatibility)
        checks.register(check_answer_settings)
        checks.register(check_approx_settings)
        checks.register(check_setting_names_and_types)
        checks.register(check_setting_name_misspelt)
        checks.register(check_sources)
        checks.register(check_contact_url)
        checks.register(check_contact_url_is_served, checks.Tags.urls)
        checks.register(check_page_base_template, checks.Tags.templates)
        checks.register(check_urls_included, checks.Tags.urls)
        checks.register(check_urls_reached, checks.Tags.urls)
        checks.register(check_sitemaps_render, checks.Tags.urls)
        checks.register(check_sitemaps_are_served, checks.Tags.urls)
        checks.register(check_rest_framework_installed)
        # Deploy only: it loads the language identifier (~1 s, ~75 MB), which every
        # manage.py command (check, migrate, runserver, ...) paid before.
        checks.register(check_suggested_questions_language, deploy=True)
        run_tasks_in_process_without_a_broker()
        # The Celery tasks: site_assistant.tasks also makes its task the queue that
        # site_assistant.rebuilds hands queued builds to.
        from . import declined, declined_review, index, publish, signals, tasks, wagtail_signals  # noqa: F401
        from .models import ExampleQuestion
        from .sources import models as model_source

        # Saving or deleting a row of a registered model (registered before
        # now or later) or an example question (part of the index:
        # questions.faiss) schedules a rebuild.
        model_source.watch(signals.connect, signals.disconnect)
        signals.connect(ExampleQuestion)
        # A question the owner declined, or undid, is read again at the next question.
        for signal in (post_save, post_delete):
            signal.connect(declined.forget_read, sender=ExampleQuestion, weak=False)
        # One declined, or switched on again: the live index's best section for it then.
        pre_save.connect(declined_review.judge_on_save, sender=ExampleQuestion, weak=False)
        # On a Wagtail site, publishing, unpublishing, moving or deleting a page
        # and changing its privacy schedule one too (nothing without Wagtail).
        wagtail_signals.connect()
        # Every load of the live index first looks for a version published to
        # SITE_ASSISTANT["STORAGE"] (nothing to do with the default storage).
        index.set_refresh(publish.refresh)
        # Content changed while this app's migrations were pending: its rebuild, once
        # ``migrate`` has applied them.
        post_migrate.connect(rebuild_owed_after_migrate, sender=self, dispatch_uid=OWED_UID)


OWED_UID = "site-assistant-rebuild-owed"


def rebuild_owed_after_migrate(sender=None, **kwargs):
    """At the end of ``migrate``: the content rebuild owed since a change was saved while
    the builds' table was behind (site_assistant.rebuilds.rebuild_owed), if one is. Here,
    not only in the periodic retry: a site without a broker runs no periodic task, and
    ``migrate`` is when the table can take the build. A failure is logged, never
    ``migrate``'s."""
    from . import rebuilds

    try:
        rebuilds.rebuild_owed()
    except Exception:
        logging.getLogger(__name__).exception(
            "site_assistant: the content rebuild owed since migrate could not be asked for"
        )


def run_tasks_in_process_without_a_broker():
    """A project that configures no Celery broker gets its builds run in-process.

    Celery's fallback would be an AMQP broker on localhost that nobody runs: every
    content change would wait on a connection that fails. With a broker set
    (CELERY_BROKER_URL through the project's Celery app) nothing changes.
    """
    from celery import current_app

    if not current_app.conf.broker_url:
        current_app.conf.task_always_eager = True
        current_app.conf.task_eager_propagates = True


def check_index_dir(app_configs=None, **kwargs):
    """Warn when SITE_ASSISTANT["INDEX_DIR"] cannot be created or written."""
    from . import conf

    path = Path(conf.get("INDEX_DIR"))
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not os.access(existing, os.W_OK):
        return [
            checks.Warning(
                f"SITE_ASSISTANT['INDEX_DIR'] ({path}) is not writable: index builds will fail.",
                hint="Point SITE_ASSISTANT['INDEX_DIR'] (or SEARCH_INDEX_DIR) at a writable folder.",
                id="site_assistant.W001",
            )
        ]
    return []


def check_answer_settings(app_configs=None, **kwargs):
    """Errors for the settings that decide "not sure": a quantile or threshold
    outside (0, 1), or a list of off-topic questions that cannot be read or is empty."""
    from . import conf

    errors = []
    for name in ("OFF_TOPIC_QUANTILE", "MIN_SCORE"):
        value = conf.get(name)
        if value is None and name == "MIN_SCORE":
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            errors.append(
                checks.Error(
                    f"SITE_ASSISTANT[{name!r}] must be a number between 0 and 1, not {value!r}.",
                    hint="See the SITE_ASSISTANT table in docs/configuration.md.",
                    id="site_assistant.E001",
                )
            )
    path = conf.get("OFF_TOPIC_QUESTIONS")
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            lines, problem = [], f"cannot be read ({exc.__class__.__name__})"
        else:
            problem = "has no question"
        if not any(line.strip() and not line.lstrip().startswith("#") for line in lines):
            errors.append(
                checks.Error(
                    f"SITE_ASSISTANT['OFF_TOPIC_QUESTIONS'] ({path}) {problem}: "
                    "every build calibrates its answer threshold on it.",
                    hint="A UTF-8 text file, one question a line, or unset for the shipped list.",
                    id="site_assistant.E002",
                )
            )
    return errors


def check_approx_settings(app_configs=None, **kwargs):
    """An error for an approximate-index setting the builds and every query would
    refuse (APPROX_INDEX, APPROX_THRESHOLD, APPROX_NPROBE, APPROX_EF_SEARCH,
    APPROX_HNSW_M): said at start, not as a failed question."""
    from django.core.exceptions import ImproperlyConfigured

    from . import ann

    try:
        ann.settings()
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc),
                hint="See the SITE_ASSISTANT table in docs/configuration.md.",
                id="site_assistant.E003",
            )
        ]
    return []


# Keys whose values other checks already judge (E001, E003): one message each.
_CHECKED_ELSEWHERE = {
    "MIN_SCORE",
    "OFF_TOPIC_QUANTILE",
    "APPROX_THRESHOLD",
    "APPROX_INDEX",
    "APPROX_NPROBE",
    "APPROX_EF_SEARCH",
    "APPROX_HNSW_M",
}


# What goes where a string does: a path, and words in the active language
# (gettext_lazy, as a bilingual project writes its own).
_TEXT = (str, os.PathLike, Promise)


def _kind(default) -> tuple[tuple[type, ...], str] | None:
    """(the types a key's value may have, how to say it) from its default."""
    if isinstance(default, bool):
        return (bool,), "True or False"
    if isinstance(default, int):
        return (int,), "a whole number"
    if isinstance(default, float):
        return (int, float), "a number"
    if isinstance(default, str | Promise):  # a default in the active language is a string
        return _TEXT, "a string"
    if isinstance(default, list | tuple):
        return (list, tuple), "a list"
    if isinstance(default, dict):
        return (dict,), "a dict"
    return None


# Keys whose None is documented (docs/configuration.md): "keep them all".
_MAY_BE_NONE = {"EMBEDDING_CACHE_DAYS", "KEEP_BUILDS", "KEEP_MODELS"}


def _type_problem(name: str, value, default) -> str:
    """Why ``value`` cannot be SITE_ASSISTANT[name] ("" when it can); words a visitor
    sees may be given per language (conf.PER_LANGUAGE_KEYS: {"de": …, "en": …})."""
    from . import conf

    if name in conf.PER_LANGUAGE_KEYS and isinstance(value, dict):
        for code, entry in value.items():
            if not isinstance(code, str) or not conf.primary_subtag(code):
                return f'must name languages by their code ("de", "en"), not {code!r:.60}'
            if isinstance(entry, dict) or (problem := _type_problem(name, entry, default)):
                problem = "must not be a dict" if isinstance(entry, dict) else problem
                return f"[{code!r}] {problem}"
        return ""
    kind = _kind(default)
    if kind is None or (value is None and name in _MAY_BE_NONE):
        return ""
    types, said = kind
    if isinstance(value, bool) and bool not in types:
        return f"must be {said}, not {value!r}"
    if not isinstance(value, types):
        return f"must be {said}, not {type(value).__name__} {value!r:.60}"
    if isinstance(value, list | tuple):
        item_types = (dict,) if name == "SMALL_TALK" else _TEXT
        wrong = [item for item in value if not isinstance(item, item_types)]
        if wrong:
            named = "dicts" if name == "SMALL_TALK" else "strings"
            return f"must be a list of {named}; {wrong[0]!r:.60} is not one"
    return ""


def check_setting_names_and_types(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A SITE_ASSISTANT that is not a dict (E004), a value of the wrong type
    (E005: a string where a list goes is read letter by letter), and a key the
    app does not have (W002, a typo: the app would read its default)."""
    from django.conf import settings

    from . import conf

    user = getattr(settings, "SITE_ASSISTANT", {}) or {}
    hint = "See the SITE_ASSISTANT table in docs/configuration.md."
    if not isinstance(user, dict):
        return [
            checks.Error(
                f"SITE_ASSISTANT must be a dict, not {type(user).__name__}.",
                hint=hint,
                id="site_assistant.E004",
            )
        ]
    found = []
    for name, value in user.items():
        if name not in conf.DEFAULTS:
            close = difflib.get_close_matches(str(name), conf.DEFAULTS, n=1, cutoff=0.75)
            found.append(
                checks.Warning(
                    f"SITE_ASSISTANT[{name!r}] is not a setting of site_assistant: it is ignored.",
                    hint=f"Did you mean {close[0]!r}?" if close else hint,
                    id="site_assistant.W002",
                )
            )
            continue
        if name in _CHECKED_ELSEWHERE:
            continue
        problem = _type_problem(name, value, conf.DEFAULTS[name])
        if problem:
            found.append(
                checks.Error(
                    f"SITE_ASSISTANT[{name!r}] {problem}.",
                    hint=hint,
                    id="site_assistant.E005",
                )
            )
        elif name == "PER_SITE":
            found += [
                checks.Error(
                    f"SITE_ASSISTANT['PER_SITE']{where} {problem}.",
                    hint=hint,
                    id="site_assistant.E005",
                )
                for where, problem in _per_site_problems(value)
            ]
    return found


def check_setting_name_misspelt(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """No SITE_ASSISTANT but a setting of a name close to it ("SITE_ASISTANT", W006): the
    app ran on its defaults and `check` said nothing."""
    from django.conf import settings

    if hasattr(settings, "SITE_ASSISTANT"):
        return []
    # SITE_ASSISTANT_…: a setting of the project's own, named after the app, not a slip.
    names = [n for n in dir(settings) if n.isupper() and not n.startswith("SITE_ASSISTANT_")]
    close = difflib.get_close_matches("SITE_ASSISTANT", names, n=1, cutoff=0.8)
    if not close:
        return []
    return [
        checks.Warning(
            f"settings.{close[0]} is not read by site_assistant, and SITE_ASSISTANT is not "
            "set: the app runs on its defaults.",
            hint=f"Did you mean SITE_ASSISTANT? Rename {close[0]} to SITE_ASSISTANT.",
            id="site_assistant.W006",
        )
    ]


def _per_site_problems(per_site: dict) -> list[tuple[str, str]]:
    """(where, what is wrong) of each entry of PER_SITE that the app would not read."""
    from . import conf

    found = []
    for host, words in per_site.items():
        if not isinstance(words, dict):
            found.append(
                (f"[{host!r}]", f"must be a dict, not {type(words).__name__} {words!r:.60}")
            )
            continue
        for key, value in words.items():
            where = f"[{host!r}][{key!r}]"
            if key not in conf.PER_SITE_KEYS:
                named = ", ".join(conf.PER_SITE_KEYS)
                found.append(
                    (where, f"is not a setting one site can have its own of (only {named})")
                )
                continue
            problem = _type_problem(key, value, conf.DEFAULTS[key])
            if problem:
                found.append((where, problem))
    return found


def _suggested_questions(user: dict) -> list[tuple[str, list]]:
    """(where, questions) of every SUGGESTED_QUESTIONS the project sets: its own and each
    PER_SITE host's, each language's list of one given per language."""
    given = [("", user.get("SUGGESTED_QUESTIONS"))]
    per_site = user.get("PER_SITE")
    if isinstance(per_site, dict):
        given += [
            (f"['PER_SITE'][{host!r}]", words.get("SUGGESTED_QUESTIONS"))
            for host, words in per_site.items()
            if isinstance(words, dict)
        ]
    found = []
    for where, value in given:
        for code, questions in value.items() if isinstance(value, dict) else [(None, value)]:
            if isinstance(questions, list | tuple):
                place = f"{where}['SUGGESTED_QUESTIONS']" + (f"[{code!r}]" if code else "")
                found.append((place, [str(q) for q in questions if isinstance(q, str | Promise)]))
    return found


def _index_knows():
    """Whether a word is the model's (``Speller.is_known`` without the site's words): a
    short English question is not read as another language for a few letters."""
    from collections import Counter

    from . import embed, spelling

    try:
        words = spelling.model_words(embed.active_model_ref())
    except Exception:  # noqa: BLE001 - no model to read: the identifier alone
        return None
    return spelling.Speller(Counter(), words).is_known if words else None


def check_suggested_questions_language(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A suggested question in a language the index does not answer (W008): a visitor who
    clicks it gets OTHER_LANGUAGE_MESSAGE, not an answer (a German site's German
    questions on its English pages, or on any page of an English index). Read by the
    app's own language identification (site_assistant.language): with ``check --deploy``
    only, as a question with a word the model does not know loads the identifier."""
    from django.conf import settings

    from . import conf, language

    user = getattr(settings, "SITE_ASSISTANT", {}) or {}
    if not isinstance(user, dict) or not conf.get("DETECT_LANGUAGE"):
        return []
    given = [(where, questions) for where, questions in _suggested_questions(user) if questions]
    if not given:
        return []
    known, found = _index_knows(), []
    answered_in = language.name(conf.index_language())
    for where, questions in given:
        for question in questions:
            code = language.other_language(question, known)
            if code:
                found.append(
                    checks.Warning(
                        f"SITE_ASSISTANT{where}: “{question}” reads as {language.name(code)}; "
                        f"the index answers in {answered_in} only, so a visitor who clicks it "
                        "gets OTHER_LANGUAGE_MESSAGE and the contact link, not an answer.",
                        hint=f"Suggest questions in {answered_in}: a list per language "
                        '({"de": [...], "en": [...]}) lets each language\'s pages offer their '
                        "own (docs/configuration.md).",
                        id="site_assistant.W008",
                    )
                )
    return found


def check_sources(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """An entry of SITE_ASSISTANT["SOURCES"] that names no callable (E006): said
    at start, not as a failed build."""
    from . import conf
    from .sources import custom

    paths = conf.get("SOURCES")
    if not isinstance(paths, list | tuple):
        return []  # E005 says so
    found = []
    for path in paths:
        if not isinstance(path, str):
            continue  # E005 says so
        try:
            custom.load(path)
        except custom.SourceFailed as exc:
            found.append(
                checks.Error(
                    str(exc),
                    hint="A dotted path to a function that returns the documents "
                    '(docs/sources.md, "The project\'s own sources").',
                    id="site_assistant.E006",
                )
            )
    return found


# What CONTACT_URL may start with besides a path or a relative link: a link a browser
# follows, never one it runs (javascript:, data:, vbscript:...).
CONTACT_SCHEMES = ("http", "https", "mailto", "tel")


def _contact_urls() -> list[tuple[str, str]]:
    """(where, CONTACT_URL): the one for every site ("") and each of PER_SITE's
    ("['PER_SITE']['beta.example']"), strings only (E005 says what else is set)."""
    from . import conf

    urls = [("", conf.get("CONTACT_URL"))]
    per_site = conf.get("PER_SITE")
    if isinstance(per_site, dict):
        urls += [
            (f"['PER_SITE'][{host!r}]", words["CONTACT_URL"])
            for host, words in per_site.items()
            if isinstance(words, dict) and "CONTACT_URL" in words
        ]
    return [(where, url) for where, url in urls if isinstance(url, str)]


def check_contact_url(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A CONTACT_URL with a scheme other than CONTACT_SCHEMES (E007), the one for every
    site or one of PER_SITE's: "javascript:…" is an ``href`` of the widget's handoff
    link and the search page's, run by a click on a site without a
    Content-Security-Policy against it."""
    from urllib.parse import urlsplit

    found = []
    for where, url in _contact_urls():
        # As a browser reads an href: spaces and control characters around it dropped,
        # tabs and newlines inside it too ("java\tscript:").
        read = "".join(ch for ch in url.strip("\x00 \t\n\r\x0b\x0c") if ch not in "\t\n\r")
        scheme = urlsplit(read).scheme.lower()
        if not scheme or scheme in CONTACT_SCHEMES:
            continue
        found.append(
            checks.Error(
                f"SITE_ASSISTANT{where}['CONTACT_URL'] must be a path or an "
                f"{', '.join(CONTACT_SCHEMES)} link, not {scheme}: ({url[:60]!r}).",
                hint="Visitors click it: /contact/, https://…, mailto:….",
                id="site_assistant.E007",
            )
        )
    return found


# A 404 of the URLconf may still be a page: flatpages' fallback serves it from the database.
FLATPAGES_FALLBACK = "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware"


def check_contact_url_is_served(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A CONTACT_URL that is a path of the site no URL pattern serves (W003), the one
    for every site or one of PER_SITE's: "/contct/" sent every visitor who could not get
    an answer to a 404. Its query and #fragment aside; a full URL, mailto:, tel: or a
    relative link is not judged, nor a path a catch-all pattern serves (Wagtail's pages)."""
    found = []
    for where, url in _contact_urls():
        path = _path_nothing_serves(url)
        if path:
            found.append(
                checks.Warning(
                    f"SITE_ASSISTANT{where}['CONTACT_URL'] is {url[:60]!r}, but no URL pattern "
                    f"of the site serves {path[:60]}: visitors who ask a person get a 404.",
                    hint="Set the path your contact page has (its URL in a browser), "
                    "a https:// URL or a mailto: link.",
                    id="site_assistant.W003",
                )
            )
    return found


def _path_nothing_serves(url: str) -> str:
    """The path of ``url`` ("/contct/" of "/contct/?message=#form") when it is a path of
    the site that no URL pattern resolves, as ``conf.contact_url`` gives it to visitors:
    in any of the site's languages, with a language's prefix under ``i18n_patterns``, with
    the slash APPEND_SLASH adds, below FORCE_SCRIPT_NAME; "" when one does or when it is
    no path, or when flatpages' fallback may serve any path."""
    from urllib.parse import unquote, urlsplit

    from django.conf import settings
    from django.conf.urls.i18n import is_language_prefix_patterns_used
    from django.urls import is_valid_path
    from django.utils.translation import override

    read = url.strip()
    if not read.startswith("/") or read.startswith(("//", "/\\")):
        return ""
    if FLATPAGES_FALLBACK in getattr(settings, "MIDDLEWARE", ()):
        return ""
    path = shown = unquote(urlsplit(read).path)
    script = (getattr(settings, "FORCE_SCRIPT_NAME", None) or "").rstrip("/")
    if script and path.startswith(f"{script}/"):
        path = path[len(script) :]
    urlconf = getattr(settings, "ROOT_URLCONF", None)
    if not urlconf:
        return ""
    paths = [path, f"{path}/"] if settings.APPEND_SLASH and not path.endswith("/") else [path]
    languages = [settings.LANGUAGE_CODE, *(code for code, _name in settings.LANGUAGES)]
    try:
        prefixed = is_language_prefix_patterns_used(urlconf)[0]
        for language in dict.fromkeys(languages):
            with override(language):
                for candidate in paths:
                    if is_valid_path(candidate, urlconf) or (
                        prefixed and is_valid_path(f"/{language}{candidate}", urlconf)
                    ):
                        return ""
    except Exception:  # noqa: BLE001 - a URLconf that does not import: Django's checks say so
        return ""
    return shown


def check_page_base_template(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A PAGE_BASE_TEMPLATE no template loader finds (E008): the search page answered
    every visitor with a 500, and ``manage.py check`` said nothing (install.md's step 2
    names "base.html", which a project made by ``startproject`` does not have)."""
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    from . import conf

    name = conf.get("PAGE_BASE_TEMPLATE")
    if not isinstance(name, str):
        return []  # E005 says so
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return [
            checks.Error(
                f"SITE_ASSISTANT['PAGE_BASE_TEMPLATE'] is {name!r}, a template no loader "
                "finds: the search page would answer every visitor with an error.",
                hint="Name your base template as your own pages extend it (its folder in "
                "TEMPLATES' DIRS), or leave the key out for the app's minimal page.",
                id="site_assistant.E008",
            )
        ]
    return []


def check_urls_included(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The app's URLs not in the URLconf (W004): every page with ``{% search_widget %}``
    was a 500 ("'site_assistant' is not a registered namespace") and `check` said
    nothing. A warning: a project may use the app from its commands alone."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("site_assistant:page")
    except NoReverseMatch:
        return [
            checks.Warning(
                "The app's URLs are not in the site's URLconf: a page with {% search_widget %} "
                "fails (NoReverseMatch: 'site_assistant' is not a registered namespace), and "
                "the search page and the API are not served.",
                hint='Add path("assistant/", include("site_assistant.urls")) to urlpatterns '
                "(any prefix; on Wagtail above its catch-all).",
                id="site_assistant.W004",
            )
        ]
    except Exception:  # noqa: BLE001 - a URLconf that does not import: Django's checks say so
        return []
    return []


# The app's URLs a visitor's browser asks for: its search page, and the API the widget
# posts questions to.
REACHED_URL_NAMES = {"site_assistant:page": "search page", "site_assistant:api-search": "API"}


def check_urls_reached(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The app's URLs included below a pattern that catches them (W009): install.md's
    ``urlpatterns += [path("assistant/", include(...))]`` put them after Wagtail's
    catch-all ``path("", include(wagtail_urls))``, so /assistant/search/ was Wagtail's
    404, the widget's questions were refused (CSRF cookie not set) and `check` said
    nothing. Each URL is reversed, then resolved: another view answering it is the
    warning, one for all the URLs it catches."""
    from django.urls import NoReverseMatch, Resolver404, get_script_prefix, resolve, reverse

    caught, views = [], {}
    for name, what in REACHED_URL_NAMES.items():
        try:
            path = "/" + reverse(name).removeprefix(get_script_prefix()).lstrip("/")
            match = resolve(path)
        except (NoReverseMatch, Resolver404):
            continue  # not included: W004 says so
        except Exception:  # noqa: BLE001 - a URLconf that does not import: Django's checks say so
            return []
        if match.view_name != name:
            caught.append(f"{what} {path}")
            views.setdefault(match._func_path, match.route)
    if not caught:
        return []
    served_by = ", ".join(f"{view} ({route})" if route else view for view, route in views.items())
    return [
        checks.Warning(
            f"The app's {' and '.join(caught)} "
            f"{'are' if len(caught) > 1 else 'is'} served by another view, {served_by}, "
            "listed above include('site_assistant.urls'): visitors get that view's answer "
            "(a 404) and the widget's questions fail.",
            hint="Put include('site_assistant.urls') above that pattern in urlpatterns "
            '(on Wagtail: above path("", include(wagtail_urls)), its catch-all).',
            id="site_assistant.W009",
        )
    ]


# The views of the sitemap apps and the template each renders unless told another.
SITEMAP_VIEWS = {"sitemap": "sitemap.xml", "index": "sitemap_index.xml"}


def _sitemap_paths() -> list[str]:
    """The paths of SITEMAPS a build requests: none without USE_SITEMAPS, strings only
    (E005 says what else is set)."""
    from . import conf

    paths = conf.get("SITEMAPS")
    if not conf.get("USE_SITEMAPS") or not isinstance(paths, (list, tuple)):
        return []
    return [path for path in paths if isinstance(path, str)]


def check_sitemaps_render(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A sitemap of SITEMAPS served by ``django.contrib.sitemaps``' (or Wagtail's) view
    whose template no loader finds (E009): "django.contrib.sitemaps" left out of
    INSTALLED_APPS made the sitemap a 500, and the build read none of its pages."""
    from urllib.parse import urlsplit

    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template
    from django.urls import Resolver404, resolve

    found = []
    for path in _sitemap_paths():
        try:
            match = resolve(urlsplit(path).path or "/")
        except Resolver404:
            continue
        except Exception:  # noqa: BLE001 - a URLconf that does not import: Django's checks say so
            return []
        view = match.func
        module = getattr(view, "__module__", "") or ""
        default = SITEMAP_VIEWS.get(getattr(view, "__name__", ""))
        if not default or not module.startswith(
            ("django.contrib.sitemaps", "wagtail.contrib.sitemaps")
        ):
            continue
        template = match.kwargs.get("template_name", default)
        try:
            get_template(template)
        except TemplateDoesNotExist:
            found.append(
                checks.Error(
                    f"SITE_ASSISTANT['SITEMAPS'] names {path!r}, served by {module}, whose "
                    f"template {template!r} no loader finds: the sitemap answers with an "
                    "error, and the build reads none of its pages.",
                    hint='Add "django.contrib.sitemaps" to INSTALLED_APPS.',
                    id="site_assistant.E009",
                )
            )
    return found


def check_sitemaps_are_served(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A path of SITEMAPS no URL pattern serves (W007), when USE_SITEMAPS: "/sitemaps.xml"
    for "/sitemap.xml", or the sitemap's URL pattern deleted, is a 404 that fails every
    build. Judged as W003 judges CONTACT_URL (``_path_nothing_serves``): a path a
    catch-all serves (Wagtail's pages) is not."""
    found = []
    for path in _sitemap_paths():
        if shown := _path_nothing_serves(path):
            found.append(
                checks.Warning(
                    f"SITE_ASSISTANT['SITEMAPS'] names {path[:60]!r}, but no URL pattern of "
                    f"the site serves {shown[:60]}: every index build fails (a 404), so "
                    "the index is never updated (a new site gets none).",
                    hint="Name the path your sitemap has (its URL in a browser), or set "
                    "SITE_ASSISTANT['USE_SITEMAPS'] = False if the site has no sitemap.",
                    id="site_assistant.W007",
                )
            )
    return found


def check_rest_framework_installed(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """rest_framework left out of INSTALLED_APPS (W005): the API answered programs and the
    widget, but opening it in a browser, its browsable page, was a 500
    (TemplateDoesNotExist: rest_framework/api.html) and `check` said nothing."""
    from django.apps import apps
    from rest_framework.renderers import BrowsableAPIRenderer
    from rest_framework.settings import api_settings

    if apps.is_installed("rest_framework"):
        return []
    if not any(issubclass(r, BrowsableAPIRenderer) for r in api_settings.DEFAULT_RENDERER_CLASSES):
        return []
    return [
        checks.Warning(
            '"rest_framework" is not in INSTALLED_APPS: the API answers the widget and '
            "programs, but opened in a browser it fails (TemplateDoesNotExist: "
            "rest_framework/api.html).",
            hint='Add "rest_framework" to INSTALLED_APPS.',
            id="site_assistant.W005",
        )
    ]
