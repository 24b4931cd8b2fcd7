"""Include once, under any prefix: ``path("assistant/", include("site_assistant.urls"))``.

Relative to that prefix: the search page at ``search/``, the readiness
probe at ``health/`` (``site_assistant:health``) and the API under ``api/`` (schema
at ``api/schema/`` and Swagger UI at ``api/docs/`` when drf-spectacular is
installed). Everything the app links to is reversed by
name (``site_assistant:page``, ``site_assistant:api-search``...), so any prefix works.
"""

from django.urls import include, path

from . import health, views

app_name = "site_assistant"

urlpatterns = [
    path("search/", views.search_page, name="page"),
    path("health/", health.health, name="health"),
    path("api/", include("site_assistant.api.urls")),
]
