"""A host that mounts the app under a prefix of its own, beside its own ``search/`` page."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path


def hosts_own_search(request):
    return HttpResponse("the host's own search page")


urlpatterns = [
    path("search/", hosts_own_search),
    path("admin/", admin.site.urls),
    path("help/assistant/", include("site_assistant.urls")),
]
