"""tasks: the build a request queued runs (eagerly or on a real worker), once."""

import time
from pathlib import Path

import pytest

from search import index
from search.models import IndexBuild
from search.rebuilds import claim_or_coalesce, request_rebuild
from search.tasks import rebuild_index, reindex_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_eager_request_runs_the_build_and_frees_the_lock(
    testsite, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        build = request_rebuild("command")
    build.refresh_from_db()
    assert build.status == "succeeded", build.error
    assert build.lock is None and build.passages > 0 and build.task_id
    assert index.load_current().version == build.version
    # The next request is a new build, not coalesced.
    with django_capture_on_commit_callbacks(execute=True):
        again = request_rebuild("command")
    again.refresh_from_db()
    assert again.status == "succeeded" and again.embedded == 0


@pytest.mark.django_db
def test_a_failed_build_frees_the_lock(testsite, settings, django_capture_on_commit_callbacks):
    settings.SEARCH = {**settings.SEARCH, "USE_SITEMAPS": False, "URLS": ["/boom/"]}
    with django_capture_on_commit_callbacks(execute=True):
        build = request_rebuild("command")
    build.refresh_from_db()
    assert build.status == "failed" and "no passages found" in build.error
    assert build.lock is None
    assert claim_or_coalesce("command").status == "queued"


@pytest.mark.django_db
def test_a_build_that_is_not_queued_is_not_run_twice(testsite):
    done = IndexBuild.objects.create(status="succeeded", version="v-old")
    result = rebuild_index.apply(kwargs={"build_id": done.pk}).get()
    assert result["skipped"] == "not queued"
    assert rebuild_index.apply(kwargs={"build_id": 999999}).get()["status"] == "missing"


@pytest.mark.django_db
def test_the_scheduled_task_without_a_build_id_makes_its_own(testsite):
    result = rebuild_index.apply(kwargs={"trigger": "schedule"}).get()
    build = IndexBuild.objects.get(pk=result["build"])
    assert build.status == "succeeded" and build.trigger == "schedule"


def wait_for(build_id, timeout=150):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        build = IndexBuild.objects.get(pk=build_id)
        if build.status in ("succeeded", "failed"):
            return build
        time.sleep(0.5)
    pytest.fail(f"build #{build_id} still {build.status} ({build.progress}% {build.stage})")


@pytest.mark.celery
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_build_and_two_requests_give_one_build(celery_worker):
    first = request_rebuild("api")
    second = request_rebuild("admin")
    assert first.status == "queued"
    assert second.status == "coalesced" and second.coalesced_into_id == first.pk
    build = wait_for(first.pk)
    log = Path(celery_worker.log_path).read_text()[-3000:]
    assert build.status == "succeeded", (build.error, log)
    assert build.task_id and build.passages > 50 and build.lock is None
    assert IndexBuild.objects.filter(pk__gte=first.pk).exclude(status="coalesced").count() == 1
    # The web process picks the worker's version up without a restart.
    assert index.load_current().version == build.version


@pytest.mark.django_db
def test_reindex_url_rereads_one_page_and_keeps_the_rest(testsite):
    full = rebuild_index.apply(kwargs={"trigger": "command"}).get()
    before = index.load_current()
    alpha_rows = [p for p in before.passages if p["url"] == "/alpha/"]
    title, main = testsite.PAGES["/alpha/"]
    testsite.PAGES["/alpha/"] = (title, main.replace("nine to five", "ten to four"))
    testsite.PAGES["/beta/"] = (
        "Beta",
        "<h1>Beta</h1><p>Changed too, but nobody asked to re-read it.</p>",
    )
    result = reindex_url.apply(args=["/alpha/"]).get()
    build = IndexBuild.objects.get(pk=result["build"])
    assert result["status"] == "succeeded" and build.trigger == "content"
    assert (build.embedded, build.removed) == (1, 1)
    assert build.reused == before.count - 1 and build.passages == before.count
    after = index.load_current()
    texts = [p["text"] for p in after.passages]
    assert any("ten to four" in t for t in texts) and not any("nine to five" in t for t in texts)
    # Beta was not re-read: its old passages stay.
    assert any("parcels across the sea" in t for t in texts)
    # Vectors of kept passages are the old ones: searching finds them.
    from search import services

    assert services.search("When are you open?", k=1)[0].url == "/alpha/"
    assert len([p for p in after.passages if p["url"] == "/alpha/"]) == len(alpha_rows)
    assert full["status"] == "succeeded"


@pytest.mark.django_db
def test_reindex_url_of_a_gone_page_drops_its_passages(testsite):
    rebuild_index.apply(kwargs={"trigger": "command"}).get()
    del testsite.PAGES["/beta/"]
    result = reindex_url.apply(args=["/beta/"]).get()
    assert result["status"] == "succeeded"
    assert not any("/beta/" in p["urls"] for p in index.load_current().passages)
    assert reindex_url.apply(args=["/admin/"]).get()["status"] == "excluded"
    assert reindex_url.apply(args=["http://evil.example/"]).get()["status"] == "invalid"


@pytest.mark.django_db
def test_a_model_served_while_a_build_ran_gets_its_own_build(
    testsite, another_model, django_capture_on_commit_callbacks
):
    """The request to serve a new model was coalesced into a build that used the old one."""
    from search import embed
    from search.tasks import _follow_up

    with django_capture_on_commit_callbacks(execute=True):
        build = request_rebuild("command")
    build.refresh_from_db()
    assert build.status == "succeeded" and build.model_id == "all-MiniLM-L6-v2"
    _follow_up(build)  # nothing changed since: no new build
    assert IndexBuild.objects.count() == 1

    embed.set_active_model(str(another_model))  # as if while the build was running
    with django_capture_on_commit_callbacks(execute=True):
        _follow_up(build)
    follow = IndexBuild.objects.latest()
    assert follow.pk != build.pk and follow.trigger == IndexBuild.Trigger.MODEL
    assert follow.status == "succeeded" and follow.model_id.startswith("other-model-")
    assert index.load_current().model_id == follow.model_id
    assert IndexBuild.objects.count() == 2  # and that build, with the model served, asks for none
