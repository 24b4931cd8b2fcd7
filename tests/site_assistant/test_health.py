"""/health/: a readiness probe that says what it checked (to staff and the monitor holding
HEALTH_TOKEN; anyone else gets the status), 503 when questions cannot be answered."""

import time

import pytest
from django.urls import reverse
from selectolax.lexbor import LexborHTMLParser

pytestmark = pytest.mark.django_db


def test_ready_names_the_index_model_database_and_broker(client, built_index, monitor):
    from site_assistant import index

    live = index.load_current()  # the session's index (other tests may have rebuilt it)
    response = client.get(reverse("site_assistant:health"), **monitor)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["index"] == {
        "ok": True,
        "intact": True,
        "version": live.version,
        "passages": live.count,
        "model_id": live.model_id,
        "created": live.created,
    }
    assert body["model"]["ok"] and body["model"]["answer_ms"] > 0
    assert body["database"]["ok"]
    assert body["broker"]["ok"] and body["broker"]["configured"] is False  # eager: no broker


def test_without_an_index_it_answers_503(client, own_index_dir, monitor):
    assert client.get(reverse("site_assistant:health")).json() == {"status": "unavailable"}
    response = client.get(reverse("site_assistant:health"), **monitor)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["index"] == {"ok": False, "error": f"No index yet in {own_index_dir.resolve()}"}
    assert body["model"]["ok"] is False and body["database"]["ok"]


@pytest.mark.parametrize("broker", ["refusing_broker", "hanging_broker"])
def test_a_broker_that_is_down_degrades_but_questions_are_still_answered(
    client, built_index, broker, request, monitor
):
    request.getfixturevalue(broker)
    started = time.monotonic()
    response = client.get(reverse("site_assistant:health"), **monitor)
    took = time.monotonic() - started
    assert response.status_code == 200 and took < 4, took
    body = response.json()
    assert body["status"] == "degraded" and body["index"]["ok"] and body["model"]["ok"]
    assert body["broker"]["ok"] is False and body["broker"]["configured"] is True
    assert "127.0.0.1" not in response.content.decode()  # details go to the log


def test_a_served_version_whose_files_are_gone_is_not_intact(own_index_dir):
    """A process serves its loaded version from memory; once its folder is deleted,
    a process started now could not load it: the probe says so."""
    import shutil

    from site_assistant import health, index

    from .test_index import activated

    live = activated(0, "a")
    index.forget_loaded()
    assert health.check_index()["intact"] is True
    shutil.rmtree(own_index_dir / live)
    checked = health.check_index()
    assert checked["ok"] and checked["version"] == live  # still served
    assert checked["intact"] is False


def test_only_get():
    from django.test import Client

    assert Client().post(reverse("site_assistant:health")).status_code == 405


def test_a_reachable_broker_is_ok(client, built_index, point_broker, monitor):
    from tests.conftest import TEST_REDIS_URL, redis_available

    if not redis_available():
        pytest.skip(f"no Redis reachable at {TEST_REDIS_URL}")
    point_broker(TEST_REDIS_URL)
    body = client.get(reverse("site_assistant:health"), **monitor).json()
    assert body["status"] == "ok" and body["broker"]["ok"] and body["broker"]["configured"]


def test_anonymous_probes_get_the_status_and_no_versions(
    client, built_index, monitor, django_user_model
):
    """A stranger read the index's version, the model and the database vendor: what to
    look up a known weakness by. A load balancer needs the status code only; the parts
    are for staff and the monitor holding HEALTH_TOKEN."""
    from site_assistant import index

    live = index.load_current()
    url = reverse("site_assistant:health")
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": "Bearer"}):
        response = client.get(url, **headers)
        assert response.status_code == 200 and response.json() == {"status": "ok"}, headers
        text = response.content.decode()
        assert live.version not in text and "sqlite" not in text and "postgres" not in text
    assert client.get(url, **monitor).json()["index"]["version"] == live.version

    # Staff signed in to the admin see every part; a signed-in visitor does not.
    client.force_login(django_user_model.objects.create_user("visitor", password="pw"))
    assert client.get(url).json() == {"status": "ok"}
    client.force_login(
        django_user_model.objects.create_user("helper", password="pw", is_staff=True)
    )
    assert client.get(url).json()["database"]["vendor"]


def test_without_a_token_set_no_bearer_reads_the_parts(client, built_index, settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "HEALTH_TOKEN": ""}
    response = client.get(reverse("site_assistant:health"), HTTP_AUTHORIZATION="Bearer ")
    assert response.json() == {"status": "ok"}


@pytest.fixture
def model_calls(built_index, monkeypatch):
    """The live encoder, with a count of its encode calls."""
    from site_assistant import embed, health, index, services

    live = index.load_current()
    encoder = embed.get_encoder(live.model_ref or embed.active_model_ref(), role="query")
    real = encoder.encode
    calls = {"n": 0}

    def encode(*args, **kwargs):
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(encoder, "encode", encode)
    services._query_vectors.items.clear()  # as in a process that has answered nothing yet
    health.forget_probes()
    yield calls
    health.forget_probes()


def test_a_probe_polled_in_a_loop_runs_the_model_once_a_window(client, settings, model_calls):
    """Each /health/ ran a query: anyone polling it in a loop cost the site a search
    each time, and after the first the model not even ran (the query's vector was
    cached), so the probe could not see a broken model. Now the model runs for real,
    at most once every HEALTH_PROBE_SECONDS."""
    url = reverse("site_assistant:health")
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "HEALTH_PROBE_SECONDS": 60}
    # A probe runs the model twice: the probe's question, and the text it encoded when it
    # loaded (embed.changed_in_memory).
    assert all(client.get(url).status_code == 200 for _ in range(20))
    assert model_calls["n"] == 2
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "HEALTH_PROBE_SECONDS": 0}
    assert all(client.get(url).status_code == 200 for _ in range(5))
    assert model_calls["n"] == 12


def test_a_damaged_model_is_reported_within_the_window_and_at_once_when_asked(
    client, settings, served_copy, monitor, caplog
):
    """The served model's tokenizer.json (in its folder and in its ONNX export) cut short,
    met by a process that loads the model after the damage (one restarted since): no
    question can be answered, and /health/ says so, naming the model as the part that
    failed (the index is fine), with the folder in one log line and no traceback."""
    from site_assistant import embed

    url = reverse("site_assistant:health")
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "HEALTH_PROBE_SECONDS": 2}
    assert client.get(url).status_code == 200
    damaged = [served_copy / "tokenizer.json", served_copy / embed.ONNX_DIR / "tokenizer.json"]
    whole = [path.read_bytes() for path in damaged]

    def damage():
        for path in damaged:
            path.write_text('{"version": "1.0", "trunc')
        embed.forget_models_except()  # what a process started now has loaded: nothing

    damage()
    # A stranger's ?fresh=1 is ignored (the last passing probe serves) ...
    assert client.get(url + "?fresh=1").status_code == 200
    # ... the monitor's is a probe now: the model really loads, and cannot.
    caplog.clear()
    response = client.get(url + "?fresh=1", **monitor)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["model"] == {"ok": False, "error": "ModelUnreadable", "checked_s_ago": 0.0}
    assert body["index"]["ok"] and body["index"]["intact"] and body["database"]["ok"]
    said = [r.getMessage() for r in caplog.records if r.name == "site_assistant.health"]
    assert len(said) == 1 and f"The model at {served_copy} cannot be read" in said[0], said
    assert [r for r in caplog.records if r.exc_info] == []  # no traceback logged
    # A failing part is probed again on every request, and never reused as "ok".
    assert client.get(url).json() == {"status": "unavailable"}
    for path, content in zip(damaged, whole, strict=True):
        path.write_bytes(content)
    assert client.get(url).status_code == 200
    damage()
    time.sleep(2.1)
    assert client.get(url).json() == {"status": "unavailable"}


def test_a_reachable_broker_is_connected_to_once_a_window(
    client, built_index, point_broker, monitor, monkeypatch, settings
):
    """With a broker, every /health/ opened a new connection to it (7.6 ms median,
    bench in docs/operations.md#health-checks)."""
    from site_assistant import health, tasks
    from tests.conftest import TEST_REDIS_URL, redis_available

    if not redis_available():
        pytest.skip(f"no Redis reachable at {TEST_REDIS_URL}")
    point_broker(TEST_REDIS_URL)
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "HEALTH_PROBE_SECONDS": 60}
    real = tasks.broker_connection
    opened = []
    monkeypatch.setattr(tasks, "broker_connection", lambda app: opened.append(1) or real(app))
    health.forget_probes()
    url = reverse("site_assistant:health")
    for _ in range(10):
        assert client.get(url, **monitor).json()["broker"]["configured"] is True
    assert len(opened) == 1
    client.get(url + "?fresh=1", **monitor)
    assert len(opened) == 2


def _worker_part(client, monitor):
    body = client.get(reverse("site_assistant:health"), **monitor).json()
    return body["status"], body["worker"]


def _seconds_until_degraded(client, monitor, since: float, within: float, what: str) -> float:
    """Polls /health/ until it is no longer "ok": how long after ``since`` (monotonic)."""
    while _worker_part(client, monitor)[0] == "ok":
        assert time.monotonic() - since < within, f"{what} was not reported"
        time.sleep(0.2)
    return time.monotonic() - since


@pytest.mark.django_db(transaction=True)
@pytest.mark.celery
def test_a_worker_that_dies_with_nothing_queued_is_reported_within_the_window(
    client, built_index, monitor, celery_workers, settings, django_user_model
):
    """/health/ said "ok" about a dead worker until a rebuild had waited over a minute:
    with nothing queued it said nothing about the worker at all. Now every worker writes
    a heartbeat (WORKER_SILENT_SECONDS, here 4 s: one a second), and /health/ reads it."""
    import os
    import signal

    from bambicim.celery import app

    window = 4
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "WORKER_SILENT_SECONDS": window}
    env = {"SEARCH_WORKER_SILENT_SECONDS": str(window)}
    # No worker has ever run here (a worker's first start): nothing to judge, not degraded.
    assert _worker_part(client, monitor) == ("ok", {"ok": True})

    worker = celery_workers(**env)
    status, part = _worker_part(client, monitor)
    assert status == "ok" and part["ok"] and part["workers"] == 1, part

    os.killpg(worker.pid, signal.SIGKILL)  # no clean shutdown: it just stops beating
    worker.wait()
    took = _seconds_until_degraded(client, monitor, time.monotonic(), window + 2, "the dead worker")
    status, part = _worker_part(client, monitor)
    assert status == "degraded" and part["ok"] is False and part["workers"] == 0, part
    assert part["silent"].startswith("No worker is running: the last one (test-"), part
    assert "has not written its heartbeat since" in part["silent"], part
    print(f"a killed worker reported after {took:.1f} s (WORKER_SILENT_SECONDS {window})")
    # The owner's Index builds page says so too, in red, with nothing queued.
    client.force_login(django_user_model.objects.create_superuser("o", "o@x.example", "pw"))
    page = LexborHTMLParser(client.get("/admin/site_assistant/indexbuild/").content.decode())
    note = page.css_first("#waiting-for-a-worker")
    assert note is not None and note.text().startswith("No worker is running: the last one")

    # Without a broker (tasks run in-process) no worker is needed: never degraded.
    app.conf.task_always_eager = True
    try:
        assert _worker_part(client, monitor) == ("ok", {"ok": True})
    finally:
        app.conf.task_always_eager = False

    worker = celery_workers(**env)  # restarted: ok again at once
    status, part = _worker_part(client, monitor)
    assert status == "ok" and part["ok"] and part["workers"] == 1, part

    os.killpg(worker.pid, signal.SIGTERM)  # a clean shutdown says so: no window to wait out
    worker.wait(timeout=30)
    status, part = _worker_part(client, monitor)
    assert status == "degraded" and "shut down" in part["silent"], part


@pytest.mark.django_db(transaction=True)
@pytest.mark.celery
def test_a_rebuild_waiting_for_a_worker_never_started_is_reported_within_the_window(
    client, built_index, monitor, celery_workers, settings, django_user_model
):
    """A site whose worker was never started (a broker set, no worker yet) had no heartbeat
    to judge: /health/ said "ok" while the owner's rebuild sat queued, until the ping of
    the waiting check a minute and more later. Now a rebuild queued longer than
    WORKER_SILENT_SECONDS (here 4 s) with no heartbeat ever written is reported."""
    from site_assistant.models import IndexBuild

    window = 4
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "WORKER_SILENT_SECONDS": window}
    assert _worker_part(client, monitor) == ("ok", {"ok": True})  # nothing waits: no verdict

    owner = django_user_model.objects.create_superuser("o", "o@x.example", "pw")
    client.force_login(owner)
    response = client.post("/admin/site_assistant/indexbuild/rebuild/")  # Rebuild index now
    assert response.status_code == 302
    build = IndexBuild.objects.get(trigger="admin")
    assert build.status == "queued" and build.task_id  # in the queue, for no worker
    asked = time.monotonic()
    assert _worker_part(client, monitor) == ("ok", {"ok": True})  # just asked: not late
    took = _seconds_until_degraded(client, monitor, asked, window + 2, "the missing worker")
    status, part = _worker_part(client, monitor)
    assert status == "degraded" and part["ok"] is False and part["workers"] == 0, part
    assert part["silent"].startswith(f"No worker has started: rebuild #{build.pk} was asked"), part
    print(f"a rebuild waiting for a worker never started reported after {took:.1f} s")
    page = LexborHTMLParser(client.get("/admin/site_assistant/indexbuild/").content.decode())
    note = page.css_first("#waiting-for-a-worker")
    assert note is not None and note.text().startswith("No worker has started"), page.html

    celery_workers(SEARCH_WORKER_SILENT_SECONDS=str(window))  # started: it takes the build
    status, part = _worker_part(client, monitor)
    assert status == "ok" and part["ok"] and part["workers"] == 1, part
    deadline = time.monotonic() + 120
    while IndexBuild.objects.get(pk=build.pk).status in ("queued", "running"):
        assert time.monotonic() < deadline, "the worker did not run the waiting rebuild"
        time.sleep(0.5)
    assert IndexBuild.objects.get(pk=build.pk).status == "succeeded"


def _answer(client, question="When are you open?"):
    """The API's answer to ``question``: its passage's anchor and score."""
    response = client.post(
        reverse("site_assistant:api-search"), {"q": question}, "application/json"
    )
    assert response.status_code == 200, response.content
    best = response.json()["answer"]
    return best and (best["url"], round(best["score"], 3))


@pytest.mark.parametrize(
    ("damaged", "backend"),
    [
        ("tokenizer.json", "onnx"),
        ("onnx/model.onnx.data", "torch"),
        ("onnx/tokenizer.json", "torch"),
    ],
    ids=["models-tokenizer", "export-weights", "export-tokenizer"],
)
def test_one_damaged_file_of_the_model_is_degraded_with_the_file_named(
    client, served_copy, monitor, caplog, damaged, backend
):
    """Only the model folder's tokenizer.json cut short (questions are answered from the
    ONNX export, but every rebuild fails), or only a file of its ONNX export (the encoder
    falls back to torch: the same answers, about 0.45 GB more a process): /health/ said
    "ok". Met by a process that loads the model after the damage, it is "degraded" now,
    the file named, and the same answers are given."""
    from site_assistant import embed, health

    url = reverse("site_assistant:health")
    before = _answer(client)
    assert before is not None
    path = served_copy / damaged
    whole = path.read_bytes()
    if path.name == "tokenizer.json":
        path.write_text('{"version": "1.0", "trunc')
    else:  # a few bytes of the weights changed, as a disk error would
        with open(path, "r+b") as handle:
            handle.seek(len(whole) // 2)
            handle.write(bytes(64))
    embed.forget_models_except()  # what a process started now has loaded: nothing
    caplog.clear()
    assert _answer(client) == before  # visitors still get the same answers
    response = client.get(url + "?fresh=1", **monitor)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["model"]["ok"] and body["model"]["intact"] is False, body["model"]
    assert body["model"]["backend"] == backend
    assert [problem.split(" ")[0] for problem in body["model"]["damaged"]] == [damaged]
    assert str(served_copy) not in response.content.decode()  # the folder: in the log
    said = [r.getMessage() for r in caplog.records if r.name == "site_assistant.health"]
    assert len(said) == 1 and str(path) in said[0], said
    assert client.get(url).json() == {"status": "degraded"}
    path.write_bytes(whole)  # put back: ok again (the file changed, so it is read again)
    health.forget_probes()
    assert client.get(url, **monitor).json()["status"] == "ok"


def test_weights_overwritten_under_a_running_process_are_caught_and_loaded_again(
    client, served_copy, monitor, caplog
):
    """ONNX Runtime maps the export's weights file: overwritten in place (a backup copied
    over it with ``cp``, a disk error), the process that had loaded it answered every
    question "not sure" with scores of 0, and /health/ said "ok" (the probe only ran the
    model). The probe now sees that the model no longer computes what it did when it
    loaded: 503 (its answers are wrong), and the model is dropped, so the next question
    loads the files again, checked: the export is refused, torch serves, the answers are
    right again, and /health/ says "degraded", naming the file."""
    from site_assistant import embed

    url = reverse("site_assistant:health")
    before = _answer(client)
    assert client.get(url + "?fresh=1", **monitor).json()["model"]["backend"] == "onnx"
    data = served_copy / embed.ONNX_DIR / "model.onnx.data"
    whole = data.read_bytes()
    try:
        with open(data, "r+b") as handle:  # in place: the same file, what is mapped changes
            handle.seek(len(whole) // 3)
            handle.write(bytes(len(whole) // 3))
        caplog.clear()
        response = client.get(url + "?fresh=1", **monitor)
        assert response.status_code == 503, response.content
        assert response.json()["model"] == {
            "ok": False,
            "error": "ModelChanged",
            "checked_s_ago": 0.0,
        }
        said = [r.getMessage() for r in caplog.records if r.name == "site_assistant.health"]
        assert len(said) == 1 and "computes other vectors than when it loaded" in said[0]
        assert f"{data} is damaged (checksum mismatch)" in said[0]
        assert _answer(client) == before
        body = client.get(url + "?fresh=1", **monitor).json()
        assert body["status"] == "degraded" and body["model"]["backend"] == "torch"
        assert body["model"]["damaged"] == ["onnx/model.onnx.data is damaged (checksum mismatch)"]
    finally:
        data.write_bytes(whole)


def test_whether_migrations_are_applied_is_read_once_a_process(client, built_index, monitor):
    """/health/'s ``migrations`` part reads django_migrations on the first request of a
    process; once all are applied, never again: a probe polled in a loop costs no query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("site_assistant:health")
    with CaptureQueriesContext(connection) as first:
        assert client.get(url, **monitor).json()["migrations"] == {"ok": True}
    with CaptureQueriesContext(connection) as later:
        for _ in range(20):
            assert client.get(url, **monitor).json()["migrations"] == {"ok": True}
    assert [q for q in first.captured_queries if "django_migrations" in q["sql"]]
    assert not [q for q in later.captured_queries if "django_migrations" in q["sql"]]


@pytest.mark.django_db(transaction=True)
@pytest.mark.celery
def test_a_killed_worker_is_told_to_the_owner_within_15_s_and_a_busy_one_is_never(
    client, built_index, monitor, celery_workers, django_user_model
):
    """With the default WORKER_SILENT_SECONDS (60 s: a beat every 15 s) a worker killed
    with SIGKILL (the OOM killer, a crashed container) was reported 58 s later by
    /health/, the Index builds list and a rebuild pressed meanwhile, which said "queued: a
    worker will run it" until then. The default is now 12 s (a beat every 3 s): all three
    say it within 15 s. A worker busy with a long task (longer than the window, in its
    main thread: --pool=solo, where it answers no ping) is never reported, because its
    heartbeat is written from a thread of its own."""
    import os
    import signal

    from bambicim.celery import app
    from site_assistant import conf
    from site_assistant.models import IndexBuild

    window = conf.get("WORKER_SILENT_SECONDS")
    assert window == 12  # the default, in this process and the worker's (no env given)
    client.force_login(django_user_model.objects.create_superuser("o", "o@x.example", "pw"))
    worker = celery_workers(include="tests.site_assistant.busy_task")
    app.send_task("tests.busy", args=[window * 4])
    deadline = time.monotonic() + 30
    while app.control.ping(timeout=0.5, limit=1):  # until the task holds the worker
        assert time.monotonic() < deadline, "the worker did not start the busy task"
    busy, oldest = time.monotonic(), 0.0
    while time.monotonic() - busy < window * 1.5:  # busy past the window: still alive
        status, part = _worker_part(client, monitor)
        assert part["ok"] and part["workers"] == 1, part
        page = LexborHTMLParser(client.get("/admin/site_assistant/indexbuild/").text)
        assert page.css_first("#waiting-for-a-worker") is None
        oldest = max(oldest, part["heard_s_ago"])
        time.sleep(0.5)
    assert not app.control.ping(timeout=0.5, limit=1)  # still busy: a ping alone would alarm
    print(f"busy {window * 1.5:.0f} s: the oldest heartbeat read was {oldest} s old")

    os.killpg(worker.pid, signal.SIGKILL)  # mid-task, as the OOM killer does
    worker.wait(timeout=10)
    killed = time.monotonic()
    client.post("/admin/site_assistant/indexbuild/rebuild/")  # Rebuild index now, meanwhile
    build = IndexBuild.objects.filter(trigger="admin").latest("pk")
    told = {}
    while len(told) < 3:
        took = time.monotonic() - killed
        assert took < 15, f"after 15 s only {sorted(told)} said no worker runs"
        if _worker_part(client, monitor)[1].get("silent"):
            told.setdefault("/health/", took)
        page = LexborHTMLParser(client.get("/admin/site_assistant/indexbuild/").text)
        if page.css_first("#waiting-for-a-worker") is not None:
            told.setdefault("Index builds", took)
        status = client.get(f"/admin/site_assistant/indexbuild/{build.pk}/status/").json()
        if status["waiting"]:
            assert status["status"] == "queued", status
            assert status["waiting"].startswith("No worker is running: the last one (test-")
            told.setdefault(f"rebuild #{build.pk}'s page", took)
        time.sleep(0.2)
    print("after SIGKILL: " + ", ".join(f"{k} {v:.1f} s" for k, v in told.items()))


def _unqueued_content_rebuild():
    """What a registered row saved while the task queue is down asks for (site_assistant.signals)."""
    from django.core.cache import cache

    from site_assistant.signals import DEBOUNCE_KEY, schedule_content_rebuild

    cache.delete(DEBOUNCE_KEY)
    build = schedule_content_rebuild()
    assert build.status == "unqueued", build.error
    return build


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_dies_is_reported_within_two_seconds_and_at_once_after_a_failed_send(
    client, built_index, switchable_redis, monitor
):
    """Right after Redis died /health/ still said "ok" for up to HEALTH_PROBE_SECONDS
    (10 s): its passing probe of the task queue was reused that long. Now for at most
    HEALTH_BROKER_PROBE_SECONDS (2 s), and not at all once this process failed to send a
    task since."""
    from site_assistant import health

    url = reverse("site_assistant:health")
    health.forget_probes()
    assert client.get(url, **monitor).json()["broker"]["ok"] is True
    switchable_redis.down()
    died = time.monotonic()
    while client.get(url).json() == {"status": "ok"}:
        assert time.monotonic() - died < 3.0, "a dead task queue was said to be ok"
        time.sleep(0.1)
    print(f"a dead task queue reported after {time.monotonic() - died:.1f} s")

    switchable_redis.up()
    health.forget_probes()
    assert client.get(url, **monitor).json()["broker"]["ok"] is True
    switchable_redis.down()
    _unqueued_content_rebuild()  # the send fails: the next probe is a new one
    body = client.get(url, **monitor).json()
    assert body["broker"]["ok"] is False and body["broker"]["not_queued"] == "no_answer", body


@pytest.mark.django_db(transaction=True)
@pytest.mark.celery
def test_a_change_the_task_queue_did_not_take_degrades_health_until_a_worker_sends_it_again(
    client, built_index, monitor, celery_workers, switchable_redis, settings
):
    """Redis died under a running worker, and a change was saved meanwhile (not queued).
    /health/ said the worker was ok throughout (its heartbeat goes through the database),
    and once Redis was back it said "ok" for minutes while the change still waited, until
    beat's retry_unqueued_builds (every 5 minutes). Now the worker is "unknown" while the
    task queue is down, /health/ is "degraded" while a change waits unqueued, saying what
    sends it, and the worker sends it within seconds of the task queue answering again."""
    from site_assistant.models import IndexBuild

    window = 4  # a heartbeat every second
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "WORKER_SILENT_SECONDS": window}
    celery_workers(REDIS_URL=switchable_redis.url, SEARCH_WORKER_SILENT_SECONDS=str(window))
    url = reverse("site_assistant:health")
    body = client.get(url, **monitor).json()
    assert body["status"] == "ok" and body["worker"]["ok"] is True, body
    assert body["rebuilds"] == {"ok": True}

    switchable_redis.down()
    waiting = _unqueued_content_rebuild()
    body = client.get(url, **monitor).json()
    assert body["status"] == "degraded" and body["broker"]["ok"] is False, body
    worker = body["worker"]
    assert worker["ok"] is None and worker["workers"] == 1, worker  # alive, but cut off
    assert worker["unknown"].startswith("The task queue is not answering this process"), worker
    rebuilds = body["rebuilds"]
    assert rebuilds["ok"] is False and rebuilds["unqueued"] == 1, rebuilds
    assert rebuilds["waiting"].startswith("1 rebuild request the task queue did not take")
    assert "A running worker sends them" in rebuilds["waiting"]
    assert rebuilds["waiting"].endswith("to send them now: manage.py search_rebuild")
    time.sleep(window / 2)  # beats meanwhile: nothing more is asked for while it is down
    assert IndexBuild.objects.filter(status="unqueued").count() == 1

    switchable_redis.up()
    back = time.monotonic()
    while IndexBuild.objects.get(pk=waiting.pk).status == "unqueued":
        assert time.monotonic() - back < window + 4, "the waiting change was not sent again"
        time.sleep(0.2)
    print(f"the waiting change was sent again {time.monotonic() - back:.1f} s after Redis was back")
    covered = IndexBuild.objects.get(pk=waiting.pk)
    assert covered.status == "coalesced" and covered.coalesced_into.task_id, covered
    body = client.get(url, **monitor).json()
    assert body["rebuilds"] == {"ok": True} and body["broker"]["ok"] is True, body
    assert body["worker"]["ok"] is True, body
