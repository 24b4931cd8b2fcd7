from django.db import models
from taggit.managers import TaggableManager
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.snippets.models import register_snippet


class ArticlePage(Page):
    """A page type of the site's own, as every real Wagtail site has: its text is a field."""

    body = RichTextField(blank=True)

    def recipes(self):
        """The recipes (snippets) the page with the slug "menu" lists."""
        return Recipe.objects.order_by("pk") if self.slug == "menu" else Recipe.objects.none()


@register_snippet
class Recipe(models.Model):
    """A tagged model of the site's own (django-taggit, as Wagtail sites tag snippets)."""

    title = models.CharField(max_length=100)
    tags = TaggableManager(blank=True)

    def __str__(self):
        return self.title
