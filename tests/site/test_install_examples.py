"""docs/install.md's code as a project copies it: its GenericSitemap example, paged as
Django pages a sitemap, says nothing (unordered, Django warned at every build)."""

import re
import warnings
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.contrib.sitemaps import GenericSitemap

INSTALL = Path(__file__).resolve().parents[2] / "docs" / "install.md"


class Article:
    """The docs' ``Article``: ``objects.filter(published=True)`` is a real queryset."""

    class objects:  # noqa: N801 - as a model's manager is named
        @staticmethod
        def filter(**kwargs):
            assert kwargs == {"published": True}, kwargs
            return Group.objects.all()  # a model with no Meta.ordering, as most are


def generic_sitemap_argument() -> str:
    """The dict docs/install.md hands GenericSitemap, as written there."""
    blocks = re.findall(r"```python\n(.*?)```", INSTALL.read_text(encoding="utf-8"), re.S)
    (block,) = [b for b in blocks if "GenericSitemap(" in b]
    return re.search(r"GenericSitemap\(\s*(\{.*?\})\s*\)", block, re.S).group(1)


@pytest.mark.django_db
def test_the_generic_sitemap_example_is_ordered():
    sitemap = GenericSitemap(eval(generic_sitemap_argument(), {"Article": Article}))  # noqa: S307
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sitemap.paginator.num_pages == 1
