"""A pairs folder: train, dev, corpus, stats and datasheet."""

import json

from site_assistant.training import pairs as P
from tests.site_assistant.pairs_passages import site_passages


def test_write_pairs_files(tmp_path):
    s = P.build_pairs(site_passages(), dev_fraction=0.3)
    stats = P.write_pairs(s, tmp_path, origin="test")
    train = P.read_jsonl(tmp_path / "train.jsonl")
    dev = P.read_jsonl(tmp_path / "dev.jsonl")
    corpus = P.read_jsonl(tmp_path / "corpus.jsonl")
    assert len(train) == stats["train"]["pairs"] and len(dev) == stats["dev"]["pairs"]
    assert len(corpus) == len(site_passages())
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
    s = P.build_pairs(site_passages(), dev_fraction=0, extra=extra)
    s.dev, s.train = s.train, []
    P.write_pairs(s, tmp_path, origin="test")
    dev = {d["question"]: d for d in P.read_jsonl(tmp_path / "dev.jsonl")}
    assert dev["Is my data safe with you?"]["page"] == "/privacy/"
    assert dev["Is my data safe with you?"]["relevant"] == [2, 3]
    assert "page" not in dev["Do you use cookies?"]
    corpus = P.read_jsonl(tmp_path / "corpus.jsonl")
    assert corpus[2]["urls"] == ["/privacy/"]
