from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from . import views
from .sitemaps import sitemaps

urlpatterns = [
    path("", include("bambicim.site_urls")),
    path("", include("site_assistant.urls")),
    path("admin/", admin.site.urls),
    path(
        "sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="django.contrib.sitemaps.views.sitemap"
    ),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]

handler404 = "bambicim.views.page_not_found"
handler500 = "bambicim.views.server_error"
