"""A passage's topic: its heading, qualified when ambiguous, or its page's title."""

from search.training.pairs.topics import body, site_suffix, title_base, topics
from tests.search.pairs_passages import site_passages


def test_the_site_name_is_taken_off_page_titles():
    titles = ["Services — Bambicim", "About — Bambicim", "Back home — Bambi Game — Bambicim"]
    assert site_suffix(titles) == "Bambicim"
    assert site_suffix(["Home", "About", "Services — Bambicim"]) == ""  # not most titles
    assert title_base("Evening in — Bambi Game — Bambicim", "Bambicim") == "Evening in"
    assert title_base("Bambicim", "Bambicim") == "Bambicim"


def test_topics_qualify_a_heading_two_pages_use_and_a_question_heading_names_the_page():
    x = topics(site_passages())
    assert x[0] == "Pricing"
    assert x[7] == "Terms & Conditions Bambi Game"  # "Bambi Game" is on /game/ too
    assert x[8] == "Bambi Game"  # the page of that name
    assert x[6] == "Back home"  # heading "What do you do?": the page's title


def test_the_body_leaves_out_the_leading_heading():
    passage = {"heading": "Services › Pricing", "text": "Pricing. Projects start at €2,500."}
    assert body(passage) == "Projects start at €2,500."
