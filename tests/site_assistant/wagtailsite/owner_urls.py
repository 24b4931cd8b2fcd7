from django.contrib import admin
from django.urls import path

from .admin_urls import urlpatterns as wagtail_admin

urlpatterns = [path("django-admin/", admin.site.urls), *wagtail_admin]
