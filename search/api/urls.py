"""API routes; included by search/urls.py under ``api/``."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

urlpatterns = [
    path("search/", views.SearchView.as_view(), name="api-search"),
    path("feedback/", views.FeedbackView.as_view(), name="api-feedback"),
    path("index/", views.IndexStatusView.as_view(), name="api-index"),
    path("index/rebuild/", views.RebuildView.as_view(), name="api-rebuild"),
    path("index/builds/<int:build_id>/", views.BuildDetailView.as_view(), name="api-build"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="search:api-schema"), name="api-docs"),
]
