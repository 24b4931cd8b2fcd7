"""Bambicim's admin in its owner's browser language (bambicim/middleware.py), its public
pages in English; Slovenian plural forms and the words Django's Slovenian catalogue lacks
(bambicim/locale), and the app's list footers counted in the language's plural forms."""

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext
from selectolax.lexbor import LexborHTMLParser

from site_assistant.models import Question

pytestmark = pytest.mark.django_db

SLOVENIAN = {"HTTP_ACCEPT_LANGUAGE": "sl"}
COUNTS = [0, 1, 2, 3, 5, 101, 102]


def tree(response):
    assert response.status_code == 200
    return LexborHTMLParser(response.content.decode())


def text(node):
    return " ".join(node.text(separator=" ").split())


def test_a_slovenian_browser_gets_the_admin_in_slovenian_and_the_site_in_english(owner_client):
    admin = tree(owner_client.get("/admin/", **SLOVENIAN))
    assert admin.css_first("html").attributes["lang"] == "sl"
    assert "Administracija strani" in text(admin.css_first("body"))
    assert "Site administration" not in text(admin.css_first("body"))

    home = owner_client.get("/", **SLOVENIAN)
    assert tree(home).css_first("html").attributes["lang"] == "en"
    assert home.headers.get("Content-Language") != "sl"

    # The thread's next admin request without the header is in the site's language again.
    again = tree(owner_client.get("/admin/"))
    assert again.css_first("html").attributes["lang"] == "en"
    german = tree(owner_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9"))
    assert german.css_first("html").attributes["lang"] == "de"
    # What Chromium sends on a Slovenian laptop; a language the admin is not in is English.
    chromium = "sl-SI,sl;q=0.9,en-US;q=0.8,en;q=0.7"
    assert (
        tree(owner_client.get("/admin/", HTTP_ACCEPT_LANGUAGE=chromium))
        .css_first("html")
        .attributes["lang"]
        == "sl"
    )
    french = tree(owner_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9"))
    assert french.css_first("html").attributes["lang"] == "en"


def test_slovenian_counts_take_the_plural_form_of_their_number():
    with translation.override("sl"):
        djangos = [
            ngettext("%(counter)s result", "%(counter)s results", n) % {"counter": n}
            for n in COUNTS
        ]
        ours = [
            ngettext("%(count)s question", "%(count)s questions", n) % {"count": n} for n in COUNTS
        ]
    assert djangos == [
        "0 zadetkov",
        "1 zadetek",
        "2 zadetka",
        "3 zadetki",
        "5 zadetkov",
        "101 zadetek",
        "102 zadetka",
    ]
    assert ours == [
        "0 vprašanj",
        "1 vprašanje",
        "2 vprašanji",
        "3 vprašanja",
        "5 vprašanj",
        "101 vprašanje",
        "102 vprašanji",
    ]


def test_the_questions_list_counts_its_rows_in_slovenian(owner_client):
    url = "/admin/site_assistant/question/"
    footer = tree(owner_client.get(url, **SLOVENIAN)).css_first("p.paginator")
    assert "0 vprašanj" in text(footer)
    Question.objects.bulk_create(Question(text=f"Vprašanje {n}?") for n in range(12))
    footer = tree(owner_client.get(url, **SLOVENIAN)).css_first("p.paginator")
    assert "12 vprašanj" in text(footer) and "12 vprašanja" not in text(footer)
    # A search's count, Django's own words, in the right form too.
    searched = tree(owner_client.get(url + "?q=Vpra%C5%A1anje+1", **SLOVENIAN))
    assert "zadetk" in text(searched.css_first("#changelist-search"))
    filters = text(tree(owner_client.get(url, **SLOVENIAN)).css_first("#changelist-filter"))
    assert "Po odobritvi za učenje" in filters and "training approved" not in filters


def test_djangos_admin_words_its_slovenian_catalogue_lacks_are_in_slovenian():
    with translation.override("sl"):
        added = gettext("The {name} “{obj}” was added successfully.").format(
            name="primer vprašanja", obj="Kje parkiram?"
        )
        assert added == "Uspešno dodano: primer vprašanja »Kje parkiram?«."
        assert gettext("Select %s to view") % "vprašanje" == "Izberite vprašanje za ogled"
        assert gettext("Show counts") == "Pokaži števila"
