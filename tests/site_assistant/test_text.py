"""Text rules: where a sentence ends."""

from site_assistant.text import question_key, split_sentences


def test_a_name_with_an_abbreviation_stays_in_its_sentence():
    text = "Bakery. Crumb & Co. is a small family bakery on Mill Lane. We bake at dawn."
    assert split_sentences(text) == [
        "Bakery.",
        "Crumb & Co. is a small family bakery on Mill Lane.",
        "We bake at dawn.",
    ]


def test_a_quoted_question_followed_by_a_lowercase_word_does_not_end_the_sentence():
    assert split_sentences("Try “when do you close?” or ask us. Fine!") == [
        "Try “when do you close?” or ask us.",
        "Fine!",
    ]


def test_a_question_typed_again_has_the_same_key():
    assert question_key(" How  much is a SHOP? ") == question_key("how much is a shop")
    assert question_key("how much is a shop?") != question_key("how much is a shoe?")
