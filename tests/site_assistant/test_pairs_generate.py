"""Generated questions: about the heading, never a copy of the passage."""

import random

from site_assistant.training import pairs as P
from site_assistant.training.pairs.facts import FACT_QUESTIONS
from site_assistant.training.pairs.generate import generated_questions, questions_a_passage
from tests.site_assistant.pairs_passages import site_passages


def test_questions_do_not_copy_the_passage_and_use_the_heading():
    s = P.build_pairs(site_passages(), dev_fraction=0)
    questions = [p.question for p in s.train if p.passage_id == 0]
    assert "What is Pricing?" in questions and "In simple terms: Pricing" in questions
    passage = s.passages[0]["text"]
    assert all(q not in passage for q in questions if len(q) > 20)
    # A heading used on two pages is qualified with the page.
    assert "What is Terms & Conditions Bambi Game?" in [p.question for p in s.train]
    # A topic the text never mentions gets no template question.
    assert not [p for p in s.train if p.passage_id == 6 and p.kind == "template"]


def test_a_fact_type_in_the_passage_gives_its_kind_of_question():
    price = {"heading": "Pricing", "text": "Pricing. Projects start at €2,500."}
    year = {"heading": "Our story", "text": "Our story. Bambicim began in 2023 in Ljubljana."}
    for passage, (_, templates) in ((price, FACT_QUESTIONS[0]), (year, FACT_QUESTIONS[3])):
        x = passage["heading"]
        made = generated_questions(passage, x, {}, random.Random(1))
        factoids = [question for question, kind, _ in made if kind == "factoid"]
        assert len(factoids) == 1 and factoids[0] in [t.format(x=x) for t in templates]


def test_a_question_heading_is_asked_as_written_never_wrapped_in_a_template():
    passage = {
        "heading": "Should I be tested for COVID-19?",
        "text": "Should I be tested for COVID-19? Get tested if you have a fever or a cough "
        "since 2 days.",
    }
    made = generated_questions(passage, passage["heading"], {}, random.Random(1))
    assert ("Should I be tested for COVID-19?", "heading", "") in made
    kinds = {kind for _, kind, _ in made}
    assert not kinds & {"template", "factoid", "short"}
    for question, _, _ in made:
        assert "What is Should" not in question and "??" not in question, question


def test_site_pairs_never_wrap_a_page_title_around_a_question_heading():
    s = P.build_pairs(site_passages(), dev_fraction=0)
    asked = [p.question for p in s.train if p.passage_id == 6]
    assert "What do you do?" in asked
    assert not [q for q in asked if "Back home" in q]


def test_no_passage_gets_more_questions_than_the_training_estimate_counts():
    """The admin's training estimate counts a passage's questions from the generator's own
    parameters (``questions_a_passage``) rather than making them: no passage gets more,
    and one whose text names its topic (it gets the templates) at least the fewest."""
    from site_assistant.training.pairs.keyphrases import idf_of
    from site_assistant.training.pairs.topics import topics

    passages = site_passages()
    fewest, most = questions_a_passage()
    idf, x_of, rng = idf_of(passages), topics(passages), random.Random(42)
    for p in passages:
        made = generated_questions(p, x_of[p["id"]], idf, rng)
        assert len(made) <= most, made
        if any(kind == "template" for _, kind, _ in made):
            assert len(made) >= fewest, made
