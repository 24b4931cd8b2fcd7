"""Say a page's title and description once, use them in <title>, meta and og: tags.

A page sets ``{% block title %}`` and ``{% block description %}``; base.html
repeats them in its ``og:`` tags with ``{% block_text "title" %}`` (Django
lets a block be rendered only once by name).
"""

from django import template
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def block_text(context, name):
    """The text of the page's most specific block ``name``, without tags or extra spaces.

    Rendered the way ``{% block %}`` renders itself, so a page's block may use
    ``{{ block.super }}``.
    """
    blocks = context.render_context.get(BLOCK_CONTEXT_KEY)
    block = blocks.get_block(name) if blocks else None
    if block is None:
        return ""
    rendered = block.render(context)
    # The block escaped its own variables when it rendered: not again.
    return mark_safe(" ".join(strip_tags(rendered).split()))
