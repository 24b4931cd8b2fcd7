"""Training pairs: deterministic, split by section, clean, every passage covered."""

import json

import pytest

from search.training import pairs as P


def _passages():
    rows = [
        (
            "/services/",
            "pricing",
            "Pricing",
            "Services — Bambicim",
            "Pricing. Projects start at €2,500. Small fixes are billed at €60 per hour.",
        ),
        (
            "/services/",
            "timelines",
            "Timelines",
            "Services — Bambicim",
            "Timelines. Most landing pages ship in 2 weeks; full web apps take 6 to 12 weeks.",
        ),
        (
            "/privacy/",
            "cookies",
            "Cookies",
            "Privacy Policy — Bambicim",
            "Cookies. We use only two cookies: a session cookie that holds your inventory, "
            "and a CSRF cookie that protects forms.",
        ),
        (
            "/privacy/",
            "hosting",
            "Hosting",
            "Privacy Policy — Bambicim",
            "Hosting. The site and its data are hosted in the EU.",
        ),
        (
            "/about/",
            "our-story",
            "Our story",
            "About — Bambicim",
            "Our story. Bambicim began in 2023 as a notebook of weekend experiments in Ljubljana.",
        ),
        (
            "/about/",
            "our-story",
            "Our story",
            "About — Bambicim",
            "Today Bambicim is Bambi plus a rotating crew of freelance friends.",
        ),
        (
            "/game/back-home/",
            "what-do-you-do",
            "What do you do?",
            "Back home — Bambi Game — Bambicim",
            "What do you do? Lay out your finds. Make a cup of tea and smile.",
        ),
        (
            "/terms/",
            "bambi-game",
            "Bambi Game",
            "Terms & Conditions — Bambicim",
            "Bambi Game. The Bambi Game is free to play, with no purchases.",
        ),
        (
            "/game/",
            "",
            "Bambi Game",
            "Bambi Game — Bambicim",
            "Bambi Game. Bambi Game is a tiny dress-up adventure: try on looks.",
        ),
        (
            "/contact/",
            "email-us",
            "Write to us",
            "Contact — Bambicim",
            "Write to us. Prefer email? Write to hello@bambicim.com.",
        ),
    ]
    return [
        {
            "id": i,
            "url": u,
            "anchor": a,
            "heading": h,
            "title": t,
            "text": x,
            "urls": [u],
            "position": i,
        }
        for i, (u, a, h, t, x) in enumerate(rows)
    ]


def _key(pair_set):
    return [(p.question, p.passage_id, p.kind) for p in pair_set.train + pair_set.dev]


def test_deterministic_for_a_seed():
    a = P.build_pairs(_passages(), seed=42, dev_fraction=0.3)
    b = P.build_pairs(list(reversed(_passages())), seed=42, dev_fraction=0.3)
    assert _key(a) == _key(b)
    c = P.build_pairs(_passages(), seed=7, dev_fraction=0.3)
    assert {p.passage_id for p in c.dev} != {p.passage_id for p in a.dev} or _key(a) != _key(c)


def test_split_by_section_no_passage_on_both_sides():
    s = P.build_pairs(_passages(), seed=1, dev_fraction=0.3)
    train_ids = {p.passage_id for p in s.train}
    dev_ids = {p.passage_id for p in s.dev}
    assert train_ids and dev_ids
    assert not train_ids & dev_ids
    # The two passages of /about/#our-story fall on the same side.
    assert ({4, 5} <= train_ids) or ({4, 5} <= dev_ids)
    # Dev relevance covers the whole section.
    assert s.relevant[4] == [4, 5]


def test_a_question_made_for_two_sections_counts_both_and_is_not_trained_on():
    """The owner files “bambi game” under the terms; the generator asks it of the game page."""
    extra = [P.Pair("bambi game", 7, "owner", "owner")]
    split_apart = 0
    for seed in range(12):
        s = P.build_pairs(_passages(), seed=seed, dev_fraction=0.5, extra=extra)
        asked = [p for p in s.train + s.dev if p.question.lower() == "bambi game"]
        assert {p.passage_id for p in asked} <= {7, 8}
        assert all(s.relevant_to(p) == [7, 8] for p in asked)
        dev_questions = {p.question.casefold() for p in s.dev}
        assert not [p for p in s.train if p.question.casefold() in dev_questions]
        split_apart += len({p.passage_id for p in s.dev if p in asked}) == 1
    assert split_apart  # some seed put one section in dev and the other in train


def test_a_question_two_dev_sections_answer_is_one_dev_question():
    """Asked of both pricing and timelines (the owner judged both answer it)."""
    extra = [P.Pair("how much and how long", pid, "owner", "owner") for pid in (0, 1)]
    together = 0
    for seed in range(12):
        s = P.build_pairs(_passages(), seed=seed, dev_fraction=0.5, extra=extra)
        dev = [p for p in s.dev if p.question == "how much and how long"]
        assert len(dev) <= 1
        assert all(s.relevant_to(p) == [0, 1] for p in dev)
        together += bool(dev) and {0, 1} <= {p.passage_id for p in s.dev}
    assert together  # some seed put both sections in dev


def test_a_key_phrase_question_counts_every_section_containing_the_phrase():
    s = P.build_pairs(_passages(), dev_fraction=0)
    pair = P.Pair("Tell me about bambi game", 8, "keyphrase", phrase="bambi game")
    assert s.relevant_to(pair) == [7, 8]
    # Without a phrase, the question's own section only (both passages of our-story).
    assert s.relevant_to(P.Pair("Who started it?", 4, "owner", "owner")) == [4, 5]


def test_an_owner_question_linked_to_a_page_counts_every_section_of_that_page():
    s = P.build_pairs(_passages(), dev_fraction=0)
    # "/privacy/" names the page: its cookies and hosting sections both answer.
    whole_page = P.Pair("Is my data safe with you?", 2, "owner", "owner", page="/privacy/")
    assert s.relevant_to(whole_page) == [2, 3]
    # "/privacy/#cookies" names one section.
    assert s.relevant_to(P.Pair("Do you use cookies?", 2, "owner", "owner")) == [2]


def test_key_phrases_stop_at_quotes():
    text = "Rose-gold hoops: choose “Try the hoops” in The mirror, then “Keep it”."
    phrases = P.key_phrases(text, {}, set(), limit=10)
    assert "choose try" not in phrases and "choose" in phrases


def test_key_phrases_end_in_a_topic_not_a_manner_or_an_action():
    text = "We tell you plainly what is done. Your data is hosted in Ljubljana at top speed."
    phrases = P.key_phrases(text, {"ljubljana": 3.0, "plainly": 4.0, "hosted": 4.0}, set(), 10)
    assert "ljubljana" in phrases and "speed" in phrases
    assert not [p for p in phrases if p.split()[-1] in ("plainly", "hosted")]


def test_removing_a_page_moves_at_most_one_other_section_across_the_split():
    """The split follows each section's own hash, not a shuffle of all of them."""

    def dev_sections(pair_set):
        return {P.section_key(pair_set.passages[p.passage_id]) for p in pair_set.dev}

    before = dev_sections(P.build_pairs(_passages(), seed=42, dev_fraction=0.3))
    fewer = [p for p in _passages() if p["url"] != "/contact/"]
    after = dev_sections(P.build_pairs(fewer, seed=42, dev_fraction=0.3))
    before.discard(("/contact/", "email-us"))
    assert len(before ^ after) <= 1, (before, after)


def test_every_passage_gets_questions_and_all_kinds_appear():
    s = P.build_pairs(_passages(), dev_fraction=0.2)
    covered = {p.passage_id for p in s.train + s.dev}
    assert covered == {p["id"] for p in _passages()}
    kinds = {p.kind for p in s.train + s.dev}
    assert {"template", "keyphrase", "keywords", "short", "misspelled"} <= kinds


def test_questions_do_not_copy_the_passage_and_use_the_heading():
    s = P.build_pairs(_passages(), dev_fraction=0)
    questions = [p.question for p in s.train if p.passage_id == 0]
    assert "What is Pricing?" in questions and "In simple terms: Pricing" in questions
    passage = s.passages[0]["text"]
    assert all(q not in passage for q in questions if len(q) > 20)
    # A heading used on two pages is qualified with the page.
    assert "What is Terms & Conditions Bambi Game?" in [p.question for p in s.train]
    # A topic the text never mentions gets no template question.
    assert not [p for p in s.train if p.passage_id == 6 and p.kind == "template"]


def test_misspelled_queries_are_deterministic_typos():
    import random

    a = P.misspell("What is Maintenance plans?", random.Random(3))
    b = P.misspell("What is Maintenance plans?", random.Random(3))
    assert a == b and a != "What is Maintenance plans?"
    assert abs(len(a) - len("What is Maintenance plans?")) <= 1


def test_no_markup_or_template_comment_in_any_pair():
    passages = _passages() + [
        {
            "id": 99,
            "url": "/game/inventory/",
            "anchor": "",
            "heading": "Your spoils & inventory",
            "title": "Inventory — Bambicim",
            "urls": ["/game/inventory/"],
            "position": 0,
            "text": "Your spoils & inventory {# show the clear button only when there are items #} "
            "Clear inventory × No items yet.",
        },
    ]
    extra = [P.Pair("<b>bold</b> question", 0, "owner", "owner"), P.Pair("fine one", 0, "owner")]
    s = P.build_pairs(passages, extra=extra)
    assert [x["id"] for x in s.skipped] == [99]
    for pair in s.train + s.dev:
        for text in (pair.question, s.passages[pair.passage_id]["text"]):
            assert P.is_clean(text), text
            assert "{#" not in text and "<" not in text
    assert "fine one" in [p.question for p in s.train + s.dev]
    with pytest.raises(P.DirtyPairError):
        P.assert_clean([P.Pair("{% if x %}", 0, "owner")], s.passages)


def test_mojibake_is_repaired():
    passages = _passages()
    passages[4]["text"] = "Our story. Bambicim is Bambiâ€™s playful studio in Ljubljana."
    s = P.build_pairs(passages, dev_fraction=0)
    assert "Bambi’s" in s.passages[4]["text"]


def test_page_questions_key_becomes_pairs():
    passages = _passages()
    passages[0]["questions"] = ["How much is a website?", "what do you charge"]
    s = P.build_pairs(passages, dev_fraction=0)
    page = [(p.question, p.passage_id) for p in s.train if p.source == "page"]
    assert page == [("How much is a website?", 0), ("what do you charge", 0)]


def test_example_questions_stored_with_a_passage_are_not_page_questions():
    """The index keeps the owner's questions with each passage ("example_questions",
    for phrase matches); they are pairs once, as the owner's, never also as the page's."""
    passages = _passages()
    passages[0]["example_questions"] = ["How much is a website?"]
    s = P.build_pairs(passages, dev_fraction=0)
    assert not [p for p in s.train if p.source == "page"]


@pytest.mark.django_db
def test_human_questions_from_examples_and_helpful_visitors():
    from search.models import ExampleQuestion, Question

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
    pairs, problems = P.human_questions(_passages())
    assert [(p.question, p.passage_id, p.source) for p in pairs] == [
        ("Do you have cookies?", 2, "owner"),
        ("Who are you?", 4, "owner"),
        ("where are servers", 3, "visitor"),
    ]
    # Only the link without a section names a whole page.
    assert [p.page for p in pairs] == ["", "/about/", ""]
    assert len(problems) == 1 and "/nowhere/" in problems[0]


def test_write_pairs_files(tmp_path):
    s = P.build_pairs(_passages(), dev_fraction=0.3)
    stats = P.write_pairs(s, tmp_path, origin="test")
    train = P.read_jsonl(tmp_path / "train.jsonl")
    dev = P.read_jsonl(tmp_path / "dev.jsonl")
    corpus = P.read_jsonl(tmp_path / "corpus.jsonl")
    assert len(train) == stats["train"]["pairs"] and len(dev) == stats["dev"]["pairs"]
    assert len(corpus) == len(_passages())
    assert {"question", "passage", "passage_id", "kind", "source"} <= set(train[0])
    assert all(set(map(str, d["relevant"])) <= {c["_id"] for c in corpus} for d in dev)
    sheet = (tmp_path / "datasheet.md").read_text()
    assert "Train:" in sheet and "What is X?" in sheet and "| template |" in sheet
    assert json.loads((tmp_path / "stats.json").read_text())["origin"] == "test"


def test_a_dev_question_about_a_whole_page_names_the_page(tmp_path):
    """search_evaluate ranks that page once, so the dev row has to say which page."""
    extra = [
        P.Pair("Is my data safe with you?", 2, "owner", "owner", page="/privacy/"),
        P.Pair("Do you use cookies?", 2, "owner", "owner"),
    ]
    s = P.build_pairs(_passages(), dev_fraction=0, extra=extra)
    s.dev, s.train = s.train, []
    P.write_pairs(s, tmp_path, origin="test")
    dev = {d["question"]: d for d in P.read_jsonl(tmp_path / "dev.jsonl")}
    assert dev["Is my data safe with you?"]["page"] == "/privacy/"
    assert dev["Is my data safe with you?"]["relevant"] == [2, 3]
    assert "page" not in dev["Do you use cookies?"]
    corpus = P.read_jsonl(tmp_path / "corpus.jsonl")
    assert corpus[2]["urls"] == ["/privacy/"]


def test_visitors_questions_are_never_quoted_and_can_be_dropped(tmp_path):
    """The question log deletes a visitor's words after 30 days; what is made
    from them must be able to forget them too (and never show them)."""
    visitor = "is the pink price negotiable for students"
    extra = [
        P.Pair(visitor, 0, "visitor", "visitor"),
        P.Pair("do you bill fixes hourly", 0, "owner", "owner"),
    ]
    s = P.build_pairs(_passages(), dev_fraction=0, extra=extra)
    P.write_pairs(s, tmp_path, origin="test")
    train = P.read_jsonl(tmp_path / "train.jsonl")
    # Last (a model card quotes the first rows), and counted, never quoted.
    assert train[-1]["question"] == visitor and train[-1]["source"] == "visitor"
    sheet = (tmp_path / "datasheet.md").read_text()
    assert visitor not in sheet and "Visitors' questions among them: 1." in sheet

    assert P.drop_visitor_questions(tmp_path) == 1
    after = P.read_jsonl(tmp_path / "train.jsonl")
    assert after == train[:-1]
    assert visitor not in "".join(p.read_text() for p in tmp_path.iterdir())
    assert P.drop_visitor_questions(tmp_path) == 0
