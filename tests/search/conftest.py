"""Search fixtures.

``built_index``: one real build of the real Bambicim site with the real model
into the session's test INDEX_DIR (from tests/conftest.py), shared by every
test that needs the live index. Other test modules can use it too.
"""

import pytest
from django.test import override_settings

# Without DEBUG=1, settings pick the manifest static storage (which needs
# collectstatic) and an HTTPS redirect; page rendering for the index is not
# about either. (A production build runs after collectstatic.)
RENDER_LIKE_DEVELOPMENT = {
    "SECURE_SSL_REDIRECT": False,
    "STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
}


@pytest.fixture
def render_like_development(settings):
    for name, value in RENDER_LIKE_DEVELOPMENT.items():
        setattr(settings, name, value)


@pytest.fixture(scope="session")
def built_index(django_db_setup, django_db_blocker):
    """The live IndexVersion of the Bambicim site, built once per session."""
    from search import index
    from search.build import run_build
    from search.models import IndexBuild

    with django_db_blocker.unblock(), override_settings(**RENDER_LIKE_DEVELOPMENT):
        build = run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))
        assert build.status == IndexBuild.Status.SUCCEEDED, build.error
        version = index.load_current()
    return version


@pytest.fixture
def own_index_dir(settings, tmp_path):
    """A private INDEX_DIR for tests that build their own (small) indexes."""
    from search import index

    settings.SEARCH = {**settings.SEARCH, "INDEX_DIR": str(tmp_path / "index")}
    yield tmp_path / "index"
    index.forget_loaded()


@pytest.fixture
def testsite(settings, own_index_dir):
    """The tiny test site of tests/search/testsite.py, indexed into a private dir."""
    from . import testsite as site

    settings.ROOT_URLCONF = "tests.search.testsite"
    settings.SEARCH = {
        **settings.SEARCH,
        "TEMPLATE_INCLUDE": [],
        "URLS": [],
        "EXCLUDE_URLS": [],
    }
    site.reset_pages()
    yield site
    site.reset_pages()


@pytest.fixture(autouse=True)
def _forget_celery_producers():
    """Tasks sent here (eagerly or to the in-memory broker) leave a producer
    pool bound to that broker cached on ``app.amqp``; the ``celery_worker``
    fixture only resets ``app._pool``, so a later real-worker test would
    publish its pings nowhere. Drop it after every test."""
    yield
    from celery import current_app

    current_app.__dict__.pop("amqp", None)
