"""The app, unchanged, in a brand-new project: `django-admin startproject` + the steps of docs/install.md.

The project can import ``search`` (through a folder holding only a link to
it) but not ``bambicim``: the app must need nothing from the site it was
written for.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow

PAGES = {
    "tea": (
        "Tea room",
        """<h1>The tea room</h1><p>Our tea room serves rose and hibiscus blends all day.</p>
        <h2 id="opening-hours">Opening hours</h2>
        <p>The tea room is open from nine in the morning to six in the evening, every day except Monday.</p>
        <h2 id="menu">Menu</h2><p>Scones with clotted cream, lemon cake and a pot of tea for two.</p>""",
    ),
    "bikes": (
        "Bike repairs",
        """<h1>Bike repairs</h1><p>We fix punctures, brakes and gears while you wait.</p>
        <h2 id="prices">Prices</h2><p>A puncture repair costs eight euros; a full service costs forty euros.</p>""",
    ),
}


def run(args, cwd, env, timeout=240):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def throwaway(tmp_path_factory):
    base = tmp_path_factory.mktemp("throwaway")
    # Only `search` is importable from the repository: no bambicim, no tests.
    libs = base / "libs"
    libs.mkdir()
    (libs / "search").symlink_to(ROOT / "search", target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SEARCH_"))}
    env.pop("DATABASE_URL", None)
    env.update({"PYTHONPATH": str(libs), "HF_HUB_OFFLINE": "1", "PATH": f"{BIN}:{env['PATH']}"})

    site = base / "site"
    site.mkdir()
    run([str(BIN / "django-admin"), "startproject", "throwaway", str(site)], base, env)
    pkg = site / "throwaway"
    (site / "templates" / "pages").mkdir(parents=True)
    (site / "templates" / "base.html").write_text(
        "<!doctype html><html><head><title>{% block title %}{% endblock %}</title>"
        "{% block extra_head %}{% endblock %}</head><body><header>Throwaway site</header>"
        "<main>{% block content %}{% endblock %}</main></body></html>"
    )
    for slug, (title, body) in PAGES.items():
        (site / "templates" / "pages" / f"{slug}.html").write_text(
            '{% extends "base.html" %}'
            f"{{% block title %}}{title}{{% endblock %}}{{% block content %}}{body}{{% endblock %}}"
        )
    (pkg / "views.py").write_text(
        textwrap.dedent("""
        from django.shortcuts import render

        def page(request, slug):
            return render(request, f"pages/{slug}.html")
    """)
    )
    (pkg / "sitemaps.py").write_text(
        textwrap.dedent("""
        from django.contrib.sitemaps import Sitemap
        from django.urls import reverse

        class Pages(Sitemap):
            def items(self):
                return ["tea", "bikes"]

            def location(self, item):
                return reverse("page", args=[item])
    """)
    )
    # The steps of docs/install.md: INSTALLED_APPS, SEARCH, one include().
    with open(pkg / "settings.py", "a") as f:
        f.write(
            textwrap.dedent(f"""
            INSTALLED_APPS += ["django.contrib.sitemaps", "rest_framework", "search"]
            TEMPLATES[0]["DIRS"] = [BASE_DIR / "templates"]
            SEARCH = {{"INDEX_DIR": {str(base / "index")!r}}}
        """)
        )
    (pkg / "urls.py").write_text(
        textwrap.dedent("""
        from django.contrib import admin
        from django.contrib.sitemaps.views import sitemap
        from django.urls import include, path

        from .sitemaps import Pages
        from .views import page

        urlpatterns = [
            path("admin/", admin.site.urls),
            path("pages/<slug:slug>/", page, name="page"),
            path("sitemap.xml", sitemap, {"sitemaps": {"pages": Pages}}),
            path("", include("search.urls")),
        ]
    """)
    )
    run([sys.executable, "manage.py", "migrate", "-v0"], site, env)
    return site, env


def test_the_fresh_project_cannot_import_bambicim(throwaway):
    site, env = throwaway
    result = subprocess.run(
        [sys.executable, "-c", "import bambicim"], cwd=site, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "No module named 'bambicim'" in result.stderr


def test_search_indexes_the_two_pages_and_answers(throwaway):
    site, env = throwaway
    run([sys.executable, "manage.py", "check"], site, env)
    built = run([sys.executable, "manage.py", "search_rebuild", "--sync"], site, env)
    assert "succeeded" in built.stdout and "2 pages" in built.stdout, built.stdout
    asked = run(
        [sys.executable, "manage.py", "search_ask", "When is the tea room open?"], site, env
    )
    first = asked.stdout.splitlines()[1]
    assert "/pages/tea/#opening-hours" in first, asked.stdout
    assert "/pages/bikes/" in asked.stdout  # the other page is in the ranking too
    stats = run([sys.executable, "manage.py", "search_stats"], site, env)
    assert "Tables: 2 pages" in stats.stdout
