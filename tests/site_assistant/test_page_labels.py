"""The page an answer is on, as its breadcrumb names it: real pages' titles read by
``extract``, then labelled among the site's other titles."""

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
