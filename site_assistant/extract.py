"""Documents (HTML) → passages: one passage per heading section.

A passage's text is what gets embedded *and* what a visitor reads: the
section's own heading as a lead sentence, then the section's text
("Use of site. No abuse, scraping, or harmful behavior."). Long sections are
split on sentence boundaries to fit the model's token limit; tiny fragments
merge with a neighbour; identical passages on several URLs become one passage
that remembers every URL.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from . import conf, script_prefix
from .text import WORD, ends_sentence, normalize, split_sentences, text_hash

logger = logging.getLogger(__name__)

HEADING_SEPARATOR = " › "

# Elements that end a line of text; everything else is inline.
# fmt: off
BLOCK_TAGS = frozenset((
    "address", "article", "aside", "blockquote", "body", "br", "button", "caption", "dd",
    "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "label", "li", "main", "nav",
    "ol", "option", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
))
# fmt: on


@dataclass
class Document:
    """One source of text: a rendered page, a template file, or a model row."""

    url: str
    html: str
    source: str = "page"  # site_assistant.models.Page.Source
    title: str = ""  # overrides the HTML <title>
    origin: str = ""  # e.g. the template file, for logs
    # Sections left out for their lang attribute (set by extract; see drop_other_languages).
    other_language_sections: int = 0
    # The language a page read confidently reads as, when its lang does not say it (a warning).
    reads_as: str = ""
    # The page's language when its HTML says none (its Content-Language: see
    # site_assistant.sources.pages.other_language), for drop_other_languages.
    language: str = ""
    # Likewise for a section of a page whose whole text does not: its link (or "url › heading")
    # -> the language it reads as.
    sections_reading_as: dict[str, str] = field(default_factory=dict)


@dataclass
class Passage:
    text: str
    title: str
    heading: list[str]
    url: str
    anchor: str
    position: int
    source: str = "page"
    urls: list[str] = field(default_factory=list)
    # Questions the page declares for this section (data-search-questions).
    questions: list[str] = field(default_factory=list)
    # Paths of the pages the section links to (not stored: see leave_teasers_to_their_pages).
    links: list[str] = field(default_factory=list)
    # A later piece of a long section: the fragment of its own first words on the page
    # ("pricing:~:text=Teams%20of%20ten"), where "Read more" lands (see piece_fragment);
    # "" for a section's first piece, whose link is the section's (url + "#" + anchor).
    piece_anchor: str = ""

    @property
    def heading_text(self) -> str:
        return HEADING_SEPARATOR.join(self.heading)

    @property
    def text_hash(self) -> str:
        return text_hash(self.text)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "title": self.title,
            "heading": self.heading_text,
            "url": self.url,
            "anchor": self.anchor,
            "urls": list(self.urls or [self.url]),
            "position": self.position,
            "source": self.source,
            "questions": list(self.questions),
            **({"piece_anchor": self.piece_anchor} if self.piece_anchor else {}),
        }


@dataclass
class _Section:
    heading: list[str]
    anchor: str
    blocks: list[str] = field(default_factory=list)
    # Opened by a <section>/<article> whose own heading has not come yet:
    # text before that heading (a card's date, an eyebrow) belongs to it.
    awaiting_heading: bool = False
    links: list[str] = field(default_factory=list)  # every <a href> in it
    # A <details>' or a <dt id>'s own section ends with that element (the
    # <details>, the <dl>): the text after it is the enclosing heading's again.
    ends_with: object = None
    resumes_awaiting: bool = False
    # Its header's bylines ("Notes · 18 November 2026", "Last updated: 6 December 2026"):
    # said after its text, so they never lead a snippet yet still answer "when…?".
    bylines: list[str] = field(default_factory=list)
    # An earlier section its text goes to (see _SectionWalker._leave_container).
    joins: object = None


# Stands for a template variable: sentences with a hole are not indexed.
HOLE = "\ue000"  # private use: ftfy and the HTML parser leave it alone
SECTIONING_TAGS = frozenset(("section", "article"))
# Between a definition list's term and its definition: "Client: A florist."
TERM_SEPARATOR = ": "


TokenCounter = Callable[[str], int]


def approximate_tokens(text: str) -> int:
    """Rough count for when no tokenizer is at hand (1 token ≈ 0.75 word)."""
    return int(len(text.split()) * 1.35) + 2


# --- HTML → sections ----------------------------------------------------------------


def parse(html: str):
    return LexborHTMLParser(html)


def page_title(tree) -> str:
    node = tree.css_first("title")
    return normalize(node.text()) if node else ""


def content_root(tree, selector: str | None = None):
    """The CONTENT_SELECTOR element, else the body with the site chrome removed."""
    selector = conf.get("CONTENT_SELECTOR") if selector is None else selector
    root = tree.css_first(selector) if selector else None
    if root is not None:
        return root
    root = tree.body or tree.root
    for chrome in conf.get("CHROME_SELECTORS"):
        for node in root.css(chrome):
            node.decompose()
    return root


def drop_ignored(root, selectors: Iterable[str] | None = None) -> None:
    selectors = conf.get("IGNORE_SELECTORS") if selectors is None else selectors
    for selector in selectors:
        for node in root.css(selector):
            node.decompose()


def declared_language(node) -> str:
    """The primary subtag of the nearest ``lang`` at or above ``node`` ("" when none
    says, or the nearest says ``lang=""``, unknown)."""
    while node is not None and node.tag != "-document":
        if "lang" in node.attributes:
            return conf.primary_subtag(node.attributes.get("lang"))
        node = node.parent
    return ""


def drop_other_languages(root, language: str = "") -> list[str]:
    """Remove the blocks of ``root`` (a section, a paragraph, a quotation...) whose
    ``lang`` is another language than the index's, with SKIP_OTHER_LANGUAGE_PAGES on;
    the language of each block removed. A word or phrase marked inline (``<i
    lang="sl">potica</i>``) is part of its sentence and stays; a block of the index's
    language inside one of another goes with it. When ``root`` itself is in another
    language (its own ``lang`` or one above it: a Slovenian page with an English
    ``<section lang="en">``, see site_assistant.sources.pages.render), only its blocks of
    the index's language are kept, and the rest counts as one block removed; ``language``
    is the page's when its HTML says none (``Document.language``)."""
    if not conf.get("SKIP_OTHER_LANGUAGE_PAGES"):
        return []
    own = conf.index_language()
    codes = []
    keeping: set[int] = set()  # the ancestors of the blocks kept from a page in another language
    if (page := declared_language(root) or language) and page != own:
        keeping = _keep_only(root, index_language_blocks(root))
        codes.append(page)
    blocks = [
        node
        for node in root.css("[lang]")
        if node.tag in BLOCK_TAGS and node.mem_id != root.mem_id and node.mem_id not in keeping
    ]
    other = {
        node.mem_id: code
        for node in blocks
        if (code := conf.primary_subtag(node.attributes.get("lang"))) and code != own
    }
    outermost = [n for n in blocks if n.mem_id in other and not _inside(n, other, root)]
    codes += [other[node.mem_id] for node in outermost]
    for node in outermost:
        node.decompose()
    return codes


def index_language_blocks(root) -> list:
    """The outermost blocks inside ``root`` whose ``lang`` is the index's: the English
    ``<section lang="en">`` of a Slovenian page."""
    own = conf.index_language()
    found = [
        node
        for node in root.css("[lang]")
        if node.tag in BLOCK_TAGS
        and node.mem_id != root.mem_id
        and conf.primary_subtag(node.attributes.get("lang")) == own
    ]
    ids = {node.mem_id for node in found}
    return [node for node in found if not _inside(node, ids, root)]


def _keep_only(root, kept: list) -> set[int]:
    """Remove everything of ``root`` but ``kept`` (nodes inside it) and the elements
    around them; the ids of those elements."""
    keep = {node.mem_id for node in kept}
    around: set[int] = set()
    for node in kept:
        node = node.parent
        while node is not None and node.mem_id != root.mem_id:
            around.add(node.mem_id)
            node = node.parent

    def prune(node):
        for child in list(node.iter(include_text=True)):
            if child.mem_id in around:
                prune(child)
            elif child.mem_id not in keep:
                child.decompose()

    prune(root)
    return around


def _inside(node, ids, root) -> bool:
    """Whether an ancestor of ``node`` below ``root`` is one of ``ids`` (mem_id)."""
    node = node.parent
    while node is not None and node.mem_id != root.mem_id:
        if node.mem_id in ids:
            return True
        node = node.parent
    return False


# A link's fragment is stored with its passage (models.Passage.anchor, 200 characters).
MAX_ANCHOR_CHARS = 200
TEXT_DIRECTIVE = ":~:text="


# Words of the section's text that follow its heading in a link's text fragment.
SUFFIX_WORDS = 4


def _directive_text(words) -> str:
    # A text directive percent-encodes "-", "," and "&" too (they are its syntax).
    return quote(" ".join(words), safe="").replace("-", "%2D")


def text_fragment(heading: str, after: Iterable[str] = ()) -> str:
    """A text fragment that makes the browser scroll to (and mark) ``heading``, for
    a heading without an id.

    With the words ``after`` it (the section's first words), the heading where
    they follow it, else its first match: ``:~:text=Location,-You%20will%20find
    &text=Location``. A page's title or intro often repeats a section's heading
    ("Opening hours & location"), and a browser scrolls to the first directive
    that matches. Without ``after``, or too long for that, ``:~:text=Location``;
    a long heading's leading whole words; "" if none fit.
    """
    words = heading.split()
    after = list(after)[:SUFFIX_WORDS]
    if after:
        start = _directive_text(words)
        both = f"{TEXT_DIRECTIVE}{start},-{_directive_text(after)}&text={start}"
        if len(both) <= MAX_ANCHOR_CHARS:
            return both
    kept = ""
    for end in range(1, len(words) + 1):
        encoded = _directive_text(words[:end])
        if len(TEXT_DIRECTIVE) + len(encoded) > MAX_ANCHOR_CHARS:
            break
        kept = encoded
    return TEXT_DIRECTIVE + kept if kept else ""


def _words_after(node, count: int = SUFFIX_WORDS) -> list[str]:
    """The first ``count`` words of the text that follows ``node`` in the document."""
    words: list[str] = []
    current = node
    while len(words) < count:
        while current.next is None:
            current = current.parent
            if current is None or current.tag in ("body", "html"):
                return words
        current = current.next
        if current.tag == "-text":
            text = current.text_content or ""
        elif current.tag.startswith("-"):  # comments
            continue
        else:
            text = current.text(separator=" ")
        if HOLE in text:
            return words
        words += normalize(text).split()
    return words[:count]


# A later piece's link: at least this many of its first words, more until they are
# found once only on the page (a browser scrolls to the first match).
PIECE_FRAGMENT_WORDS = 4
# Sentences of a piece tried, in order, for words the page has once only.
PIECE_FRAGMENT_SENTENCES = 3
# Text a browser never finds with a text fragment.
_UNSEARCHED_TAGS = frozenset(("script", "style", "template", "noscript", "head", "title"))


def page_text(html: str) -> str:
    """The text of a whole page (its chrome too: a browser searches every visible
    word) as a browser's text fragment matches it: one line per block element (a
    match never spans two), case folded."""
    lines: list[str] = []
    line: list[str] = []

    def flush():
        text = normalize("".join(line)).casefold()
        line.clear()
        if text:
            lines.append(text)

    def walk(node):
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                line.append(child.text_content or "")
            elif tag.startswith("-") or tag in _UNSEARCHED_TAGS:
                continue
            elif tag in BLOCK_TAGS or tag == "summary":
                flush()
                walk(child)
                flush()
            else:
                walk(child)

    tree = parse(html)
    walk(tree.body or tree.root)
    flush()
    return "\n".join(lines)


def _matches(phrase: str, text: str) -> int:
    """How often ``phrase`` is in ``text`` (``page_text``) as whole words, as a text fragment finds it."""
    pattern = r"(?<!\w)" + re.escape(phrase.casefold()) + r"(?!\w)"
    return len(re.findall(pattern, text))


_TRAILING = ".,;:!?…"


def piece_fragment(section_anchor: str, sentences: Iterable[str], text: str) -> str:
    """The link fragment of a later piece of a long section: its first words, so
    the browser scrolls to (and marks) where the piece starts, not to the heading
    dozens of paragraphs above.

    ``sentences`` are the piece's, in order; ``text`` the page's (``page_text``).
    The fewest of a sentence's first words (PIECE_FRAGMENT_WORDS at least) that
    the page has once only: ``pricing:~:text=Teams%20of%20ten%20get`` after an
    id (the browser falls back on it when the words are gone); before the
    directives of a heading's own text fragment, which are the fallback then
    (``:~:text=Teams%20of%20ten%20get&text=Pricing``: a browser scrolls to the
    first directive that matches). A sentence whose words
    the page repeats (or splits between elements) gives way to the next; ""
    when none will do: the piece links to its section.
    """
    for sentence in list(sentences)[:PIECE_FRAGMENT_SENTENCES]:
        if HOLE in sentence:
            continue
        words = sentence.split()
        for end in range(min(PIECE_FRAGMENT_WORDS, len(words)), len(words) + 1):
            # A full stop or comma after the last word (one join_blocks added, too) is
            # not needed to match.
            phrase = " ".join(words[:end]).rstrip(_TRAILING)
            found = _matches(phrase, text) if phrase else 0
            if found == 0:
                break  # not on the page as written (text a table or a term reads differently)
            if found > 1:
                continue
            directive = f"{TEXT_DIRECTIVE}{_directive_text(phrase.split())}"
            if section_anchor.startswith(TEXT_DIRECTIVE):
                fragment = f"{directive}&{section_anchor[len(':~:') :]}"
            else:
                fragment = f"{section_anchor}{directive}"
            if len(fragment) <= 2 * MAX_ANCHOR_CHARS:
                return fragment
            break
    return ""


def _anchor_for(node, root) -> str:
    if node.attributes.get("id"):
        return node.attributes["id"]
    parent = node.parent
    while parent is not None and parent != root and parent.tag not in ("html", "body"):
        if parent.tag in ("section", "article") and parent.attributes.get("id"):
            return parent.attributes["id"]
        parent = parent.parent
    return ""


def _heading_anchor(heading, root, fragments: bool) -> str:
    """A heading's own link fragment: its id or its section's, else (below h1) its text's."""
    anchor = _anchor_for(heading, root)
    if anchor or not fragments or heading.tag == "h1":
        return anchor
    text = normalize(heading.text(separator=""))
    return "" if HOLE in text else text_fragment(text, _words_after(heading))


def sections(root, heading_levels: int | None = None) -> list[_Section]:
    """Walk the content in document order, cutting at every heading."""
    return _SectionWalker(root, heading_levels).sections()


class _SectionWalker:
    """One walk of a content root: the text of each element goes to the section
    open at that point; a heading (or an FAQ's question, a glossary's term) opens
    the next. One method per kind of element, picked by ``_element``."""

    def __init__(self, root, heading_levels: int | None = None):
        levels = conf.get("HEADING_LEVELS") if heading_levels is None else heading_levels
        self.root = root
        self.heading_tags = {f"h{i}": i for i in range(1, levels + 1)}
        self.any_heading = ",".join(self.heading_tags)
        self.alt_text = conf.get("INDEX_ALT_TEXT")
        self.fragments = conf.get("TEXT_FRAGMENT_LINKS")
        self.stack: list[tuple[int, str, str]] = []  # the headings above: (level, text, anchor)
        self.result = [_Section(heading=[], anchor="")]
        self.line: list[str] = []  # the text of the line being read
        # The elements that hold a heading and its text alone (a list item, a card), with
        # the heading's level, innermost last: see _leave_container.
        self.containers: list[tuple[object, int]] = []

    def sections(self) -> list[_Section]:
        self.walk(self.root)
        self.flush()
        for section in self.result:
            if section.joins is not None and section.blocks:
                section.joins.blocks += section.blocks
                section.joins.links += section.links
                section.blocks = []
        bylines: list[str] = []  # of a section with no text (before the page's heading)
        for section in self.result:
            if any(HOLE in b for b in section.blocks):
                section.blocks = [b for b in map(_without_holes, section.blocks) if b]
            bylines += section.bylines
            if section.blocks:
                section.blocks.extend(bylines)
                bylines = []
        # Text before the first heading keeps the anchor of an enclosing section.
        return [s for s in self.result if s.blocks]

    # --- the section being written ---------------------------------------------------

    @property
    def current(self) -> _Section:
        return self.result[-1]

    def flush(self) -> None:
        """The line read so far becomes a block of the current section."""
        if self.line and self.line[-1] == TERM_SEPARATOR:
            self.line.pop()  # a term no definition followed
        text = normalize("".join(self.line))
        self.line.clear()
        if text:
            self.current.blocks.append(text)

    def enclosing(self) -> tuple[list[str], str]:
        """The headings above this point, and the anchor of the nearest."""
        return [h[1] for h in self.stack], (self.stack[-1][2] if self.stack else "")

    def open_part(self, label: str, anchor: str, ends_with, label_node) -> None:
        """A section of its own for an FAQ's question or a glossary's term, under
        the heading above it."""
        self.flush()
        heading, above = self.enclosing()
        self.result.append(
            _Section(
                heading=[*heading, label],
                anchor=anchor or above,
                ends_with=ends_with,
                resumes_awaiting=self.current.awaiting_heading,
                links=_hrefs(label_node),
            )
        )

    def close_part(self, element) -> None:
        """After a question's or a term's section, text belongs to the heading above again."""
        self.flush()
        part = self.current
        if element is not None and part.ends_with is not None and part.ends_with == element:
            heading, anchor = self.enclosing()
            awaiting = part.resumes_awaiting
            self.result.append(_Section(heading=heading, anchor=anchor, awaiting_heading=awaiting))

    # --- the walk --------------------------------------------------------------------

    def walk(self, node, skip=None) -> None:
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                self.line.append(child.text_content or "")
            elif not tag.startswith("-") and child != skip:  # not comments, doctype
                self._element(child, tag)
                if self.containers and self.containers[-1][0] == child:
                    self._leave_container()

    def _element(self, child, tag: str) -> None:
        if tag == "details" and (summary := _summary(child)) is not None:
            self._faq_question(child, summary)
        elif tag in self.heading_tags:
            self._heading(child, self.heading_tags[tag])
        elif tag in SECTIONING_TAGS and child.css_first(self.any_heading):
            self._sectioning(child)
        elif tag == "dt":
            self._term(child)
        elif tag == "table":
            self._table(child)
        elif tag == "pre":
            self._preformatted(child)
        elif tag == "dd" and "".join(self.line).rstrip().endswith(":"):
            # A definition after a term that ends in a colon continues its line.
            self.walk(child)
            self.flush()
        elif tag in BLOCK_TAGS and self._in_header(child) and _byline(child):
            # "Notes · 18 November 2026" over a note's title: when it was written, not what
            # it says. As the passage's first sentence it led the snippet, before the
            # answer; after the text it still answers "when was it written?".
            self.flush()
            if byline := normalize(child.text()):
                self.current.bylines.append(byline)
        elif tag in BLOCK_TAGS and _call_to_action(child):
            # "See all services and prices →": where to go, not what the page says;
            # the link stays the section's (leave_teasers_to_their_pages reads it).
            self.current.links += _hrefs(child)
        elif tag in BLOCK_TAGS:
            self.flush()
            self.walk(child)
            self.flush()
            if tag == "dl":
                self.close_part(child)
        else:
            self._inline(child, tag)

    def _in_header(self, node) -> bool:
        """Whether ``node`` is in the header of the page or of a section: in a <header>,
        before the page's first heading or its <section>/<article>'s own, or the first
        line under an <h1> (a post's "By Ana · 3 May 2026" under its title)."""
        if not self.stack or self.current.awaiting_heading:
            return True
        if self.stack[-1][0] == 1 and not self.current.blocks and not "".join(self.line).strip():
            return True
        while node is not None and node != self.root:
            if node.tag == "header":
                return True
            node = node.parent
        return False

    def _faq_question(self, details, summary) -> None:
        """An FAQ's accordion: each question is a section of its own, its summary
        its heading, linked by the details' id (else the summary's, else a text
        fragment of its answer, else the heading's above, as for any text)."""
        question = _label(summary)
        self.open_part(
            question, _details_anchor(details, summary, self.fragments), details, summary
        )
        saved = list(self.stack)
        self.stack.append((len(self.heading_tags) + 1, question, self.current.anchor))
        self.walk(details, skip=summary)
        self.stack[:] = saved
        self.close_part(details)

    def _heading(self, heading, level: int) -> None:
        self.flush()
        text = _label(heading)
        if not text:
            return
        anchor = _heading_anchor(heading, self.root, self.fragments) or self.enclosing()[1]
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, text, anchor))
        headings = [h[1] for h in self.stack]
        if self.current.awaiting_heading:
            self.current.heading, self.current.anchor = headings, anchor
            self.current.awaiting_heading = False
        else:
            self.result.append(_Section(heading=headings, anchor=anchor))
        self.current.links += _hrefs(heading)
        if len(self.stack) > 1 and (container := self._container(heading)) is not None:
            self.containers.append((container, level))

    def _container(self, heading):
        """The element that holds ``heading`` and its text and no other heading (a list
        item, a card), if any: the nearest element around it with more than its words."""
        own = normalize(heading.text())
        node = heading.parent
        while node is not None and node != self.root:
            if normalize(node.text()) != own:
                return node if len(node.css(self.any_heading)) == 1 else None
            node = node.parent
        return None

    def _leave_container(self) -> None:
        """After the element that holds a heading and its text alone, text belongs to the
        headings above it again: "Curious? Book a call." after a list of steps, each with its
        heading, is not the last step's. It joins the text of the nearest heading above that
        has some ("How we work. We work in four steps." or, where that heading only names
        the list, the page's intro): a passage of a heading and a call to action alone would
        answer questions about the heading's words. Text after a lone heading's wrapper, or
        on a page whose headings share one element, still belongs to the nearest heading
        before it."""
        _, level = self.containers.pop()
        self.flush()
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        heading, anchor = self.enclosing()
        after = _Section(heading=heading, anchor=anchor)
        for depth in range(len(heading), 0, -1):
            above = heading[:depth]
            earlier = [s for s in self.result if s.heading == above and s.blocks]
            if earlier:
                after.joins = earlier[-1]
                break
        self.result.append(after)

    def _sectioning(self, element) -> None:
        """A <section>/<article> with a heading: a section from here, whose text
        before its heading (a card's date, an eyebrow) belongs to that heading."""
        self.flush()
        heading, anchor = self.enclosing()
        self.result.append(_Section(heading=heading, anchor=anchor, awaiting_heading=True))
        self.walk(element)
        self.flush()

    def _term(self, term) -> None:
        listing = _nearest(term, "dl")
        if term.attributes.get("id") and (label := _label(term)) and listing is not None:
            # A glossary's term with an id: its term and definition are a
            # section of their own, linked by that id, until the next term.
            self.close_part(listing)
            self.open_part(label, term.attributes["id"], listing, term)
            return
        # A term and its definition read as one sentence, "Client: A florist.",
        # not as two fragments ("Client. A florist."); a term that is a
        # sentence of its own (an FAQ's question) stays one.
        self.close_part(listing)
        self.walk(term)
        text = normalize("".join(self.line))
        if text.endswith(":"):
            self.line.append(" ")
        elif ends_sentence(text):
            self.flush()
        elif text:
            self.line.append(TERM_SEPARATOR)

    def _table(self, table) -> None:
        """A row reads as one sentence, each cell named by its column: "Business —
        Price: $12 a month; Users: Up to 100." (cell by cell, "$12 a month." alone
        would not say which plan it is)."""
        self.flush()
        for row, hrefs in table_rows(table):
            self.current.links += hrefs
            self.line.append(row)
            self.flush()

    def _preformatted(self, pre) -> None:
        """Preformatted text (code) keeps its lines apart: collapsed into one line,
        two commands read as one ("docker compose pull docker compose up -d")."""
        self.flush()
        self.current.links += _hrefs(pre)
        for text_line in (pre.text(separator="") or "").splitlines():
            self.line.append(text_line)
            self.flush()

    def _inline(self, element, tag: str) -> None:
        if tag == "img" and self.alt_text and element.attributes.get("alt"):
            self.line.append(f" {element.attributes['alt']} ")
        elif tag == "a" and element.attributes.get("href"):
            self.current.links.append(element.attributes["href"])
        self.walk(element)


# What marks a link as one to follow: "Read the note →", "← All notes".
CALL_TO_ACTION_ARROWS = "→←»«›‹⟶⟵➜➔"


def _call_to_action(node) -> bool:
    """Whether the block ``node`` is one link and nothing else, whose words start or
    end with an arrow ("See all services and prices →"): navigation, not content."""
    links = node.css("a[href]")
    if len(links) != 1:
        return False
    text = normalize(node.text())
    return (
        bool(text)
        and text == normalize(links[0].text())
        and (text[0] in CALL_TO_ACTION_ARROWS or text[-1] in CALL_TO_ACTION_ARROWS)
    )


# A byline's label: at most this many words, set off from its date by one of these.
BYLINE_LABEL_WORDS = 3
BYLINE_SEPARATORS = frozenset(":·•|/—–-,")
_BLOCKS = ",".join(sorted(BLOCK_TAGS))


_DATE = re.compile(r"\d{4}(-\d\d){0,2}(T|$)")
_YEAR = re.compile(r"\b\d{4}\b")


def _is_date(time) -> bool:
    """Whether a ``<time>`` holds a date ("2026-11-18", "18 November 2026"), not an hour."""
    stamp = (time.attributes.get("datetime") or "").strip()
    return bool(_DATE.match(stamp)) if stamp else bool(_YEAR.search(time.text()))


def _byline(node) -> bool:
    """Whether the block ``node`` is a byline: a dated ``<time>`` and at most a short label
    set off by a separator ("Notes · <time>", "Last updated: <time>", "By Ana | <time>"),
    with no block inside. "We open on <time>" is a sentence, "Open: <time>9:00</time>" an
    hour: neither is a byline."""
    times = node.css("time")
    if not times or not all(map(_is_date, times)):
        return False
    if any(inner != node for inner in node.css(_BLOCKS)):
        return False
    rest = normalize(node.text())
    for time in times:
        rest = rest.replace(normalize(time.text()), " ", 1)
    if len(WORD.findall(rest)) > BYLINE_LABEL_WORDS:
        return False
    return not WORD.search(rest) or any(c in BYLINE_SEPARATORS for c in rest)


def _hrefs(node) -> list[str]:
    """The targets of the links in ``node``."""
    return [a.attributes.get("href") or "" for a in node.css("a[href]")]


# Words of a <details>' answer in the text fragment that links to it.
ANSWER_FRAGMENT_WORDS = 6


def _details_anchor(details, summary, fragments: bool) -> str:
    """What links to a <details>' question: its id, else its summary's, else
    (with TEXT_FRAGMENT_LINKS) a text fragment of its answer; "" for the heading above."""
    anchor = details.attributes.get("id") or summary.attributes.get("id") or ""
    if not anchor and fragments:
        anchor = _answer_fragment(details, summary)
    return anchor


def _answer_fragment(details, summary) -> str:
    """A text fragment of the first words of a <details>' answer (not of its summary):
    a browser opens a closed <details> to show a text fragment's match inside it,
    while one matching the summary scrolls to a question that stays closed."""
    parts = []
    for node in details.iter(include_text=True):
        if node.tag == "-text":
            parts.append(node.text_content or "")
        elif node != summary and not node.tag.startswith("-"):  # not comments
            parts.append(node.text(separator=" "))
    text = " ".join(parts)
    if HOLE in text:
        return ""
    words = normalize(text).split()[:ANSWER_FRAGMENT_WORDS]
    return text_fragment(" ".join(words)) if words else ""


def _faq_question(node):
    """(details, summary) of the FAQ question a <details> or its <summary> is, else None."""
    details = node if node.tag == "details" else node.parent
    if details is None or details.tag != "details":
        return None
    summary = _summary(details)
    return (
        None
        if summary is None or (node.tag == "summary" and node != summary)
        else (details, summary)
    )


def _summary(details):
    """A <details>' own <summary> with some text, else None."""
    for child in details.iter():
        if child.tag == "summary":
            return child if _label(child) else None
    return None


def _label(node) -> str:
    """A heading's, a summary's or a term's text (a template hole read as a space)."""
    return normalize(node.text(separator=" ").replace(HOLE, " "))


def _nearest(node, tag: str):
    """The nearest ancestor of ``node`` that is a ``tag`` element, else None."""
    parent = node.parent
    while parent is not None and parent.tag != tag:
        parent = parent.parent
    return parent


# Between a table row's label (its first cell) and its other cells.
ROW_LABEL_SEPARATOR = " — "
CELL_SEPARATOR = "; "


def _cells(row) -> list:
    return [cell for cell in row.iter() if cell.tag in ("td", "th")]


def _cell_text(cell) -> str:
    return normalize(cell.text(separator=" "))


def table_rows(table) -> list[tuple[str, list[str]]]:
    """Each row of ``table`` as one sentence, with the links in it.

    With a header row (its cells all ``<th>``), a row's first cell is its
    label and each other cell is named by its column's header: "TIMEOUT —
    Default: 480; Description: Minutes before a user is logged out." Without
    one, a row of two cells reads "term: value", a longer one its cells
    joined by "; ". The header row itself, empty cells and empty rows add
    nothing; a caption is a line of its own. Rows of a table nested in a
    cell are read as that cell's text.
    """
    lines: list[tuple[str, list[str]]] = []
    caption = table.css_first("caption")
    if caption is not None and _nearest(caption, "table") == table and _cell_text(caption):
        lines.append((_cell_text(caption), []))
    rows = [tr for tr in table.css("tr") if _nearest(tr, "table") == table]
    header: list[str] = []
    if rows and (cells := _cells(rows[0])) and all(c.tag == "th" for c in cells):
        header = [_cell_text(c) for c in cells]
        rows = rows[1:]
    for row in rows:
        cells = _cells(row)
        texts = [_cell_text(c) for c in cells]
        hrefs = [a.attributes.get("href") or "" for c in cells for a in c.css("a[href]")]
        if not any(texts):
            continue
        if header and len(header) == len(texts) and len(texts) > 1:
            named = [
                f"{name}{TERM_SEPARATOR}{text}" if name else text
                for name, text in zip(header[1:], texts[1:], strict=True)
                if text
            ]
            text = CELL_SEPARATOR.join(named)
            if texts[0]:
                text = f"{texts[0]}{ROW_LABEL_SEPARATOR}{text}" if text else texts[0]
        elif len(texts) == 2 and all(texts) and not ends_sentence(texts[0]):
            text = f"{texts[0]}{TERM_SEPARATOR}{texts[1]}"
        else:
            text = CELL_SEPARATOR.join(t for t in texts if t)
        if not ends_sentence(text):
            text += "."
        lines.append((text, hrefs))
    return lines


QUESTIONS_ATTRIBUTE = "data-search-questions"


def declared_questions(root, heading_levels: int | None = None) -> dict[str, list[str]]:
    """{anchor: questions} from ``data-search-questions="q1|q2"`` attributes.

    On a heading, a section/article (its id, else its first heading's), an
    FAQ's ``<details>`` or its ``<summary>``, or a glossary's ``<dt id>``, they
    are that section's; anywhere else (``<main>``) the page's ("").
    """
    levels = conf.get("HEADING_LEVELS") if heading_levels is None else heading_levels
    heading_tags = [f"h{i}" for i in range(1, levels + 1)]
    fragments = conf.get("TEXT_FRAGMENT_LINKS")
    found: dict[str, list[str]] = {}
    for node in root.css(f"[{QUESTIONS_ATTRIBUTE}]"):
        questions = [
            normalize(q) for q in (node.attributes.get(QUESTIONS_ATTRIBUTE) or "").split("|")
        ]
        anchor = ""
        if node.tag in heading_tags:
            anchor = _heading_anchor(node, root, fragments)
        elif node.tag in ("details", "summary") and (faq := _faq_question(node)):
            anchor = _details_anchor(*faq, fragments)
        elif node.tag == "dt" and node.attributes.get("id") and _nearest(node, "dl"):
            anchor = node.attributes["id"]
        elif node.tag in SECTIONING_TAGS:
            heading = node.css_first(",".join(heading_tags))
            anchor = node.attributes.get("id") or (
                _heading_anchor(heading, root, fragments) if heading is not None else ""
            )
        found.setdefault(anchor, []).extend(q for q in questions if q and HOLE not in q)
    return found


def _without_holes(block: str) -> str:
    """A block of template text minus every sentence with a variable missing."""
    return " ".join(s for s in split_sentences(block) if HOLE not in s)


def join_blocks(blocks: list[str]) -> str:
    """Join lines so each reads as a sentence (list items have no full stop)."""
    parts = []
    for block in blocks:
        if block[-1:].isalnum():
            block += "."
        parts.append(block)
    return " ".join(parts)


def lead(heading: list[str]) -> str:
    if not heading or not conf.get("HEADING_IN_TEXT"):
        return ""
    text = heading[-1]
    return text if ends_sentence(text) else f"{text}."


def embedding_text(passage: dict) -> str:
    """What the model embeds for a passage (a ``to_dict()`` row or an index row).

    The passage's text (led by its own heading), led by every heading above
    it: "Terms & Conditions › Use of site. No abuse, ...". A question often
    names the page ("terms", "privacy") rather than the section; measured on
    tests/data/natural_questions.jsonl with the base model, accuracy@1 0.646
    → 0.677, MRR@5 0.734 → 0.756. And a section's own heading may say little
    without the ones between: "Changelog › 2.3.0 (2024-12-02) › Removed. The
    MySQL backend." (with the page's top heading only, "2.3.0" was in no
    vector of it; docs/quality.md, "Headings above a passage").
    """
    text = passage["text"]
    if not conf.get("EMBED_PAGE_HEADING"):
        return text
    path = passage.get("heading") or ""
    parts = path.split(HEADING_SEPARATOR) if isinstance(path, str) else list(path)
    above = [part for part in parts[:-1] if part]
    if not above or not parts[0]:
        return text
    return f"{HEADING_SEPARATOR.join(above)}{HEADING_SEPARATOR}{text}"


# A question quoted in the copy — Type a question, “how much does a landing
# page cost?” — is an example of what someone might ask, not something the
# passage says. As a sentence vector it would answer that very question with
# the passage that only quotes it, so sentence vectors leave it out.
_QUOTED_QUESTION = re.compile(r"[“\"][^”\"]{1,200}\?[”\"]")
_MIN_WORDS_LEFT = 3


def sentence_texts(passage: dict) -> list[str]:
    """What the model embeds for each sentence of a passage (SITE_ASSISTANT["SENTENCE_VECTORS"]).

    The bare sentences of its text: a heading prefix would pull every sentence
    of a section towards the same point and measured worse. Quoted questions
    are cut out of them (the passage's own vector still has them), and what is
    left of such a sentence is kept only if it still says something.
    """
    sentences = []
    for sentence in split_sentences(passage["text"]):
        if not _QUOTED_QUESTION.search(sentence):
            sentences.append(sentence)
            continue
        rest = " ".join(_QUOTED_QUESTION.sub(" ", sentence).split()).strip(" —–-,;:")
        if len(rest.split()) >= _MIN_WORDS_LEFT:
            sentences.append(rest)
    return sentences


def label_texts(passage: dict) -> list[str]:
    """The labels of a passage that score as sentences (SITE_ASSISTANT["LABEL_SENTENCES"]).

    Its title and its own heading, each unless the text already says it as a
    sentence (HEADING_IN_TEXT leads the text with the heading). On a FAQ the
    question is the title: without a vector of its own, a visitor's
    paraphrase of it only meets the answer's sentences. Measured on
    ../shared/data/stackfaq with the base model (docs/quality.md): ndcg@10
    0.898 → 0.966. Labels never become snippet text (site_assistant.snippets).
    """
    if not conf.get("LABEL_SENTENCES"):
        return []
    said = {_label_key(s) for s in split_sentences(passage.get("text") or "")}
    path = passage.get("heading") or ""
    parts = path.split(HEADING_SEPARATOR) if isinstance(path, str) else list(path)
    labels = []
    for label in (passage.get("title") or "", parts[-1] if parts else ""):
        label = normalize(label)
        key = _label_key(label)
        if key and key not in said:
            said.add(key)
            labels.append(label)
    return labels


def _label_key(text: str) -> str:
    return text.strip().rstrip(".!?…:;").strip().casefold()


def scored_sentences(passage: dict) -> list[str]:
    """Every text the sentence vectors hold for a passage: its labels, then its sentences."""
    return label_texts(passage) + sentence_texts(passage)


# --- sections → passages --------------------------------------------------------------


def _units(blocks: list[str], count: TokenCounter, budget: int) -> list[str]:
    """Sentences, with any sentence longer than the budget cut on words."""
    units = []
    for block in blocks:
        for sentence in split_sentences(join_blocks([block])):
            if count(sentence) <= budget:
                units.append(sentence)
                continue
            words, piece = sentence.split(), []
            for word in words:
                if piece and count(" ".join([*piece, word])) > budget:
                    units.append(" ".join(piece))
                    piece = []
                piece.append(word)
            if piece:
                units.append(" ".join(piece))
    return units


def split_section(
    prefix: str, blocks: list[str], count: TokenCounter, max_tokens: int, overlap: int
) -> list[str]:
    """The section's text, cut into pieces of at most ``max_tokens`` tokens.

    Each piece starts with the heading ``prefix``; consecutive pieces share
    ``overlap`` sentences so a fact on a boundary is whole in one of them.
    """

    def compose(units):
        return f"{prefix} {' '.join(units)}".strip()

    whole = compose([join_blocks(blocks)])
    if count(whole) <= max_tokens:
        return [whole]
    budget = max(16, max_tokens - count(prefix))
    units = _units(blocks, count, budget)
    pieces: list[list[str]] = []
    current: list[str] = []
    for unit in units:
        if current and count(compose([*current, unit])) > max_tokens:
            pieces.append(current)
            carried = current[-overlap:] if overlap else []
            while carried and count(compose([*carried, unit])) > max_tokens:
                carried = carried[1:]
            current = carried
        current.append(unit)
    # A last piece that only repeats the overlap adds nothing.
    if current and (not pieces or current != pieces[-1][-len(current) :]):
        pieces.append(current)
    return [compose(p) for p in pieces]


def _may_join(tiny: Passage, other: Passage) -> bool:
    """Whether a tiny passage may join ``other``: always when no link can name it (a
    page's intro, a heading without an id), else only another part of its own
    section. A short section of its own ("2.4.0 › Added. Dark mode.") joined to
    its neighbour would be answered with the neighbour's link and heading."""
    return not tiny.anchor or tiny.anchor == other.anchor


def _merge_tiny(passages: list[Passage], count: TokenCounter, max_tokens: int) -> list[Passage]:
    min_chars = conf.get("MIN_PASSAGE_CHARS")
    result = list(passages)
    i = 0
    while i < len(result):
        tiny = result[i]
        if len(tiny.text) >= min_chars or len(result) == 1:
            i += 1
            continue
        if (
            i + 1 < len(result)
            and _may_join(tiny, result[i + 1])
            and count(f"{tiny.text} {result[i + 1].text}") <= max_tokens
        ):
            nxt = result[i + 1]
            nxt.text = f"{tiny.text} {nxt.text}"
            if tiny.anchor == nxt.anchor:
                nxt.piece_anchor = tiny.piece_anchor  # it starts where the tiny one did
            nxt.links = list(dict.fromkeys(tiny.links + nxt.links))
            del result[i]
            continue
        if (
            i > 0
            and _may_join(tiny, result[i - 1])
            and count(f"{result[i - 1].text} {tiny.text}") <= max_tokens
        ):
            result[i - 1].text = f"{result[i - 1].text} {tiny.text}"
            result[i - 1].links = list(dict.fromkeys(result[i - 1].links + tiny.links))
            del result[i]
            continue
        i += 1
    return result


def extract(
    document: Document,
    count: TokenCounter = approximate_tokens,
    max_tokens: int | None = None,
) -> list[Passage]:
    """The passages of one document, in page order."""
    max_tokens = max_tokens or conf.get("MAX_TOKENS")
    overlap = conf.get("OVERLAP_SENTENCES")
    tree = parse(document.html)
    title = normalize(document.title) or page_title(tree)
    root = content_root(tree)
    drop_ignored(root)
    if other := drop_other_languages(root, document.language):
        document.other_language_sections = len(other)
        logger.info(
            "not indexing %d %s of %s in another language (%s) than the index's (%s)",
            len(other),
            "section" if len(other) == 1 else "sections",
            document.url,
            ", ".join(sorted(set(other))),
            conf.index_language(),
        )
    # A document whose URL has a fragment is one section of a page (a registered
    # row at "/docs/#install"): its passages link to that URL as it is. An anchor
    # of its own would make "/docs/#install#:~:text=…", which no browser reads
    # as the section.
    one_section = "#" in document.url
    # A later piece of a long section links to its own words on the page (only a
    # rendered page's HTML is what the browser shows), with text fragments on.
    pieces_linked = (
        document.source == "page" and not one_section and conf.get("TEXT_FRAGMENT_LINKS")
    )
    text_of_page = None
    passages = []
    for section in sections(root):
        links = _link_paths(document.url, section.links)
        prefix = lead(section.heading)
        anchor = "" if one_section else section.anchor
        pieces = split_section(prefix, section.blocks, count, max_tokens, overlap)
        for number, text in enumerate(pieces):
            piece_anchor = ""
            if number and pieces_linked:
                if text_of_page is None:
                    text_of_page = page_text(document.html)
                body = text[len(prefix) :] if text.startswith(prefix) else text
                piece_anchor = piece_fragment(anchor, split_sentences(body), text_of_page)
            passages.append(
                Passage(
                    text=text,
                    title=title,
                    heading=section.heading,
                    url=document.url,
                    anchor=anchor,
                    position=0,
                    source=document.source,
                    urls=[document.url],
                    links=list(links),
                    piece_anchor=piece_anchor,
                )
            )
    passages = _merge_tiny(passages, count, max_tokens)
    for position, passage in enumerate(passages):
        passage.position = position
    _attach_questions(passages, declared_questions(root))
    if document.source == "page":
        _warn_if_undeclared(document, passages)
    return passages


# A section reads as another language for the build's warning only from this many words
# on: English sections of names and addresses ("Contact. Tomaž Novak, Trubarjeva cesta 12,
# 1000 Ljubljana.", 6 words; "Our partners. Zavod za turizem Ljubljana, Mestna občina
# Ljubljana.", 9) read as Slovenian; a paragraph of Slovenian prose has more
# (bench/languages.py, docs/sources.md).
SECTION_READS_AS_MIN_WORDS = 12


def _warn_if_undeclared(document: Document, passages: list[Passage]) -> None:
    """A page read (its lang is the index's, or it has none) whose text is confidently
    another language: a German page whose template inherits ``<html lang="en">``; else
    each section of it that is (a Slovenian client's words on an English page, with no
    ``lang``). They are indexed (the identifier is not trusted to leave text out); the
    owner is told how."""
    from .language import page_reads_as

    if reads_as := page_reads_as(" ".join(passage.text for passage in passages)):
        document.reads_as = reads_as
        logger.warning(
            "%s reads as another language (%s) than the index's (%s) and its lang does not "
            'say so: it is indexed. If it is in that language, give its <html> or content lang="%s" '
            "to leave it out (names and addresses can read so in English)",
            document.url,
            reads_as,
            conf.index_language(),
            reads_as,
        )
        return
    sections: dict[str, list[str]] = {}
    for passage in passages:
        sections.setdefault(_section_name(passage), []).append(passage.text)
    for name, texts in sections.items():
        text = " ".join(texts)
        if len(WORD.findall(text)) < SECTION_READS_AS_MIN_WORDS:
            continue
        if reads_as := page_reads_as(text):
            document.sections_reading_as[name] = reads_as
            logger.warning(
                "%s reads as another language (%s) than the index's (%s) and its lang does "
                "not say so: it is indexed. If it is in that language, give the element it is "
                'in lang="%s" to leave it out',
                name,
                reads_as,
                conf.index_language(),
                reads_as,
            )


def _section_name(passage: Passage) -> str:
    """The section's link for the owner (``/about/#clients``), else its page and headings
    (``/about/ › About › Clients``: a text fragment says little to a person)."""
    if passage.anchor and ":~:" not in passage.anchor:
        return f"{passage.url}#{passage.anchor}"
    return HEADING_SEPARATOR.join([passage.url, *passage.heading])


def _attach_questions(passages: list[Passage], declared: dict[str, list[str]]) -> None:
    """Each anchor's declared questions go to its section's first passage (the
    page's own, and those of an anchor no passage has, to the page's first)."""
    for anchor, questions in declared.items():
        target = next((p for p in passages if anchor and p.anchor == anchor), None)
        target = target or (passages[0] if passages else None)
        if target is not None:
            target.questions.extend(q for q in questions if q not in target.questions)


def deduplicate(passages: Iterable[Passage]) -> list[Passage]:
    """One passage per distinct text; it remembers every URL it appears on."""
    by_text: dict[str, Passage] = {}
    for passage in passages:
        kept = by_text.get(passage.text)
        if kept is None:
            by_text[passage.text] = passage
        else:
            for url in passage.urls:
                if url not in kept.urls:
                    kept.urls.append(url)
            kept.questions.extend(q for q in passage.questions if q not in kept.questions)
    return list(by_text.values())


def extract_all(
    documents: Iterable[Document],
    count: TokenCounter = approximate_tokens,
    max_tokens: int | None = None,
    other_pages: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Passage]:
    """Every document's passages, deduplicated.

    ``progress(done, total)`` is called after each document read.

    Rendered pages and model rows come first; a teaser of another page is
    left to that page (see leave_teasers_to_their_pages; ``other_pages``,
    {url: text}, are pages not re-read in this build that teasers may
    repeat); a template passage is kept only when it says something no
    rendered page says (templates exist to reach text that no URL shows).
    """
    documents = list(documents)
    primary = [d for d in documents if d.source != "template"]
    templates = [d for d in documents if d.source == "template"]
    passages: list[Passage] = []
    for done, document in enumerate(primary, 1):
        passages.extend(extract(document, count, max_tokens))
        if progress:
            progress(done, len(documents))
    passages = leave_teasers_to_their_pages(passages, other_pages)
    corpus = " ".join(p.text for p in passages)
    for done, document in enumerate(templates, len(primary) + 1):
        if progress:
            progress(done, len(documents))
        for passage in extract(document, count, max_tokens):
            prefix = lead(passage.heading)
            body = passage.text[len(prefix) :] if passage.text.startswith(prefix) else passage.text
            new = [s for s in split_sentences(body) if s not in corpus]
            if not new:
                logger.debug("template text already on a page: %s", passage.text[:60])
                continue
            # Only what no page shows: a near-copy of a page's passage would
            # compete with it for the same questions.
            passage.text = f"{prefix} {' '.join(new)}".strip()
            passages.append(passage)
    return deduplicate(passages)


# --- listing pages ----------------------------------------------------------------------

# A passage at least this much made of (word-trigrams of) pages it links to is a teaser.
TEASER_OVERLAP = 0.6
# A teaser with fewer words than this left of its own (a date, "Read more") is dropped.
TEASER_MIN_WORDS_LEFT = 10
_WORD = re.compile(r"\w+")


def _link_paths(base: str, hrefs: Iterable[str]) -> list[str]:
    """Path (and query) of every http(s) link, resolved against ``base``; no fragments;
    without the script prefix the build read the site under (FORCE_SCRIPT_NAME), as the
    index holds its pages: a listing's links to its articles ("/portal/news/a/") name
    the pages they tease ("/news/a/")."""
    prefix = script_prefix.for_builds()
    paths = []
    for href in hrefs:
        parts = urlsplit(urljoin(base, href.strip()))
        if parts.scheme not in ("", "http", "https"):
            continue
        path = script_prefix.strip(parts.path or "/", prefix)
        paths.append(f"{path}?{parts.query}" if parts.query else path)
    return list(dict.fromkeys(p for p in paths if p != base))


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def _share(text: str, of: set) -> float:
    grams = _trigrams(text)
    return len(grams & of) / len(grams) if grams else 0.0


def leave_teasers_to_their_pages(
    passages: list[Passage], other_pages: dict[str, str] | None = None
) -> list[Passage]:
    """A passage that repeats the pages it links to (a listing page's card: an
    article's title, date and summary) is left to those pages.

    A passage is a teaser when at least TEASER_OVERLAP of its word trigrams
    are found on pages it links to. Its repeated sentences are removed, and
    when fewer than TEASER_MIN_WORDS_LEFT words of its own are left (a date,
    "Read the note"), the passage is dropped: the article itself answers.
    When two pages repeat each other (an article's header links back to the
    listing that shows its summary), the listing is the page whose teasers
    point at more pages; on a tie nothing is dropped. Passages with declared
    questions are kept whole.
    """
    grams_by_url: dict[str, set] = {}
    for url, text in (other_pages or {}).items():
        grams_by_url.setdefault(url, set()).update(_trigrams(text))
    for passage in passages:
        grams_by_url.setdefault(passage.url, set()).update(_trigrams(passage.text))

    candidates: dict[int, list[str]] = {}
    for i, passage in enumerate(passages):
        targets = [u for u in passage.links if u != passage.url and u in grams_by_url]
        if not targets or passage.questions:
            continue
        theirs = set().union(*(grams_by_url[u] for u in targets))
        if _share(passage.text, theirs) >= TEASER_OVERLAP:
            candidates[i] = targets
    teased_by: dict[str, set[str]] = {}  # page -> the pages its teasers repeat
    for i, targets in candidates.items():
        teased_by.setdefault(passages[i].url, set()).update(targets)

    def listing_of(page: str, target: str) -> bool:
        mutual = page in teased_by.get(target, ())
        return not mutual or len(teased_by[page]) > len(teased_by[target])

    result = []
    for i, passage in enumerate(passages):
        targets = [u for u in candidates.get(i, []) if listing_of(passage.url, u)]
        theirs = set().union(*(grams_by_url[u] for u in targets)) if targets else set()
        if not targets or _share(passage.text, theirs) < TEASER_OVERLAP:
            result.append(passage)
            continue
        prefix = lead(passage.heading)
        body = passage.text[len(prefix) :] if passage.text.startswith(prefix) else passage.text
        own = [s for s in split_sentences(body) if _share(s, theirs) < TEASER_OVERLAP]
        if len(_WORD.findall(" ".join(own))) < TEASER_MIN_WORDS_LEFT:
            logger.info("%s: a teaser of %s, left to it: %s", passage.url, targets, body[:60])
            continue
        passage.text = f"{prefix} {' '.join(own)}".strip()
        result.append(passage)
    return result
