"""Search fixtures: private index folders and the tiny changeable test site.

(``built_index``, the real site's index, is in tests/conftest.py.)
"""

import json

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
    # Its ONNX export is the base model's (same weights, same mtime): copied
    # under its own model id rather than exported again (~10-30 s).
    base = embed.find_onnx(embed.default_model_path())
    if base is not None:
        shutil.copytree(base[0], folder / embed.ONNX_DIR)
        meta = {**base[1], "model_id": embed.model_id(str(folder)), "model_ref": str(folder)}
        (folder / embed.ONNX_DIR / "export.json").write_text(json.dumps(meta))
    return folder
