"""Wagtail reads this module after the apps are ready (``search_for_hooks``): a snippet
registered here is registered then, not when its model is imported."""

from wagtail.snippets.models import register_snippet

from .models import OpeningHours

register_snippet(OpeningHours)
