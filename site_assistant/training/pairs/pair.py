"""A pair (question → passage) and a set of them split into train and dev."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field

from ...examples import on_page
from .words import fold_question, fold_words

KINDS = (
    "heading",
    "template",
    "factoid",
    "keyphrase",
    "keywords",
    "short",
    "misspelled",
    "owner",
    "page",
    "visitor",
)


def section_key(passage: dict) -> tuple[str, str]:
    return (passage["url"], passage.get("anchor") or "")


@dataclass(frozen=True)
class Pair:
    question: str
    passage_id: int
    kind: str
    source: str = "generated"  # generated | owner | page | visitor
    # The key phrase a keyphrase question asks about: every section containing
    # it answers the question too.
    phrase: str = ""
    # The page a question names as a whole (the owner linked the page, no
    # section): every passage of that page answers it.
    page: str = ""


@dataclass
class PairSet:
    train: list[Pair]
    dev: list[Pair]
    # Passage id → ids of every passage of the same section.
    relevant: dict[int, list[int]]
    passages: dict[int, dict]
    seed: int
    dev_fraction: float
    skipped: list[dict] = field(default_factory=list)
    # Folded question → every passage it was made for (a question can be made
    # for several: "contact form" for the contact page and the privacy policy).
    asked_of: dict[str, set[int]] = field(default_factory=dict)

    def relevant_to(self, pair: Pair) -> list[int]:
        """Every passage that answers ``pair``'s question, whole sections at a time."""
        answering = {pair.passage_id, *self.asked_of.get(fold_question(pair.question), ())}
        if pair.phrase:
            answering |= {
                pid for pid, text in self._folded_texts.items() if f" {pair.phrase} " in text
            }
        if pair.page:
            answering |= {pid for pid, p in self.passages.items() if on_page(p, pair.page)}
        return sorted({rid for pid in answering for rid in self.relevant[pid]})

    @functools.cached_property
    def _folded_texts(self) -> dict[int, str]:
        return {pid: f" {fold_words(p['text'])} " for pid, p in self.passages.items()}

    def stats(self) -> dict:
        def count(pairs):
            return {
                "pairs": len(pairs),
                "passages": len({p.passage_id for p in pairs}),
                "by_kind": dict(sorted(Counter(p.kind for p in pairs).items())),
                "by_source": dict(sorted(Counter(p.source for p in pairs).items())),
            }

        return {
            "seed": self.seed,
            "dev_fraction": self.dev_fraction,
            "passages": len(self.passages),
            "skipped_passages": len(self.skipped),
            "train": count(self.train),
            "dev": {
                **count(self.dev),
                # Dev questions more than one section answers.
                "shared": sum(
                    1
                    for pair in self.dev
                    if len({section_key(self.passages[pid]) for pid in self.relevant_to(pair)}) > 1
                ),
            },
        }
