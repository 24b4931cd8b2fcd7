"""A plain Django site in English and Slovenian (tests/site_assistant/slovenian_site.py),
set up as docs/install.md says: what the owner of such a site gets from a build, and what
its visitors get on /en/ and /sl/ pages."""

import html
import json
from io import StringIO

import pytest
from django.core.management import call_command

from site_assistant import index
from site_assistant.models import IndexBuild

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def _built_once(tmp_path_factory, django_db_setup, django_db_blocker):
    """The site built once for the module (``search_rebuild --sync``, 3-5 s): its output,
    its index folder and the app's rows it wrote (dumpdata), for ``built`` to hand out."""
    from pytest_django.fixtures import Settings

    from site_assistant import embed
    from tests.conftest import _i18n_host, share_model_export

    folder = share_model_export(tmp_path_factory.mktemp("sl-index") / "index")
    rows = folder.parent / "rows.json"
    settings = Settings(_is_pytest_django=True)
    host = _i18n_host(
        settings,
        "tests.site_assistant.slovenian_site",
        [("sl", "Slovenščina"), ("en", "English")],
        processors=["django.template.context_processors.i18n"],
    )
    next(host)
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": str(folder)}
    try:
        with django_db_blocker.unblock():
            embed.ensure_export()
            out = run("search_rebuild", "--sync")
            call_command("dumpdata", "site_assistant", output=str(rows), stdout=StringIO())
            call_command("flush", interactive=False, stdout=StringIO())
    finally:
        next(host, None)
        settings._finalize()
        index.forget_loaded()
    return out, folder, rows


@pytest.fixture
def built(slovenian_site, _built_once, tmp_path):
    """The site as ``search_rebuild --sync`` left it (its output): a copy of the module's
    one build, index folder and rows, so a test that rebuilds changes only its own."""
    import shutil

    out, folder, rows = _built_once
    own = shutil.copytree(folder, tmp_path / "index", symlinks=True)
    slovenian_site.SITE_ASSISTANT = {**slovenian_site.SITE_ASSISTANT, "INDEX_DIR": str(own)}
    call_command("loaddata", str(rows), stdout=StringIO())
    index.forget_loaded()
    yield out
    index.forget_loaded()


def test_english_pages_are_read_with_their_prefix_and_slovenian_ones_are_not(built):
    texts = [row["text"] for row in index.load_current().passages]
    urls = {url for row in index.load_current().passages for url in row["urls"]}
    assert "/en/about/" in urls and "/sl/about/" not in urls
    assert not any("Smo štirje oblikovalci" in text for text in texts)
    out = run("search_ask", "How much does a simple website cost?", "-k", "3")
    assert "1. [" in out and "/en/about/#prices" in out.split("2. [")[0]


def test_a_slovenian_section_of_an_english_page_without_lang_is_named_to_the_owner(built):
    """The client's words on /en/about/ have no lang: they are indexed (the identifier is
    not trusted to leave text out), and the build names the section, not the address."""
    assert (
        "; sections that read as another language though their lang does not say so: "
        "/en/about/#clients (sl) (if they are in it, give them its lang to leave them out)."
    ) in built
    build = IndexBuild.objects.latest()
    # The contact section (a name and a street, which read as Slovenian) is not named.
    assert build.pages_reading_as_other_language == {"/en/about/#clients": "sl"}


def test_an_english_block_of_a_slovenian_page_is_read_and_answers(built):
    """/sl/students/ is Slovenian (<html lang="sl">) but has a <section lang="en"> for
    Erasmus students, on no English page: that block is read, the rest of the page not."""
    passages = [row for row in index.load_current().passages if "/sl/students/" in row["urls"]]
    assert [row["heading"] for row in passages] == ["Internships for Erasmus students"]
    assert "Praktično" not in passages[0]["text"]
    out = run("search_ask", "Can Erasmus students do an internship?", "-k", "3")
    assert "Answered" in out and "/sl/students/#internships" in out.split("2. [")[0]
    # /sl/about/ is not read; the rest of /sl/students/ counts as a section not read.
    assert "; 1 page and 1 section in another language than the index's (en) not read;" in built


def test_a_one_page_rebuild_counts_what_it_left_out_as_a_full_build_does(built):
    from site_assistant.tasks import reindex_url

    full = IndexBuild.objects.latest()
    counts = (
        full.other_language_pages,
        full.other_language_sections,
        full.pages_reading_as_other_language,
    )
    assert counts == (1, 1, {"/en/about/#clients": "sl"})
    for url in ("/en/about/", "/sl/students/", "/sl/about/"):
        assert reindex_url.apply(args=[url]).get()["status"] == "succeeded"
        one = IndexBuild.objects.latest()
        assert one.pk != full.pk
        assert (
            one.other_language_pages,
            one.other_language_sections,
            one.pages_reading_as_other_language,
        ) == counts, url
        assert one.other_language_left_out() == full.other_language_left_out()


def test_the_search_page_under_sl_speaks_slovenian_and_answers_from_english_pages(built, client):
    response = client.get("/sl/assistant/search/", {"q": "How much does a simple website cost?"})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert '<html lang="sl"' in page or 'lang="sl"' in page
    assert "Preberi več" in page and 'href="/en/about/#prices"' in page
    # The site's text carries its language on a Slovenian page.
    assert 'lang="en"' in page

    response = client.get("/sl/assistant/search/", {"q": "Koliko stane preprosta spletna stran?"})
    page = html.unescape(response.content.decode())
    assert "Odgovarjam lahko samo v angleščini." in page


def test_the_widget_of_a_slovenian_page_speaks_slovenian_and_replies_to_thanks(built, client):
    page = client.get("/sl/about/").content.decode()
    words = json.loads(page.split("data-site-assistant-words>")[1].split("</script>")[0])
    assert words["readMore"] == "Preberi več" and words["language"] == "sl"
    assert words["contentLanguage"] == "en"  # the site's text in an answer is English
    reply = json.loads(client.get("/sl/assistant/api/search/", {"q": "hvala"}).content)
    assert reply["small_talk"] and reply["message"] == "Ni za kaj! Vas zanima še kaj?"


def test_the_api_under_sl_answers_a_slovenian_question_in_slovenian(built, client):
    response = client.get(
        "/sl/assistant/api/search/", {"q": "Koliko stane preprosta spletna stran?"}
    )
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["results"] == [] and "Odgovarjam lahko samo v angleščini." in json.dumps(
        body, ensure_ascii=False
    )


def test_without_the_i18n_context_processor_the_pages_language_is_its_content_language(
    slovenian_site, own_index_dir
):
    """``startproject`` has no ``i18n`` context processor: ``<html lang="{{ LANGUAGE_CODE }}">``
    renders ``lang=""``. The page still says its language, in the ``Content-Language``
    header LocaleMiddleware sends (/sl/… "sl"): the Slovenian pages are not read, the
    English block of one is, as with the processor."""
    from site_assistant import embed

    embed.ensure_export()
    options = slovenian_site.TEMPLATES[0]["OPTIONS"]
    processors = [p for p in options["context_processors"] if not p.endswith(".i18n")]
    slovenian_site.TEMPLATES = [
        {**slovenian_site.TEMPLATES[0], "OPTIONS": {**options, "context_processors": processors}}
    ]
    out = run("search_rebuild", "--sync")
    assert "; 1 page and 1 section in another language than the index's (en) not read;" in out
    texts = " ".join(row["text"] for row in index.load_current().passages)
    assert "Smo štirje oblikovalci" not in texts and "Praktično" not in texts
    assert "Erasmus students can join us" in texts


def test_a_build_handed_to_workers_in_chunks_counts_what_it_left_out(built, settings):
    """A large site's build is embedded in chunks and finished by another task (in-process
    here, without a broker): its figures are a single build's, and a later one-page
    rebuild still counts the other pages'."""
    from site_assistant.tasks import rebuild_index, reindex_url

    single = IndexBuild.objects.latest()
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "BUILD_CHUNK_SIZE": 2,
        "BUILD_CHUNK_MIN_TEXTS": 1,
        "EMBEDDING_CACHE_DAYS": 0,
    }
    from site_assistant.models import EmbeddingCache

    EmbeddingCache.objects.all().delete()  # every text embedded again, in chunks
    result = rebuild_index.apply(kwargs={"trigger": "command"}).get()
    assert result.get("chunks"), result
    for build in (IndexBuild.objects.get(pk=result["build"]), None):
        if build is None:
            assert reindex_url.apply(args=["/sl/about/"]).get()["status"] == "succeeded"
            build = IndexBuild.objects.latest()
        assert build.status == "succeeded", build.error
        assert build.other_language_left_out() == single.other_language_left_out()
        assert build.reading_as_other_language() == single.reading_as_other_language()


def handoff_of(page) -> str:
    """Where the widget's "ask a person" link goes on ``page`` (its data-contact-url)."""
    text = page.content.decode()
    return html.unescape(text.split('data-contact-url="', 1)[1].split('"', 1)[0])


@pytest.mark.parametrize("contact", ["/contact/", "/en/contact/", "/sl/contact/"])
def test_ask_a_person_on_a_slovenian_page_stays_slovenian_for_an_english_browser(
    slovenian_site, settings, client, contact
):
    """CONTACT_URL set as a path, with or without a language's prefix: a visitor of
    /sl/about/ whose browser prefers English gets the Slovenian contact form, not
    LocaleMiddleware's redirect to /en/contact/ by the browser's language."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "CONTACT_URL": contact}
    english_browser = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
    page = client.get("/sl/about/", **english_browser)
    assert page.status_code == 200
    link = handoff_of(page)
    assert link == "/sl/contact/"
    form = client.get(link, follow=True, **english_browser)
    assert form.redirect_chain == [] and "Pišite nam" in form.content.decode()
    # And on an English page, the English form.
    assert handoff_of(client.get("/en/about/", **english_browser)) == "/en/contact/"


@pytest.mark.parametrize(
    "contact",
    [
        "mailto:hello@lipa.example",
        "tel:+38612345678",
        "https://lipa.example/contact/",
        "/elsewhere/",
    ],
)
def test_a_contact_url_no_language_serves_is_offered_as_set(
    slovenian_site, settings, client, contact
):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "CONTACT_URL": contact}
    assert handoff_of(client.get("/sl/about/", HTTP_ACCEPT_LANGUAGE="en")) == contact


def test_the_question_goes_to_the_contact_form_of_the_pages_language(slovenian_site, settings):
    from django.test import RequestFactory
    from django.utils import translation

    from site_assistant.templatetags.site_assistant import contact_url

    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "CONTACT_URL": "/contact/#form"}
    with translation.override("sl"):
        url = contact_url("Koliko stane?", RequestFactory().get("/sl/about/"))
    assert url == "/sl/contact/?message=Koliko%20stane%3F#form"


def test_the_contact_link_follows_the_language_whatever_site_was_asked_about_first(
    request, settings
):
    """Django caches whether a URLconf uses i18n_patterns by the argument it is asked
    with: asked with None, the answer for the first ROOT_URLCONF (Bambicim's, no
    prefixes) stood for every later one, and a /sl/ page's link lost its /sl/."""
    from django.conf.urls.i18n import is_language_prefix_patterns_used
    from django.test import RequestFactory
    from django.utils import translation

    from site_assistant.templatetags.site_assistant import contact_url

    is_language_prefix_patterns_used(None)  # Bambicim's URLconf, asked first
    request.getfixturevalue("slovenian_site")
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "CONTACT_URL": "/contact/"}
    with translation.override("sl"):
        url = contact_url("Koliko stane?", RequestFactory().get("/sl/about/"))
    assert url == "/sl/contact/?message=Koliko%20stane%3F"


def test_a_slovenian_question_on_an_english_page_is_answered_in_slovenian(built, settings, client):
    """A visitor from Ljubljana on the English pages asked "koliko stane spletna stran" and
    read only "I can only answer in English.": the site has Slovenian pages and the app's
    words are Slovenian, so they are told in Slovenian, with its contact page."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "CONTACT_URL": "/contact/"}
    body = client.get("/en/assistant/api/search/", {"q": "koliko stane spletna stran"}).json()
    assert body["language"] == "sl" and body["answer"] is None
    assert body["message"] == "Odgovarjam lahko samo v angleščini."
    assert (body["message_lang"], body["handoff_text"]) == ("sl", "Vprašajte človeka")
    assert body["contact_url"] == "/sl/contact/"
    # The search page says it the same way, marked as Slovenian for a screen reader.
    page = client.get("/en/assistant/search/", {"q": "koliko stane spletna stran"})
    html_text = page.content.decode()
    assert '<h2 id="sa-page-answer-title" lang="sl">Odgovarjam lahko samo v angleščini.</h2>' in (
        html_text
    )
    handoff = html.unescape(html_text.split('class="sa-page__handoff" href="')[1].split('"')[0])
    assert handoff.startswith("/sl/contact/?message=koliko")
    # An English question on the same page is answered in English, as before.
    english = client.get("/en/assistant/api/search/", {"q": "How much does a website cost?"})
    assert english.json()["message"] is None
