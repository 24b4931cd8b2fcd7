"""Saving or deleting registered content schedules one debounced rebuild after commit."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from search import register
from search.models import IndexBuild
from search.signals import DEBOUNCE_KEY
from search.sources import models as model_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered_groups(testsite):
    cache.delete(DEBOUNCE_KEY)
    register(Group, fields=["name"], url=lambda g: f"/alpha/#group-{g.pk}")
    yield
    model_source.unregister(Group)
    cache.delete(DEBOUNCE_KEY)


def test_a_burst_of_saves_schedules_one_rebuild_after_commit(
    registered_groups, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for i in range(5):
            Group.objects.create(name=f"Group number {i} about pink ribbons and teapots")
        assert not IndexBuild.objects.filter(trigger="content").exists()  # not before the commit
    assert len(callbacks) == 5 + 1  # five saves; the first one's rebuild enqueues once
    builds = IndexBuild.objects.filter(trigger="content")
    assert [(b.trigger, b.status) for b in builds] == [("content", "succeeded")]
    assert builds[0].pages == 7  # 2 pages + 5 groups


def test_deleting_a_row_schedules_a_rebuild_that_drops_it(
    registered_groups, django_capture_on_commit_callbacks, settings
):
    settings.SEARCH = {**settings.SEARCH, "REBUILD_DEBOUNCE_SECONDS": 0}
    with django_capture_on_commit_callbacks(execute=True):
        group = Group.objects.create(name="A group about glitter liner and night markets")
    with django_capture_on_commit_callbacks(execute=True):
        group.delete()
    latest = IndexBuild.objects.latest()
    assert latest.status == "succeeded" and latest.removed == 1 and latest.pages == 2


def test_unregistered_models_and_disabled_auto_rebuild_do_nothing(
    registered_groups, django_capture_on_commit_callbacks, settings
):
    from django.contrib.auth.models import Permission

    with django_capture_on_commit_callbacks(execute=True):
        Permission.objects.first().save()
    settings.SEARCH = {**settings.SEARCH, "AUTO_REBUILD": False}
    with django_capture_on_commit_callbacks(execute=True):
        Group.objects.create(name="Not indexed yet")
    assert not IndexBuild.objects.filter(trigger="content").exists()
