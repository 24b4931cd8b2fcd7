from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.contrib.sitemaps.views import sitemap

urlpatterns = [path("sitemap.xml", sitemap)]
urlpatterns += i18n_patterns(path("", include(wagtail_urls)))
