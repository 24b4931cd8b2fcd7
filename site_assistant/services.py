"""The only door for queries: ``search()``, ``answer()``, ``index_status()``.

Widget, search page, API, admin and commands all call these. A query is
embedded with the *index's own* model (recorded in its meta.json), so a query
vector and the passage vectors always come from the same model.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
from django.utils.translation import gettext

from . import (
    conf,
    declined,
    embed,
    index,
    language,
    lexical,
    page_labels,
    script_prefix,
    site_name,
    sites,
    small_talk,
    snippets,
    withdrawn,
)
from .examples import PassageFinder, split_link
from .index import IndexNotReady, looked_in, no_index_yet
from .memo import PerVersion
from .spelling import Speller
from .text import compose, normalize, question_key, strip_invisible

__all__ = [
    "Answer",
    "Hit",
    "IndexNotReady",
    "ModelNotReady",
    "ModelUnavailable",
    "answer",
    "index_status",
    "looked_in",
    "no_index_yet",
    "search",
    "warm_up",
]


class ModelNotReady(IndexNotReady):
    """The live index's model has no ONNX export in this process's reach yet: it is being
    made in the background (embed.export_in_background), not in the request."""


class ModelUnavailable(IndexNotReady):
    """The live index's model cannot be read (its files damaged or gone since the build:
    ``embed.ModelUnreadable``, the cause): nothing can be answered until it is put back or
    another model is served. Not the visitor's question's fault: it read as a 400 that
    showed the model's folder."""


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hit:
    text: str
    title: str
    heading: str
    url: str
    anchor: str
    score: float
    passage_id: int
    # The sentence(s) of ``text`` that answer the question (site_assistant.snippets).
    snippet: snippets.Snippet | None = None
    # Where the passage sits: page title, then its heading path.
    breadcrumb: tuple[str, ...] = ()
    # A later piece of a long section: the fragment of its own first words
    # (site_assistant.extract.piece_fragment); "" for a section's first piece.
    piece_anchor: str = ""

    @property
    def link(self) -> str:
        """The section's link: what names it (example questions, the questions log,
        feedback, one hit a section)."""
        return f"{self.url}#{self.anchor}" if self.anchor else self.url

    @property
    def read_more(self) -> str:
        """Where "Read more" goes: the section's link, or for a later piece of a long
        section, its own first words on the page (``/guide/#care:~:text=…``)."""
        return f"{self.url}#{self.piece_anchor}" if self.piece_anchor else self.link

    def for_visitor(self, request=None) -> Hit:
        """The hit as a visitor of ``request`` opens its links: its ``url`` under the script
        prefix the request was served under ("/portal/prices/"; site_assistant.script_prefix).
        What names the section (the questions log, example questions) is the hit itself."""
        url = script_prefix.add(self.url, request)
        return self if url == self.url else replace(self, url=url)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "title": self.title,
            "heading": self.heading,
            "url": self.url,
            "anchor": self.anchor,
            "score": round(self.score, 4),
            "snippet": self.snippet.to_dict() if self.snippet else None,
            "breadcrumb": list(self.breadcrumb),
            "read_more": self.read_more,
        }


@dataclass(frozen=True)
class Answer:
    query: str
    answer: Hit | None
    results: list[Hit]
    index_version: str
    model_id: str
    took_ms: float
    # The query as searched, when typo tolerance respelled a word (else None).
    corrected: str | None = None
    # The threshold the best score had to reach (see min_score).
    min_score: float = 0.0
    # The question's language when it is confidently not the index's
    # (site_assistant.language): no answer and no results then, and it was not
    # respelled.
    language: str | None = None
    # The reply to small talk ("thanks", "hi": site_assistant.small_talk): no
    # search ran, so no answer and no results; the message is not logged.
    reply: str | None = None
    # The site the visitor was answered from (site_assistant.sites): its hostname
    # ("beta.example", never a port: a site moved to another port is the same site)
    # when the index has pages on several sites and the visitor is on another than
    # the default one, else sites.DEFAULT (""). ``site_link`` links on it.
    site: str = sites.DEFAULT
    # The question the owner said the site does not answer (site_assistant.declined) that
    # this one is, or is a close paraphrase of: no answer then, whatever scored.
    declined: str | None = None

    def for_visitor(self, request=None) -> Answer:
        """The answer as a visitor of ``request`` opens its links (``Hit.for_visitor``)."""
        return replace(
            self,
            answer=self.answer.for_visitor(request) if self.answer else None,
            results=[hit.for_visitor(request) for hit in self.results],
        )


class _QueryCache:
    """Recent query vectors per model: a repeated question skips the model."""

    def __init__(self, size=512):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            vector = self.items.get(key)
            if vector is not None:
                self.items.move_to_end(key)
            return vector

    def put(self, key, vector):
        with self.lock:
            self.items[key] = vector
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_query_vectors = _QueryCache()
_faiss_threads_set = False
_spellers: PerVersion[Speller] = PerVersion()
_examples: PerVersion[dict[str, int]] = PerVersion()


def speller(version: index.IndexVersion) -> Speller:
    """The typo corrector of an index version: its passages' words + its model's vocabulary.

    Only the words of passages a visitor may still be shown: a page withdrawn since the
    build (site_assistant.withdrawn) lends no word to "Did you mean …", which would
    show a word of a page made private. Made again when what is withdrawn changes."""
    hidden = withdrawn.paths(version.content_read)
    key = f"{version.version} {sorted(hidden)}" if hidden else version.version
    return _spellers.get(
        key,
        lambda: Speller.for_passages(
            [row for row in version.passages if withdrawn.visible_urls(row, hidden)],
            version.model_ref or embed.active_model_ref(),
        ),
    )


def example_answer(version: index.IndexVersion, *queries: str) -> int | None:
    """The passage an owner's example question names when a query is that very question.

    An exact example question is the owner's word on what answers it: it is
    answered with that section first, whatever else scores close. A question
    two sections both claim names neither (the scores decide).
    """
    found = _examples.get(version.version, lambda: _example_positions(version.passages))
    for query in queries:
        position = found.get(question_key(query))
        if position is not None:
            return position
    return None


def _example_positions(passages: list[dict]) -> dict[str, int]:
    """{question_key: passage position} of the example questions one section claims."""
    found, claimed = {}, {}
    for position, row in enumerate(passages):
        for question in row.get("example_questions") or ():
            key = question_key(question)
            claimed.setdefault(key, set()).add((row.get("url", ""), row.get("anchor") or ""))
            found.setdefault(key, position)
    return {key: position for key, position in found.items() if key and len(claimed[key]) == 1}


def respell(version: index.IndexVersion, query: str, spell: Speller | None = None) -> str:
    """``query`` with typos fixed (SITE_ASSISTANT["TYPO_TOLERANCE"]), else as it is.

    ``spell``: ``speller(version)`` when the caller has it. A caller with many questions
    of one version passes it: a process memoizes one version's speller, and a build's
    calibration (the new version) asking it per question while visitors ask the live
    version made each speller again for every question of either.
    """
    if not conf.get("TYPO_TOLERANCE"):
        return query
    return (spell or speller(version)).correct(query)


# What makes a question something to search for: a character of one of these Unicode
# general categories (letters, digits, symbols), as the server's own Unicode tables
# (``unicodedata``) have it. The API's schema spells them out (site_assistant.api).
WORD_CATEGORIES = frozenset("LNS")


def is_word_character(ch: str) -> bool:
    """Whether ``ch`` is a letter, digit or symbol (``WORD_CATEGORIES``)."""
    return unicodedata.category(ch)[0] in WORD_CATEGORIES


def question_length(query: str) -> int:
    """How many characters ``query`` counts as against MAX_QUERY_CHARS: as it looks,
    composed (Unicode NFC), a combining mark (an accent typed apart, a vowel sign) not
    counted on its own. "é" is one however it is typed, and a character that NFC spells
    as several ("\ufb2c", a Hebrew letter with its points) one: never more than the
    characters sent, so a question within the limit as sent is within it as counted."""
    composed = unicodedata.normalize("NFC", query)
    return sum(1 for ch in composed if unicodedata.category(ch)[0] != "M")


def clean_query(query) -> str:
    """The question normalized, or ValueError with a message a visitor can act on.

    The one set of rules for every interface (the API, the search page, the
    widget, ``search_ask``, Try a question): text, without the invisible characters
    that change how it reads (``text.strip_invisible``), 1–MAX_QUERY_CHARS characters
    after trimming, counted as they look (``question_length``), valid text (no U+FFFD
    left by undecodable bytes), and something to search for (``is_word_character``).

    What is checked is the question as sent: what it is searched as passes the same checks
    (``answer`` cleans it again). Where repairing it as mislabelled text (``normalize``'s
    ftfy) would leave it refused ("×æ" read as the bytes of U+05FF, which is no letter),
    it is taken as sent, composed.
    """
    query = _checked(query)
    searched = normalize(query)
    try:
        _checked(searched)
    except ValueError:
        return compose(query)
    return searched


def _checked(query) -> str:
    """``query`` without invisible characters, trimmed, or ValueError: ``clean_query``'s
    checks."""
    if not isinstance(query, str):
        raise ValueError(gettext("The question must be text."))
    # Stored, shown and searched as it looks: no bidi override makes it read otherwise.
    query = strip_invisible(query).strip()
    limit = conf.get("MAX_QUERY_CHARS")
    if not query:
        raise ValueError(gettext("Ask something: the question is empty."))
    # Counted as it is seen: "é" typed decomposed ("e" and a combining accent, as macOS
    # may send it) is one character, not two.
    length = question_length(query)
    if length > limit:
        raise ValueError(
            gettext("The question is too long (%(length)s characters): at most %(limit)s, please.")
            % {"length": length, "limit": limit}
        )
    try:
        query.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(gettext("The question is not valid text.")) from None
    if "\x00" in query:
        raise ValueError(gettext("The question is not valid text."))
    # U+FFFD stands for bytes that were not UTF-8: Django decodes a query string or
    # form body with errors="replace", so "?q=%ff%fe" arrives as "\ufffd\ufffd". What
    # was asked is lost; a question made of it would be answered and logged as "��".
    if "\ufffd" in query:
        raise ValueError(
            gettext(
                "The question has characters that could not be read (it is not UTF-8 text). "
                "Please type it again."
            )
        )
    # Only invisible characters or punctuation ("\u200b", "???"): nothing to search for.
    if not any(is_word_character(ch) for ch in query):
        raise ValueError(gettext("Ask something: the question has no words."))
    return query


def clean_k(k) -> int:
    if k is None:
        return conf.get("DEFAULT_K")
    try:
        k = int(k)
    except (TypeError, ValueError):
        raise ValueError(gettext("k must be a whole number.")) from None
    if not 1 <= k <= conf.get("MAX_K"):
        raise ValueError(
            gettext("k must be between 1 and %(limit)s.") % {"limit": conf.get("MAX_K")}
        )
    return k


def model_text(query: str, version: index.IndexVersion | None = None) -> str:
    """What the model reads of ``query`` (as searched): without the site's name
    ("Plumora prices" → "prices", SITE_ASSISTANT["IGNORE_SITE_NAME"])."""
    return model_texts([query], version)[0]


def model_texts(queries: list[str], version: index.IndexVersion | None = None) -> list[str]:
    """``model_text`` of each query, the version's site name looked up once (as ``respell``'s
    ``spell``: its memo holds one version)."""
    version = version or index.load_current()
    ref = version.model_ref or embed.active_model_ref()
    names = site_name.for_version(version.version, version.passages, ref)
    return [site_name.without(query, names) for query in queries]


def _query_vector(version: index.IndexVersion, query: str, fresh: bool = False) -> np.ndarray:
    query = model_text(query, version)
    ref = version.model_ref or embed.active_model_ref()
    # The encoder setting too: "onnx-int8-queries" encodes questions in int8 for an fp32 index.
    key = (version.model_id, conf.get("ENCODER"), query)
    vector = None if fresh else _query_vectors.get(key)
    if vector is None:
        if embed.vectors_id(ref) != version.model_id:
            raise IndexNotReady(
                f"the model of index {version.version} ({version.model_id}) is not available: "
                "rebuild the index"
            )
        try:
            encoder = _query_encoder(ref, version.model_id)
            vector = embed.encode([query], ref, role="query", encoder=encoder)[0]
        except embed.ModelUnreadable as exc:
            if not exc.remembered:  # once a failed load, not a question: /health/ says it on
                logger.error(
                    "no question can be answered: %s (its files are read again when they "
                    "change, else in %d s)",
                    exc,
                    embed.LOAD_RETRY_SECONDS,
                )
            raise ModelUnavailable(
                f"the model of index {version.version} ({version.model_id}) cannot be read"
            ) from exc
        _query_vectors.put(key, vector)
    return vector


def _query_encoder(ref: str, model_id: str):
    """The model's query encoder, loaded; ModelNotReady while it has no export (a model
    installed or an INDEX_DIR restored without its ``onnx`` folder): the export (15-70 s,
    past gunicorn's 30 s timeout) runs in the background, never in a visitor's request."""
    try:
        return embed.get_encoder(ref, export=False, role="query")
    except embed.NotExported as exc:
        embed.export_in_background(ref)
        raise ModelNotReady(
            f"model {model_id} is being exported to ONNX (once, about a minute) "
            "in the background: try again in a minute"
        ) from exc


def forget_model(model_ref: str) -> None:
    """Drop the loaded model of ``model_ref`` and the questions' vectors made with it: the
    next question loads its files again (/health/, when it no longer computes what it did)."""
    embed.forget_model(model_ref)
    with _query_vectors.lock:
        _query_vectors.items.clear()


def ensure_model_export() -> None:
    """Export the live index's model now if it has no export: for a command that may wait
    (search_ask, search_evaluate), not for a web process."""
    try:
        version = index.load_current()
    except IndexNotReady:
        return
    embed.ensure_export(version.model_ref or embed.active_model_ref())


def _single_thread_faiss():
    global _faiss_threads_set
    if not _faiss_threads_set:
        import faiss

        faiss.omp_set_num_threads(1)
        _faiss_threads_set = True


def _ranked(version: index.IndexVersion, query: str, vector: np.ndarray, n: int):
    """(passage id, score) best first: FAISS flat IP (with phrase matches, see
    SITE_ASSISTANT["PHRASE_BOOST"]), or fused with BM25 when SITE_ASSISTANT["RETRIEVER"] ==
    "hybrid" (the score stays the dense one, so MIN_SCORE keeps its meaning).
    """
    hybrid = conf.get("RETRIEVER") == "hybrid"
    lexical_index = None  # the version's BM25 and phrase index, built once per version
    if hybrid or conf.get("PHRASE_BOOST"):
        lexical_index = lexical.for_version(version.version, version.passages)
    boosts = lexical.phrase_boosts(lexical_index, [query]) if lexical_index else None
    dense = version.search(vector[None, :], n, boosts)[0]
    if not hybrid:
        return dense
    bm25 = lexical_index.search(query, n)
    fused = lexical.fuse(dense, bm25, n, conf.get("HYBRID_LEXICAL_WEIGHT"))
    # Rows only BM25 found: their cosine from the stored vectors.
    return [
        (row, float(version.index.reconstruct(row) @ vector) if score != score else score)
        for row, score in fused
    ]


_sites: PerVersion[dict[str, str]] = PerVersion()
# The most passages ranked for one question when the closest are another site's.
SITE_DEPTH = 400


def _sites_of(version: index.IndexVersion) -> dict[str, str]:
    """The sites besides the default one that the version has pages on, each with
    its address: {"beta.example": "beta.example:8000"} (site_assistant.sites)."""
    return _sites.get(
        version.version,
        lambda: sites.addresses_in(
            u for row in version.passages for u in [row["url"], *row.get("urls", ())]
        ),
    )


def site_link(link: str, site: str) -> str:
    """``link`` as a visitor of ``site`` (a hostname, as ``Answer.site`` keeps it) got
    it, linked on that site's address in the live index ("//beta.example:8000/a/"),
    the port it has now; on its hostname without an index that has it."""
    if site == sites.DEFAULT:
        return link
    name = sites.hostname(site)
    try:
        address = _sites_of(index.load_current()).get(name, site)
    except IndexNotReady:
        address = site
    return sites.on_site(link, address)


def other_sites() -> list[str]:
    """The hostnames of the sites besides the default one that the live index has
    pages on (several Wagtail sites: site_assistant.sites), sorted; [] for one site."""
    return sorted(_sites_of(index.load_current()))


_default_hosts: PerVersion[str] = PerVersion()


def _default_host(version: index.IndexVersion) -> str:
    """The host the version's paths (the default site's pages) are on, for a link
    across sites: the render host, asked once a version, not per question (with
    Wagtail and no RENDER_HOST it is a query of Wagtail's sites)."""
    from .sources.pages import render_host

    return _default_hosts.get(version.version, render_host)


def _link_for(row: dict, hidden: frozenset[str], visitor: str, default_host: str | None):
    """The URL a visitor of site ``visitor`` gets for ``row``: not withdrawn, on
    the visitor's site (or anywhere, with ``default_host``: cross-site answers)."""
    return sites.link(withdrawn.visible_urls(row, hidden), visitor, default_host)


def _search(
    version: index.IndexVersion,
    query: str,
    k: int,
    example: int | None = None,
    host: str = "",
    fresh: bool = False,
) -> list[Hit]:
    """Hits for ``query`` as given (callers respell it first); ``example``: the
    passage of the owner's example question ``query`` is (``example_answer``),
    put first with the score 1.0 (the question is the one the owner wrote for it).
    ``host``: the visitor's (a request's Host), whose site's pages answer
    (site_assistant.sites). ``fresh``: the model encodes the query even if a
    recent question's vector is at hand (``probe``)."""
    _single_thread_faiss()
    vector = _query_vector(version, query, fresh=fresh)
    known = _sites_of(version)
    visitor = sites.visitor_site(host, known)
    default_host = _default_host(version) if known and conf.get("CROSS_SITE_ANSWERS") else None
    # Ask for more than k: several passages can share a link; with several
    # sites, most of the closest may be another site's: ask for more until k,
    # but never past the SITE_DEPTH closest (a small site beside a big one
    # would have every question rank the whole index; passages further away
    # are no answer anyway).
    n = min(version.count, k * 3 + 5)
    while True:
        hits = _hits(version, query, vector, n, k, example, visitor, default_host)
        if len(hits) == k or n >= min(version.count, SITE_DEPTH) or not known:
            return hits
        n = min(version.count, SITE_DEPTH, n * 4)


def _hits(
    version: index.IndexVersion,
    query: str,
    vector: np.ndarray,
    n: int,
    k: int,
    example: int | None,
    visitor: str,
    default_host: str | None,
) -> list[Hit]:
    """At most ``k`` hits, one a link, from the ``n`` passages closest to ``query``:
    none withdrawn, each linked for a visitor of site ``visitor`` (``_link_for``)."""
    pairs = _ranked(version, query, vector, n)
    if example is not None:
        pairs = [(example, 1.0), *((p, s) for p, s in pairs if p != example)]
    # Pages unpublished, deleted, moved or made private since the index read them.
    hidden = withdrawn.paths(version.content_read)
    hits, links = [], set()
    for passage_id, score in pairs:
        row = version.passages[passage_id]
        url = _link_for(row, hidden, visitor, default_host)
        if url is None:
            continue
        anchor = row["anchor"]
        link = f"{url}#{anchor}" if anchor else url  # Hit.link
        if link in links:
            continue
        links.add(link)
        prepared = _prepared(version, passage_id)
        snippet = snippets.make(
            row, _sentence_vectors(version, passage_id), vector, query, prepared
        )
        hits.append(
            Hit(
                text=row["text"],
                title=row["title"],
                heading=row["heading"],
                url=url,
                anchor=anchor,
                score=score,
                passage_id=passage_id,
                snippet=snippet,
                breadcrumb=prepared.breadcrumb,
                piece_anchor=row.get("piece_anchor") or "",
            )
        )
        if len(hits) == k:
            break
    return hits


_snippet_parts: PerVersion[dict[int, snippets.Prepared]] = PerVersion()
# The most passages whose snippet parts a process keeps (those of the passages it answered
# with; a big index's would otherwise grow with every passage ever shown).
MAX_PREPARED = 10_000


def _prepared(version: index.IndexVersion, passage_id: int) -> snippets.Prepared:
    """``snippets.prepare`` of a passage of ``version``, worked out once: a passage's
    sentences, labels and breadcrumb are the same for every question it answers."""
    kept = _snippet_parts.get(version.version, dict)
    found = kept.get(passage_id)
    if found is None:
        if len(kept) >= MAX_PREPARED:
            kept.clear()
        passage = version.passages[passage_id]
        page = page_labels.of(passage.get("title"), page_labels.for_version(version))
        found = kept[passage_id] = snippets.prepare(passage, page)
    return found


def _sentence_vectors(version: index.IndexVersion, passage_id: int) -> np.ndarray | None:
    """The vectors of a passage's sentences (its label rows left out), or None."""
    if version.sentence_index is None or version.sentence_owner is None:
        return None
    start, end = version.sentence_rows(passage_id)
    start += int(version.passages[passage_id].get("sentence_labels", 0))
    if end <= start:
        return None
    return version.sentence_vectors(start, end - start)


def rank(
    version: index.IndexVersion,
    query: str,
    k: int,
    host: str = "",
    spell: Speller | None = None,
) -> tuple[str, list[Hit]]:
    """``query`` (as ``clean_query`` returns it) as it is searched (typos fixed:
    ``respell``, with ``spell`` when the caller has it) and the at most ``k`` sections
    ``version`` ranks for it, best first: the owner's example question's section first
    when it is one (``example_answer``), from the site of ``host``. No answer threshold
    and no declined question asked: the ranking alone, as ``answer`` (a visitor's
    question, Try a question), ``search`` and site_assistant.declined_review search."""
    searched = respell(version, query, spell)
    return searched, _search(version, searched, k, example_answer(version, query, searched), host)


def search(query: str, k: int = 5, host: str = "") -> list[Hit]:
    """Ranked passages for ``query`` (ValueError on bad input, IndexNotReady without an
    index), from the site of ``host`` (site_assistant.sites)."""
    query, k = clean_query(query), clean_k(k)
    return rank(index.load_current(), query, k, host)[1]


def probe(query: str) -> index.IndexVersion:
    """``query`` through the serving path with the model run for real, never a
    recent question's vector (``/health/``: a repeated probe would not reach the
    model). The live version it was answered from."""
    version = index.load_current()
    _search(version, clean_query(query), 1, fresh=True)
    return version


def min_score(version: index.IndexVersion | None = None) -> float:
    """The answer threshold of the live index (or ``version``).

    SITE_ASSISTANT["MIN_SCORE"] when set; else the threshold the index calibrated when
    it was built (site_assistant.answerability); else, for an index built before
    calibration, the serving model's recommendation (SITE_ASSISTANT["MIN_SCORE_FROM_MODEL"])
    or SITE_ASSISTANT["UNCALIBRATED_MIN_SCORE"].
    """
    explicit = conf.get("MIN_SCORE")
    if explicit is not None:
        return float(explicit)
    try:
        version = version or index.load_current()
    except IndexNotReady:
        return conf.get("UNCALIBRATED_MIN_SCORE")
    calibrated = version.calibration.get("min_score")
    if isinstance(calibrated, int | float) and 0 < calibrated < 1:
        return float(calibrated)
    if conf.get("MIN_SCORE_FROM_MODEL"):
        recommended = _recommended_min_score(version.model_ref, version.model_id)
        if recommended is not None:
            return recommended
    return conf.get("UNCALIBRATED_MIN_SCORE")


@functools.lru_cache(maxsize=8)
def _recommended_min_score(model_ref: str, model_id: str) -> float | None:
    # model_id is part of the key: a model retrained into the same folder gets a new id.
    if not model_ref:
        return None
    value = embed.model_meta(model_ref).get("recommended_min_score")
    return float(value) if isinstance(value, int | float) and 0 < value < 1 else None


def answer(query: str, k: int = 5, host: str = "") -> Answer:
    """The best passage if it is close enough (>= :func:`min_score`), plus the ranking,
    from the pages of the site a visitor on ``host`` is on (site_assistant.sites)."""
    started = time.perf_counter()
    query, k = clean_query(query), clean_k(k)
    reply = small_talk.reply(query)
    try:
        version = index.load_current()
    except IndexNotReady:
        if reply is None:
            raise
        # Small talk searches nothing: "thanks" is replied to before the first build too
        # (or while the model is prepared), not told the index is not built yet.
        return Answer(
            query=query,
            answer=None,
            results=[],
            index_version="",
            model_id="",
            took_ms=(time.perf_counter() - started) * 1000,
            min_score=min_score(),
            reply=reply,
        )
    threshold = min_score(version)
    spell = speller(version)
    other_language = (
        None
        if reply
        else language.other_language(query, spell.is_known, spell.is_site_word, spell.is_typo)
    )
    declined_by = None
    if reply:
        searched, results, best = query, [], None
    elif other_language:
        # The model reads its words as English word pieces: whatever it ranks first is
        # chance, so no answer and no "closest" sections, only the message.
        searched, results, best = query, [], None
    else:
        searched, results = rank(version, query, k, host, spell)
        # Letters that are no word of the site's or the model's ("zz", "qq") carry
        # no meaning to match: their nearest passage is chance however close it
        # scores ("zz" reached the heading "Pocket Zine." at 0.41).
        meaningful = not spell.is_noise(searched)
        close_enough = results and results[0].score >= threshold
        best = results[0] if meaningful and close_enough else None
        top = results[0].score if results else 0.0
        declined_by = _declined_by(version, (query, searched), top, threshold)
        if declined_by is not None:
            best = None
    return Answer(
        query=query,
        answer=best,
        results=results,
        index_version=version.version,
        model_id=version.model_id,
        took_ms=(time.perf_counter() - started) * 1000,
        corrected=searched if searched != query else None,
        min_score=threshold,
        language=other_language,
        reply=reply,
        site=sites.visitor_site(host, _sites_of(version)),
        declined=declined_by,
    )


_declined_vectors: PerVersion[np.ndarray] = PerVersion()


def _declined_by(
    version: index.IndexVersion, queries: tuple[str, str], top: float, threshold: float
) -> str | None:
    """The declined question (site_assistant.declined) that ``queries`` (as asked, as
    searched) read as or that claims the searched one as a paraphrase, or None. ``top``:
    the best section's score."""
    texts = declined.texts()
    if not texts:
        return None
    exact = declined.reads_as_one(*queries)
    if exact is not None:
        return exact
    vector = _query_vector(version, queries[-1])
    vectors = _declined_vectors.get(
        f"{version.version} {texts}", lambda: np.stack([_query_vector(version, t) for t in texts])
    )
    nearest = version.nearest_example_question(vector)
    if declined.claims(vector, vectors, [nearest], [top], threshold)[0]:
        return texts[int(np.argmax(vectors @ vector))]
    return None


def warm_up() -> dict:
    """Load everything answering needs, now rather than in a visitor's request.

    The live index, its model's encoder (ONNX Runtime: no torch), the typo
    corrector, the phrase index and the blending offsets, then one question
    through ``answer`` so the first real one is as fast as any. A host calls
    this once per process at start (gunicorn ``post_worker_init``, Celery
    ``worker_process_init``, or its WSGI module). Never raises: without an
    index it loads the active model's encoder (if exported) and says why it
    is not ready; it never waits for an export (``manage.py search_export_onnx``):
    the live model's starts in the background (``"exporting"``).
    Returns {"ready", "seconds", "encoder", and "version"/"model_id" or "reason"}.
    """
    started = time.perf_counter()
    _single_thread_faiss()
    report: dict = {"ready": False}
    version = encoder = None
    try:
        version = index.load_current()
    except Exception as exc:  # no index yet, or an unreadable one
        report["reason"] = str(exc)
    try:
        # Never an export here (half a minute): the host runs search_export_onnx
        # before starting processes, builds and training make one by themselves.
        encoder = embed.get_encoder(
            version.model_ref if version else None, export=False, role="query"
        )
    except Exception as exc:  # no export yet, a missing model...
        if isinstance(exc, embed.NotExported) and version is not None:
            # Made in the background: questions meanwhile are told "not ready".
            embed.export_in_background(version.model_ref)
            report["exporting"] = True
        report["reason"] = "; ".join(filter(None, [report.get("reason"), str(exc)]))
    if version is not None and encoder is not None:
        try:
            result = answer("How can I contact you?")
            # Its words are all known, so the answer never asked the language
            # identifier: its model (about a second to unpack) is loaded now.
            language.warm()
            report = {"ready": True, "version": result.index_version, "model_id": result.model_id}
        except Exception as exc:
            report["reason"] = str(exc)
    report["encoder"] = getattr(encoder, "backend", None)
    report["seconds"] = round(time.perf_counter() - started, 3)
    logger.info("search warmed up: %s", report)
    return report


def section(link: str) -> dict | None:
    """The live index's passage that a site link ("/services/#pricing") names, or None.

    Raises IndexNotReady when nothing has been built yet.
    """
    current = index.load_current()
    # One finder per live version: the admin asks for a section per listed row.
    finder = _section_finder.get(current.version, lambda: PassageFinder(current.passages))
    position = finder.find(*split_link(link))
    return None if position is None else current.passages[position]


_section_finder: PerVersion[PassageFinder] = PerVersion()


def withdrawn_now() -> list[str]:
    """The paths left out of answers until a build reads the site again
    (site_assistant.withdrawn), or [] without an index."""
    try:
        return sorted(withdrawn.paths(index.load_current().content_read))
    except IndexNotReady:
        return []


def index_status() -> dict:
    """The live index: {"version", "model_id", "count", "created", "dim"}, or {} when none."""
    try:
        return index.load_current().meta()
    except IndexNotReady:
        return {}


def index_problem() -> str:
    """Why the index CURRENT names is not what this process serves ("" when it
    is, or when nothing was built yet): damaged files, CURRENT missing. What
    ``index_status`` names is then an older version, or nothing."""
    return index.serving_problem()
