"""A project's URLconf that forgot the app's include(), its sitemap served by
django.contrib.sitemaps (tests/site_assistant/test_apps.py)."""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.urls import path
from django.views.generic import TemplateView


class Pages(Sitemap):
    def items(self):
        return ["/"]

    def location(self, item):
        return item


urlpatterns = [
    path("", TemplateView.as_view(template_name="site_assistant/base.html"), name="home"),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": Pages}}),
]
