"""The page an answer is on, as its breadcrumb names it: real pages' titles read by
``extract``, then labelled among the site's other titles."""

from io import StringIO

import pytest

from site_assistant import page_labels
from site_assistant.extract import Document, extract


def page(title: str, h1: str, text: str = "Some words about this page here.") -> str:
    return (
        f"<!doctype html><html lang='en'><head><title>{title}</title></head>"
        f"<body><main><h1>{h1}</h1><p>{text}</p></main></body></html>"
    )


def titles_of(*pages: tuple[str, str]) -> list[str]:
    """The titles ``extract`` gives the passages of each (url, html)."""
    return [p.title for url, html in pages for p in extract(Document(url, html))]


def test_a_sections_trail_is_left_out_with_the_site_name():
    """ "Inventory — Game — Example" reads "Inventory", not "Inventory — Game"."""
    titles = titles_of(
        ("/", page("Example — Software made kindly", "Software, built fast")),
        ("/about/", page("About — Example", "About Example")),
        ("/game/", page("Game — Example", "Game")),
        ("/game/inventory/", page("Inventory — Game — Example", "Your spoils & inventory")),
        ("/game/evening-in/", page("Evening in — Game — Example", "Evening in")),
        ("/contact/", page("Contact — Example", "Say hello")),
    )
    assert page_labels.labels(titles) == {
        # The home page leads with the site's name: the tagline after it goes.
        "Example — Software made kindly": "Example",
        "About — Example": "About",
        # The section's own page keeps its name although other titles trail with it.
        "Game — Example": "Game",
        "Inventory — Game — Example": "Inventory",
        "Evening in — Game — Example": "Evening in",
        # Not the h1 ("Say hello"): the title names the page.
        "Contact — Example": "Contact",
    }


def test_wagtails_default_title_suffix_and_a_site_name_first_are_left_out():
    """Wagtail's base template ends every title with " - {site_name}"; other themes
    lead with the name ("Acme | About")."""
    wagtail = titles_of(
        ("/", page("Home - My Site", "Welcome")),
        ("/about/", page("About us - My Site", "About us")),
        ("/about/team/", page("Our team - My Site", "Our team")),
    )
    assert page_labels.labels(wagtail) == {
        "Home - My Site": "Home",
        "About us - My Site": "About us",
        "Our team - My Site": "Our team",
    }
    first = titles_of(
        ("/about/", page("Acme | About", "About")),
        ("/pricing/", page("Acme | Pricing", "Plans")),
        ("/faq/", page("Acme | FAQ", "Questions")),
    )
    assert page_labels.labels(first) == {
        "Acme | About": "About",
        "Acme | Pricing": "Pricing",
        "Acme | FAQ": "FAQ",
    }


@pytest.mark.parametrize(
    ("title", "label"),
    [
        # A title that is all page keeps every word.
        ("Pricing", "Pricing"),
        ("Pricing — Example", "Pricing"),
        # A hyphen with no other page to tell is part of the name.
        ("Visit us - 2027", "Visit us - 2027"),
        ("", ""),
    ],
)
def test_a_label_never_loses_the_page_name(title, label):
    assert page_labels.label(title, ["Pricing — Example", "Pricing"]) == label


def test_two_pages_sharing_every_part_keep_their_first():
    """Nothing left is never the label: "Pricing — Example" beside "Example — Pricing"."""
    assert page_labels.labels(["Pricing — Example", "Example — Pricing"]) == {
        "Pricing — Example": "Pricing",
        "Example — Pricing": "Example",
    }


# --- the page and its headings, said once ----------------------------------------------


def crumbs_of(*pages: tuple[str, str]) -> dict[str, list[str]]:
    """Each passage's breadcrumb (``snippets.breadcrumb``) and place as the widget and the
    search page show it (``sections.where``), as the index's rows of ``extract`` give them,
    the page labelled among the site's titles: "{heading} => {where}"."""
    from site_assistant import sections, snippets

    passages = [p for url, html in pages for p in extract(Document(url, html))]
    known = page_labels.labels(p.title for p in passages)
    out = {}
    for p in passages:
        row = {"title": p.title, "heading": p.heading_text, "url": p.url, "text": p.text}
        crumbs = snippets.breadcrumb(row, page_labels.of(p.title, known))
        out[p.heading_text] = [crumbs, sections.where({**row, "breadcrumb": crumbs})]
    return out


def sections_page(title: str, h1: str, *h2s: str) -> str:
    body = "".join(f"<h2>{h}</h2><p>What {h.lower()} tells, in a few words.</p>" for h in h2s)
    return page(title, h1, f"The words under {h1.lower()} here.</p>{body}<p>That is all.")


def test_a_heading_that_repeats_the_page_label_is_said_once():
    """ "Welcome › Welcome to Musterstadt Public Utilities" named the home page twice: a
    heading that says the label's words (in any case and punctuation) shows one of them."""
    site = "Stadtwerke Musterstadt"
    got = crumbs_of(
        ("/", sections_page(f"Welcome — {site}", "Welcome to Musterstadt Public Utilities")),
        ("/hours/", sections_page(f"Opening hours — {site}", "Opening Hours!", "Holidays")),
        ("/about/", sections_page(f"About — {site}", "About Stadtwerke Musterstadt", "Story")),
        ("/pricing/", sections_page(f"Pricing — {site}", "What it costs", "Pricing: for teams")),
    )
    assert got == {
        # The top heading adds the site's name to the label: the label names the page.
        "Welcome to Musterstadt Public Utilities": [["Welcome"], "Welcome"],
        "About Stadtwerke Musterstadt": [["About"], "About"],
        "About Stadtwerke Musterstadt › Story": [["About", "Story"], "About › Story"],
        # The same words: once.
        "Opening Hours!": [["Opening Hours!"], "Opening Hours!"],
        "Opening Hours! › Holidays": [["Opening Hours!", "Holidays"], "Opening Hours! › Holidays"],
        # A section's heading that leads with the label says it in its place.
        "What it costs": [["Pricing", "What it costs"], "Pricing › What it costs"],
        "What it costs › Pricing: for teams": [
            ["What it costs", "Pricing: for teams"],
            "What it costs › Pricing: for teams",
        ],
    }


def test_headings_that_only_share_a_word_with_the_label_are_all_kept():
    """Nothing the page says is lost: "Contact › Say hello", a section that names the page
    inside its own words ("Clearing your inventory"), a label's word inside another."""
    got = crumbs_of(
        ("/contact/", sections_page("Contact — Example", "Say hello", "Write to us")),
        ("/game/", sections_page("Game — Example", "Game")),
        ("/game/evening-in/", sections_page("Evening in — Game — Example", "Evening in")),
        (
            "/game/inventory/",
            sections_page(
                "Inventory — Game — Example", "Your spoils & inventory", "Clearing your inventory"
            ),
        ),
        ("/art/", sections_page("Art — Example", "Getting started", "Partners")),
    )
    assert got == {
        "Say hello": [["Contact", "Say hello"], "Contact › Say hello"],
        # The h1 above a section: the page's name stands for it, in the API's list too.
        "Say hello › Write to us": [["Contact", "Write to us"], "Contact › Write to us"],
        "Game": [["Game"], "Game"],
        "Evening in": [["Evening in"], "Evening in"],
        # The top heading says "inventory": the label is the page's name.
        "Your spoils & inventory": [["Inventory"], "Inventory"],
        "Your spoils & inventory › Clearing your inventory": [
            ["Inventory", "Clearing your inventory"],
            "Inventory › Clearing your inventory",
        ],
        "Getting started": [["Art", "Getting started"], "Art › Getting started"],
        "Getting started › Partners": [["Art", "Partners"], "Art › Partners"],
    }


@pytest.mark.django_db
def test_the_api_names_pages_without_the_sites_name(testsite, client, settings):
    """Two pages whose titles end with " — Stadtwerke Musterstadt": the API's
    ``breadcrumb`` and the search page name them as the widget does, without the site's
    name, and a top heading that repeats the page's label ("Opening hours of the customer
    centre" on "Opening hours") is not a crumb of its own."""
    from django.core.management import call_command

    site = "Stadtwerke Musterstadt"
    testsite.PAGES["/alpha/"] = (
        f"Welcome to Musterstadt Public Utilities — {site}",
        "<h1>Welcome to Musterstadt Public Utilities</h1><p>We bring water, power and heat "
        "to every home in town and answer the phone day and night.</p>",
    )
    testsite.PAGES["/beta/"] = (
        f"Opening hours — {site}",
        "<h1>Opening hours of the customer centre</h1><p>Our customer centre on the market square is open from "
        "eight to six on weekdays.</p><h2 id='holidays'>Holidays</h2><p>On public holidays "
        "the customer centre stays closed; the emergency line still answers.</p>",
    )
    # The app's own search page, not Bambicim's.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": []}]
    settings.SITE_ASSISTANT = {
        k: v for k, v in settings.SITE_ASSISTANT.items() if not k.startswith(("PAGE_", "WIDGET_"))
    }
    call_command("search_rebuild", "--sync", stdout=StringIO(), stderr=StringIO())

    question = {"q": "Is the customer centre open on public holidays?"}
    body = client.get("/assistant/api/search/", question).json()
    assert body["answer"]["url"] == "/beta/"
    assert body["answer"]["breadcrumb"] == ["Opening hours", "Holidays"]
    crumbs = {hit["url"]: hit["breadcrumb"] for hit in body["results"]}
    assert crumbs["/alpha/"] == ["Welcome to Musterstadt Public Utilities"], crumbs
    assert not any(site in crumb for hit in body["results"] for crumb in hit["breadcrumb"])
    page = client.get("/assistant/search/", question).content.decode()
    assert ">Opening hours › Holidays<" in page and site not in page.split("<main")[-1]
