"""Search fixtures: private index folders and the tiny changeable test site.

(``built_index``, the real site's index, is in tests/conftest.py.)
"""

import pytest


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


@pytest.fixture
def another_model(tmp_path):
    """A second real model folder (the base weights under another name: another model id)."""
    import shutil

    from search import embed

    folder = tmp_path / "other-model"
    shutil.copytree(embed.default_model_path(), folder)
    return folder
