"""Template files: text that no URL shows, but only what an anonymous visitor may see.

A template is parsed with Django's own template engine and walked node by
node; only its literal text survives: ``{# #}`` and ``{% comment %}`` blocks
and every tag are dropped, a ``{{ variable }}`` becomes a HOLE (extraction
drops the sentence it would have completed), and blocks that are not page
content (``{% block title %}``…) are left out.

Text under a condition is private until proven public. The rule, per tag:

- ``{% if %}`` / ``{% elif %}`` / ``{% else %}``: a branch's text is kept only
  when its own condition and every condition before it in the same ``if``
  read nothing but literals, ``forloop`` and the names listed in
  ``SITE_ASSISTANT["TEMPLATE_PUBLIC_VARIABLES"]`` (empty by default: no branch is
  kept), and never when literals alone keep it from showing (``{% if 0 %}``). A name about the visitor or the page's state is never public, even
  when listed: ``user``, ``perms``, ``request`` and any name or attribute
  mentioning drafts, preview, staff, superusers, authentication, sessions,
  permissions, secrets or passwords (``{% if page.is_preview %}``).
- ``{% for x in seq %}`` / ``{% empty %}``: both depend on ``seq``, as a
  condition does; inside the loop ``x`` is as public as ``seq``.
- ``{% with a=b %}``: its text is kept; ``a`` is as public as ``b``.
- ``{% ifchanged %}``: without arguments its content shows at least once
  wherever the loop around it shows, so it is kept (its ``{% else %}`` is
  not); with arguments it is a condition on them.
- ``{% block %}``, ``{% filter %}``, ``{% spaceless %}``, ``{% autoescape %}``,
  ``{% localize %}``, ``{% language %}``, ``{% localtime %}``,
  ``{% timezone %}``, ``{% cache %}``: their text is kept; ``{% verbatim %}``
  is literal text.
- Any other tag with content (a custom ``{% if_staff %}``…) is a condition
  the source cannot read: its content is never indexed. ``{% include %}``d
  files are their own templates (indexed only when an anonymous render of a
  page used them).
- A tag whose output the source cannot know (``{% url %}``, ``{% include %}``,
  ``{% firstof %}``, ``{% now %}``, ``{% cycle %}``, a custom simple or
  inclusion tag) is a HOLE, like a variable; ``{% translate "text" %}`` is
  its literal text.

A template is linked to the first rendered page that used it; a template no
page uses has no URL to send a visitor to and is skipped, as is one Django
cannot parse.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.template import Context, Engine, TemplateSyntaxError, loader_tags
from django.template import defaulttags as tags
from django.template.base import FilterExpression, TextNode, Variable, VariableNode

from .. import conf
from ..extract import HOLE, Document
from ..text import normalize

logger = logging.getLogger(__name__)

# Context variables about the visitor or the request: never public.
PRIVATE_ROOTS = frozenset({"user", "perms", "request"})
# A name or attribute about who is looking or what state the page is in.
PRIVATE_PART = re.compile(
    r"draft|preview|staff|superuser|authenticat|anonymous|logged|session|perm|"
    r"private|secret|password|token|csrf|admin|owner|member",
    re.IGNORECASE,
)
_UNKNOWN = ("?",)  # an expression the walker cannot read: never public


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


def changed_since(moment: datetime) -> list[Path]:
    """The template files this source reads (``template_files``) written after
    ``moment``: text a build reads that the index made before may not have. A file
    gone or unreadable since is not one."""
    since = moment.timestamp()
    changed = []
    for path in template_files():
        try:
            if path.stat().st_mtime > since:
                changed.append(path)
        except OSError:
            continue
    return changed


# --- which expressions are public -------------------------------------------------------


def _lookups(expression) -> Iterator[tuple[str, ...]]:
    """The variable paths an expression reads (("user", "is_staff"), ...)."""
    if expression is None:
        return
    if isinstance(expression, FilterExpression):
        yield from _lookups(expression.var)
        for _func, args in expression.filters:
            for is_lookup, arg in args:
                if is_lookup:
                    yield from _lookups(arg)
    elif isinstance(expression, Variable):
        if expression.lookups is not None:
            yield expression.lookups
    elif isinstance(expression, (str, int, float)):
        return  # a literal
    elif isinstance(expression, tags.TemplateLiteral):
        yield from _lookups(expression.value)
    elif hasattr(expression, "first") and hasattr(expression, "second"):  # smartif operator
        yield from _lookups(expression.first)
        yield from _lookups(expression.second)
    else:
        yield _UNKNOWN


def is_private_name(lookups: tuple[str, ...]) -> bool:
    return lookups[0] in PRIVATE_ROOTS or any(PRIVATE_PART.search(part) for part in lookups)


class _Walker:
    def __init__(self):
        self.public_names = frozenset(conf.get("TEMPLATE_PUBLIC_VARIABLES"))
        self.skip_blocks = frozenset(conf.get("TEMPLATE_SKIP_BLOCKS"))
        self.content_blocks = frozenset(conf.get("TEMPLATE_CONTENT_BLOCKS"))
        self.kept: list[str] = []
        self.title: list[str] = []
        self.blocks: list[str] = []  # names of the open {% block %}s
        self.extends = False

    # Public: readable by any anonymous visitor whichever way it turns out.
    def is_public(self, expression, env: dict[str, bool]) -> bool:
        for lookups in _lookups(expression):
            if lookups is _UNKNOWN or is_private_name(lookups):
                return False
            first = lookups[0]
            if not env.get(first, first in self.public_names):
                return False
        return True

    def emit(self, text: str, is_literal: bool) -> None:
        if self.blocks and self.blocks[-1] == "title":
            if is_literal:
                self.title.append(text)
            return
        if any(b in self.skip_blocks for b in self.blocks):
            return
        # In a child template only text inside content blocks is ever rendered.
        if self.extends and not any(b in self.content_blocks for b in self.blocks):
            return
        self.kept.append(text if is_literal else HOLE)

    def walk(self, nodelist, env: dict[str, bool]) -> None:
        for node in nodelist or ():
            self.node(node, env)

    def node(self, node, env: dict[str, bool]) -> None:  # noqa: C901 - one branch per tag
        if isinstance(node, TextNode):
            self.emit(node.s, True)
        elif isinstance(node, VariableNode):
            self.emit("", False)
        elif isinstance(node, tags.VerbatimNode):
            self.emit(node.content, True)
        elif isinstance(node, loader_tags.ExtendsNode):
            self.extends = True
            self.walk(node.nodelist, env)
        elif isinstance(node, loader_tags.BlockNode):
            self.blocks.append(node.name)
            try:
                self.walk(node.nodelist, env)
            finally:
                self.blocks.pop()
        elif isinstance(node, tags.IfNode):
            earlier_public = True
            for condition, nodelist in node.conditions_nodelists:
                public = earlier_public and (condition is None or self.is_public(condition, env))
                constant = _constant(condition)
                if public and constant is not False:  # {% if 0 %}: never rendered
                    self.walk(nodelist, env)
                if public and constant:  # {% if 1 %}: the branches after it never are
                    break
                earlier_public = public
        elif isinstance(node, tags.ForNode):
            if self.is_public(node.sequence, env):
                inner = {**env, "forloop": True, **dict.fromkeys(node.loopvars, True)}
                self.walk(node.nodelist_loop, inner)
                self.walk(node.nodelist_empty, env)
        elif isinstance(node, tags.WithNode):
            bound = {n: self.is_public(e, env) for n, e in node.extra_context.items()}
            self.walk(node.nodelist, {**env, **bound})
        elif isinstance(node, tags.IfChangedNode):
            if not node._varlist:
                self.walk(node.nodelist_true, env)
            elif all(self.is_public(v, env) for v in node._varlist):
                self.walk(node.nodelist_true, env)
                self.walk(node.nodelist_false, env)
        elif isinstance(node, _wrappers()):
            self.walk(node.nodelist, env)
        elif isinstance(node, _translate_node()):
            literal = getattr(node.filter_expression.var, "literal", None)
            if not node.asvar:
                is_literal = isinstance(literal, str)
                self.emit(str(literal) if is_literal else "", is_literal)
        elif isinstance(node, _output_nodes()) and not _stored_as_variable(node):
            # Output the source cannot know ({% url %}, {% include %}, {% firstof %},
            # a custom tag): a HOLE, like a variable.
            self.emit("", False)
        # Anything else ({% comment %}, {% load %}, {% csrf_token %}, custom tags
        # with content and whatever they enclose) adds no text.


def _constant(condition) -> bool | None:
    """What an ``{% if %}`` condition made of literals alone always is (``0``, ``""``:
    False, so its text is never shown; ``1``: True); None when it reads a variable."""
    if condition is None or any(True for _ in _lookups(condition)):
        return None
    try:
        return bool(condition.eval(Context()))
    except Exception:  # a filter that fails on a literal: not known
        return None


_WRAPPERS: tuple[type, ...] | None = None


def _wrappers() -> tuple[type, ...]:
    """Tags that show their content unconditionally."""
    global _WRAPPERS
    if _WRAPPERS is None:
        from django.templatetags import cache, i18n, l10n, tz

        _WRAPPERS = (
            tags.AutoEscapeControlNode,
            tags.FilterNode,
            tags.SpacelessNode,
            l10n.LocalizeNode,
            i18n.LanguageNode,
            tz.LocalTimeNode,
            tz.TimezoneNode,
            cache.CacheNode,
        )
    return _WRAPPERS


def _stored_as_variable(node) -> bool:
    """``{% url "x" as name %}`` and the like output nothing."""
    return bool(getattr(node, "asvar", None) or getattr(node, "target_var", None))


def _translate_node() -> type:
    from django.templatetags.i18n import TranslateNode

    return TranslateNode


def _output_nodes() -> tuple[type, ...]:
    """Tags whose output is text the source cannot know."""
    from django.template.library import InclusionNode, SimpleNode

    return (
        tags.FirstOfNode,
        tags.CycleNode,
        tags.NowNode,
        tags.LoremNode,
        tags.WidthRatioNode,
        tags.URLNode,
        tags.TemplateTagNode,
        loader_tags.IncludeNode,
        SimpleNode,  # also simple_block_tag's SimpleBlockNode: its content is not read
        InclusionNode,
    )


def template_text(source: str) -> tuple[str, str]:
    """(HTML text an anonymous visitor may see in a template, text of its title block).

    A variable becomes a HOLE marker, so extraction can drop the sentences it
    would have completed ("Scene : ." is not a passage). Raises
    TemplateSyntaxError for a template Django cannot parse.
    """
    template = Engine.get_default().from_string(source)
    walker = _Walker()
    walker.walk(template.nodelist, {})
    return "".join(walker.kept), normalize("".join(walker.title))


def collect(url_for_template: dict[str, str]) -> list[Document]:
    """Documents for the matched template files that a rendered page used."""
    documents = []
    for path in template_files():
        url = url_for_template.get(str(path))
        if not url:
            # A note for whoever debugs the build (search_rebuild -v2), not a
            # line on every build's console: most matched templates are partials.
            logger.debug("template %s: no rendered page uses it, skipped", path)
            continue
        try:
            html, title = template_text(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, TemplateSyntaxError) as exc:
            logger.warning("template %s skipped: %s", path, exc)
            continue
        documents.append(
            Document(url=url, html=html, source="template", title=title, origin=str(path))
        )
    return documents
