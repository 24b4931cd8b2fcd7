"""A passage's topic: its heading, qualified when ambiguous, or its page's title."""

import pytest

from site_assistant.training.pairs.topics import (
    as_question,
    body,
    is_question,
    site_suffix,
    tidy_question,
    title_base,
    topics,
)
from tests.site_assistant.pairs_passages import site_passages


def test_the_site_name_is_taken_off_page_titles():
    titles = ["Services — Bambicim", "About — Bambicim", "Back home — Bambi Game — Bambicim"]
    assert site_suffix(titles) == "Bambicim"
    assert site_suffix(["Home", "About", "Services — Bambicim"]) == ""  # not most titles
    assert title_base("Evening in — Bambi Game — Bambicim", "Bambicim") == "Evening in"
    assert title_base("Bambicim", "Bambicim") == "Bambicim"


def test_topics_qualify_a_heading_two_pages_use_and_a_question_heading_stays_a_question():
    x = topics(site_passages())
    assert x[0] == "Pricing"
    assert x[7] == "Terms & Conditions Bambi Game"  # "Bambi Game" is on /game/ too
    assert x[8] == "Bambi Game"  # the page of that name
    assert x[6] == "What do you do?"  # a question heading is asked as written
    # The same question heading on two pages names neither section.
    twice = site_passages()[6:7] * 2
    twice[1] = {**twice[1], "id": 99, "url": "/game/the-mirror/"}
    assert topics(twice) == {6: "", 99: ""}


def test_the_body_leaves_out_the_leading_heading():
    passage = {"heading": "Services › Pricing", "text": "Pricing. Projects start at €2,500."}
    assert body(passage) == "Projects start at €2,500."


@pytest.mark.parametrize(
    "heading, question",
    [
        ("Should I be tested for COVID-19?", "Should I be tested for COVID-19?"),
        ("What's new??", "What's new?"),
        ("How can I send a fax online? [closed]", "How can I send a fax online?"),
        ("How to delete my Facebook account", "How to delete my Facebook account?"),
        ("Is it free?!", "Is it free?"),
        ("FAQ ?", "FAQ?"),
        ("Pricing", None),
        ("Can openers", None),  # two words: a topic, not "Can …?"
        ("Our story.", None),
    ],
)
def test_a_heading_that_is_a_question_is_asked_once_with_one_mark(heading, question):
    assert is_question(heading) is (question is not None)
    if question:
        assert as_question(heading) == question


def test_tidy_question_leaves_one_final_mark():
    assert tidy_question("What is FAQ??") == "What is FAQ?"
    assert tidy_question("Tell me about prices ?") == "Tell me about prices?"
    assert tidy_question("Anything on  e-mail?.") == "Anything on e-mail?"
