"""Template files: text that no URL shows (e.g. the other branch of an ``{% if %}``).

A template is tokenized with Django's own template Lexer and only its literal
text survives: ``{# #}`` and ``{% comment %}`` blocks, every ``{% tag %}`` and
``{{ variable }}`` are dropped, as is the text of blocks that are not page
content (``{% block title %}``…). HTML comments, scripts and styles go at
extraction, like on any page. A template is linked to the first rendered page
that used it; a template no page uses has no URL to send a visitor to and is
skipped.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.template.base import Lexer, TokenType

from .. import conf
from ..extract import HOLE, Document
from ..text import normalize

logger = logging.getLogger(__name__)


def base_dir() -> Path:
    return Path(getattr(settings, "BASE_DIR", ".")).resolve()


def template_files() -> list[Path]:
    root = base_dir()
    files: dict[Path, None] = {}
    for pattern in conf.get("TEMPLATE_INCLUDE"):
        for path in sorted(root.glob(pattern)):
            if path.is_file():
                files[path.resolve()] = None
    excluded = set()
    for pattern in conf.get("TEMPLATE_EXCLUDE"):
        excluded.update(p.resolve() for p in root.glob(pattern))
    return [p for p in files if p not in excluded]


def template_text(source: str) -> tuple[str, str]:
    """(literal HTML text of a template, text of its title block).

    A variable becomes a HOLE marker, so extraction can drop the sentences it
    would have completed ("Scene : ." is not a passage).
    """
    skip_blocks = set(conf.get("TEMPLATE_SKIP_BLOCKS"))
    content_blocks = set(conf.get("TEMPLATE_CONTENT_BLOCKS"))
    tokens = Lexer(source).tokenize()
    extends = any(
        t.token_type == TokenType.BLOCK and t.contents.split()[:1] == ["extends"] for t in tokens
    )
    kept, title = [], []
    comment_depth = 0
    blocks: list[str] = []  # names of the open {% block %}s
    for token in tokens:
        if token.token_type == TokenType.BLOCK:
            bits = token.contents.split()
            name = bits[0] if bits else ""
            if name == "comment":
                comment_depth += 1
            elif name == "endcomment":
                comment_depth = max(0, comment_depth - 1)
            elif name == "block":
                blocks.append(bits[1] if len(bits) > 1 else "")
            elif name == "endblock" and blocks:
                blocks.pop()
            continue
        if comment_depth or token.token_type == TokenType.COMMENT:
            continue
        if blocks and blocks[-1] == "title":
            if token.token_type == TokenType.TEXT:
                title.append(token.contents)
            continue
        if any(b in skip_blocks for b in blocks):
            continue
        # In a child template only text inside blocks is ever rendered.
        if extends and not any(b in content_blocks for b in blocks):
            continue
        kept.append(token.contents if token.token_type == TokenType.TEXT else HOLE)
    return "".join(kept), normalize("".join(title))


def collect(url_for_template: dict[str, str]) -> list[Document]:
    """Documents for the matched template files that a rendered page used."""
    documents = []
    for path in template_files():
        url = url_for_template.get(str(path))
        if not url:
            logger.info("template %s: no rendered page uses it, skipped", path)
            continue
        try:
            html, title = template_text(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            logger.warning("template %s unreadable: %s", path, exc)
            continue
        documents.append(
            Document(url=url, html=html, source="template", title=title, origin=str(path))
        )
    return documents
