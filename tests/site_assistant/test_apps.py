"""The app's system checks of SITE_ASSISTANT, as `manage.py check` shows them: a
misspelt key, a value of the wrong type, a source that names nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.conftest import run_python


def check(settings, deploy=False, **site_assistant):
    """What `manage.py check` (``deploy``: `check --deploy`) prints with these keys added:
    (its output, whether it failed)."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, **site_assistant}
    out = StringIO()
    try:
        call_command("check", deploy=deploy, stdout=out, stderr=out)
    except SystemCheckError as exc:
        return str(exc), True
    return out.getvalue(), False


def test_the_sites_own_settings_pass(settings):
    said, failed = check(settings)
    assert not failed and "site_assistant." not in said


def test_a_misspelt_key_is_named_with_the_key_it_may_mean(settings):
    said, failed = check(settings, DEFUALT_K=10, SOMETHING_ELSE=1)
    assert not failed  # a warning: the app reads the default and goes on
    assert "(site_assistant.W002) SITE_ASSISTANT['DEFUALT_K'] is not a setting of" in said
    assert "HINT: Did you mean 'DEFAULT_K'?" in said
    assert "SITE_ASSISTANT['SOMETHING_ELSE'] is not a setting" in said


def test_a_misspelt_setting_name_is_named_with_the_name_it_may_mean(settings):
    """SITE_ASISTANT = {...}: the app ran on its defaults and `check` was clean."""
    site_assistant = settings.SITE_ASSISTANT
    del settings.SITE_ASSISTANT
    settings.SITE_ASISTANT = site_assistant
    out = StringIO()
    call_command("check", stdout=out, stderr=out)
    said = out.getvalue()
    assert (
        "(site_assistant.W006) settings.SITE_ASISTANT is not read by site_assistant, and "
        "SITE_ASSISTANT is not set" in said
    ), said
    assert "HINT: Did you mean SITE_ASSISTANT? Rename SITE_ASISTANT to SITE_ASSISTANT." in said
    # Both set: SITE_ASSISTANT is read, nothing to say; neither: nothing to say either.
    settings.SITE_ASSISTANT = site_assistant
    assert "W006" not in check(settings)[0]
    del settings.SITE_ASSISTANT, settings.SITE_ASISTANT
    settings.SITE_ASSISTANT_HOST = "example.com"  # a project's own, named after the app
    out = StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "W006" not in out.getvalue()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("URLS", "/about/", "SITE_ASSISTANT['URLS'] must be a list, not str '/about/'"),
        (
            "SITEMAPS",
            ["/sitemap.xml", 3],
            "SITE_ASSISTANT['SITEMAPS'] must be a list of strings; 3",
        ),
        ("DEFAULT_K", "5", "SITE_ASSISTANT['DEFAULT_K'] must be a whole number, not str '5'"),
        ("MAX_K", True, "SITE_ASSISTANT['MAX_K'] must be a whole number, not True"),
        ("TYPO_TOLERANCE", "no", "SITE_ASSISTANT['TYPO_TOLERANCE'] must be True or False"),
        ("SENTENCE_WEIGHT", "0.5", "SITE_ASSISTANT['SENTENCE_WEIGHT'] must be a number"),
        ("THROTTLE_RATES", ["60/min"], "SITE_ASSISTANT['THROTTLE_RATES'] must be a dict"),
        ("SMALL_TALK", ["hi"], "SITE_ASSISTANT['SMALL_TALK'] must be a list of dicts; 'hi'"),
        ("CONTACT_URL", None, "SITE_ASSISTANT['CONTACT_URL'] must be a string, not NoneType"),
        # A default in the active language is a string too.
        ("WIDGET_TITLE", ["Ask us"], "SITE_ASSISTANT['WIDGET_TITLE'] must be a string, not list"),
    ],
)
def test_a_value_of_the_wrong_type_is_an_error_naming_the_key(settings, key, value, message):
    said, failed = check(settings, **{key: value})
    assert failed and "(site_assistant.E005)" in said and message in said


def test_per_site_words_are_checked_like_the_settings_they_replace(settings):
    said, failed = check(
        settings,
        PER_SITE={
            "beta.example": {"WIDGET_TITLE": "Ask Beta", "SUGGESTED_QUESTIONS": "Prices?"},
            "gamma.example": {"MIN_SCORE": 0.5},
            "delta.example": "Ask Delta",
        },
    )
    assert failed and "(site_assistant.E005)" in said
    assert (
        "SITE_ASSISTANT['PER_SITE']['beta.example']['SUGGESTED_QUESTIONS'] must be a list" in said
    )
    assert "['gamma.example']['MIN_SCORE'] is not a setting one site can have its own" in said
    assert "SITE_ASSISTANT['PER_SITE']['delta.example'] must be a dict, not str" in said
    assert "WIDGET_TITLE" not in said.split("only", 1)[0]
    said, failed = check(settings, PER_SITE={"beta.example": {"CONTACT_URL": "/contact/"}})
    assert not failed and "site_assistant." not in said


def test_paths_and_tuples_are_accepted_where_strings_and_lists_go(settings, tmp_path):
    said, failed = check(settings, INDEX_DIR=tmp_path / "index", URLS=("/about/",), PHRASE_BOOST=0)
    assert not failed and "site_assistant." not in said


def test_none_is_accepted_where_the_docs_say_it_keeps_everything(settings):
    said, failed = check(settings, KEEP_BUILDS=None, EMBEDDING_CACHE_DAYS=None, KEEP_MODELS=None)
    assert not failed and "site_assistant." not in said
    said, failed = check(settings, DEFAULT_K=None)  # no such meaning: still an error
    assert failed and "(site_assistant.E005)" in said


def test_words_in_the_active_language_are_accepted_where_strings_go(settings):
    from django.utils.translation import gettext_lazy

    said, failed = check(
        settings,
        WIDGET_TITLE=gettext_lazy("Help"),
        SUGGESTED_QUESTIONS=[gettext_lazy("When are you open?")],
    )
    assert not failed and "site_assistant." not in said


def test_a_site_assistant_that_is_not_a_dict_is_an_error(settings):
    settings.SITE_ASSISTANT = [("DEFAULT_K", 5)]
    with pytest.raises(
        SystemCheckError, match=r"site_assistant.E004\) SITE_ASSISTANT must be a dict"
    ):
        call_command("check")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("myproject.nowhere.faq", "cannot import 'myproject.nowhere.faq'"),
        ("site_assistant.conf.DEFAULTS", "'site_assistant.conf.DEFAULTS' is not callable"),
    ],
)
def test_a_source_that_names_no_callable_is_an_error_at_start(settings, source, message):
    said, failed = check(settings, SOURCES=[source])
    assert failed and "(site_assistant.E006)" in said and message in said
    said, failed = check(settings, SOURCES=["site_assistant.sources.custom.sources"])
    assert not failed


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.domain)", " JaVa\tScRiPt:alert(1)", "data:text/html,<b>x"]
)
def test_a_contact_url_a_browser_would_run_is_an_error_at_start(settings, url):
    said, failed = check(settings, CONTACT_URL=url)
    assert failed and "(site_assistant.E007)" in said and "must be a path or an http" in said
    # One site's own contact link (PER_SITE) is the handoff link of its visitors.
    said, failed = check(settings, PER_SITE={"beta.example": {"CONTACT_URL": url}})
    assert failed and "(site_assistant.E007)" in said
    assert "SITE_ASSISTANT['PER_SITE']['beta.example']['CONTACT_URL']" in said


@pytest.mark.parametrize(
    "url",
    ["", "/contact/", "contact/", "https://example.com/c", "mailto:hi@example.com", "tel:+386"],
)
def test_a_contact_url_that_is_a_link_passes(settings, url):
    said, failed = check(settings, CONTACT_URL=url)
    assert not failed and "E007" not in said
    said, failed = check(settings, PER_SITE={"beta.example": {"CONTACT_URL": url}})
    assert not failed and "E007" not in said


def test_a_page_base_template_no_loader_finds_is_an_error_at_start(settings):
    """A project made by startproject has no "base.html" (install.md's step 2 names it):
    the search page was a 500 for every visitor and `check` said nothing."""
    said, failed = check(settings, PAGE_BASE_TEMPLATE="layout.html")
    assert failed and "(site_assistant.E008)" in said and "'layout.html'" in said, said
    said, failed = check(settings, PAGE_BASE_TEMPLATE="site_assistant/base.html")
    assert not failed and "E008" not in said


@pytest.mark.parametrize("url", ["/contct/", "/contct/?message=hi#write-to-us", "/contct"])
def test_a_contact_url_no_page_of_the_site_serves_is_a_warning(settings, url):
    """A typo in CONTACT_URL ("/contct/") sent every visitor who could not get an answer,
    and clicked "Ask a person", to a 404, and `check` said nothing."""
    said, failed = check(settings, CONTACT_URL=url)
    assert not failed  # a warning: the site serves, its handoff link does not
    assert (
        f"(site_assistant.W003) SITE_ASSISTANT['CONTACT_URL'] is {url!r}, but no URL pattern "
        "of the site serves /contct"
    ) in said, said
    assert "visitors who ask a person get a 404" in said and "HINT: Set the path" in said
    said, failed = check(settings, PER_SITE={"beta.example": {"CONTACT_URL": url}})
    assert "(site_assistant.W003) SITE_ASSISTANT['PER_SITE']['beta.example']" in said, said


@pytest.mark.parametrize(
    "url",
    [
        "/contact/",
        "/contact/#write-to-us",
        "/contact/?message=hi",
        "/contact",  # APPEND_SLASH redirects it to /contact/
        "contact/",  # relative to the page it is on: not judged
        "https://example.com/contct/",
        "mailto:hi@example.com",
    ],
)
def test_a_contact_url_the_site_serves_or_not_a_path_is_no_warning(settings, url):
    said, failed = check(settings, CONTACT_URL=url)
    assert not failed and "W003" not in said, said


def test_a_contact_url_under_i18n_patterns_is_judged_in_each_language(slovenian_site, settings):
    """On a site with i18n_patterns "/contact/" is served as "/sl/contact/" (the widget adds
    the page's language), "/en/contact/" as well: neither is a warning; a typo is."""
    for url in ("/contact/", "/sl/contact/", "/en/contact/#form"):
        said, failed = check(settings, CONTACT_URL=url)
        assert not failed and "W003" not in said, (url, said)
        assert "W009" not in said, said  # the app's URLs under i18n_patterns are reached
    said, failed = check(settings, CONTACT_URL="/sl/kontakt/")
    assert "(site_assistant.W003)" in said and "serves /sl/kontakt/" in said, said


def test_the_apps_urls_not_included_is_a_warning(settings):
    """The include() of step 3 forgotten: every page with {% search_widget %} was a 500
    ("'site_assistant' is not a registered namespace") and `check` said nothing."""
    settings.ROOT_URLCONF = "tests.site_assistant.urls_without_the_app"
    said, failed = check(settings)
    assert not failed  # a warning: the app's commands work without its URLs
    assert "(site_assistant.W004) The app's URLs are not in the site's URLconf" in said, said
    assert 'HINT: Add path("assistant/", include("site_assistant.urls"))' in said, said
    settings.ROOT_URLCONF = "tests.site_assistant.testsite"  # includes them
    said, failed = check(settings)
    assert "W004" not in said, said


# `manage.py check` in the Wagtail test site (tests/site_assistant/wagtailsite/), with the
# URLconf of a `wagtail start` project that added the app's URLs below Wagtail's catch-all,
# then with one that has them above it.
CHECK_IN_WAGTAIL = """
import django
django.setup()
from io import StringIO
from django.core.management import call_command
from django.test import override_settings
for urls in ("start_urls", "admin_urls"):
    out = StringIO()
    with override_settings(ROOT_URLCONF=f"tests.site_assistant.wagtailsite.{urls}"):
        call_command("check", stdout=out, stderr=out)
    print(urls, out.getvalue())
"""


def test_the_apps_urls_below_wagtails_catch_all_are_a_warning():
    """install.md's Quick start added the app's URLs with ``urlpatterns += [...]``: in a
    `wagtail start` project that is below Wagtail's catch-all, so /assistant/search/ was
    Wagtail's 404, the widget's questions were refused (CSRF cookie not set), and
    `check` said nothing."""
    pytest.importorskip("wagtail")
    out = run_python(
        CHECK_IN_WAGTAIL,
        {"DJANGO_SETTINGS_MODULE": "tests.site_assistant.wagtailsite.settings"},
    )
    below, above = out.split("\nadmin_urls ")
    assert (
        "(site_assistant.W009) The app's search page /assistant/search/ and API "
        "/assistant/api/search/ are served by another view, wagtail.views.serve" in below
    ), below
    assert "HINT: Put include('site_assistant.urls') above that pattern" in below, below
    assert 'above path("", include(wagtail_urls))' in below, below
    # Above the catch-all (install.md's Quick start now): nothing to say.
    assert "System check identified no issues" in above, above


def test_the_hosts_own_page_on_the_apps_path_is_a_warning(settings):
    """The app mounted at "" below the host's own ``search/``: the host's page answers
    the app's search page's path (the API's path is still the app's)."""
    settings.ROOT_URLCONF = "tests.site_assistant.urls_app_at_root"
    said, failed = check(settings)
    assert not failed
    assert (
        "(site_assistant.W009) The app's search page /search/ is served by another view, "
        "tests.site_assistant.prefixed_urls.hosts_own_search (search/)" in said
    ), said
    assert "API" not in said, said
    # Under a prefix of its own beside the host's search/: nothing to say.
    settings.ROOT_URLCONF = "tests.site_assistant.prefixed_urls"
    said, failed = check(settings)
    assert "W009" not in said, said


def test_a_sitemap_whose_app_is_not_installed_is_an_error_at_start(settings):
    """django.contrib.sitemaps left out of INSTALLED_APPS while its view serves the
    sitemap: TemplateDoesNotExist made the sitemap a 500, the build read none of its
    pages, and `check` said nothing."""
    settings.ROOT_URLCONF = "tests.site_assistant.urls_without_the_app"
    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != "django.contrib.sitemaps"]
    said, failed = check(settings, SITEMAPS=["/sitemap.xml"])
    assert (
        failed and "(site_assistant.E009) SITE_ASSISTANT['SITEMAPS'] names '/sitemap.xml'" in said
    )
    assert "template 'sitemap.xml' no loader finds" in said, said
    assert 'HINT: Add "django.contrib.sitemaps" to INSTALLED_APPS.' in said, said
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django.contrib.sitemaps"]
    said, failed = check(settings, SITEMAPS=["/sitemap.xml"])
    assert "E009" not in said, said


def test_rest_framework_not_installed_is_a_warning(settings):
    """rest_framework left out of INSTALLED_APPS (step 2 lists it): the widget's
    questions were answered, but the API opened in a browser was a 500
    (TemplateDoesNotExist: rest_framework/api.html), and `check` said nothing."""
    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != "rest_framework"]
    said, failed = check(settings)
    assert not failed  # a warning: the widget and programs are answered
    assert '(site_assistant.W005) "rest_framework" is not in INSTALLED_APPS' in said, said
    assert 'HINT: Add "rest_framework" to INSTALLED_APPS.' in said, said
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "rest_framework"]
    said, failed = check(settings)
    assert "W005" not in said, said


def test_a_sitemap_path_no_url_pattern_serves_is_a_warning(settings):
    """SITEMAPS mistyped ("/sitemaps.xml"), or the sitemap's URL pattern deleted: every
    build fails on the 404 (before, registered rows alone made it "succeed" with every
    page gone) and `check` said nothing. Judged only when the build reads sitemaps."""
    said, failed = check(settings, SITEMAPS=["/sitemaps.xml"])
    assert not failed  # a warning: the site serves, its builds fail
    assert (
        "(site_assistant.W007) SITE_ASSISTANT['SITEMAPS'] names '/sitemaps.xml', but no URL "
        "pattern of the site serves /sitemaps.xml: every index build fails (a 404), so the "
        "index is never updated (a new site gets none)."
    ) in said, said  # not "the live index is kept": a new site has none
    assert "HINT: Name the path your sitemap has" in said, said
    assert "SITE_ASSISTANT['USE_SITEMAPS'] = False if the site has no sitemap" in said, said
    said, failed = check(settings, SITEMAPS=["/sitemap.xml"])
    assert not failed and "W007" not in said, said
    said, failed = check(settings, SITEMAPS=["/sitemaps.xml"], USE_SITEMAPS=False)
    assert not failed and "W007" not in said, said


def test_a_suggested_question_the_index_does_not_answer_is_a_warning(settings):
    """A German site with an English index offered German suggested questions: a click got
    "I can only answer in English." (W008, read by the app's language identification,
    with `check --deploy`)."""
    said, failed = check(
        settings,
        deploy=True,
        SUGGESTED_QUESTIONS={
            "de": ["Was kostet eine Webseite?", "How much is a landing page?"],
            "en": ["How much is a landing page?", "Where are you based?"],
        },
        PER_SITE={"beta.example": {"SUGGESTED_QUESTIONS": ["koliko stane spletna stran"]}},
    )
    assert not failed  # a warning: the widget works, one question gets no answer
    warnings = [line for line in said.splitlines() if "site_assistant.W008" in line]
    assert sorted(warnings) == [
        "?: (site_assistant.W008) SITE_ASSISTANT['PER_SITE']['beta.example']"
        "['SUGGESTED_QUESTIONS']: “koliko stane spletna stran” reads as Slovenian; the index "
        "answers in English only, so a visitor who clicks it gets OTHER_LANGUAGE_MESSAGE and "
        "the contact link, not an answer.",
        "?: (site_assistant.W008) SITE_ASSISTANT['SUGGESTED_QUESTIONS']['de']: “Was kostet eine "
        "Webseite?” reads as German; the index answers in English only, so a visitor who "
        "clicks it gets OTHER_LANGUAGE_MESSAGE and the contact link, not an answer.",
    ]
    # Not at every `check`, `migrate` and `runserver`: the identifier is loaded for it.
    said, failed = check(settings, SUGGESTED_QUESTIONS=["Was kostet eine Webseite?"])
    assert not failed and "site_assistant.W008" not in said
    # None when language detection is off: every question is searched.
    said, failed = check(
        settings,
        deploy=True,
        SUGGESTED_QUESTIONS=["Was kostet eine Webseite?"],
        DETECT_LANGUAGE=False,
    )
    assert not failed and "site_assistant.W008" not in said


def test_check_without_deploy_does_not_load_the_language_identifier():
    """W008 loaded the language identifier (~1 s, ~75 MB) at every `manage.py check`,
    `migrate` and `runserver`: the site's "Is the Bambi Game free?" has a word the model
    does not know. Now only `check --deploy` reads the suggested questions' language."""
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
        "'bambicim.settings'); django.setup(); from io import StringIO; "
        "from django.core.management import call_command; "
        "from site_assistant import language; "
        "call_command('check', stdout=StringIO()); print(language._identifier is None); "
        "call_command('check', deploy=True, stdout=StringIO(), stderr=StringIO()); "
        "print(language._identifier is None)"
    )
    assert run_python(script, {"DEBUG": "1"}).split() == ["True", "False"]


def test_the_words_a_visitor_sees_may_be_given_per_language(settings):
    said, failed = check(
        settings,
        WIDGET_TITLE={"de": "Frag uns", "en": "Ask us"},
        SUGGESTED_QUESTIONS={"en": ["Where are you based?"]},
        PER_SITE={"beta.example": {"HANDOFF_TEXT": {"de": "Schreib uns", "en-GB": "Write"}}},
    )
    assert not failed and "site_assistant." not in said, said
    said, failed = check(
        settings,
        WIDGET_TITLE={"de": 5},
        SUGGESTED_QUESTIONS={"de": "Preise?"},
        WIDGET_GREETING={3: "Hallo"},
        CONTACT_URL={"de": "/kontakt/"},  # one URL for all: CONTACT_URL is not words
    )
    assert failed
    assert "SITE_ASSISTANT['WIDGET_TITLE'] ['de'] must be a string, not int 5." in said
    assert "SITE_ASSISTANT['SUGGESTED_QUESTIONS'] ['de'] must be a list, not str" in said
    assert "SITE_ASSISTANT['WIDGET_GREETING'] must name languages by their code" in said
    assert "SITE_ASSISTANT['CONTACT_URL'] must be a string, not dict" in said
