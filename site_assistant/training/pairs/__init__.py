"""Training pairs (question → passage) from the site's own passages.

Per passage, with ``X`` = the passage's topic (its heading, or the page title
for an intro passage; ``topics``):

- ``template``: the seed card's six templates with X = the heading (``templates``).
- ``factoid``: a question of the type the passage's facts answer, a price →
  "How much does X cost?" (``facts``).
- ``keyphrase``: questions about the passage's most distinctive phrases
  (highest IDF over all passages), e.g. "What about fixed-scope proposal?";
  a phrase ends in a topic word, not an -ly adverb or -ed participle
  ("plainly", "data hosted") (``keyphrases``).
- ``keywords``: a keyword-only query ("proposal scope discovery").
- ``short``: one or two words, as typed in a hurry ("pricing").
- ``misspelled``: one of the above with a deterministic typo (swap, drop or
  double a letter; ``typos``).

``generate`` makes these for one passage. Plus questions written by people:
the owner's ExampleQuestion rows (``owner``), a page's
``data-search-questions="q1|q2"`` attribute (carried as the passage key
``questions`` when extraction provides it), and logged visitor questions
whose answer was marked helpful (``visitors``, which also forgets them).
Passages may also come from another corpus (``corpus``: a BEIR folder or a
JSONL of passages), without the site's questions.

``make.build_pairs`` cleans (``clean``), de-duplicates and splits them train
and dev by *section* (``split``); ``files`` writes a pairs folder and
``datasheet`` its datasheet.md. Everything is deterministic for a given seed
and set of passages.
"""

from ..forget import drop_visitor_questions
from ..jsonl import read_jsonl
from .clean import DirtyPairError
from .corpus import CorpusError, corpus_file, read_corpus
from .files import made_from_site, write_pairs
from .make import build_pairs, human_questions
from .pair import Pair, PairSet, section_key
from .passages import load_passages

__all__ = [
    "CorpusError",
    "corpus_file",
    "DirtyPairError",
    "Pair",
    "PairSet",
    "build_pairs",
    "drop_visitor_questions",
    "human_questions",
    "load_passages",
    "made_from_site",
    "read_corpus",
    "read_jsonl",
    "section_key",
    "write_pairs",
]
