"""A page unpublished, deleted or made private is not answered from before the
rebuild comes (site_assistant.withdrawn): with a broker it is seconds away, and
with no worker running it never comes.

A real Wagtail site's unpublish, password, move and delete:
test_sources_wagtail.py::test_with_no_build_a_withdrawn_page_is_not_answered_from.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from site_assistant import index, register, services, withdrawn
from site_assistant.models import IndexBuild, WithdrawnPage
from site_assistant.signals import DEBOUNCE_KEY
from site_assistant.sources import models as model_source


def test_a_path_withdraws_its_page_and_the_pages_below_it_and_a_fragment_one_section():
    hidden = frozenset({"/shop/", "/notes/#note-3"})
    assert withdrawn.hides("/shop/", hidden)
    assert withdrawn.hides("https://example.com/shop/cups/?page=2", hidden)
    assert withdrawn.hides("/notes/#note-3", hidden)
    assert not withdrawn.hides("/shopping/", hidden)  # not below /shop/
    assert not withdrawn.hides("/notes/", hidden)
    assert not withdrawn.hides("/notes/#note-31", hidden)
    assert withdrawn.hides("/anything/", frozenset({"/"}))  # the whole site made private
    assert not withdrawn.hides("/shop/", frozenset())


def test_a_passage_shared_by_pages_is_shown_with_a_page_still_public():
    row = {"url": "/shop/", "urls": ["/shop/", "/about/"]}
    assert withdrawn.visible_urls(row, frozenset())[0] == "/shop/"
    assert withdrawn.visible_urls(row, frozenset({"/shop/"})) == ["/about/"]
    assert withdrawn.visible_urls(row, frozenset({"/shop/", "/about/"})) == []


@pytest.mark.django_db
def test_a_withdrawal_lasts_until_a_version_that_read_the_site_after_it_is_live(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn.withdraw(["https://example.com/shop/?x=1", "/notes/#note-3", ""])
    at = WithdrawnPage.objects.get(path="/shop/").at
    before, after = (at - timedelta(seconds=1)).isoformat(), (at + timedelta(seconds=1)).isoformat()
    assert withdrawn.paths(before) == {"/shop/", "/notes/#note-3"}  # seen at once
    assert withdrawn.paths("") == {"/shop/", "/notes/#note-3"}  # a version of unknown age
    assert withdrawn.paths(after) == frozenset()

    # The build that read the site after it keeps the row a while (a web node
    # may load that version later), the next one an hour on deletes it.
    assert withdrawn.forget_before(after) == 0
    assert withdrawn.forget_before((at + withdrawn.KEEP_AFTER_BUILD * 2).isoformat()) == 2
    assert not WithdrawnPage.objects.exists()


def test_with_the_database_down_the_last_paths_read_still_apply(
    transactional_db, request, monkeypatch
):
    """The database really goes away (the driver's own error on connecting,
    tests.conftest.database_down): the paths read last still hide what was withdrawn."""
    WithdrawnPage.objects.create(path="/shop/", at=timezone.now())
    monkeypatch.setattr(withdrawn, "READ_EVERY", 0)
    assert withdrawn.paths() == {"/shop/"}
    request.getfixturevalue("database_down")
    assert withdrawn.paths() == {"/shop/"}


@pytest.fixture
def registered_groups(testsite):
    """Groups as sections of /alpha/; a name starting "Draft:" is not public."""
    cache.delete(DEBOUNCE_KEY)
    register(
        Group,
        fields=["name"],
        url=lambda g: f"/alpha/#group-{g.pk}",
        filter=~Q(name__startswith="Draft:"),
    )
    yield
    model_source.unregister(Group)
    cache.delete(DEBOUNCE_KEY)


WORKSHOP = "Ursula's glitter liner workshop runs every Thursday night in the back room"
QUESTION = "When is the glitter liner workshop?"


def _answer_link(question=QUESTION):
    found = services.answer(question)
    return [hit.url for hit in found.results], found.answer and found.answer.url


@pytest.mark.django_db
def test_with_no_worker_running_a_row_made_private_or_deleted_is_not_answered_from(
    registered_groups, with_a_broker, django_capture_on_commit_callbacks
):
    # Built at once here (the broker is swapped in only below).
    with_a_broker.stop()
    with django_capture_on_commit_callbacks(execute=True):
        workshop = Group.objects.create(name=WORKSHOP)
        shelf = Group.objects.create(name="The sticker shelf by the door sells holographic cats")
    link = f"/alpha/#group-{workshop.pk}"
    assert _answer_link()[1] == link

    # A broker, and no worker: the rebuild is queued and nothing runs it.
    with_a_broker.start()
    with django_capture_on_commit_callbacks(execute=True):
        workshop.name = f"Draft: {WORKSHOP}"
        workshop.save()
    assert IndexBuild.objects.filter(status="queued").exists()
    assert any(WORKSHOP in p["text"] for p in index.load_current().passages)  # still in the index
    urls, answered = _answer_link()
    assert link not in urls and answered != link
    assert "/alpha/" in urls  # the rest of the page still answers

    shelf_link = f"/alpha/#group-{shelf.pk}"
    assert shelf_link in _answer_link("holographic cat stickers")[0]
    with django_capture_on_commit_callbacks(execute=True):
        shelf.delete()
    assert shelf_link not in _answer_link("holographic cat stickers")[0]

    # Saving a public row withdraws nothing.
    with django_capture_on_commit_callbacks(execute=True):
        Group.objects.create(name="A public group about night buses")
    assert set(WithdrawnPage.objects.values_list("path", flat=True)) == {link, shelf_link}


@pytest.mark.django_db
def test_with_no_worker_running_a_row_made_private_lends_no_word_to_the_typo_fix(
    registered_groups, with_a_broker, django_capture_on_commit_callbacks, client
):
    """ "Did you mean …" respelled a visitor's typo with the words of the live index: a
    row made private still lent its own words ("zorblaxian") until the rebuild."""
    with_a_broker.stop()
    with django_capture_on_commit_callbacks(execute=True):
        secret = Group.objects.create(name="The zorblaxian launch party is on the roof")
    asked = {"q": "zorblaxan launch party"}
    assert client.get("/assistant/api/search/", asked).json()["corrected_query"] == (
        "zorblaxian launch party"
    )

    with_a_broker.start()  # a broker, and no worker: the rebuild never comes
    with django_capture_on_commit_callbacks(execute=True):
        secret.name = f"Draft: {secret.name}"
        secret.save()
    assert any("zorblaxian" in p["text"] for p in index.load_current().passages)
    shown = client.get("/assistant/api/search/", asked).content.decode()
    assert "zorblaxian" not in shown.casefold()


@pytest.mark.django_db
def test_with_no_worker_running_a_row_given_another_url_is_not_answered_from_its_old_one(
    registered_groups, with_a_broker, django_capture_on_commit_callbacks
):
    # An article whose slug changed: its old URL would answer (a 404, or a
    # section no longer there) until the rebuild, which no worker runs here.
    register(Group, fields=["name"], url=lambda g: f"/alpha/#{g.name.split()[0].lower()}")
    with_a_broker.stop()
    with django_capture_on_commit_callbacks(execute=True):
        workshop = Group.objects.create(name=f"Glitter {WORKSHOP}")
    assert _answer_link()[1] == "/alpha/#glitter"

    with_a_broker.start()
    with django_capture_on_commit_callbacks(execute=True):
        workshop.name = f"Liner {WORKSHOP}"
        workshop.save()
    assert IndexBuild.objects.filter(status="queued").exists()
    urls, answered = _answer_link()
    assert "/alpha/#glitter" not in urls and answered != "/alpha/#glitter"
    assert list(WithdrawnPage.objects.values_list("path", flat=True)) == ["/alpha/#glitter"]

    # Saved again with the same URL: nothing more is withdrawn.
    with django_capture_on_commit_callbacks(execute=True):
        workshop.save()
    assert WithdrawnPage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_build_at_the_commit_takes_the_withdrawal_in(registered_groups):
    workshop = Group.objects.create(name=WORKSHOP)
    link = f"/alpha/#group-{workshop.pk}"
    assert _answer_link()[1] == link
    workshop.name = f"Draft: {WORKSHOP}"
    workshop.save()  # committed: the rebuild ran, after the withdrawal was recorded
    live = index.load_current()
    assert not any(WORKSHOP in p["text"] for p in live.passages)
    assert withdrawn.paths(live.content_read) == frozenset()  # the version has it in
    workshop.name = WORKSHOP
    workshop.save()  # public again: the next build serves it
    assert _answer_link()[1] == link


def test_a_page_of_another_wagtail_site_is_withdrawn_on_its_own_site_only():
    """Two sites' /services/ (site_assistant.sites): withdrawing one hides only it."""
    beta = withdrawn.path_of("//Beta.Example:8000/services/")
    assert beta == "//beta.example:8000/services/"
    assert withdrawn.hides("//beta.example:8000/services/", frozenset({beta}))
    assert withdrawn.hides("//beta.example:8000/services/a/", frozenset({beta}))
    assert not withdrawn.hides("/services/", frozenset({beta}))
    # The default site made private whole: another site's pages stay.
    assert not withdrawn.hides("//beta.example:8000/services/", frozenset({"/"}))
    assert withdrawn.path_of("https://example.com/a/?x") == "/a/"


SOLAR = "Is there a grant for solar panels? Yes: the town pays a third of the panels' price"


@pytest.fixture
def faq_entries(faq_site, own_index_dir, with_a_broker, django_capture_on_commit_callbacks):
    """The FAQ site's entries registered as docs/install.md §6 says, and built as a worker
    builds them (in LANGUAGE_CODE, German): the index holds their English pages."""
    from django.utils import translation

    from tests.site_assistant import faq_site as site

    cache.delete(DEBOUNCE_KEY)
    register(Group, fields=["name"], url=site.faq_url, filter=site.PUBLISHED)
    with_a_broker.stop()
    with translation.override("de"), django_capture_on_commit_callbacks(execute=True):
        solar = Group.objects.create(name=SOLAR)
        Group.objects.create(name="When is the recycling yard open? Every Saturday from 8 to 12")
        Group.objects.create(name="Where do I pay the dog tax? At the town hall's front desk")
    with_a_broker.start()
    yield solar
    model_source.unregister(Group)
    cache.delete(DEBOUNCE_KEY)


@pytest.mark.django_db
def test_a_row_unpublished_in_a_german_admin_leaves_the_english_answers_at_once(
    faq_entries, admin_client, django_capture_on_commit_callbacks
):
    """The index holds the English pages (/en/faq/1/); an editor unpublishes the entry in
    the admin in German (/de/admin/…). Its address was worked out in the admin's language
    (/de/faq/1/, a page the index never held), and the English one answered until the
    rebuild, which no worker runs here."""
    solar = faq_entries
    page = f"/en/faq/{solar.pk}/"
    asked = {"q": "Is there a grant for solar panels"}
    assert admin_client.get("/en/hilfe/api/search/", asked).json()["answer"]["url"] == page

    with django_capture_on_commit_callbacks(execute=True):
        saved = admin_client.post(
            f"/de/admin/auth/group/{solar.pk}/change/", {"name": f"Draft: {SOLAR}"}
        )
    assert saved.status_code == 302 and "Draft:" in Group.objects.get(pk=solar.pk).name
    assert admin_client.get(page).status_code == 404
    assert IndexBuild.objects.filter(status="queued").exists()
    assert any(SOLAR in p["text"] for p in index.load_current().passages)  # not rebuilt yet

    for prefix in ("/en", "/de"):
        reply = admin_client.get(f"{prefix}/hilfe/api/search/", asked).json()
        assert page not in [hit["url"] for hit in reply["results"]], prefix
        assert (reply["answer"] or {}).get("url") != page, prefix
    dog_tax = admin_client.get("/en/hilfe/api/search/", {"q": "Where do I pay the dog tax?"})
    assert dog_tax.json()["answer"]["url"].startswith("/en/faq/")  # the others still answer
    # Withdrawn in each language the index may hold it in, whatever the editor's.
    withdrawn_paths = set(WithdrawnPage.objects.values_list("path", flat=True))
    assert withdrawn_paths == {page, f"/de/faq/{solar.pk}/"}


def test_an_address_is_worked_out_in_the_languages_the_index_may_hold_it_in(settings):
    """The index's language's variants (the one LANGUAGE names first), LANGUAGE_CODE and the
    editor's; never Django's hundred languages, whose catalogues each save would load."""
    from django.conf import global_settings
    from django.utils import translation

    from site_assistant import conf

    settings.LANGUAGES = [("de", "Deutsch"), ("en", "English"), ("en-gb", "British English")]
    settings.LANGUAGE_CODE = "de"
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "LANGUAGE": "en-GB"}
    assert conf.row_language() == "en-gb"
    with translation.override("sl"):
        assert withdrawn.languages() == ["en-gb", "en", "de", "sl"]

    # Other languages' pages read too, on a site without language prefixes (this one).
    settings.LANGUAGES = global_settings.LANGUAGES
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "SKIP_OTHER_LANGUAGE_PAGES": False}
    with translation.override("de"):
        assert set(withdrawn.languages()) == {"en", "en-au", "en-gb", "de"}
    settings.USE_I18N = False
    assert withdrawn.languages() == [None]
