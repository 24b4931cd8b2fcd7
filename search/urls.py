"""Include once: ``path("", include("search.urls"))``.

Gives the search page at ``search/`` and the API under ``api/`` (schema at
``api/schema/``, Swagger UI at ``api/docs/``).
"""

from django.urls import include, path

from . import views

app_name = "search"

urlpatterns = [
    path("search/", views.search_page, name="page"),
    path("api/", include("search.api.urls")),
]
