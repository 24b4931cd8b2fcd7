"""``{% load search %}{% search_widget %}``: the Ask Bambi bubble on any page."""

from django import template

from .. import conf

register = template.Library()


@register.inclusion_tag("search/widget.html", takes_context=True)
def search_widget(context):
    return {"request": context.get("request"), "title": conf.get("WIDGET_TITLE")}
