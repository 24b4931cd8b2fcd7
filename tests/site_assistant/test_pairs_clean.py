"""No markup or template syntax in any pair."""

import pytest

from site_assistant.training import pairs as P
from site_assistant.training.pairs.clean import assert_clean, is_clean
from tests.site_assistant.pairs_passages import site_passages


def test_no_markup_or_template_comment_in_any_pair():
    passages = site_passages() + [
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
            assert is_clean(text), text
            assert "{#" not in text and "<" not in text
    assert "fine one" in [p.question for p in s.train + s.dev]
    with pytest.raises(P.DirtyPairError):
        assert_clean([P.Pair("{% if x %}", 0, "owner")], s.passages)
