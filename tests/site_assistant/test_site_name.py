"""site_assistant.site_name: the site's name is left out of a question before it is embedded."""

import pytest

from site_assistant import services, site_name


def pages(*titles):
    return [{"url": f"/{i}/", "title": title} for i, title in enumerate(titles)]


def test_the_words_nearly_every_page_title_has_are_the_sites_name():
    rows = pages(
        "Services — Bambicim", "About — Bambicim", "Bambi Game — Bambicim", "Notes — Bambicim"
    )
    # A page's passages share its title: counted once a page.
    rows += [{"url": "/2/", "title": "Bambi Game — Bambicim"}] * 5
    assert site_name.words(rows) == {"bambicim"}
    assert site_name.words(pages("Pricing", "About us", "Contact")) == frozenset()
    assert site_name.words(pages("A — Shop", "B — Shop")) == frozenset()  # too few pages


def test_a_name_made_of_words_the_model_knows_is_what_the_site_is_about():
    """ "Mossy Tea Room": stripped of "tea", "how much is tea" was embedded as "how
    much is" and answered with the pricing intro, not the tea."""
    from site_assistant import embed

    rows = pages("Menu — Mossy Tea Room", "Pricing — Mossy Tea Room", "About — Mossy Tea Room")
    names = site_name.for_model(rows, embed.active_model_ref())
    assert names == {"mossy"}  # the coined part only
    assert site_name.without("how much is tea at Mossy Tea Room", names) == (
        "how much is tea at Tea Room"
    )
    rows = pages("Menu — Bambicim", "Pricing — Bambicim", "About — Bambicim")
    assert site_name.for_model(rows, embed.active_model_ref()) == {"bambicim"}


@pytest.mark.parametrize(
    "question, embedded",
    [
        ("Bambicim prices", "prices"),
        ("What are Bambicim's prices?", "What are prices?"),
        ("how old is BAMBICIM", "how old is"),
        ("Bambicim?", "Bambicim?"),  # nothing else to read: kept
        ("Bambi Game", "Bambi Game"),
    ],
)
def test_a_question_loses_the_name_and_nothing_else(question, embedded):
    assert site_name.without(question, frozenset({"bambicim"})) == embedded


@pytest.mark.django_db
def test_a_question_with_the_sites_name_is_answered_as_without_it(built_index, settings):
    """ "Bambicim prices" was answered with the About page's intro ("About Bambicim. Who
    we are…"): the name named the topic."""
    for question, anchor in (("Bambicim prices", "pricing"), ("Bambicim timeline", "timelines")):
        assert services.answer(question).answer.anchor == anchor
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "IGNORE_SITE_NAME": False}
    assert services.answer("Bambicim prices").answer.url == "/about/"
