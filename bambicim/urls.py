from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views
from .sitemaps import sitemaps

# The owner's admin says whose it is, not "Django administration", in the owner's
# language (bambicim/middleware.py; Django's catalogue has "Site administration").
admin.site.site_header = "Bambicim"
admin.site.site_title = _("Bambicim admin")
admin.site.index_title = _("Site administration")

urlpatterns = [
    path("", include("bambicim.site_urls")),
    path("", include("site_assistant.urls")),
    path("admin/", admin.site.urls),
    path(
        "sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="django.contrib.sitemaps.views.sitemap"
    ),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.favicon, name="favicon"),
]

# 404 and 500: Django's own handlers render templates/404.html (with the request's
# context) and templates/500.html (with none: it must render when everything else
# is broken), and fall back to Django's plain pages when those templates are not
# there (the app's templates alone, as tests/site/test_pages.py runs it).
