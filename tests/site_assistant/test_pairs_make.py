"""build_pairs and human_questions: deterministic, every passage covered, people's questions."""

import pytest

from site_assistant.training import pairs as P
from tests.site_assistant.pairs_passages import site_passages


def _key(pair_set):
    return [(p.question, p.passage_id, p.kind) for p in pair_set.train + pair_set.dev]


def test_deterministic_for_a_seed():
    a = P.build_pairs(site_passages(), seed=42, dev_fraction=0.3)
    b = P.build_pairs(list(reversed(site_passages())), seed=42, dev_fraction=0.3)
    assert _key(a) == _key(b)
    c = P.build_pairs(site_passages(), seed=7, dev_fraction=0.3)
    assert {p.passage_id for p in c.dev} != {p.passage_id for p in a.dev} or _key(a) != _key(c)


def test_every_passage_gets_questions_and_all_kinds_appear():
    s = P.build_pairs(site_passages(), dev_fraction=0.2)
    covered = {p.passage_id for p in s.train + s.dev}
    assert covered == {p["id"] for p in site_passages()}
    kinds = {p.kind for p in s.train + s.dev}
    assert {"template", "keyphrase", "keywords", "short", "misspelled"} <= kinds


def test_mojibake_is_repaired():
    passages = site_passages()
    passages[4]["text"] = "Our story. Bambicim is Bambiâ€™s playful studio in Ljubljana."
    s = P.build_pairs(passages, dev_fraction=0)
    assert "Bambi’s" in s.passages[4]["text"]


def test_page_questions_key_becomes_pairs():
    passages = site_passages()
    passages[0]["questions"] = ["How much is a website?", "what do you charge"]
    s = P.build_pairs(passages, dev_fraction=0)
    page = [(p.question, p.passage_id) for p in s.train if p.source == "page"]
    assert page == [("How much is a website?", 0), ("what do you charge", 0)]


def test_example_questions_stored_with_a_passage_are_not_page_questions():
    """The index keeps the owner's questions with each passage ("example_questions",
    for phrase matches); they are pairs once, as the owner's, never also as the page's."""
    passages = site_passages()
    passages[0]["example_questions"] = ["How much is a website?"]
    s = P.build_pairs(passages, dev_fraction=0)
    assert not [p for p in s.train if p.source == "page"]


@pytest.mark.django_db
def test_human_questions_from_examples_and_helpful_visitors():
    from site_assistant.models import ExampleQuestion, Question

    ExampleQuestion.objects.all().delete()  # the site's own, loaded by a migration
    ExampleQuestion.objects.create(question="Do you have cookies?", url="/privacy/#cookies")
    ExampleQuestion.objects.create(question="Who are you?", url="/about/")
    ExampleQuestion.objects.create(question="Gone page", url="/nowhere/")
    ExampleQuestion.objects.create(question="Inactive", url="/about/", active=False)
    hosting = "/privacy/#hosting"
    Question.objects.create(
        text="where are servers", top_url=hosting, helpful=True, training_approved=True
    )
    Question.objects.create(text="not helpful", top_url=hosting, helpful=False)
    # A "helpful" vote alone is not enough: anyone can ask anything and vote.
    Question.objects.create(text="servers location", top_url=hosting, helpful=True)
    # Approved, but the text holds personal data: never a pair.
    Question.objects.create(
        text="mail ana.k@example.com where servers are",
        top_url=hosting,
        helpful=True,
        training_approved=True,
    )
    pairs, problems = P.human_questions(site_passages())
    assert [(p.question, p.passage_id, p.source) for p in pairs] == [
        ("Do you have cookies?", 2, "owner"),
        ("Who are you?", 4, "owner"),
        ("where are servers", 3, "visitor"),
    ]
    # Only the link without a section names a whole page.
    assert [p.page for p in pairs] == ["", "/about/", ""]
    assert len(problems) == 1 and "/nowhere/" in problems[0]


@pytest.mark.django_db
@pytest.mark.usefixtures("built_index")
def test_a_page_withdrawn_since_the_build_gives_no_pairs(django_capture_on_commit_callbacks):
    """Unpublished or made private after the live index read it: its text trains
    no model until the next build leaves it out anyway."""
    from site_assistant import withdrawn

    before, _ = P.load_passages()
    assert any(p["url"] == "/terms/" for p in before)
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn.withdraw(["/terms/"])  # as unpublishing the page would
    after, origin = P.load_passages()
    assert origin.startswith("index ")
    assert not [p for p in after if p["url"] == "/terms/"]
    assert len(after) == len(before) - sum(p["url"] == "/terms/" for p in before)
    pair_set = P.build_pairs(after, dev_fraction=0.2)
    assert not [p for p in pair_set.train + pair_set.dev if "scrape" in p.question.lower()]
