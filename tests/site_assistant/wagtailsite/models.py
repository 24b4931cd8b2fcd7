from wagtail.fields import RichTextField
from wagtail.models import Page


class ArticlePage(Page):
    """A page type of the site's own, as every real Wagtail site has: its text is a field."""

    body = RichTextField(blank=True)
