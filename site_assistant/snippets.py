"""The snippet that answers: the passage's best sentence(s) for a question.

A passage is a whole section, led by its heading ("Pricing. Landing pages
from 900 EUR. ..."); the sentence that answers can be its last line. The
snippet is the sentence whose vector (the index's sentence vectors, see
SITE_ASSISTANT["SENTENCE_VECTORS"]) is closest to the question, plus the next best
when it is nearly as close and both fit in SITE_ASSISTANT["SNIPPET_MAX_CHARS"], in
the order the passage says them, joined by " … " when not side by side. The
character ranges of those sentences in the snippet text are what to
highlight. Labels — the passage's heading, its page's title and headings —
are never snippet text: they are the breadcrumb. Nor is a line that strings
labels together, a kicker above a page's title ("Example Shop · Orders.",
"Guide | Step 2 of 5."): short parts joined by " · ", " | ", " — ", " › "…, one
of them a label. A sentence the passage repeats is shown once.

Closeness alone favours the sentence that restates the question: "How much
does a website cost with us?" is nearer to "How much is a landing page?"
than "Projects start at €2,500." So two rules come first:

- A sentence that asks is not an answer. It lends its closeness to the
  sentence after it (an FAQ's answer) and is shown before that one as
  context, not highlighted.
- Answer types (English, SITE_ASSISTANT["LANGUAGE"] "en"; SITE_ASSISTANT["SNIPPET_ANSWER_TYPES"]):
  a question that asks for an amount ("how much", "price", "cost", "cheapest",
  "affordable", "budget"…) or a time ("when", "how long", "opening hours"…)
  is answered by a sentence that states one (a number, a currency, a number
  word; a weekday, a month, a unit of time). When the passage has such
  sentences, the snippet leads with the closest of them.

A sentence is read with its neighbours (SITE_ASSISTANT["SNIPPET_NEIGHBOURS"]): its
closeness plus its closer neighbour's, so the two side-by-side sentences that
answer together lead ("Put them on a private list. You can then visit the list
to see their tweets." for "follow someone without them knowing": the first
says the answer, the second says the question's words).

Without sentence vectors (or for an index whose sentence rows do not match
its passages) the snippet is the passage's first sentences.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import numpy as np

from . import conf, page_labels
from .extract import HEADING_SEPARATOR, sentence_texts
from .text import sentence_spans

# The best sentence plus others that score within this of it.
NEAR_BEST = 0.05
ELLIPSIS = " … "
_TITLE_PARTS = re.compile(r"\s+[—–|·-]\s+")
# What parts a page's title where a label's words are compared: "About — Example".
_TITLE_SEPARATOR = re.compile(r"\s+[—|–]\s+")
# A kicker's parts ("Example Shop · Step 2 of 5"): what joins labels on a page.
_KICKER_PARTS = re.compile(r"\s+[—–|·›»•/]\s+")
# A kicker's part is a label or a short tag ("Step 2 of 5"), not a clause.
KICKER_PART_WORDS = 6

_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|hundred|thousand|million|dozen|half|once|twice"
)
_TIME_WORDS = (
    r"minutes?|hours?|days?|weeks?|months?|years?|weekdays?|weekends?|mondays?|tuesdays?|"
    r"wednesdays?|thursdays?|fridays?|saturdays?|sundays?|january|february|march|april|may|"
    r"june|july|august|september|october|november|december|today|tomorrow|tonight|daily|"
    r"weekly|monthly|yearly|annually|noon|midnight|morning|evening"
)
# (what a question asks for, what a sentence that answers it states), English.
ANSWER_TYPES = {
    "amount": (
        re.compile(
            # Word stems: "cheapest", "least expensive", "affordable", "budgets" ask too.
            r"\b(how (much|many)|prices?|priced|pricing|costs?|costing|fees?|rates?|budget\w*|"
            r"charges?|charged|(in)?expensive|cheap\w*|afford\w*|quotes?)\b",
            re.I,
        ),
        re.compile(rf"\d|[€$£¥]|\b(free|{_NUMBER_WORDS})\b", re.I),
    ),
    "time": (
        re.compile(
            r"\b(when|how (long|soon|often|quickly|fast)|what time|which days?|opening|"
            r"hours|deadline|until|timeline|turnaround)\b",
            re.I,
        ),
        re.compile(rf"\d|\b({_NUMBER_WORDS}|{_TIME_WORDS})\b", re.I),
    ),
}


@dataclass(frozen=True)
class Snippet:
    text: str
    # (start, end) character ranges of ``text`` to highlight.
    highlights: list[tuple[int, int]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"text": self.text, "highlights": [list(r) for r in self.highlights]}


def _key(text: str) -> str:
    return " ".join(text.strip().rstrip(".!?…:;").split()).casefold()


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _says(heading: str, page: str, *, anywhere: bool) -> bool:
    """Whether ``heading`` says ``page``'s words, in any case and punctuation: at its start
    ("Welcome" in "Welcome to Example"), or with ``anywhere`` anywhere ("Your spoils &
    inventory" says "Inventory")."""
    label, words = _words(page), _words(heading)
    starts = range(len(words) - len(label) + 1) if anywhere else range(1)
    return bool(label) and any(words[i : i + len(label)] == label for i in starts)


def breadcrumb(passage: dict, page: str = "") -> list[str]:
    """Where the passage sits, as every interface shows it (the API's ``breadcrumb``, the
    widget's and the search page's "Contact › Write to us", the admin's section names:
    ``sections.where`` joins it): its page, then the headings down to its section's own.

    The page is ``page`` (its title's label among the site's titles: ``page_labels``),
    else its title without the last part ("Services — Example": "Services"). What names
    the page is said once: a top heading that is a part of the title ("Services" under
    "Services — Example") is the page; a top heading that only adds to the label ("About
    Example" under "About", "Your spoils & inventory" under "Inventory": the site's name,
    the page's own words) is left out for it; a heading below that leads with the label
    ("Services › Pricing for teams" on "Pricing") says it in its place. The page's top
    heading (its h1, "Say hello" on "Contact") is left out above a section below it: the
    page's name stands for it ("Contact › Write to us"); a passage under the h1 itself
    keeps it ("Contact › Say hello"). The passage's ``heading`` keeps the whole path."""
    crumbs = _crumbs(passage, page)
    if not crumbs:
        return []
    path = passage.get("heading") or ""
    top = (path.split(HEADING_SEPARATOR) if isinstance(path, str) else [*path, ""])[0].strip()
    # The top heading under the page's label, above the section's own: the label says it.
    below = crumbs[2:] if len(crumbs) > 2 and crumbs[0] != top == crumbs[1] else crumbs[1:]
    # A heading that says the title's words again ("About Example" on "About — Example").
    repeats = {_label_words(crumbs[0]), _label_words(passage.get("title") or "")}
    return [crumbs[0], *(label for label in below if _label_words(label) not in repeats)]


def _label_words(label: str) -> str:
    """A label's words in any case, without a title's separators or a closing stop:
    "About — Example" and "About Example." are the same words."""
    return " ".join(" ".join(_TITLE_SEPARATOR.split(label)).split()).casefold().rstrip(".!?…:;")


def _crumbs(passage: dict, page: str) -> list[str]:
    """The page and the whole heading path, each name once (``breadcrumb``)."""
    path = passage.get("heading") or ""
    parts = path.split(HEADING_SEPARATOR) if isinstance(path, str) else list(path)
    parts = [part.strip() for part in parts if part.strip()]
    title = (passage.get("title") or "").strip()
    # "Services — Example" above "Services › Pricing": the heading already names the page.
    if parts and _key(parts[0]) in {_key(p) for p in _TITLE_PARTS.split(title)}:
        title = ""
    elif title:
        title = page or page_labels.label(title)
        if parts and _says(parts[0], title, anywhere=True):
            parts = parts[1:]
        elif any(_says(part, title, anywhere=False) for part in parts[1:]):
            title = ""
    crumbs, seen = [], set()
    for label in [title, *parts]:
        label = label.strip()
        if label and _key(label) not in seen:
            seen.add(_key(label))
            crumbs.append(label)
    return crumbs


def _label_keys(passage: dict) -> set[str]:
    keys = {_key(label) for label in _crumbs(passage, "")}
    heading = passage.get("heading") or ""
    parts = heading.split(HEADING_SEPARATOR) if isinstance(heading, str) else list(heading)
    keys |= {_key(part) for part in parts}
    title = passage.get("title") or ""
    keys |= {_key(part) for part in _TITLE_PARTS.split(title)}
    return keys - {""}


def _kicker(sentence: str, labels: set[str]) -> bool:
    """Whether ``sentence`` only strings labels together: two or more short parts joined
    by a label separator, one of them one of ``labels`` ("Example Shop · Orders.")."""
    parts = _KICKER_PARTS.split(sentence.strip())
    return (
        len(parts) > 1
        and all(0 < len(_words(part)) <= KICKER_PART_WORDS for part in parts)
        and any(_key(part) in labels for part in parts)
    )


def candidates(passage: dict) -> list[tuple[int, int, int | None]]:
    """(start, end, sentence row) of each sentence a snippet may show, in text order.

    The row is the sentence's position among ``sentence_texts(passage)`` (its
    vector), None for a sentence without one. Labels, lines of labels (a kicker)
    and repeats are left out.
    """
    text = passage["text"]
    labels, seen, out, row = _label_keys(passage), set(), [], 0
    for start, end in sentence_spans(text):
        has_vector = bool(sentence_texts({"text": text[start:end]}))
        key = _key(text[start:end])
        if key and key not in labels and key not in seen and not _kicker(key, labels):
            seen.add(key)
            out.append((start, end, row if has_vector else None))
        if has_vector:
            row += 1
    return out


@dataclass(frozen=True)
class Prepared:
    """What a passage's snippets need that no question changes (``prepare``): worked
    out once a passage rather than for each question it answers (a serving process
    keeps them per index version: ``services``)."""

    # candidates(passage)
    found: list[tuple[int, int, int | None]]
    # How many sentence vectors the passage has (len(sentence_texts(passage))).
    rows: int
    # breadcrumb(passage, page)
    breadcrumb: tuple[str, ...]
    # Whether each candidate asks (a question the copy asks: see _closeness).
    asking: tuple[bool, ...]


def prepare(passage: dict, page: str = "") -> Prepared:
    """``page``: the label of the passage's page (``breadcrumb``)."""
    found = candidates(passage)
    return Prepared(
        found,
        sum(1 for _ in sentence_texts(passage)),
        tuple(breadcrumb(passage, page)),
        tuple(_asks(passage["text"][a:b]) for a, b, _ in found),
    )


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:—–-")
    return cut + "…"


def asks_for(question: str) -> list[str]:
    """The answer types ``question`` asks for ("amount", "time"), by ANSWER_TYPES."""
    if not question or not conf.get("SNIPPET_ANSWER_TYPES"):
        return []
    if not str(conf.get("LANGUAGE") or "").lower().startswith("en"):
        return []
    return list(_asked_types(question))


@functools.lru_cache(maxsize=256)
def _asked_types(question: str) -> tuple[str, ...]:
    # Once a question, not once for each of its hits.
    return tuple(name for name, (asks, _) in ANSWER_TYPES.items() if asks.search(question))


def _asks(sentence: str) -> bool:
    return sentence.rstrip().rstrip("\"'”’)").endswith("?")


def with_neighbours(scores: np.ndarray) -> np.ndarray:
    """Each sentence's closeness plus its closer neighbour's (``scores`` in text order)."""
    if len(scores) < 2:
        return scores
    neighbour = np.maximum(
        np.concatenate([[-np.inf], scores[:-1]]), np.concatenate([scores[1:], [-np.inf]])
    )
    return scores + neighbour


def _closeness(text: str, found, scores, question: str, asking=None) -> list[float]:
    """Each candidate's claim to lead the snippet (see the module's rules); ``asking``:
    whether each asks, when known (``Prepared.asking``)."""
    best = [float(scores[r]) if r is not None else -1.0 for _, _, r in found]
    if asking is None:
        asking = [_asks(text[a:b]) for a, b, _ in found]
    if all(asking):
        return best
    for i in range(len(found) - 1):
        if asking[i] and not asking[i + 1]:
            best[i + 1] = max(best[i + 1], best[i])
    best = [-1.0 if ask else b for ask, b in zip(asking, best, strict=True)]
    for name in asks_for(question):
        states = ANSWER_TYPES[name][1]
        typed = [
            not ask and bool(states.search(text[a:b]))
            for (a, b, _), ask in zip(found, asking, strict=True)
        ]
        if any(typed):
            # Sentences that state none rank after every one that does.
            best = [b if t else b - 2.0 for b, t in zip(best, typed, strict=True)]
            break
    return best


def make(
    passage: dict,
    sentence_vectors: np.ndarray | None,
    query_vector,
    question: str = "",
    prepared: Prepared | None = None,
) -> Snippet:
    """The snippet of ``passage`` for the question whose vector is ``query_vector``.

    ``sentence_vectors``: the passage's rows of the sentence index without its
    label rows (one per ``sentence_texts(passage)``), or None. ``question``:
    its text, for the answer types. ``prepared``: ``prepare(passage)``, when kept.
    """
    limit = conf.get("SNIPPET_MAX_CHARS")
    text = passage["text"]
    prepared = prepared or prepare(passage)
    found = prepared.found
    if not found:
        return Snippet(_cut(text, limit), [])
    rows = prepared.rows
    scores = None
    if sentence_vectors is not None and len(sentence_vectors) == rows and rows:
        scores = sentence_vectors @ np.asarray(query_vector, dtype=np.float32)
        if conf.get("SNIPPET_NEIGHBOURS"):
            scores = with_neighbours(scores)
    if scores is None:
        order = list(range(len(found)))  # text order: the passage's first sentences
    else:
        best = _closeness(text, found, scores, question, prepared.asking)
        order = sorted(range(len(found)), key=lambda i: -best[i])
        order = [order[0]] + [i for i in order[1:] if best[i] >= best[order[0]] - NEAR_BEST]
    chosen = [order[0]]
    used = found[order[0]][1] - found[order[0]][0]
    for i in order[1:]:
        extra = found[i][1] - found[i][0] + len(ELLIPSIS)
        if used + extra > limit:
            if scores is None:
                break
            continue
        chosen.append(i)
        used += extra
    marked = set(chosen) if scores is not None else set()
    # A question the copy asks ("How much does a site cost? From 900 EUR.")
    # stays before its answer, as context.
    for asked in [i - 1 for i in chosen] if scores is not None else []:
        if asked >= 0 and asked not in chosen:
            start, end, _ = found[asked]
            if _asks(text[start:end]) and used + end - start + 1 <= limit:
                chosen.append(asked)
                used += end - start + 1
    # A short snippet goes on with the sentences after it, as context (not highlighted).
    after = max(chosen) + 1
    while scores is not None and used < limit // 2 and after < len(found):
        extra = found[after][1] - found[after][0] + 1
        if after not in chosen:
            if used + extra > limit:
                break
            chosen.append(after)
            used += extra
        after += 1
    chosen.sort()
    pieces, highlights, previous = [], [], None
    for i in chosen:
        start, end, _ = found[i]
        sentence = _cut(text[start:end], limit)
        if pieces:
            pieces.append(" " if previous is not None and previous == i - 1 else ELLIPSIS)
        at = sum(len(p) for p in pieces)
        pieces.append(sentence)
        if i in marked:
            highlights.append((at, at + len(sentence)))
        previous = i
    return Snippet("".join(pieces), highlights)
