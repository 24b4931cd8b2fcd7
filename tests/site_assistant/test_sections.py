"""Sections of the live index found by their words (the admin's "Fix this answer" picker)."""

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
