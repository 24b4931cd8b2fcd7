"""Include once: ``path("", include("search.urls"))``.

Gives the search page at ``search/``, the readiness probe at ``health/`` and
the API under ``api/`` (schema at ``api/schema/``, Swagger UI at ``api/docs/``).
"""

from django.urls import include, path

from . import health, views

app_name = "search"

urlpatterns = [
    path("search/", views.search_page, name="page"),
    path("health/", health.health, name="health"),
    path("api/", include("search.api.urls")),
]
