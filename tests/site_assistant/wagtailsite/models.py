from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from taggit.managers import TaggableManager
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import DraftStateMixin, Page, RevisionMixin
from wagtail.snippets.models import register_snippet


class ArticlePage(Page):
    """A page type of the site's own, as every real Wagtail site has: its text is a field."""

    body = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("body")]

    def recipes(self):
        """The recipes (snippets) the page with the slug "menu" lists."""
        return Recipe.objects.order_by("pk") if self.slug == "menu" else Recipe.objects.none()

    def opening_hours(self):
        """The opening hours (a snippet registered in wagtail_hooks.py) the page with the
        slug "visit" shows."""
        if self.slug != "visit":
            return OpeningHours.objects.none()
        return OpeningHours.objects.order_by("pk")


@register_snippet
class Recipe(models.Model):
    """A tagged model of the site's own (django-taggit, as Wagtail sites tag snippets)."""

    title = models.CharField(max_length=100)
    tags = TaggableManager(blank=True)

    def __str__(self):
        return self.title


@register_snippet
class Notice(DraftStateMixin, RevisionMixin, models.Model):
    """A snippet with drafts: the editor saves a draft, publishes later."""

    text = models.CharField(max_length=200)
    revisions = GenericRelation("wagtailcore.Revision", related_query_name="notice")

    def __str__(self):
        return self.text


class OpeningHours(models.Model):
    """A snippet registered in the app's wagtail_hooks.py (``register_snippet(Model)``
    called there, not the decorator), as many sites do."""

    text = models.CharField(max_length=200)

    def __str__(self):
        return self.text
