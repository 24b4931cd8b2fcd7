"""Include once: ``path("", include("search.urls"))``."""

from django.urls import path

app_name = "search"

urlpatterns: list = [
    # search page, API, schema: see issue 4.
]
