from django.http import HttpResponse
from django.shortcuts import render


def home(request):
    return render(request, "pages/home.html")


def robots_txt(request):
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /api/",
             f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
