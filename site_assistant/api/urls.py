"""API routes; included by site_assistant/urls.py under ``api/``.

The OpenAPI schema (``api/schema/``) and its Swagger UI (``api/docs/``) are
served only when the project has ``drf_spectacular`` in INSTALLED_APPS; without
it those URLs do not exist (404), never a 500.

``api/`` itself (``views.ApiRootView``, in the schema too) lists the endpoints and the schema's and docs'
paths, as JSON. Last, any other path under ``api/`` (``serach/``, ``index/builds/abc/``,
``search`` without its slash) goes to ``views.not_an_endpoint``: a 308 to the slashed
path of an endpoint, or a JSON 404, never the site's HTML page, whatever prefix the
project includes the app under.
"""

from django.apps import apps
from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="api-root"),
    path("search/", views.SearchView.as_view(), name="api-search"),
    path("feedback/", views.FeedbackView.as_view(), name="api-feedback"),
    path("index/", views.IndexStatusView.as_view(), name="api-index"),
    path("index/rebuild/", views.RebuildView.as_view(), name="api-rebuild"),
    path("index/builds/<int:build_id>/", views.BuildDetailView.as_view(), name="api-build"),
]

if apps.is_installed("drf_spectacular"):
    from drf_spectacular.settings import spectacular_settings
    from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
    from rest_framework.permissions import AllowAny

    # Served to anyone (drf-spectacular's default): then no authentication, so a client
    # that sends its token with every request still reads them when that token is wrong
    # (it was a 403 "Invalid token."). A project that restricts them keeps its settings.
    public = {}
    if spectacular_settings.SERVE_AUTHENTICATION is None and all(
        permission is AllowAny for permission in spectacular_settings.SERVE_PERMISSIONS
    ):
        public = {"authentication_classes": []}
    urlpatterns += [
        path("schema/", SpectacularAPIView.as_view(**public), name="api-schema"),
        path(
            "docs/",
            SpectacularSwaggerView.as_view(url_name="site_assistant:api-schema", **public),
            name="api-docs",
        ),
    ]

urlpatterns += [
    re_path(
        # [\s\S], not ".": a newline (%0A) in the path is part of it too.
        r"^[\s\S]+$",
        views.not_an_endpoint,
        name=views.NOT_AN_ENDPOINT,
    ),
]
