"""Saving or deleting registered content schedules one debounced rebuild after commit."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction

from site_assistant.models import IndexBuild
from site_assistant.signals import DEBOUNCE_KEY
from site_assistant.sources import models as model_source

pytestmark = pytest.mark.django_db


def test_without_a_broker_a_burst_of_saves_gives_one_build_after_commit(
    registered_groups, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for i in range(5):
            Group.objects.create(name=f"Group number {i} about pink ribbons and teapots")
        assert not IndexBuild.objects.filter(trigger="content").exists()  # not before the commit
    assert len(callbacks) == 5 + 1  # five saves, one enqueued build
    # The first save's callback builds; the other four see that it came after them.
    builds = IndexBuild.objects.filter(trigger="content")
    assert [(b.status, b.pages) for b in builds] == [("succeeded", 7)]  # 2 pages + 5 groups


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_committed_burst_is_built_once_and_a_later_change_again(
    registered_groups,
):
    """A real commit: the callbacks run one after another, each build at once."""
    with transaction.atomic():
        for i in range(5):
            Group.objects.create(name=f"Group number {i} about pink ribbons and teapots")
    assert [b.status for b in IndexBuild.objects.filter(trigger="content")] == ["succeeded"]

    Group.objects.filter(name__startswith="Group number").delete()  # "delete selected"
    builds = IndexBuild.objects.filter(trigger="content").order_by("pk")
    assert [(b.status, b.removed) for b in builds] == [("succeeded", 0), ("succeeded", 5)]


def test_with_a_broker_saves_within_the_debounce_window_request_one_build(
    registered_groups, with_a_broker, django_capture_on_commit_callbacks
):
    for i in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            Group.objects.create(name=f"Group number {i} about pink ribbons and teapots")
    builds = IndexBuild.objects.filter(trigger="content")
    assert [(b.status, bool(b.task_id)) for b in builds] == [("queued", True)]
    assert cache.get(DEBOUNCE_KEY) == 1


def test_deleting_a_row_schedules_a_rebuild_that_drops_it(
    registered_groups, django_capture_on_commit_callbacks, settings
):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "REBUILD_DEBOUNCE_SECONDS": 0}
    with django_capture_on_commit_callbacks(execute=True):
        group = Group.objects.create(name="A group about glitter liner and night markets")
    with django_capture_on_commit_callbacks(execute=True):
        group.delete()
    latest = IndexBuild.objects.latest()
    assert latest.status == "succeeded" and latest.removed == 1 and latest.pages == 2


def test_adding_a_tag_to_a_row_rebuilds_with_the_tag_read(
    registered_groups, django_capture_on_commit_callbacks
):
    # An article's tags are part of its text; tagging it in code (not the admin,
    # which saves the row too) must reach the answers as saving it does.
    from django.contrib.auth.models import Permission

    model_source.register(
        Group,
        fields=["name", "rights"],
        url=lambda g: f"/alpha/#group-{g.pk}",
    )
    Group.rights = property(lambda g: ", ".join(p.name for p in g.permissions.all()))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            group = Group.objects.create(name="Night market stall keepers")
        rights = Permission.objects.get(codename="add_group")
        with django_capture_on_commit_callbacks(execute=True):
            group.permissions.add(rights)
        from site_assistant import index

        texts = [p["text"] for p in index.load_current().passages]
        assert any("Can add group" in text for text in texts)
        with django_capture_on_commit_callbacks(execute=True):
            rights.group_set.remove(group)  # from the other side
        texts = [p["text"] for p in index.load_current().passages]
        assert not any("Can add group" in text for text in texts)
    finally:
        del Group.rights


def test_unregistered_models_and_disabled_auto_rebuild_do_nothing(
    registered_groups, django_capture_on_commit_callbacks, settings
):
    from django.contrib.auth.models import Permission

    with django_capture_on_commit_callbacks(execute=True):
        Permission.objects.first().save()
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "AUTO_REBUILD": False}
    with django_capture_on_commit_callbacks(execute=True):
        Group.objects.create(name="Not indexed yet")
    assert not IndexBuild.objects.filter(trigger="content").exists()


def test_a_new_example_question_is_indexed_beside_its_section(
    testsite, django_capture_on_commit_callbacks
):
    from site_assistant import index
    from site_assistant.models import ExampleQuestion

    cache.delete(DEBOUNCE_KEY)
    ExampleQuestion.objects.all().delete()  # the Bambicim site's, loaded by a migration
    with django_capture_on_commit_callbacks(execute=True):
        ExampleQuestion.objects.create(question="where do I pick up my order?", url="/alpha/")
    build = IndexBuild.objects.get(trigger="example")  # "Example question saved"
    assert build.status == "succeeded"
    live = index.load_current()
    assert live.question_index.ntotal == 1
    assert live.passages[int(live.question_owner[0])]["url"] == "/alpha/"
    cache.delete(DEBOUNCE_KEY)


def test_without_wagtail_installed_no_page_signal_is_connected():
    """This site has no Wagtail (the app's own Wagtail site: test_sources_wagtail.py)."""
    import sys

    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    from site_assistant import wagtail_signals

    assert not apps.is_installed("wagtail")
    uids = [key[0] for signal in (post_save, post_delete) for key, _, _ in signal.receivers]
    assert not [uid for uid in uids if str(uid).startswith(wagtail_signals.UID)]
    before = set(sys.modules)
    assert wagtail_signals.connect() is False
    assert not [name for name in set(sys.modules) - before if name.startswith("wagtail")]
