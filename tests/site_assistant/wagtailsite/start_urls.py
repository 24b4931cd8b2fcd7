"""The URLconf of a project made by `wagtail start`, with the app's URLs added as
install.md's Quick start gave them: ``urlpatterns += [...]`` at the end, below
Wagtail's catch-all (tests/site_assistant/test_apps.py)."""

from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("sitemap.xml", sitemap),
]

urlpatterns = urlpatterns + [
    # For anything not caught by a more specific rule above, hand over to
    # Wagtail's page serving mechanism. This should be the last pattern in
    # the list:
    path("", include(wagtail_urls)),
]

urlpatterns += [path("assistant/", include("site_assistant.urls"))]
