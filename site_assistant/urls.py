"""Include once, under any prefix: ``path("assistant/", include("site_assistant.urls"))``.

Relative to that prefix: the search page at ``search/`` (the prefix itself redirects
there, so the address a site mounts the app at is a working one), the readiness
probe at ``health/`` (``site_assistant:health``) and the API under ``api/`` (schema
at ``api/schema/`` and Swagger UI at ``api/docs/`` when drf-spectacular is
installed). Everything the app links to is reversed by
name (``site_assistant:page``, ``site_assistant:api-search``...), so any prefix works.
"""

from django.urls import include, path
from django.views.generic import RedirectView

from . import health, views

app_name = "site_assistant"

urlpatterns = [
    # "/help/" -> "/help/search/", a question ("?q=") and all; a host's own pattern for
    # the same path listed before the include wins (a site mounted at "" keeps its home).
    path("", RedirectView.as_view(pattern_name="site_assistant:page", query_string=True)),
    path("search/", views.search_page, name="page"),
    path("health/", health.health, name="health"),
    path("api/", include("site_assistant.api.urls")),
]
