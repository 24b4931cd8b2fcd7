"""site_assistant.snippets: the sentence(s) that answer, labels as the breadcrumb, repeats once."""

import numpy as np
import pytest

from site_assistant import snippets
from site_assistant.extract import sentence_texts

PASSAGE = {
    "title": "Services — Example Studio",
    "heading": "Services › Pricing",
    "text": (
        "Pricing. Services. Every project starts with a call. Landing pages cost 900 EUR. "
        "Every project starts with a call. Shops start at 4,000 EUR."
    ),
}


def vectors_for(passage, best: str, second: str | None = None):
    """One made-up unit vector per sentence vector of ``passage``: ``best`` along the
    query, ``second`` nearly so, the rest orthogonal."""
    rows = sentence_texts(passage)
    out = np.zeros((len(rows), 4), dtype=np.float32)
    for i, sentence in enumerate(rows):
        if sentence == best:
            out[i] = [1, 0, 0, 0]
        elif sentence == second:
            out[i] = [0.97, 0.243, 0, 0]
        else:
            out[i] = [0, 0, 1, 0]
    return out


QUERY = np.array([1, 0, 0, 0], dtype=np.float32)


@pytest.fixture
def alone(settings):
    """Each sentence scored alone: the rules below are about the closest sentence."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "SNIPPET_NEIGHBOURS": False}


def test_the_snippet_is_the_best_sentence_highlighted_without_labels(alone):
    snippet = snippets.make(PASSAGE, vectors_for(PASSAGE, "Landing pages cost 900 EUR."), QUERY)
    start, end = snippet.highlights[0]
    assert snippet.text[start:end] == "Landing pages cost 900 EUR."
    # The heading lead and the page label are never snippet text...
    assert not snippet.text.startswith("Pricing") and "Services." not in snippet.text
    # ...they are the breadcrumb (the title is dropped: the heading names the page).
    assert snippets.breadcrumb(PASSAGE) == ["Services", "Pricing"]
    # A repeated sentence is shown once.
    assert snippet.text.count("Every project starts with a call.") <= 1
    assert len(snippet.text) <= 300


def test_two_near_best_sentences_apart_are_joined_by_an_ellipsis(alone):
    snippet = snippets.make(
        PASSAGE,
        vectors_for(PASSAGE, "Every project starts with a call.", "Shops start at 4,000 EUR."),
        QUERY,
    )
    assert snippet.text.startswith("Every project starts with a call.")
    assert " … Shops start at 4,000 EUR." in snippet.text or (
        "Landing pages cost 900 EUR. Shops start" in snippet.text
    )
    marked = [snippet.text[a:b] for a, b in snippet.highlights]
    assert marked == ["Every project starts with a call.", "Shops start at 4,000 EUR."]


def test_a_long_passage_is_cut_to_the_limit_around_its_best_sentence(settings):
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "SNIPPET_MAX_CHARS": 120,
        "SNIPPET_NEIGHBOURS": False,
    }
    filler = " ".join(f"Filler sentence number {n} says nothing much at all." for n in range(30))
    passage = {
        "title": "Long",
        "heading": "Long",
        "text": f"Long. {filler} The answer is forty-two. {filler}",
    }
    snippet = snippets.make(passage, vectors_for(passage, "The answer is forty-two."), QUERY)
    assert len(snippet.text) <= 120
    start, end = snippet.highlights[0]
    assert snippet.text[start:end] == "The answer is forty-two."


def test_a_question_the_copy_asks_brings_its_answer():
    passage = {
        "title": "FAQ",
        "heading": "FAQ",
        "text": "FAQ. How much does a site cost? From 900 EUR. Other things.",
    }
    snippet = snippets.make(passage, vectors_for(passage, "How much does a site cost?"), QUERY)
    assert snippet.text.startswith("How much does a site cost? From 900 EUR.")


def test_without_sentence_vectors_the_snippet_is_the_first_sentences():
    snippet = snippets.make(PASSAGE, None, QUERY)
    assert snippet.text.startswith("Every project starts with a call. Landing pages")
    assert snippet.highlights == []
    # Vectors that do not match the passage (an index of another build) are not trusted.
    wrong = np.zeros((2, 4), dtype=np.float32)
    assert snippets.make(PASSAGE, wrong, QUERY).highlights == []


PRICING = {
    "title": "Services",
    "heading": "Services › Pricing",
    "text": (
        "Pricing. How much does a website cost with us? Clear prices, agreed before we "
        "start: every build gets a fixed-scope proposal. Projects start at 2,500 EUR. "
        "Small fixes are billed per hour."
    ),
}


def test_a_sentence_that_asks_is_never_the_highlighted_answer():
    # The copy's own question is the closest sentence: what follows it answers.
    snippet = snippets.make(
        PRICING, vectors_for(PRICING, "How much does a website cost with us?"), QUERY
    )
    marked = [snippet.text[a:b] for a, b in snippet.highlights]
    assert marked and not any(m.endswith("?") for m in marked)
    assert marked[0].startswith("Clear prices")
    # ...and it stays in the snippet, before its answer, as context.
    assert snippet.text.startswith("How much does a website cost with us? Clear prices")


def test_a_question_asking_an_amount_leads_with_the_sentence_that_states_one():
    vectors = vectors_for(PRICING, "How much does a website cost with us?", "Clear prices, agreed")
    snippet = snippets.make(PRICING, vectors, QUERY, "How much is a landing page?")
    start, end = snippet.highlights[0]
    assert snippet.text[start:end] == "Projects start at 2,500 EUR."
    assert snippets.asks_for("prices") == ["amount"]
    for cheapest in ("whats the cheapest", "least expensive?", "affordable sites", "budgets"):
        assert snippets.asks_for(cheapest) == ["amount"], cheapest
    assert snippets.asks_for("When do you reply?") == ["time"]
    assert snippets.asks_for("Who made this site?") == []


def test_a_question_asking_a_time_leads_with_the_sentence_that_states_one():
    passage = {
        "title": "Contact",
        "heading": "Contact › What happens next",
        "text": (
            "What happens next. Write to us about your project and what you need. "
            "We reply within two business days. We never share your message."
        ),
    }
    vectors = vectors_for(passage, "Write to us about your project and what you need.")
    snippet = snippets.make(passage, vectors, QUERY, "when will you answer my message")
    start, end = snippet.highlights[0]
    assert snippet.text[start:end] == "We reply within two business days."


def test_answer_types_are_english_and_can_be_switched_off(settings):
    vectors = vectors_for(PRICING, "Clear prices, agreed")
    for changed in ({"SNIPPET_ANSWER_TYPES": False}, {"LANGUAGE": "de"}):
        settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, **changed}
        snippet = snippets.make(PRICING, vectors, QUERY, "How much is a landing page?")
        start, end = snippet.highlights[0]
        assert snippet.text[start:end].startswith("Clear prices")


def test_the_sentence_before_the_closest_leads_when_both_answer_together():
    # The closest sentence echoes the question's words; the one before it says what to do.
    passage = {
        "title": "Notes",
        "heading": "Notes",
        "text": "Notes. Press the star. Your note then stays pinned at the top. Notes sync daily.",
    }
    # One row a sentence of the text: the heading lead "Notes." first.
    vectors = np.array(
        [[0, 1, 0, 0], [0.5, 0.866, 0, 0], [0.6, 0, 0.8, 0], [0.3, 0, 0, 0.954]],
        dtype=np.float32,
    )
    snippet = snippets.make(passage, vectors, QUERY)
    marked = [snippet.text[a:b] for a, b in snippet.highlights]
    assert marked == ["Press the star.", "Your note then stays pinned at the top."]
    # A sentence alone is scored by its own closeness, as before.
    assert snippets.with_neighbours(np.array([0.7])).tolist() == [0.7]


def test_on_the_real_model_the_step_before_the_closest_sentence_is_shown():
    from site_assistant import embed

    cases = [
        (
            "How do I keep a recipe I like?",
            "Recipes change every week. Press the heart below any recipe. It then stays in "
            "your favourites, even after the recipe leaves the weekly menu. Favourites sync "
            "across your devices.",
            "Press the heart below any recipe.",
        ),
        (
            "How can I follow someone on Twitter without them knowing?",
            "Put them on a private list. You can then just visit the list to see their "
            "tweets. Lists are a handy feature for many other things too.",
            "Put them on a private list.",
        ),
    ]
    for question, text, answer in cases:
        passage = {"title": "Help", "heading": "Help", "text": text}
        vectors = embed.encode(sentence_texts(passage))
        snippet = snippets.make(
            passage, vectors, embed.encode([question], role="query")[0], question
        )
        assert answer in [snippet.text[a:b] for a, b in snippet.highlights], snippet


def test_on_the_real_model_a_line_of_labels_above_the_title_is_never_the_answer():
    """A kicker above a page's title ("Photo Walk · Inventory.", "City Tour · Stop 2 of 5.")
    says the page's labels again: the model found it closest to a question with the
    page's words, and it was highlighted as the answer."""
    from site_assistant import embed

    cases = [
        (
            {
                "title": "Inventory — Photo Walk — Example",
                "heading": "Your saved photos & albums",
                "text": "Photo Walk · Inventory. Your saved photos & albums. Every photo you "
                "save on the walk lands here. Your albums live in your browser only: nobody "
                "else can see them.",
            },
            "what is the photo walk inventory",
            "Photo Walk · Inventory.",
        ),
        (
            {
                "title": "Harbour — City Tour — Example",
                "heading": "Harbour",
                "text": "Harbour. City Tour · Stop 2 of 5. “Gulls and the smell of salt.” "
                "The old harbour, with fishing boats along the quay.",
            },
            "harbour stop of the city tour",
            "City Tour · Stop 2 of 5.",
        ),
    ]
    for passage, question, kicker in cases:
        vectors = embed.encode(sentence_texts(passage))
        snippet = snippets.make(
            passage, vectors, embed.encode([question], role="query")[0], question
        )
        assert snippet.highlights and kicker not in snippet.text, snippet
        # The passage keeps it: only the snippet leaves it out.
        assert kicker in passage["text"]
    # Short parts, one a label: a line of tags that names none is copy ("Free · no account").
    for line, kicker in [
        ("Photo Walk · Inventory.", True),
        ("Shop | Step 2 of 5", True),
        ("Free · no account · four scenes.", False),
        ("Photo Walk — our guide takes you round the old town's best corners for an hour", False),
    ]:
        labels = {"photo walk", "inventory", "shop"}
        assert snippets._kicker(snippets._key(line), labels) is kicker, line
