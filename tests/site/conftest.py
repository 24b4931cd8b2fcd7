"""Helpers for the site tests: the facts file and visible-text extraction."""

import json
import re
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser as HTMLParser

FACTS_FILE = Path(__file__).resolve().parent.parent / "data" / "site_facts.json"
MOJIBAKE = ("â€", "Ã", "Â", "\ufffd")


def load_pages() -> dict:
    return json.loads(FACTS_FILE.read_text(encoding="utf-8"))["pages"]


PAGES = load_pages()


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def visible_text(html: str, selector: str = "body") -> str:
    """The text a visitor sees: the node's text without scripts and styles."""
    tree = HTMLParser(html)
    node = tree.css_first(selector)
    assert node is not None, f"no <{selector}> in the page"
    for hidden in node.css("script, style, template, noscript"):
        hidden.decompose()
    return normalise(node.text(separator=" "))


def title_of(html: str) -> str:
    node = HTMLParser(html).css_first("head > title")
    return normalise(node.text()) if node else ""


def headings(html: str, selector: str = "body") -> list[tuple[int, str | None, str]]:
    node = HTMLParser(html).css_first(selector)
    return [
        (int(h.tag[1]), h.attributes.get("id"), normalise(h.text()))
        for h in node.css("h1, h2, h3, h4, h5, h6")
    ]
