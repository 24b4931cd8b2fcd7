"""Training pairs (question → passage) from the site's own passages.

Per passage, with ``X`` = the passage's topic (its heading, or the page title
for an intro passage):

- ``template``: the seed card's six templates ("What is X?", "How does X
  work?", "Explain X", "Summarize X", "Key points about X", "In simple
  terms: X"). The seed filled X with the passage's own text, so its questions
  copied the answer; here X is the heading.
- ``keyphrase``: questions about the passage's most distinctive phrases
  (highest IDF over all passages), e.g. "What about fixed-scope proposal?";
  a phrase ends in a topic word, not an -ly adverb or -ed participle
  ("plainly", "data hosted").
- ``keywords``: a keyword-only query ("proposal scope discovery").
- ``short``: one or two words, as typed in a hurry ("pricing").
- ``misspelled``: one of the above with a deterministic typo (swap, drop or
  double a letter).

Plus questions written by people: the owner's ExampleQuestion rows, a page's
``data-search-questions="q1|q2"`` attribute (carried as the passage key
``questions`` when extraction provides it), and logged visitor questions
whose answer was marked helpful.

Train and dev are split by *section* (url + anchor: every passage of a
section falls on the same side), so no passage has questions on both sides;
a seeded hash of each section's link decides, so the split stays put as pages
come and go.
Everything is deterministic for a given seed and set of passages.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from bm25s.stopwords import STOPWORDS_EN
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .. import conf
from ..examples import find_passage, on_page, split_link
from ..text import normalize

logger = logging.getLogger(__name__)

TEMPLATES = (
    "What is {x}?",
    "How does {x} work?",
    "Explain {x}",
    "Summarize {x}",
    "Key points about {x}",
    "In simple terms: {x}",
)
KEYPHRASE_TEMPLATES = (
    "What about {k}?",
    "Tell me about {k}",
    "{k}?",
    "Anything on {k}?",
    "Where can I read about {k}?",
    "Do you mention {k}?",
)
# Fact types and the questions people ask about them: teaches "how much" ↔ a
# price, "how long" ↔ a duration, "when" ↔ a year... ({x}: the passage's topic
# or a key phrase). General English, nothing site-specific.
FACT_QUESTIONS = (
    (
        re.compile(
            r"[€$£]\s?\d|\d\s?(?:€|eur\b|usd\b)|\bper (?:hour|month|year)\b|\bprices?\b", re.I
        ),
        ("How much does {x} cost?", "What do you charge for {x}?", "How expensive is {x}?"),
    ),
    (
        re.compile(
            r"\b\d+(?:\s*(?:-|to)\s*\d+)?[\s-]*(?:minutes?|hours?|days?|weeks?|months?|years?)\b",
            re.I,
        ),
        ("How long does {x} take?", "How long do you keep {x}?", "How soon is {x}?"),
    ),
    (
        re.compile(r"[\w.+-]+@[\w-]+\.\w+"),
        (
            "How do I contact you about {x}?",
            "Which email address is for {x}?",
            "Who do I write to about {x}?",
        ),
    ),
    (
        re.compile(r"\b(?:19|20)\d\d\b"),
        ("When did {x} start?", "Since when is {x}?", "What year was {x}?"),
    ),
    (
        re.compile(
            r"\b(?:free|no purchases?|no account|without (?:an? )?(?:account|warranty))\b", re.I
        ),
        ("Is {x} free?", "Do I have to pay for {x}?", "Do I need an account for {x}?"),
    ),
    (
        re.compile(r"\b(?:never|no|not|only)\b", re.I),
        ("Do you really {x}?", "Is it true about {x}?", "Does {x} happen?"),
    ),
)
KINDS = (
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
HEADING_SEPARATOR = " › "
TITLE_SEPARATORS = (" — ", " | ", " - ", " · ")

# Markup and template syntax that must never reach a pair (the seed's data had
# "{# show the clear button only when there are items #}" in a passage).
_MARKUP = re.compile(r"\{#|#\}|\{%|%\}|\{\{|\}\}|<!--|-->|</?[a-zA-Z][^>]*>")
_WORD = re.compile(r"[^\W_][\w’'.,€$£%/&+-]*[^\W_]|[^\W_]", re.UNICODE)
# Quotes and brackets end a clause wherever they stand (“Try the hoops” must not
# give "choose try"); other punctuation only before a space.
_CLAUSE = re.compile(r"[()\[\]“”\"]+\s*|[.,;:!?·…]+(?:\s|$)|\s[—–-]\s")
_STOP = (
    set(STOPWORDS_EN)
    | set(ENGLISH_STOP_WORDS)
    | {
        # Words too common on any site, or too vague, to make a question specific.
        "can",
        "will",
        "does",
        "did",
        "has",
        "just",
        "also",
        "get",
        "gets",
        "make",
        "makes",
        "use",
        "uses",
        "like",
        "want",
        "wants",
        "need",
        "needs",
        "let",
        "lets",
        "keep",
        "keeps",
        "take",
        "takes",
        "see",
        "put",
        "way",
        "ways",
        "thing",
        "things",
        "lot",
        "little",
        "really",
        "still",
        "anyway",
        "always",
        "usually",
        "every",
        "new",
        "good",
        "great",
        "big",
        "small",
        "tell",
        "ask",
        "know",
        "look",
        "looks",
        "right",
        "sure",
        "yes",
        "read",
        "note",
        "page",
        "pages",
    }
)


class DirtyPairError(ValueError):
    """A pair would carry template syntax or markup."""


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
        answering = {pair.passage_id, *self.asked_of.get(_fold_question(pair.question), ())}
        if pair.phrase:
            answering |= {
                pid for pid, text in self._folded_texts.items() if f" {pair.phrase} " in text
            }
        if pair.page:
            answering |= {pid for pid, p in self.passages.items() if on_page(p, pair.page)}
        return sorted({rid for pid in answering for rid in self.relevant[pid]})

    @functools.cached_property
    def _folded_texts(self) -> dict[int, str]:
        return {pid: f" {_fold_words(p['text'])} " for pid, p in self.passages.items()}

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


# --- text helpers ---------------------------------------------------------------------


def is_clean(text: str) -> bool:
    return not _MARKUP.search(text or "")


def assert_clean(pairs: Iterable[Pair], passages: dict[int, dict]) -> None:
    for pair in pairs:
        for text in (pair.question, passages[pair.passage_id]["text"]):
            if not is_clean(text):
                raise DirtyPairError(f"markup or template syntax in a pair: {text[:120]!r}")


def site_suffix(titles: Sequence[str]) -> str:
    """The part of page titles naming the site ("Example Shop"), if most titles share one."""
    tails = Counter()
    for title in titles:
        for sep in TITLE_SEPARATORS:
            if sep in title:
                tails[title.rsplit(sep, 1)[1].strip()] += 1
                break
    if not tails:
        return ""
    tail, n = tails.most_common(1)[0]
    return tail if n * 2 >= len(titles) else ""


def title_base(title: str, suffix: str) -> str:
    """ "Opening hours — Tea room — Example Shop" → "Opening hours"; the site's own title stays."""
    title = (title or "").strip()
    if suffix:
        for sep in TITLE_SEPARATORS:
            if title.endswith(sep + suffix):
                title = title[: -len(sep + suffix)].strip()
                break
    for sep in TITLE_SEPARATORS:
        if sep in title:
            head = title.split(sep, 1)[0].strip()
            if head:
                return head
    return title


def _leaf(heading: str) -> str:
    return (heading or "").split(HEADING_SEPARATOR)[-1].strip()


def words(text: str) -> list[str]:
    return _WORD.findall(text or "")


def _content(word: str) -> bool:
    w = word.lower()
    if any(c in w for c in "€$£%@"):
        return True
    if "’" in w or "'" in w:  # contractions: we’ll, you’re
        return False
    return len(w) > 2 and w not in _STOP and not w.isdigit()


# --- topics and key phrases -----------------------------------------------------------


def topics(passages: Sequence[dict]) -> dict[int, str]:
    """Passage id → X for the templates: heading leaf, qualified when ambiguous."""
    suffix = site_suffix([p.get("title", "") for p in passages])
    leaf_urls: dict[str, set[str]] = defaultdict(set)
    for p in passages:
        leaf_urls[_leaf(p.get("heading", "")).lower()].add(p["url"])
    out = {}
    for p in passages:
        leaf = _leaf(p.get("heading", ""))
        base = title_base(p.get("title", ""), suffix) or suffix
        if not leaf or leaf.endswith("?"):
            # Intro passages and question headings ("What do you do?") are about the page.
            x = base
        elif len(leaf_urls[leaf.lower()]) > 1 and base.lower() != leaf.lower():
            # The same heading on several pages ("Opening hours" on two shops' pages).
            x = f"{base} {leaf}"
        else:
            x = leaf
        out[p["id"]] = normalize(x.strip(" .:;!"))
    return out


def _idf(passages: Sequence[dict]) -> dict[str, float]:
    df = Counter()
    for p in passages:
        df.update({w.lower() for w in words(p["text"])})
    n = len(passages)
    return {w: math.log(1 + (n - d + 0.5) / (d + 0.5)) for w, d in df.items()}


def _not_a_topic_end(word: str) -> bool:
    """A topic ends in a noun; without a tagger, an -ly adverb or -ed participle is a
    safe guess that it does not ("speed" and "family" are nouns: -eed, -ily stay)."""
    w = word.lower()
    return len(w) > 4 and (
        (w.endswith("ed") and not w.endswith("eed")) or (w.endswith("ly") and not w.endswith("ily"))
    )


def key_phrases(text: str, idf: dict[str, float], skip: set[str], limit: int = 2) -> list[str]:
    """The passage's most distinctive runs of 1–3 content words, best first."""
    candidates: dict[str, float] = {}
    run: list[str] = []

    def flush():
        for size in (3, 2, 1):
            for i in range(0, max(0, len(run) - size + 1)):
                phrase = run[i : i + size]
                key = " ".join(w.lower() for w in phrase)
                if all(w.lower() in skip for w in phrase):
                    continue
                if size == 1 and len(key) < 5 and not any(c.isdigit() for c in key):
                    continue  # a short lone word says little ("fit", "toys")
                if _not_a_topic_end(phrase[-1]):
                    continue  # "plainly", "data hosted": a manner or an action, not a topic
                score = sum(idf.get(w.lower(), 0.0) for w in phrase) / (1 + 0.35 * (size - 1))
                # The lead of a passage says what it is about: earlier clauses count more.
                score /= 1 + 0.1 * clause_index
                if key not in candidates or candidates[key] < score:
                    candidates[key] = score
        run.clear()

    # Phrases never cross a clause boundary (punctuation, dash, bracket, quote).
    for clause_index, clause in enumerate(_CLAUSE.split(text or "")):  # noqa: B007
        for token in words(clause):
            if _content(token):
                run.append(token.strip(".,"))
            else:
                flush()
        flush()
    chosen: list[str] = []
    used: set[str] = set()
    for phrase, _ in sorted(candidates.items(), key=lambda kv: (-kv[1], kv[0])):
        ws = set(phrase.split())
        if ws & used:
            continue
        chosen.append(phrase)
        used |= ws
        if len(chosen) == limit:
            break
    return chosen


def keywords(text: str, idf: dict[str, float], limit: int = 3) -> list[str]:
    seen: dict[str, float] = {}
    for token in words(text):
        w = token.lower().strip(".,")
        if _content(w):
            seen[w] = idf.get(w, 0.0)
    return [w for w, _ in sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def misspell(text: str, rng: random.Random) -> str:
    """One deterministic typo in one of the longer words (swap, drop or double a letter)."""
    tokens = text.split(" ")
    choices = [i for i, t in enumerate(tokens) if sum(c.isalpha() for c in t) >= 5]
    if not choices:
        return text
    i = rng.choice(choices)
    word = tokens[i]
    letters = [j for j in range(1, len(word) - 1) if word[j].isalpha() and word[j + 1].isalpha()]
    if not letters:
        return text
    j = rng.choice(letters)
    op = rng.choice(("swap", "drop", "double"))
    if op == "swap":
        word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    elif op == "drop":
        word = word[:j] + word[j + 1 :]
    else:
        word = word[:j] + word[j] + word[j:]
    tokens[i] = word
    return " ".join(tokens)


# --- generation -----------------------------------------------------------------------


def _body(passage: dict) -> str:
    """The passage text without its leading heading (HEADING_IN_TEXT puts it there)."""
    text = passage["text"]
    leaf = _leaf(passage.get("heading", ""))
    if leaf and text.startswith(leaf):
        text = text[len(leaf) :].lstrip(" .:")
    return text


def _fold_words(text: str) -> str:
    """Lower-case words joined by single spaces, for whole-phrase containment."""
    return " ".join(w.lower().strip(".,") for w in words(text))


def _fold_question(question: str) -> str:
    return normalize(question).casefold()


def _content_words(text: str) -> list[str]:
    return [w.lower().strip(".,") for w in words(text) if _content(w)]


def generated_questions(
    passage: dict, x: str, idf: dict[str, float], rng: random.Random
) -> list[tuple[str, str, str]]:
    """(question, kind, key phrase or "") for one passage."""
    out: list[tuple[str, str, str]] = []
    text_words = set(_content_words(passage["text"]))
    x_words = _content_words(x)
    # A topic the passage's own text never mentions (a scene page whose heading
    # is "What do you do?") cannot be found from the text: no template for it.
    about_x = bool(x_words) and any(w in text_words for w in x_words)
    if about_x:
        out += [(t.format(x=x), "template", "") for t in TEMPLATES]
    body = _body(passage)
    phrases = key_phrases(body, idf, set(x_words)) or key_phrases(passage["text"], idf, set())
    for phrase in phrases:
        out.append((rng.choice(KEYPHRASE_TEMPLATES).format(k=phrase), "keyphrase", phrase))
    # A fact question asks about the passage's topic: a key phrase found beside
    # a price or a date is rarely what the price or date is for ("How long do
    # you keep hello@example.com?").
    for pattern, templates in FACT_QUESTIONS[:-1]:
        if about_x and pattern.search(body):
            out.append((rng.choice(templates).format(x=x), "factoid", ""))
    # Keyword query: the topic's words plus the best phrase's, as people type them.
    kws = list(dict.fromkeys((x_words if about_x else [])[:2] + " ".join(phrases[:1]).split()))
    kws = kws[:3] or keywords(body, idf)
    if kws:
        out.append((" ".join(kws), "keywords", ""))
    if about_x:
        out.append((x.lower(), "short", ""))
    typo_sources = ([f"What is {x}?"] if about_x else []) + ([" ".join(kws)] if kws else [])
    for question in typo_sources:
        typo = misspell(question, rng)
        if typo != question:
            out.append((typo, "misspelled", ""))
    return out


def section_key(passage: dict) -> tuple[str, str]:
    return (passage["url"], passage.get("anchor") or "")


def _split_rank(key: tuple[str, str], seed: int) -> str:
    url, anchor = key
    return hashlib.sha256(f"{seed}:{url}#{anchor}".encode()).hexdigest()


def build_pairs(
    passages: Sequence[dict],
    seed: int = 42,
    dev_fraction: float = 0.2,
    extra: Iterable[Pair] = (),
) -> PairSet:
    """All pairs, split train/dev by section. ``extra``: questions written by people."""
    if not 0 <= dev_fraction < 1:
        raise ValueError("dev_fraction must be in [0, 1)")
    clean, skipped = [], []
    for p in sorted(passages, key=lambda p: (p["url"], p.get("position", 0), p["id"])):
        p = {**p, "text": normalize(p["text"]), "heading": normalize(p.get("heading", ""))}
        if not p["text"] or not is_clean(p["text"]):
            skipped.append({"id": p["id"], "url": p["url"], "reason": "markup or empty"})
            continue
        clean.append(p)
    if not clean:
        raise ValueError("no passages to make pairs from")
    by_id = {p["id"]: p for p in clean}
    rng = random.Random(seed)
    idf = _idf(clean)
    x_of = topics(clean)

    pairs: list[Pair] = []
    for p in clean:
        for question, kind, phrase in generated_questions(p, x_of[p["id"]], idf, rng):
            pairs.append(Pair(normalize(question), p["id"], kind, phrase=phrase))
        for question in p.get("questions") or []:
            pairs.append(Pair(normalize(question), p["id"], "page", "page"))
    for pair in extra:
        if pair.passage_id in by_id:
            pairs.append(replace(pair, question=normalize(pair.question)))
    # Same question for the same passage once; drop empty and dirty questions.
    unique, seen = [], set()
    for pair in pairs:
        key = (pair.question.lower(), pair.passage_id)
        if pair.question and key not in seen and is_clean(pair.question):
            seen.add(key)
            unique.append(pair)

    sections: dict[tuple[str, str], list[int]] = defaultdict(list)
    for p in clean:
        sections[section_key(p)].append(p["id"])
    # Sections in the order of a seeded hash of their link: a section's side does
    # not depend on the others, so adding or removing a page moves at most one
    # section across the boundary (a shuffle would redraw the whole split).
    keys = sorted(sections, key=lambda key: _split_rank(key, seed))
    n_dev = round(len(keys) * dev_fraction)
    if dev_fraction and len(keys) > 1:
        n_dev = max(1, min(n_dev, len(keys) - 1))
    dev_keys = set(keys[:n_dev])
    dev_ids = {pid for key in dev_keys for pid in sections[key]}

    # A question two dev sections answer is one dev question, scored against
    # both (relevant_to): counted twice, it would weigh double in the metrics.
    dev, dev_questions = [], set()
    for pair in unique:
        folded = _fold_question(pair.question)
        if pair.passage_id in dev_ids and folded not in dev_questions:
            dev_questions.add(folded)
            dev.append(pair)
    # A question asked of a dev passage is not trained on for another passage:
    # the dev set would be scoring a question the model was taught to send elsewhere.
    train = [
        pair
        for pair in unique
        if pair.passage_id not in dev_ids and _fold_question(pair.question) not in dev_questions
    ]
    asked_of: dict[str, set[int]] = defaultdict(set)
    for pair in unique:
        asked_of[_fold_question(pair.question)].add(pair.passage_id)
    relevant = {p["id"]: sorted(sections[section_key(p)]) for p in clean}
    result = PairSet(
        train, dev, relevant, by_id, seed, dev_fraction, skipped, asked_of=dict(asked_of)
    )
    assert_clean(result.train + result.dev, by_id)
    return result


# --- where passages and human questions come from ---------------------------------------


def load_passages() -> tuple[list[dict], str]:
    """Passages of the live index (else the Passage table) and where they came from."""
    from ..index import IndexNotReady, load_current

    try:
        current = load_current()
        if current.passages:
            return [dict(p) for p in current.passages], f"index {current.version}"
    except IndexNotReady:
        pass
    from ..models import Passage

    rows = list(Passage.objects.order_by("url", "position", "pk"))
    passages = [
        {
            "id": p.vector_id if p.vector_id is not None else p.pk,
            "text": p.text,
            "title": p.title,
            "heading": p.heading,
            "url": p.url,
            "anchor": p.anchor,
            "urls": [p.url],
            "position": p.position,
        }
        for p in rows
    ]
    return passages, "Passage table"


def _find_passage(passages: Sequence[dict], url: str, anchor: str, text: str = "") -> int | None:
    position = find_passage(passages, url, anchor, text)
    return None if position is None else passages[position]["id"]


def human_questions(passages: Sequence[dict]) -> tuple[list[Pair], list[str]]:
    """Pairs from the owner's ExampleQuestion rows and helpful visitor questions.

    Returns (pairs, problems): a question whose URL matches no passage is
    reported, not silently dropped.
    """
    from ..models import ExampleQuestion, Question

    pairs, problems = [], []
    for example in ExampleQuestion.objects.filter(active=True).order_by("pk"):
        url, anchor = split_link(example.url)
        pid = _find_passage(passages, url, anchor)
        if pid is None:
            problems.append(f"example question #{example.pk} {example.url!r}: no such passage")
            continue
        # A link without a section names the whole page as the answer.
        page = "" if anchor else url
        pairs.append(Pair(example.question, pid, "owner", "owner", page=page))
    for question in Question.objects.filter(helpful=True).exclude(top_url="").order_by("pk"):
        url, anchor = split_link(question.top_url)
        pid = _find_passage(passages, url, anchor, question.top_text)
        if pid is not None:
            pairs.append(Pair(question.text, pid, "visitor", "visitor"))
    return pairs, problems


# --- files ----------------------------------------------------------------------------


def _write_jsonl(path: Path, rows: Iterable[dict]) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def write_pairs(pair_set: PairSet, out: Path, origin: str = "", problems=()) -> dict:
    """train.jsonl, dev.jsonl, corpus.jsonl and datasheet.md in ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    passages = pair_set.passages
    _write_jsonl(
        out / "train.jsonl",
        (
            {
                "question": p.question,
                "passage": passages[p.passage_id]["text"],
                "passage_id": p.passage_id,
                "kind": p.kind,
                "source": p.source,
            }
            # Visitor questions last: the model card sentence-transformers writes
            # quotes the first rows, and a visitor's words must not outlive the log.
            for p in sorted(pair_set.train, key=lambda p: p.source == "visitor")
        ),
    )
    _write_jsonl(
        out / "dev.jsonl",
        (
            {
                "qid": f"q{i}",
                "question": p.question,
                "passage_id": p.passage_id,
                "relevant": pair_set.relevant_to(p),
                "kind": p.kind,
                "source": p.source,
                # A question about a page as a whole: the page is its one answer.
                **({"page": p.page} if p.page else {}),
            }
            for i, p in enumerate(pair_set.dev)
        ),
    )
    _write_jsonl(
        out / "corpus.jsonl",
        (
            {
                "_id": str(pid),
                "title": p.get("title", ""),
                "heading": p.get("heading", ""),
                "url": p["url"],
                # The pages it was merged from: a page question's answer is on each.
                "urls": p.get("urls") or [p["url"]],
                "anchor": p.get("anchor", ""),
                "text": p["text"],
                "questions": p.get("questions") or [],
            }
            for pid, p in sorted(passages.items())
        ),
    )
    stats = pair_set.stats()
    stats["origin"] = origin
    stats["created"] = datetime.now(UTC).isoformat(timespec="seconds")
    (out / "stats.json").write_text(json.dumps(stats, indent=2))
    (out / "datasheet.md").write_text(datasheet(pair_set, origin, problems))
    return stats


def datasheet(pair_set: PairSet, origin: str = "", problems=()) -> str:
    s = pair_set.stats()
    lines = [
        "# Training pairs: datasheet",
        "",
        f"- Passages: {s['passages']} (from {origin or 'the given passages'}); "
        f"skipped: {s['skipped_passages']} (markup or empty text).",
        f"- Split by section (url + anchor), seed {s['seed']}, dev fraction "
        f"{s['dev_fraction']}: no passage has questions on both sides, and no dev question "
        "is trained on (for another passage).",
        f"- Train: {s['train']['pairs']} pairs over {s['train']['passages']} passages.",
        f"- Dev: {s['dev']['pairs']} questions over {s['dev']['passages']} passages; a dev "
        "question's relevant passages are every passage of its section, of any other section "
        "the same question was made for, for a key-phrase question, of every section "
        "containing the phrase, and, for an owner's question linked to a page rather than a "
        "section, of every section of that page, which search_evaluate ranks once, as one "
        f"answer, where its best passage is ({s['dev']['shared']} dev questions have more than "
        "one section); the corpus is every passage.",
        "",
        "| kind | train | dev | what |",
        "|---|---:|---:|---|",
    ]
    what = {
        "template": "the seed card's templates with X = the heading: "
        + ", ".join(f"“{t.format(x='X')}”" for t in TEMPLATES),
        "factoid": "a question of the type the passage's facts answer (a price → “How much does "
        "X cost?”, a duration → “How long does X take?”, an e-mail, a year, “free”)",
        "keyphrase": "a question about a distinctive phrase (top IDF, ending in a topic word): "
        + ", ".join(f"“{t.format(k='K')}”" for t in KEYPHRASE_TEMPLATES),
        "keywords": "the passage's three most distinctive words",
        "short": "the topic alone, lower case",
        "misspelled": "a template or keyword query with one typo (swap, drop or double)",
        "owner": "the owner's example questions (admin: Example questions)",
        "page": "data-search-questions on the page",
        "visitor": "visitor questions whose answer was marked helpful",
    }
    for kind in KINDS:
        tr = s["train"]["by_kind"].get(kind, 0)
        dv = s["dev"]["by_kind"].get(kind, 0)
        if tr or dv or kind in ("template", "owner", "visitor"):
            lines.append(f"| {kind} | {tr} | {dv} | {what[kind]} |")
    lines += [
        "",
        "Every pair is checked: no template syntax ({# #}, {% %}, {{ }}), no HTML tag or "
        "comment; text is repaired with ftfy (no mojibake) and de-duplicated.",
    ]
    if problems:
        lines += ["", "## Problems", ""] + [f"- {p}" for p in problems]
    if pair_set.skipped:
        lines += ["", "## Skipped passages", ""] + [
            f"- #{s['id']} {s['url']}: {s['reason']}" for s in pair_set.skipped
        ]
    visitors = sum(1 for p in [*pair_set.train, *pair_set.dev] if p.source == "visitor")
    if visitors:
        lines += [
            "",
            f"Visitors' questions among them: {visitors}. The question log deletes them after "
            f"{conf.get('LOG_RETENTION_DAYS')} days: a training run removes their text from the "
            "pairs it keeps with the model, and a folder written by `search_make_pairs` should "
            "be deleted once it has been used.",
        ]
    lines += ["", "## Samples (train)", ""]
    rng = random.Random(pair_set.seed)
    own = [p for p in pair_set.train if p.source != "visitor"]  # never a visitor's words
    for pair in rng.sample(own, min(8, len(own))):
        passage = pair_set.passages[pair.passage_id]["text"]
        lines.append(f"- ({pair.kind}) “{pair.question}” → “{passage[:90]}…”")
    return "\n".join(lines) + "\n"


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def drop_visitor_questions(folder: Path) -> int:
    """Remove visitors' questions from a pairs folder's JSONL files; return how many.

    The question log deletes a visitor's question after LOG_RETENTION_DAYS
    (the privacy policy's promise); a model folder keeps its pairs for good,
    so once a training run is over it keeps only the generated and the
    owner's ones. The datasheet's counts stay; it never quotes a visitor.
    """
    removed = 0
    for path in sorted(Path(folder).glob("*.jsonl")):
        rows = read_jsonl(path)
        kept = [row for row in rows if row.get("source") != "visitor"]
        if len(kept) < len(rows):
            removed += len(rows) - len(kept)
            _write_jsonl(path, kept)
    return removed


def as_dict(pair: Pair) -> dict:
    return asdict(pair)
