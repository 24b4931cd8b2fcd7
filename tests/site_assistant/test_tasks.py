"""tasks: the build a request queued runs (eagerly or on a real worker), once."""

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from site_assistant import index
from site_assistant.models import IndexBuild
from site_assistant.rebuilds import claim_or_coalesce, release_stale_locks, request_rebuild
from site_assistant.tasks import rebuild_index, reindex_url

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
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "USE_SITEMAPS": False, "URLS": ["/boom/"]}
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


def finished(build):
    return build.status in ("succeeded", "failed")


# What request_rebuild says of a build it handed to a real worker: "queued", or already
# "running" when an idle worker took it before the request read the build back (it reads
# the row after sending; the first send of a process also sets up the result backend in
# between). Both are a build handed over; the tests wait for the worker's outcome.
HANDED_OVER = ("queued", "running")


def wait_for(build_id, until=finished, timeout=150, every=0.5, log=None):
    """Build ``build_id`` once ``until(build)`` holds, read again every ``every`` seconds.

    The test fails after ``timeout`` seconds, with the end of the worker's ``log`` if given.
    """
    deadline = time.monotonic() + timeout
    while True:
        build = IndexBuild.objects.get(pk=build_id)
        if until(build):
            return build
        if time.monotonic() > deadline:
            lock = "held" if build.lock is not None else "free"
            tail = f"\n{Path(log).read_text()[-3000:]}" if log else ""
            pytest.fail(
                f"build #{build_id} still {build.status} ({build.progress}% {build.stage}, "
                f"lock {lock}) after {timeout} s{tail}"
            )
        time.sleep(every)


@pytest.mark.celery
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_build_and_two_requests_give_one_build(celery_worker):
    from site_assistant.models import EmbeddingCache

    # A cold build (seconds of embedding), whatever built before: the second request comes
    # while it runs (a build that reads every vector from the cache takes a fraction of one).
    EmbeddingCache.objects.all().delete()
    first = request_rebuild("api")
    second = request_rebuild("admin")
    assert first.status in HANDED_OVER
    assert second.status == "coalesced" and second.coalesced_into_id == first.pk
    # The worker frees the lock once the task ends, a moment after the build went live.
    build = wait_for(first.pk, lambda build: finished(build) and build.lock is None)
    log = Path(celery_worker.log_path).read_text()[-3000:]
    assert build.status == "succeeded", (build.error, log)
    assert build.task_id and build.passages > 50
    assert IndexBuild.objects.filter(pk__gte=first.pk).exclude(status="coalesced").count() == 1
    # The web process picks the worker's version up without a restart.
    assert index.load_current().version == build.version


@pytest.mark.celery
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_build_whose_worker_is_killed_fails_within_a_minute_and_the_next_request_runs(
    celery_workers, site_vectors, settings
):
    from site_assistant.models import EmbeddingCache

    # A lease of 6 s renewed every second, not the default 30 s every 5 s: the same
    # path (a lapsed lease marks the build lost), 24 s less of waiting for it; five
    # beats may be late before a live build's lease lapses.
    lease = {"BUILD_LEASE_SECONDS": 6, "BUILD_HEARTBEAT_SECONDS": 1}
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, **lease}
    env = {f"SEARCH_{key}": str(value) for key, value in lease.items()}
    worker = celery_workers(**env)
    # A cold build, whatever built before: it must still run when the test kills its worker.
    EmbeddingCache.objects.all().delete()
    build = request_rebuild("api")
    assert build.status in HANDED_OVER
    started = wait_for(
        build.pk,
        lambda build: build.status == "running",
        timeout=90,
        every=0.1,
        log=worker.log_path,
    )
    # Mid-build, the worker alive: the build has renewed its lease since it started (its
    # heartbeat or a progress save, at least half a beat later).
    beaten = started.lease_expires + timedelta(seconds=0.5)
    build = wait_for(
        build.pk,
        lambda build: build.status == "running" and build.lease_expires >= beaten,
        timeout=30,
        every=0.1,
        log=worker.log_path,
    )
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    killed = time.monotonic()
    # The worker for the next request starts while the lease runs out (both take seconds);
    # on start it queues only builds the queue did not take, and this one it did.
    replacement = celery_workers.starting(**env)
    # Right after the kill the lease still holds: a request joins the build.
    assert request_rebuild("admin").status == "coalesced"
    while time.monotonic() - killed < 60:
        release_stale_locks()
        build.refresh_from_db()
        if build.status != "running":
            break
        time.sleep(1)
    lost_after = time.monotonic() - killed
    assert build.status == "failed" and build.lock is None, build.error
    assert "Worker lost" in build.error
    # The worker's lease was the test's (its default would have held for 30 s).
    assert lost_after < 25, f"marked failed {lost_after:.1f} s after SIGKILL"
    print(f"killed build #{build.pk} marked failed {lost_after:.1f} s after SIGKILL")
    # The next request is a build of its own, and the new worker runs it (not embedding
    # again the site's texts seen before: the killed build was the one that embedded).
    site_vectors()
    replacement()
    again = request_rebuild("api")
    assert again.status in HANDED_OVER and again.pk != build.pk
    done = wait_for(again.pk)
    assert done.status == "succeeded", done.error
    assert index.load_current().version == done.version


@pytest.mark.django_db
def test_the_build_task_is_acked_late_and_handed_back_when_its_worker_dies():
    assert rebuild_index.acks_late and rebuild_index.reject_on_worker_lost
    assert reindex_url.acks_late and reindex_url.reject_on_worker_lost


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
    from site_assistant import services

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
    from site_assistant import embed
    from site_assistant.tasks import _follow_up

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


@pytest.mark.celery
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_content_change_the_queue_did_not_take_is_built_once_a_worker_is_back(
    celery_workers, point_broker, built_index, site_vectors, settings
):
    from django.core.cache import cache

    from site_assistant.models import ExampleQuestion
    from site_assistant.signals import DEBOUNCE_KEY
    from tests.conftest import TEST_REDIS_URL

    from .conftest import _closed_port

    site_vectors()  # the worker embeds the new question, not the site's texts seen before
    cache.delete(DEBOUNCE_KEY)
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "REBUILD_DEBOUNCE_SECONDS": 0}
    point_broker(f"redis://127.0.0.1:{_closed_port()}/0")  # Redis is down
    url = built_index.passages[0]["url"]
    started = time.monotonic()
    ExampleQuestion.objects.create(question="is the teapot pink on tuesdays?", url=url)
    took = time.monotonic() - started
    assert took < 3, f"saving an example question took {took:.1f} s"
    print(f"saving an example question with Redis refusing took {took:.2f} s")
    pending = IndexBuild.objects.get(trigger="example")
    assert pending.status == "unqueued" and pending.lock is None
    assert "queued again once the task queue answers" in pending.error

    point_broker(TEST_REDIS_URL)  # Redis is back; a worker starts and queues the build
    worker = celery_workers()
    pending = wait_for(
        pending.pk, lambda build: build.status == "coalesced", timeout=30, log=worker.log_path
    )
    build = wait_for(pending.coalesced_into_id)
    assert build.status == "succeeded", build.error
    live = index.load_current()
    assert live.version == build.version
    assert any("is the teapot pink on tuesdays?" in p["example_questions"] for p in live.passages)


@pytest.fixture
def small_chunks(monkeypatch):
    """Workers started after this split a cold build of the site into chunks of 60 texts."""
    monkeypatch.setenv("SEARCH_BUILD_CHUNK_SIZE", "60")
    monkeypatch.setenv("SEARCH_BUILD_CHUNK_MIN_TEXTS", "100")


@pytest.mark.celery
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_chunked_build_on_two_real_workers_equals_a_single_process_build(
    small_chunks, celery_workers
):
    from site_assistant.build import run_build
    from site_assistant.models import EmbeddingCache

    from .test_build import _index_arrays, assert_same_index

    workers = celery_workers.several(2)
    EmbeddingCache.objects.all().delete()  # cold: every text is embedded by the chunks
    build = request_rebuild("api")
    assert build.status in HANDED_OVER
    done = wait_for(build.pk, timeout=400)
    logs = [Path(w.log_path).read_text() for w in workers]
    assert done.status == "succeeded", (done.error, [log[-2000:] for log in logs])
    assert done.embedded == done.passages > 50
    # The merge task frees the lock just after it records the success.
    wait_for(build.pk, lambda build: build.lock is None, timeout=30, every=0.2)
    # Both workers embedded chunks (each log names the chunk tasks it ran).
    for number, log in enumerate(logs, 1):
        chunks = [
            line for line in log.splitlines() if "embed_chunk[" in line and "succeeded" in line
        ]
        assert chunks, f"worker {number} embedded no chunk: {log[-2000:]}"
        print(f"worker {number} embedded {len(chunks)} chunks")
    assert sum("merge_chunks[" in log and "succeeded" in log for log in logs) == 1
    chunked = index.load_current()
    assert chunked.version == done.version
    chunked_arrays = _index_arrays(chunked)

    # The same site built in one process from a cold cache.
    EmbeddingCache.objects.all().delete()
    single = run_build(IndexBuild.objects.create(trigger="command"))
    assert single.status == "succeeded" and single.embedded == done.embedded
    assert_same_index(chunked_arrays, _index_arrays(index.load_current()))


@pytest.mark.celery
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_search_rebuild_sync_runs_a_build_queued_for_a_worker_that_is_not_there(
    celery_workers, built_index, site_vectors, settings
):
    """A content change queued a build and no worker ran: `search_rebuild --sync`
    (and so `make serve`) stopped with "Build #N is already queued: wait for it
    to finish" for up to QUEUED_BUILD_EXPIRES_SECONDS. It now runs that build
    itself; the worker that comes later skips the task."""
    import io

    from django.core.cache import cache
    from django.core.management import call_command

    from site_assistant.models import ExampleQuestion
    from site_assistant.signals import DEBOUNCE_KEY

    site_vectors()  # the build embeds the new question, not the site's texts seen before
    cache.delete(DEBOUNCE_KEY)
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "REBUILD_DEBOUNCE_SECONDS": 0}
    url = built_index.passages[0]["url"]
    ExampleQuestion.objects.create(question="is the teapot pink on wednesdays?", url=url)
    queued = IndexBuild.objects.get(trigger="example")
    assert queued.status == "queued" and queued.task_id  # in Redis, no worker yet

    out = io.StringIO()
    call_command("search_rebuild", "--sync", stdout=out, stderr=io.StringIO())
    assert f"Build #{queued.pk} was queued and no worker had started it: it runs here." in (
        out.getvalue()
    )
    queued.refresh_from_db()
    assert queued.status == "succeeded" and queued.lock is None, queued.error
    assert index.load_current().version == queued.version

    worker = celery_workers()  # the task is still in Redis: the worker skips it
    deadline = time.monotonic() + 60
    while "succeeded" not in Path(worker.log_path).read_text():
        assert time.monotonic() < deadline, Path(worker.log_path).read_text()[-3000:]
        time.sleep(0.5)
    assert "'skipped': 'not queued'" in Path(worker.log_path).read_text()
    assert IndexBuild.objects.get(pk=queued.pk).version == queued.version
    assert IndexBuild.objects.exclude(trigger__in=["example", "command"]).count() == 0


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_owner_is_told_when_queued_work_waits_for_no_worker(
    celery_workers, client, django_user_model, settings
):
    """A build queued for minutes showed "Queued (0%)" and nothing else while no
    worker ran; the admin now says why, and says nothing once a worker answers."""
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    from site_assistant import tasks

    client.force_login(django_user_model.objects.create_superuser("o", "o@example.com", "pw"))
    cache.delete(tasks._WAITING_KEY)
    build = IndexBuild.objects.create(status="queued", trigger="content", lock=None)
    assert tasks.waiting_for_a_worker() == ""  # just queued: not late yet
    IndexBuild.objects.filter(pk=build.pk).update(created=timezone.now() - timedelta(minutes=5))

    note = tasks.waiting_for_a_worker()
    assert note.startswith("No worker is running: queued rebuilds and training runs wait")
    for page, marker in [
        ("/admin/site_assistant/", 'id="dash-waiting"'),
        ("/admin/site_assistant/indexbuild/", 'id="waiting-for-a-worker"'),
        ("/admin/site_assistant/trainingrun/", 'id="waiting-for-a-worker"'),
    ]:
        html = client.get(page).content.decode()
        assert marker in html and "No worker is running" in html, page

    celery_workers()  # a worker answers now: the queued work waits behind other tasks
    cache.delete(tasks._WAITING_KEY)
    assert tasks.waiting_for_a_worker() == ""
    # The page asks at once, not after the whole BROKER_TIMEOUT_SECONDS (made long here to
    # tell the two apart on a loaded machine): the first worker that answers is enough.
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "BROKER_TIMEOUT_SECONDS": 5}
    cache.delete(tasks._WAITING_KEY)
    started = time.monotonic()
    html = client.get("/admin/site_assistant/").content.decode()
    took = time.monotonic() - started
    assert "No worker is running" not in html and 'id="dash-serving"' in html
    assert took < 2.5, f"the overview took {took:.2f} s with a worker answering"


def _notes_after_pressing_rebuild(client):
    """Press "Rebuild index now": the build, the message the button's page shows, its box's
    note as the page renders it and as its status JSON says it, and the builds list's."""
    landed = client.post("/admin/site_assistant/indexbuild/rebuild/", follow=True)
    build = IndexBuild.objects.filter(trigger="admin").latest("pk")
    assert landed.redirect_chain[-1][0] == f"/admin/site_assistant/indexbuild/{build.pk}/change/"
    return build, *_notes_on_the_build(client, build, landed.content.decode())


def _notes_on_the_build(client, build, html=None):
    html = LexborHTMLParser(
        html or client.get(f"/admin/site_assistant/indexbuild/{build.pk}/change/").text
    )
    status = client.get(f"/admin/site_assistant/indexbuild/{build.pk}/status/").json()
    builds = LexborHTMLParser(client.get("/admin/site_assistant/indexbuild/").text)
    listed = builds.css_first("#waiting-for-a-worker")
    box = html.css_first("#build-progress #build-waiting")
    messages = {li.attributes["class"]: li.text(strip=True) for li in html.css(".messagelist li")}
    shown = "" if box.attributes.get("hidden") is not None else box.text(strip=True)
    return messages, shown, status["waiting"], listed.text(strip=True) if listed else ""


def _same_moment(*notes):
    """The notes, told apart only by how many seconds ago the last worker was heard from."""
    import re

    return {re.sub(r"\d+ s ago", "… ago", note) for note in notes}


@pytest.mark.celery
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_rebuild_with_no_worker_says_so_at_once_on_the_page_the_button_opens(
    celery_workers, client, django_user_model, site_vectors, settings
):
    """The worker stopped (SIGTERM), the dashboard and the builds list said "No worker is
    running", and "Rebuild index now" said in green "queued: a worker will run it" and
    opened a build page of "Queued · 0%" with no warning: its page waited a minute and a
    ping. Now the button's message, the page, and its status JSON say what the list says
    at once, with the command that starts this site's worker; after a SIGKILL, the page
    says it when the list does, once the heartbeat is older than WORKER_SILENT_SECONDS."""
    window = 4
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "WORKER_SILENT_SECONDS": window}
    env = {"SEARCH_WORKER_SILENT_SECONDS": str(window)}
    client.force_login(django_user_model.objects.create_superuser("o", "o@x.example", "pw"))
    site_vectors()
    worker = celery_workers(**env)
    os.killpg(worker.pid, signal.SIGTERM)  # a clean stop: its heartbeat says it shut down
    worker.wait(timeout=30)

    build, messages, shown, status, listed = _notes_after_pressing_rebuild(client)
    assert build.status == "queued" and build.task_id  # in Redis, for no worker
    assert "success" not in messages, messages  # not green
    assert messages["warning"].startswith(f"Index rebuild #{build.pk} queued, not started."), (
        messages
    )
    assert shown.startswith("No worker is running: the last one (test-"), shown
    assert "shut down" in shown and "visitors keep getting the current index" in shown
    assert "(start one: celery -A bambicim worker)" in shown, shown
    said = messages["warning"].split(" not started. ", 1)[1]
    assert len(_same_moment(said, shown, status, listed)) == 1, (said, shown, status, listed)

    # Started again: it takes the build at once (a solo worker busy with a build answers no
    # ping until it is done, so the test waits for the build, then for the worker).
    answering = celery_workers.starting(**env)
    build = wait_for(build.pk)
    worker = answering()
    assert build.status == "succeeded", (build.error, Path(worker.log_path).read_text()[-3000:])
    assert _notes_on_the_build(client, build)[1:] == ("", "", "")

    os.killpg(worker.pid, signal.SIGKILL)  # no clean shutdown: only the heartbeat's age says it
    worker.wait(timeout=10)
    killed = time.monotonic()
    build, messages, shown, status, listed = _notes_after_pressing_rebuild(client)
    while not listed:  # the heartbeat is not yet older than the window: nothing is known
        assert (shown, status) == ("", ""), (shown, status)
        assert time.monotonic() - killed < window + 3, "the killed worker was not reported"
        time.sleep(0.2)
        _, shown, status, listed = _notes_on_the_build(client, build)
    took = time.monotonic() - killed
    _, shown, status, listed = _notes_on_the_build(client, build)  # all read past the window
    assert listed.startswith("No worker is running: the last one (test-"), listed
    assert "has not written its heartbeat since" in listed, listed
    assert len(_same_moment(shown, status, listed)) == 1, (shown, status, listed)
    print(f"after SIGKILL the builds list and the build page warned {took:.1f} s later")


def test_the_command_to_start_a_worker_names_the_celery_app_the_tasks_are_bound_to():
    """The owner's note said "celery -A <your project> worker": it names the project's
    own Celery app now, and the placeholder only when the app has no name to give."""
    from celery import Celery

    from site_assistant.broker import WORKER_COMMAND_PLACEHOLDER, worker_command

    assert worker_command(rebuild_index.app) == "celery -A bambicim worker"
    assert worker_command(Celery("proj.celery_app", set_as_current=False)) == (
        "celery -A proj.celery_app worker"
    )
    for nameless in (Celery(set_as_current=False), Celery("__main__", set_as_current=False)):
        assert worker_command(nameless) == WORKER_COMMAND_PLACEHOLDER
    # Celery's own fallback app, the one tasks are bound to when no project app is loaded.
    assert worker_command(Celery("default", set_as_current=False)) == WORKER_COMMAND_PLACEHOLDER
    assert worker_command(Celery("my site", set_as_current=False)) == WORKER_COMMAND_PLACEHOLDER


@pytest.mark.django_db
def test_with_the_queue_down_the_owner_is_told_it_does_not_answer(refusing_broker):
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    from site_assistant import tasks

    cache.delete(tasks._WAITING_KEY)
    build = IndexBuild.objects.create(status="queued", trigger="admin")
    IndexBuild.objects.filter(pk=build.pk).update(created=timezone.now() - timedelta(minutes=5))
    assert tasks.waiting_for_a_worker().startswith("The task queue is not answering")
    cache.delete(tasks._WAITING_KEY)


@pytest.mark.celery
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_sitemap_a_worker_could_not_read_is_in_the_builds_list(
    celery_workers, site_vectors, client, django_user_model
):
    """A site whose sitemap is a 404 (its path mistyped): the build read the pages of
    URLS and succeeded with every page of the sitemap gone from the answers, with nobody
    watching (the admin's button, the nightly schedule, a content change). A worker's
    build fails as ``search_rebuild --sync``'s does, the live index stays, and the
    builds list and the build's page say which sitemap and what to do."""
    site_vectors()
    live = index.current_version_name()
    worker = celery_workers(DJANGO_SETTINGS_MODULE="tests.site_assistant.sitemap_missing_settings")
    requested = request_rebuild("schedule")
    assert requested.status in HANDED_OVER
    build = wait_for(requested.pk, log=worker.log_path)
    assert build.status == "failed", Path(worker.log_path).read_text()[-3000:]
    assert build.error.startswith("sitemap /sitemaps.xml: status 404 - its pages cannot be read")
    assert build.error.endswith(
        "check SITE_ASSISTANT['SITEMAPS'] (or set SITE_ASSISTANT['USE_SITEMAPS'] = False if "
        "the site has no sitemap), then rebuild"
    ), build.error
    assert index.current_version_name() == live

    client.force_login(django_user_model.objects.create_superuser("owner", "o@x.example", "pw"))
    listed = LexborHTMLParser(client.get("/admin/site_assistant/indexbuild/").content.decode())
    (row,) = listed.css("#result_list tbody tr")
    shown = row.css_first("td.field-outcome_display").text(separator=" ")
    assert "Failed" in shown and "sitemap /sitemaps.xml: status 404" in shown, shown
    page = LexborHTMLParser(
        client.get(f"/admin/site_assistant/indexbuild/{build.pk}/change/").content.decode()
    )
    assert page.css_first("[data-field=error]").text(strip=True) == build.error
    left_out = page.css_first(".field-left_out_display .readonly")
    assert left_out.text(strip=True) == "sitemap /sitemaps.xml not read (status 404)"


@pytest.mark.celery
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_rebuilding_after_a_template_was_edited_answers_with_the_new_text(
    celery_workers, site_vectors, client, tmp_path
):
    """The owner edits a page's template while the worker runs, and presses Rebuild: the
    worker, which rendered the page in its build before, renders it from the file as it
    is now (Django's cached template loader kept the old one until a restart: the build
    "succeeded" and visitors were still told "2 weeks")."""
    site_vectors()
    folder = tmp_path / "templates"
    (folder / "pages").mkdir(parents=True)
    edited = folder / "pages" / "services.html"
    edited.write_text((ROOT / "templates/pages/services.html").read_text(encoding="utf-8"))
    worker = celery_workers(
        DJANGO_SETTINGS_MODULE="tests.site_assistant.edited_templates_settings",
        EDITED_TEMPLATES=str(folder),
    )
    question = {"q": "How long does a landing page take to ship?"}

    def rebuilt():
        requested = request_rebuild("admin")
        assert requested.status in HANDED_OVER
        build = wait_for(requested.pk, log=worker.log_path)
        assert build.status == "succeeded", (build.error, worker.log_path)
        index.forget_loaded()
        return client.get("/api/search/", question).json()["answer"]

    assert "ship in 2 weeks" in rebuilt()["text"]

    source = edited.read_text(encoding="utf-8")
    assert "ship in 2 weeks" in source
    edited.write_text(source.replace("ship in 2 weeks", "ship in 3 weeks"), encoding="utf-8")
    answer = rebuilt()
    assert answer["url"] == "/services/" and answer["anchor"] == "timelines", answer
    assert "ship in 3 weeks" in answer["text"], answer
    said = [row["text"] for row in index.load_current().passages]
    assert not [text for text in said if "ship in 2 weeks" in text]
