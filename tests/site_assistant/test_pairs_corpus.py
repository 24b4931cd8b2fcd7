"""Pairs from another corpus: a BEIR folder or any JSONL of passages, and its errors."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from site_assistant.training import pairs as P

FAQ = [
    ("f1a", "Should I be tested for COVID-19?", "Get tested if you have a fever or a cough."),
    ("f1b", "Should I be tested for COVID-19?", "Testing is free at any pharmacy."),
    ("f2a", "How do I delete my account", "Open Settings, choose Account, then Delete."),
    ("f3a", "Strikethrough in Markdown", "Wrap the words in two tildes on each side."),
    ("f4a", "Can I pay by card? [closed]", "We take Visa and Mastercard, never cash."),
    ("f5a", "Shipping times", "Parcels arrive within 3 working days in the EU."),
]


def write_corpus(folder, rows=FAQ, name="corpus.jsonl"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        "".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in rows)
    )
    return path


def test_a_beir_folder_and_a_jsonl_of_passages_read_the_same(tmp_path):
    folder = tmp_path / "beir"
    path = write_corpus(folder)
    from_folder, from_file = P.read_corpus(folder), P.read_corpus(path)
    assert from_folder == from_file and len(from_folder) == len(FAQ)
    first = from_folder[0]
    # The title leads the text, as search_evaluate --beir embeds "title text".
    assert (
        first["text"]
        == "Should I be tested for COVID-19? Get tested if you have a fever or a cough."
    )
    # Both answers of one FAQ question are one section.
    assert from_folder[0]["url"] == from_folder[1]["url"] != from_folder[2]["url"]
    other = tmp_path / "plain.jsonl"
    other.write_text(json.dumps({"id": 7, "text": "No title here."}) + "\n")
    assert P.read_corpus(other)[0]["id"] == "7"


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no corpus.jsonl in this folder"),
        ("", "no passages"),
        ("{not json\n", ":1: not JSON"),
        ('{"title": "T", "text": "x"}\n', ":1: no _id"),
        ('{"_id": "a", "text": "x"}\n{"_id": "a", "text": "y"}\n', ":2: id 'a' appears twice"),
        ('{"_id": "a", "title": "T"}\n', ":1: no text"),
        ('["a", "b"]\n', ":1: expected an object"),
    ],
)
def test_a_missing_or_malformed_corpus_is_one_line(tmp_path, content, message):
    folder = tmp_path / "beir"
    folder.mkdir()
    if content is not None:
        (folder / "corpus.jsonl").write_text(content)
    with pytest.raises(P.CorpusError, match=message) as info:
        P.read_corpus(folder)
    assert "\n" not in str(info.value)
    with pytest.raises(P.CorpusError, match="no such file or folder"):
        P.read_corpus(tmp_path / "nowhere.jsonl")


def test_pairs_from_a_faq_corpus_ask_question_titles_as_written(tmp_path):
    pair_set = P.build_pairs(P.read_corpus(write_corpus(tmp_path)), dev_fraction=0)
    questions = [p.question for p in pair_set.train]
    assert "Should I be tested for COVID-19?" in questions
    assert "How do I delete my account?" in questions  # a question without its mark
    assert "Can I pay by card?" in questions  # without the [closed] tag
    assert "What is Strikethrough in Markdown?" in questions  # a topic, not a question
    for q in questions:
        assert "??" not in q and "What is Should" not in q and "What is How" not in q, q
        assert "[closed]" not in q, q


@pytest.mark.django_db
def test_search_make_pairs_from_a_corpus_writes_only_the_given_folder(tmp_path, own_index_dir):
    out = StringIO()
    call_command(
        "search_make_pairs",
        "--corpus",
        str(write_corpus(tmp_path / "beir").parent),
        "--out",
        str(tmp_path / "pairs"),
        stdout=out,
    )
    assert "from 6 passages (corpus " in out.getvalue()
    stats = json.loads((tmp_path / "pairs" / "stats.json").read_text())
    assert stats["site"] is False and not P.made_from_site(tmp_path / "pairs")
    # Nothing written where the site keeps its index (the fixture's link to the
    # session's exports is all there is).
    assert [p.name for p in own_index_dir.iterdir()] == ["onnx"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, message",
    [
        (["--corpus", "{tmp}/nowhere"], "nowhere: no such file or folder"),
        (["--corpus", "{tmp}/bad.jsonl", "--out", "{tmp}/p"], "bad.jsonl:1: not JSON"),
        (["--corpus", "{tmp}/bad.jsonl"], "--corpus needs --out"),
    ],
)
def test_search_make_pairs_with_a_bad_corpus_is_one_line(tmp_path, args, message):
    (tmp_path / "bad.jsonl").write_text("{oops\n")
    args = [a.format(tmp=tmp_path) for a in args]
    if "--out" not in args and "needs" not in message:
        args += ["--out", str(tmp_path / "p")]
    with pytest.raises(CommandError, match=message) as info:
        call_command("search_make_pairs", *args, stdout=StringIO())
    assert "\n" not in str(info.value)
