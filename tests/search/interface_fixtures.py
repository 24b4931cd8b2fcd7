"""Fixtures for the interface tests (API, search page, widget, admin, browser).

Import them into a test module (``from tests.search.interface_fixtures import
built_index, serve_like_development  # noqa: F401``): ``serve_like_development``
is autouse, ``built_index`` is a real index of the real site, built once per
session (or reused when another fixture already built it).

Without DEBUG, settings pick the production static storage (it needs
collectstatic's manifest) and the HTTPS redirect; these tests exercise pages
and the API, not those deployment features.
"""

import pytest
from django.test import override_settings

PLAIN_STATIC = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


def _plain_storages():
    from django.conf import settings

    return {**settings.STORAGES, "staticfiles": PLAIN_STATIC}


@pytest.fixture(autouse=True)
def serve_like_development(settings):
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = _plain_storages()


@pytest.fixture(scope="session")
def built_index(django_db_setup, django_db_blocker):
    """Build the site's index with ``search.build.run_build``; return ``index_status()``."""
    from search import index, services
    from search.build import run_build
    from search.models import EmbeddingCache, IndexBuild, Page, Passage

    # The session's INDEX_DIR is fresh: an index there (built by another
    # fixture, e.g. tests/search/conftest.py) is the real site's, so reuse it.
    if not services.index_status():
        with django_db_blocker.unblock(), override_settings(STORAGES=_plain_storages()):
            build = run_build(IndexBuild(trigger=IndexBuild.Trigger.COMMAND))
            assert build.status == IndexBuild.Status.SUCCEEDED, build.error
            # The build committed rows outside any test's transaction: remove them so
            # tests that expect an empty table still get one. The index files stay.
            for model in (EmbeddingCache, Passage, Page, IndexBuild):
                model.objects.all().delete()
        index.forget_loaded()
    return services.index_status()
