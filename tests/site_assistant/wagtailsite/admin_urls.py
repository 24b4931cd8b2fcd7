from django.urls import include, path
from wagtail.admin import urls as wagtailadmin_urls

from .urls import urlpatterns as site

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("assistant/", include("site_assistant.urls")),
    *site,
]
