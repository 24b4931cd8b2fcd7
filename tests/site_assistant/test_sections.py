"""Sections of the live index found by their words (the admin's "Fix this answer" picker)."""

import re

import pytest

from site_assistant import sections

pytestmark = pytest.mark.usefixtures("built_index")


def test_a_heading_word_finds_its_section_first():
    found = sections.find("pricing")
    assert found[0]["link"] == "/services/#pricing"
    assert found[0]["heading"].endswith("Pricing")
    links = [s["link"] for s in found]
    assert len(links) == len(set(links))  # a section cut into passages is listed once


def test_every_word_must_appear_in_any_case():
    found = sections.find("SCRAPING abuse")
    assert [s["link"] for s in found] == ["/terms/#use-of-site"]
    assert sections.find("scraping zebra-marmalade") == []
    assert sections.find("   ") == []


def test_closest_sections_come_ranked_with_their_score():
    closest = sections.closest("Can I scrape the site?")
    assert closest[0]["link"] == "/terms/#use-of-site"
    scores = [s["score"] for s in closest]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("title", "heading", "label"),
    [
        # A top heading that repeats the page's title names the page once.
        ("About — Example", "About Example", "About"),
        ("About | Example", "about  example.", "About"),
        # Every other place as before.
        ("About — Example", "About Example › Our story", "About › Our story"),
        ("About — Example", "About Example › Beliefs › Clarity", "About › Beliefs › Clarity"),
        ("Services — Example", "Services › Pricing", "Services › Pricing"),
        ("Contact — Example", "Say hello", "Contact › Say hello"),
        ("Contact — Example", "Say hello › Where we are", "Contact › Where we are"),
        # Alone, a title keeps all but its last part: nothing tells a section's name.
        ("Inventory — Game — Example", "Your inventory", "Inventory — Game › Your inventory"),
        # Among the site's titles (the live index's), it is the page's own name, which a
        # top heading saying it again does not repeat.
        ("Inventory — Bambi Game — Bambicim", "Your spoils & inventory", "Inventory"),
        (
            "Inventory — Bambi Game — Bambicim",
            "Your spoils & inventory › Clearing your inventory",
            "Inventory › Clearing your inventory",
        ),
        ("About", "About Example", "About"),
        (
            "Pricing — Example",
            "What it costs › Pricing for teams",
            "What it costs › Pricing for teams",
        ),
    ],
)
def test_where_names_the_page_once(title, heading, label):
    assert sections.where({"title": title, "heading": heading, "url": "/x/"}) == label


def test_where_changes_no_other_section_of_the_site():
    """Of the live index's sections only the page tops whose heading repeats the page's
    name ("About › About Bambicim", "Inventory › Your spoils & inventory") and the page
    whose title trails with a section's name too ("Inventory — Bambi Game — Bambicim")
    are named differently from the rule before."""
    from site_assistant.index import load_current

    def key(label):
        return " ".join(label.strip().rstrip(".!?…:;").split()).casefold()

    def before(passage):  # sections.where without the repeated-title and trail rules
        title, parts = passage["title"], passage["heading"].split(" › ")
        if key(parts[0]) in {key(part) for part in re.split(r"\s+[—–|·-]\s+", title)}:
            title = ""
        crumbs = []
        for label in [title, *parts]:
            if label and key(label) not in map(key, crumbs):
                crumbs.append(label)
        page = re.sub(r"\s+[—|–]\s+[^—|–]+$", "", crumbs[0]) or crumbs[0]
        top = passage["heading"].split(" › ")[0].strip()
        below = crumbs[2:] if crumbs[0] != top and len(crumbs) > 2 else crumbs[1:]
        return " › ".join([page, *(label for label in below if label != page)])

    changed = {
        p["url"] + "#" + (p.get("anchor") or ""): sections.where(p)
        for p in load_current().passages
        if sections.where(p) != before(p)
    }
    assert changed == {
        "/about/#": "About",
        "/game/inventory/#": "Inventory",
        "/game/inventory/#clearing-your-inventory": "Inventory › Clearing your inventory",
    }
