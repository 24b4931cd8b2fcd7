"""Key phrases: distinctive, within a clause, ending in a topic."""

from site_assistant.training.pairs.keyphrases import key_phrases


def test_key_phrases_stop_at_quotes():
    text = "Rose-gold hoops: choose “Try the hoops” in The mirror, then “Keep it”."
    phrases = key_phrases(text, {}, set(), limit=10)
    assert "choose try" not in phrases and "choose" in phrases


def test_key_phrases_end_in_a_topic_not_a_manner_or_an_action():
    text = "We tell you plainly what is done. Your data is hosted in Ljubljana at top speed."
    phrases = key_phrases(text, {"ljubljana": 3.0, "plainly": 4.0, "hosted": 4.0}, set(), 10)
    assert "ljubljana" in phrases and "speed" in phrases
    assert not [p for p in phrases if p.split()[-1] in ("plainly", "hosted")]
