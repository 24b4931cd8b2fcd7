"""Text rules: where a sentence ends."""

import random
import string
import unicodedata

import ftfy

from site_assistant.text import normalize, question_key, split_sentences, strip_invisible


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


def test_invisible_characters_that_change_how_a_question_reads_are_dropped():
    """A right-to-left override made "moc.liamg@nhoj" show as an email address in the
    admin; a zero-width space made "how much" another question to the duplicate checks."""
    spoof = "Do you hire helmets? \u202emoc.liamg@nhoj em liame"
    assert strip_invisible(spoof) == "Do you hire helmets? moc.liamg@nhoj em liame"
    marks = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    hidden = "\u200b\u2060\ufeff\u00ad\u180e\U000e0041\u200c\u200d"
    for mark in marks + hidden:
        assert strip_invisible(f"how{mark} much") == "how much", repr(mark)
    assert question_key("how\u200b much?") == question_key("How much")


def test_right_to_left_questions_and_the_joiners_that_shape_words_are_kept():
    kept = [
        "هل يشمل استئجار الدراجة خوذة؟",
        "מה שעות הפתיחה של חדר התה?",
        "می\u200cخواهم یک وبسایت",  # Persian: the non-joiner parts two letters of a word
        "\U0001f469\u200d\U0001f4bb or \u0915\u094d\u200d\u0937",  # emoji; Devanagari
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f flag",
    ]
    for text in kept:
        assert strip_invisible(text) == text


def test_printable_ascii_is_normalized_as_ftfy_would():
    """``normalize`` leaves printable ASCII with no entity to itself (ftfy, the slow
    part of a question besides the model, has nothing to repair there): the same
    text as ftfy + NFC make of it, and an entity is still read."""

    def through_ftfy(text):
        text = ftfy.fix_text(text, uncurl_quotes=False, fix_latin_ligatures=False)
        return " ".join(unicodedata.normalize("NFC", text).split())

    rng = random.Random(7)
    printable = string.printable[:95]  # letters, digits, punctuation, the space
    texts = ["".join(rng.choice(printable) for _ in range(rng.randint(1, 60))) for _ in range(3000)]
    texts += ["  How   much?? ", "<b>bold</b> & co", "Tom &amp; Jerry", "a;b &lt;c&gt;", "x\tY\n"]
    for text in texts:
        assert normalize(text) == through_ftfy(text), repr(text)
    assert normalize("Tom &amp; Jerry") == "Tom & Jerry"
    assert normalize("cafe\u0301  menu") == "caf\u00e9 menu"
