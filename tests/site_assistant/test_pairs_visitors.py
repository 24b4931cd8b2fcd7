"""Visitors' questions: trained on, never quoted, forgotten."""

from site_assistant.training import pairs as P
from tests.site_assistant.pairs_passages import site_passages


def test_visitors_questions_are_never_quoted_and_can_be_dropped(tmp_path):
    """The question log deletes a visitor's words after 30 days; what is made
    from them must be able to forget them too (and never show them)."""
    visitor = "is the pink price negotiable for students"
    extra = [
        P.Pair(visitor, 0, "visitor", "visitor"),
        P.Pair("do you bill fixes hourly", 0, "owner", "owner"),
    ]
    s = P.build_pairs(site_passages(), dev_fraction=0, extra=extra)
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
