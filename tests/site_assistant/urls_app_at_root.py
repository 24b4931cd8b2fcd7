"""A host that mounts the app at "", below its own ``search/`` page, which then
answers the app's search page's path (tests/site_assistant/test_apps.py)."""

from django.urls import include, path

from .prefixed_urls import hosts_own_search

urlpatterns = [
    path("search/", hosts_own_search),
    path("", include("site_assistant.urls")),
]
