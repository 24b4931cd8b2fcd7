"""A pair set: which passages answer a question."""

from site_assistant.training import pairs as P
from tests.site_assistant.pairs_passages import site_passages


def test_a_key_phrase_question_counts_every_section_containing_the_phrase():
    s = P.build_pairs(site_passages(), dev_fraction=0)
    pair = P.Pair("Tell me about bambi game", 8, "keyphrase", phrase="bambi game")
    assert s.relevant_to(pair) == [7, 8]
    # Without a phrase, the question's own section only (both passages of our-story).
    assert s.relevant_to(P.Pair("Who started it?", 4, "owner", "owner")) == [4, 5]


def test_an_owner_question_linked_to_a_page_counts_every_section_of_that_page():
    s = P.build_pairs(site_passages(), dev_fraction=0)
    # "/privacy/" names the page: its cookies and hosting sections both answer.
    whole_page = P.Pair("Is my data safe with you?", 2, "owner", "owner", page="/privacy/")
    assert s.relevant_to(whole_page) == [2, 3]
    # "/privacy/#cookies" names one section.
    assert s.relevant_to(P.Pair("Do you use cookies?", 2, "owner", "owner")) == [2]
