"""The training admin: status polled as JSON, cancel, plain "Activated", the base-model button."""

import re
import threading
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import formats
from selectolax.lexbor import LexborHTMLParser

from site_assistant import embed
from site_assistant.models import TrainingRun
from site_assistant.training.tasks import Cancelled, _Progress, cancel, this_process
from tests.site_assistant.conftest import step_22_minutes_left

pytestmark = pytest.mark.django_db

Status = TrainingRun.Status


def running(**fields):
    return TrainingRun.objects.create(
        status=Status.RUNNING, runner=this_process(), progress=40, stage="training", **fields
    )


def test_a_running_run_is_not_shown_as_not_activated(owner_client):
    run = running()
    done = TrainingRun.objects.create(status=Status.SUCCEEDED, activated=False, progress=100)
    listing = LexborHTMLParser(
        owner_client.get("/admin/site_assistant/trainingrun/").content.decode()
    )
    cells = {
        row.css_first("th, td.field-__str__").text(): row.css_first("td.field-activated_display")
        for row in listing.css("#result_list tbody tr")
    }
    assert cells[str(run)].text() == "not decided yet"
    assert cells[str(done)].text() == "No (not better than the model served)"
    assert not listing.css("#result_list img[src*='icon-no']")
    page = owner_client.get(f"/admin/site_assistant/trainingrun/{run.pk}/change/").content.decode()
    tree = LexborHTMLParser(page)
    assert tree.css_first('[data-field="activated"]').text() == "not decided yet"
    # The page polls instead of reloading; its status line is a polite live region.
    assert '<meta http-equiv="refresh"' not in page.split("<noscript>")[0]
    assert "training-status.js" in page
    line = tree.css_first("#training-status-line")
    assert line.attributes["aria-live"] == "polite" and line.attributes["role"] == "status"


def test_the_status_endpoint_gives_the_run_as_json(owner_client, django_user_model):
    from django.test import Client

    run = running(decision="")
    url = reverse("admin:site_assistant_trainingrun_status", args=[run.pk])
    body = owner_client.get(url).json()
    assert body == {
        "id": run.pk,
        "status": "running",
        "status_display": "Running",
        "active": True,
        "progress": 40,
        "progress_words": "40%",
        "stage": "training",
        "stage_words": "training",  # no stage the app writes: as it is
        "decision": "",
        "error": "",
        "activated": "not decided yet",
        "rebuilding": False,
        "time_left": "",  # not started yet: no pace to estimate from
        "elapsed": "",  # nor a start to count from
        "elapsed_seconds": None,
        "waiting": "",  # running: it waits for no worker
    }
    assert (
        owner_client.get(
            reverse("admin:site_assistant_trainingrun_status", args=[99999])
        ).status_code
        == 404
    )
    other = Client()
    other.force_login(django_user_model.objects.create_user("v", password="pw"))
    assert other.get(url).status_code == 302  # not staff: to the login


def test_a_run_shows_the_whole_runs_time_left_and_its_settings_in_words(owner_client):
    from datetime import timedelta

    from django.utils import timezone

    from site_assistant.training.tasks import start_training

    run = start_training(params={"max_steps": 400}, activate=True)
    # 40% done in two minutes: three more at that pace.
    TrainingRun.objects.filter(pk=run.pk).update(
        status=Status.RUNNING,
        runner=this_process(),
        progress=40,
        started=timezone.now() - timedelta(minutes=2),
    )
    url = reverse("admin:site_assistant_trainingrun_status", args=[run.pk])
    assert owner_client.get(url).json()["time_left"] == "about 3 minutes left (estimate)"
    tree = LexborHTMLParser(
        owner_client.get(f"/admin/site_assistant/trainingrun/{run.pk}/change/").content.decode()
    )
    assert tree.css_first('[data-field="time_left"]').text() == "about 3 minutes left (estimate)"
    settings_rows = {
        row.css_first("th").text(): [cell.text() for cell in row.css("td")]
        for row in tree.css(".search-admin__params tbody tr")
    }
    assert settings_rows["Step limit"][0] == "400"
    assert settings_rows["Activate if better"] == [
        "yes",
        "serve the trained model if it ranks better",
    ]
    assert "{" not in tree.css_first(".field-params_display").text()  # no raw JSON


def test_the_time_left_comes_from_the_last_run_and_is_not_guessed_during_set_up(owner_client):
    from datetime import timedelta

    from django.utils import timezone

    from site_assistant.training.tasks import start_training

    run = start_training(params={"max_steps": 400}, activate=True)
    url = reverse("admin:site_assistant_trainingrun_status", args=[run.pk])

    def running(progress, minutes):
        TrainingRun.objects.filter(pk=run.pk).update(
            status=Status.RUNNING,
            runner=this_process(),
            progress=progress,
            started=timezone.now() - timedelta(minutes=minutes),
        )
        return owner_client.get(url).json()["time_left"]

    # Loading the model for two minutes at 5%: no pace to go by yet (it said 38 minutes).
    assert running(5, 2) == ""
    # A run with the same settings took 12 minutes: 10 more.
    now = timezone.now()
    TrainingRun.objects.create(
        status=Status.SUCCEEDED,
        params=run.params,
        started=now - timedelta(days=1, minutes=12),
        finished=now - timedelta(days=1),
    )
    assert running(5, 2) == "about 10 minutes left (estimate)"
    # Slower than that one: the pace so far.
    assert running(80, 16) == "about 4 minutes left (estimate)"


# The owner's run (80 steps, then the refit): "about 49 minutes left" at step 4, 27
# at step 22, 19 at step 41 (5 min 24 s in), from a pace over every step since the
# first. Its steps' times as those figures give them: 16 s a step to step 4, 8.6 to
# step 22, 5.5 to step 41, about 4 s after (what the owner saw), the first step
# ending 17 s in. With the old pace (the bar's share since step 1 over its time)
# these timings give the owner's 49, 27 and 19 minutes.
OWNERS_STEPS = [(4, 16.0), (22, 8.6), (41, 5.5), (80, 4.0)]


def owners_step_times(set_up=13.0):
    """{step: seconds since the run started when that step ended}."""
    times, now, step = {}, set_up, 0
    for upto, each in OWNERS_STEPS:
        while step < upto:
            step += 1
            now += each if step > 1 else 4.0
            times[step] = now
    return times


class Clock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now


def test_the_time_left_is_the_pace_of_the_last_steps_not_of_every_step(owner_client):
    """The run's page said 27 minutes left at step 22 and 19 at step 41, when about 12
    and 10 were (steps at 4 to 5 s, then the comparison and a refit of 100 steps):
    its pace was over every step since the first, slow ones included. Now the last
    ten steps' pace, and no estimate before three steps after the first."""
    from django.utils import timezone

    from site_assistant.training.time_left import PHASE_STEPS, seconds_left, time_left

    start = time.time()
    run = running(started=timezone.now(), params={"refit": True, "activate": True})
    clock = Clock(start)
    progress = _Progress(run.pk, clock=clock)
    url = reverse("admin:site_assistant_trainingrun_status", args=[run.pk])
    progress(0.0, "making pairs")
    clock.now += 10
    progress(0.04, "training: loading the base model")
    said = {}
    for step, at in owners_step_times().items():
        clock.now = start + at
        progress.last = 0  # past the half-second throttle
        progress(0.05 + 0.4 * step / 80, f"training: step {step}/80")
        run.refresh_from_db()
        said[step] = seconds_left(run, clock.now)
    assert run.metrics["pace"]["step"] == 80 and len(run.metrics["pace"]["recent"]) == 11
    assert owners_step_times()[41] == pytest.approx(5 * 60 + 24, abs=1)  # 5 min 24 s in
    # No pace from fewer than three steps after the first (one slow batch would be it).
    assert said[1] is None and said[3] is None and said[4] is not None
    after = sum(PHASE_STEPS.values()) + 100  # the comparison, the refit's 100 steps, …
    # Step 22: the last ten steps at 8.6 s (not 9.6 since the first): 58 steps and
    # the rest at that pace.
    assert said[22] == pytest.approx((58 + after) * 8.6, rel=0.01)
    # Step 41, 5 min 24 s in: the last ten at 5.5 s (it said 19 minutes, about
    # 7.6 s a step); at 4 s a step from there on, what is left is within a fifth.
    assert said[41] == pytest.approx((39 + after) * 5.5, rel=0.01)
    truly = (39 + after) * 4.0
    assert said[41] / 60 < 19 and said[41] < 1.4 * truly
    # Ten steps at 4 s on: the pace is theirs alone.
    assert said[60] == pytest.approx((20 + after) * 4.0, rel=0.01)

    # The page and its JSON say it in words; the comparison after the steps runs
    # down the time, no pace of its own.
    TrainingRun.objects.filter(pk=run.pk).update(
        metrics={"pace": {**run.metrics["pace"], "at": time.time() - 30}},
        stage="evaluating the base and the tuned model",
    )
    run.refresh_from_db()
    minutes = round(((after - 0) * 4.0 - 30) / 60)
    assert time_left(run) == f"about {minutes} minutes left (estimate)"
    assert owner_client.get(url).json()["time_left"] == f"about {minutes} minutes left (estimate)"
    page = LexborHTMLParser(
        owner_client.get(f"/admin/site_assistant/trainingrun/{run.pk}/change/").content.decode()
    )
    assert page.css_first('[data-field="time_left"]').text() == (
        f"about {minutes} minutes left (estimate)"
    )
    # Beside "running for …", the time it started, not "44 seconds ago" as drawn.
    started = page.css_first(".field-started_at time")
    assert started.attributes["datetime"] == run.started.isoformat()
    # As every time on the app's pages: the language's format, with the time zone.
    local = timezone.localtime(run.started)
    written = formats.date_format(local, "DATETIME_FORMAT")  # "Dec. 7, 2026, 1:52 p.m."
    assert started.text() == f"{written} {local.strftime('%Z')}", started.text()

    # The refit: its own steps' pace once it has three after its first, the
    # training's until then; only its threshold and the activation after it.
    refit_start = clock.now + 4.0 * PHASE_STEPS["evaluating"]
    for step in range(1, 5):
        clock.now = refit_start + 3.0 * step
        progress.last = 0
        progress(0.5 + 0.42 * step / 100, f"refit: step {step}/100")
        run.refresh_from_db()
        said[f"refit {step}"] = seconds_left(run, clock.now)
    tail = PHASE_STEPS["threshold"] + PHASE_STEPS["activating"]
    assert said["refit 3"] == pytest.approx((97 + tail) * 4.0, rel=0.01)  # the training's
    assert said["refit 4"] == pytest.approx((96 + tail) * 3.0, rel=0.01)  # its own

    # A run with no refit to come (activation off) has only the comparison after.
    run.params = {"refit": True, "activate": False}
    # (the estimate itself: no figure recorded at a step to count down from)
    pace = {k: v for k, v in run.metrics["pace"].items() if k != "left"}
    run.metrics = {"pace": {**pace, "phase": "training", "step": 40, "of": 80}}
    assert seconds_left(run, clock.now) == pytest.approx(
        (40 + PHASE_STEPS["evaluating"] + PHASE_STEPS["activating"]) * 3.0, rel=0.01
    )
    # A cancelled run keeps no pace among its metrics.
    assert cancel(run.pk)
    assert TrainingRun.objects.get(pk=run.pk).metrics == {}
    assert time_left(TrainingRun.objects.get(pk=run.pk)) == ""


# A run of 74 steps whose steps took 11 to 20 s by turns (a 2-core server shared with
# the site): its page, read every 15 s from step 5 to 22, said 33, 32, 28, 28, 24,
# 24, 26, 27, 28 minutes left; these said 39, 40, 39, …, 41, 42, 43, 40.
JITTERY_STEPS = [
    18, 17, 13, 11, 14, 13, 17, 12, 14, 15, 19, 14, 11, 17, 15, 11, 19, 20, 18, 19, 12, 17,
]  # fmt: skip


def test_the_time_left_counts_down_through_steps_that_jitter(owner_client):
    """Read every 15 s as the owner did (a waiting build's note says the same
    ``time_left``), the figure never goes up: the pace of the last ten steps moved with every
    slow or fast batch; now the figure shown counts down, and a new estimate shows only
    when it is more than a quarter above it."""
    from datetime import UTC, datetime

    from django.utils import timezone

    from site_assistant.training.time_left import time_left

    start = time.time()
    run = running(started=timezone.now(), params={"refit": True, "activate": True})
    clock = Clock(start)
    progress = _Progress(run.pk, clock=clock)
    ends, at = [], 20.0
    for each in JITTERY_STEPS:
        at += each
        ends.append(at)
    shown, read = [], ends[4]
    step = 0
    while read <= ends[21]:
        while step < len(ends) and ends[step] <= read:
            clock.now = start + ends[step]
            progress.last = 0
            step += 1
            progress(0.05 + 0.4 * step / 74, f"training: step {step}/74")
        run.refresh_from_db()
        now = datetime.fromtimestamp(start + read, tz=UTC)
        page = time_left(run, now)
        shown.append(int(page.split()[1]))
        read += 15
    assert len(shown) >= 15
    assert shown == sorted(shown, reverse=True), str(shown)


def test_the_cancel_button_cancels_a_running_run(owner_client, django_user_model):
    from django.test import Client

    run = running()
    page = owner_client.get(f"/admin/site_assistant/trainingrun/{run.pk}/change/").content.decode()
    cancel_url = reverse("admin:site_assistant_trainingrun_cancel", args=[run.pk])
    link = LexborHTMLParser(page).css_first("#training-cancel a")
    assert link.attributes["href"] == cancel_url  # a confirmation page first
    confirm = owner_client.get(cancel_url)
    assert confirm.status_code == 200
    form = LexborHTMLParser(confirm.content.decode()).css_first("#training-cancel-confirm")
    assert form.attributes["method"] == "post" and "action" not in form.attributes
    run.refresh_from_db()
    assert run.status == Status.RUNNING  # asking is not cancelling

    staff = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    other = Client()
    other.force_login(staff)
    assert other.post(cancel_url).status_code == 403
    assert other.get(cancel_url).status_code == 403
    run.refresh_from_db()
    assert run.status == Status.RUNNING

    response = owner_client.post(cancel_url, follow=True)
    run.refresh_from_db()
    assert run.status == Status.CANCELLED and run.finished and run.stage == "cancelled"
    assert run.decision == "Cancelled by owner: no model was activated."
    html = response.content.decode()
    assert "cancelled: it stops at its next step" in html
    assert 'id="training-cancel"' not in html  # nothing left to cancel
    response = owner_client.post(cancel_url, follow=True)
    assert "had already finished" in response.content.decode()
    response = owner_client.get(cancel_url, follow=True)  # a stale confirmation link
    assert "is not running: nothing to cancel" in response.content.decode()


def test_the_progress_check_stops_a_cancelled_run():
    run = running()
    progress = _Progress(run.pk)
    progress(0.5, "training: step 5/10")
    assert TrainingRun.objects.get(pk=run.pk).progress == 50
    assert cancel(run.pk)
    progress.last = 0  # the next step, past the half-second throttle
    with pytest.raises(Cancelled):
        progress(0.6, "training: step 6/10")
    run.refresh_from_db()
    assert run.status == Status.CANCELLED and run.progress == 50  # not overwritten
    assert not cancel(run.pk)


def test_serve_the_base_model_is_always_shown_and_explained(owner_client):
    tree = LexborHTMLParser(owner_client.get("/admin/site_assistant/trainingrun/").content.decode())
    button = [b for b in tree.css(".object-tools button") if b.text() == "Serve the base model"]
    assert button and "disabled" in button[0].attributes
    assert "already the one being served" in button[0].attributes["title"]
    assert "switches back to this one" in tree.css_first("#serving-model").text()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_cancelling_stops_a_real_training_run_at_its_next_step(own_index_dir, owner_client):
    """Real model, real trainer in the background thread (no broker): cancel mid-training."""
    from site_assistant.training.tasks import start_training
    from tests.site_assistant.test_finetune import _store_passages

    _store_passages()
    run = start_training(params={"max_steps": 400, "batch_size": 4}, activate=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.stage.startswith("training: step") or not run.is_active:
            break
        time.sleep(0.2)
    assert run.status == Status.RUNNING and run.stage.startswith("training: step"), run.error
    cancelled_at = time.monotonic()
    owner_client.post(reverse("admin:site_assistant_trainingrun_cancel", args=[run.pk]))
    thread = next(t for t in threading.enumerate() if t.name == f"training-run-{run.pk}")
    thread.join(timeout=120)
    stopped_after = time.monotonic() - cancelled_at
    assert not thread.is_alive()
    run.refresh_from_db()
    assert run.status == Status.CANCELLED and run.stage == "cancelled"
    assert run.progress < 80 and not run.activated and not run.metrics
    assert not embed.fine_tuned_model_active()
    print(f"training stopped {stopped_after:.1f} s after the cancel")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["refusing_broker", "hanging_broker"])
def test_a_training_run_the_queue_does_not_take_fails_at_once(broker, request, owner_client):
    """The admin's Train button with Redis refusing or hanging: the request is not
    held for ~20 s, the run says it was never queued, and so does the page.

    The result backend is on the same Redis (point_broker), as on a site with one
    REDIS_URL: sending the task used to wait on it for 20 reconnects (~20 s)
    before failing, and the owner was told in green that the run had started."""
    from tests.site_assistant.test_finetune import _store_passages

    _store_passages()  # a site the index has read: there is something to train on
    request.getfixturevalue(broker)
    started = time.monotonic()
    response = owner_client.post(
        reverse("admin:site_assistant_trainingrun_train"), {"confirm": "yes"}, follow=True
    )
    took = time.monotonic() - started
    assert took < 3, f"the request was held {took:.1f} s"
    run = TrainingRun.objects.get()
    assert run.status == TrainingRun.Status.FAILED and run.not_queued == "no_answer"
    assert run.error.startswith("Could not queue the run")
    html = LexborHTMLParser(response.content.decode())
    errors = [li.text(strip=True) for li in html.css("ul.messagelist li.error")]
    assert errors and "task queue is not answering" in errors[0] and "nothing was" in errors[0]
    assert not html.css("ul.messagelist li.success")


@pytest.mark.django_db(transaction=True)
def test_a_training_run_this_process_cannot_send_names_the_broker(point_broker, owner_client):
    """A broker this process has no client library for (Redis without the `redis`
    package; here ZooKeeper): the owner was told "the task queue is not answering ...
    try again once it is back", which no wait mends (decided by the error's wording)."""
    from tests.site_assistant.test_finetune import _store_passages

    _store_passages()
    point_broker("zookeeper://127.0.0.1:1/")
    response = owner_client.post(
        reverse("admin:site_assistant_trainingrun_train"), {"confirm": "yes"}, follow=True
    )
    run = TrainingRun.objects.get()
    assert run.status == TrainingRun.Status.FAILED and run.not_queued == "cannot_send"
    html = LexborHTMLParser(response.content.decode())
    errors = [li.text(strip=True) for li in html.css("ul.messagelist li.error")]
    assert errors and "not answering" not in errors[0], errors
    assert f"Could not start training (#{run.pk})" in errors[0]
    assert "the task could not be sent (" in errors[0] and "pip install redis" in errors[0]
    assert not html.css("ul.messagelist li.success")


def test_without_the_train_extra_training_says_how_to_install_it(owner_client, monkeypatch):
    """Installed without [train], a run failed deep inside with
    "ModuleNotFoundError: No module named 'datasets'"."""
    from django.core.management import CommandError, call_command

    from site_assistant.training import finetune

    monkeypatch.setattr(finetune, "TRAIN_EXTRA", ("datasets", "a_package_not_installed"))
    response = owner_client.post(reverse("admin:site_assistant_trainingrun_train"), follow=True)
    page = response.content.decode()
    assert "a_package_not_installed missing" in page
    assert "django-site-assistant[train]" in page
    assert not TrainingRun.objects.exists()  # nothing started, nothing queued
    with pytest.raises(CommandError, match=r"\[train\]"):
        call_command("search_finetune")
    with pytest.raises(RuntimeError, match="a_package_not_installed"):
        finetune.run_training()


@pytest.mark.django_db(transaction=True)
def test_a_switched_off_model_is_served_again_from_its_runs_page(
    testsite, owner_client, tmp_path, settings
):
    """After "Serve the base model", the run's page offers "Serve this model"; a click
    makes it the served model, and the rebuild it asks for really runs (no broker: in
    the background, as after `make run`) until the page says the model answers."""
    from site_assistant import index
    from site_assistant.models import IndexBuild
    from tests.conftest import copy_of_the_base_model

    # The test site's broken page, rendered in the build's thread, only adds noise.
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "EXCLUDE_URLS": ["/boom/"]}
    folder = copy_of_the_base_model(tmp_path / "models" / "20261205T070000")
    run = TrainingRun.objects.create(
        status=Status.SUCCEEDED, model_dir=str(folder), activated=True, progress=100
    )
    page = owner_client.get(reverse("admin:site_assistant_trainingrun_change", args=[run.pk]))
    tree = LexborHTMLParser(page.content.decode())
    assert "Yes (no longer served)" in tree.css_first("#training-progress").text()
    form = tree.css_first("form#training-serve")
    assert form.css_first("button").text() == "Serve this model"

    response = owner_client.post(form.attributes["action"], follow=True)
    assert embed.fine_tuned_model_active()
    assert Path(embed.active_model_ref()).resolve() == folder.resolve()
    rebuild = IndexBuild.objects.get(trigger=IndexBuild.Trigger.MODEL)
    tree = LexborHTMLParser(response.content.decode())
    assert f"index build #{rebuild.pk}" in tree.css_first("ul.messagelist").text()
    assert f"Serving the model trained by Training #{run.pk} again" in (
        tree.css_first("ul.messagelist").text()
    )
    # Its build was only requested: the page does not claim it answers yet.
    assert "Yes, served once the index is rebuilt with it" in (
        tree.css_first("#training-progress").text()
    )
    assert tree.css_first("form#training-serve") is None  # served: nothing to offer

    # The build runs in a thread of this process; then the page's poll says it answers.
    thread = next(
        (t for t in threading.enumerate() if t.name == f"search-build-{rebuild.pk}"), None
    )
    if thread is not None:
        thread.join(timeout=60)
    status = owner_client.get(reverse("admin:site_assistant_trainingrun_status", args=[run.pk]))
    assert status.json()["activated"] == "Yes, served now"
    rebuild.refresh_from_db()
    assert rebuild.status == IndexBuild.Status.SUCCEEDED, rebuild.error
    assert Path(index.live_model_ref()).resolve() == folder.resolve()
    assert rebuild.model_id == embed.model_id(str(folder))


def train_button(page: str):
    """The list's "Train on site content" button and the form it is in."""
    tree = LexborHTMLParser(page)
    button = next(
        b for b in tree.css(".object-tools button") if b.text() == "Train on site content"
    )
    return button, button.parent


def test_train_asks_first_and_says_how_long_from_the_last_run_here(owner_client):
    """It started a run at once, the list saying only "How long it takes depends on the
    site's size and the server". Now it opens a page that says what a run does, what the
    owner gets, that visitors are answered meanwhile and how long: the last run here's
    duration. Nothing starts until "Yes, start training"."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.site_assistant.test_finetune import _store_passages

    _store_passages()
    finished = timezone.now() - timedelta(days=1)
    last = TrainingRun.objects.create(
        status=Status.SUCCEEDED, started=finished - timedelta(seconds=574), finished=finished
    )
    url = reverse("admin:site_assistant_trainingrun_train")
    _button, form = train_button(owner_client.get("/admin/site_assistant/trainingrun/").text)
    assert (form.attributes["method"], form.attributes["action"]) == ("get", url)

    asked = owner_client.get(url)
    assert asked.status_code == 200
    page = LexborHTMLParser(asked.text)
    # Two plain sentences, the time first (it read "about 10 minutes (the last run here
    # (Training #1 (Succeeded)) took 9 min 34 s; …)").
    assert page.css_first("#training-estimate-text").text() == "About 10 minutes"
    assert " ".join(page.css_first("#training-estimate").text().split()) == (
        f"How long: About 10 minutes. Worked out from the last run here, Training #{last.pk}, "
        "which took 9 min 34 s; a run takes longer while the server is busy with other work."
    )
    said = " ".join(page.css_first("#content-main").text().split())
    assert "teaches the assistant your site’s wording" in said
    assert "switched on and the search is rebuilt with it" in said
    assert "your visitors keep getting answers as they do now" in said
    # The trainer's terms are folded away, each explained.
    details = page.css_first("details#training-settings")
    assert "open" not in details.attributes
    assert details.css_first("summary").text() == "Technical details"
    assert "how far each step moves the model" in details.text()
    details.decompose()
    shown = page.css_first("#content-main").text()
    for term in ("Learning rate", "held-out", "Seed", "embedding", "Fine-tune"):
        assert term.lower() not in shown.lower(), term
    confirm = page.css_first("#training-start-confirm")
    assert confirm.attributes["method"] == "post" and "action" not in confirm.attributes
    assert TrainingRun.objects.count() == 1  # asking is not starting

    # A POST without the confirmation (the list's old button, a stale form) asks too.
    again = owner_client.post(url)
    assert again.status_code == 200 and "training-start-confirm" in again.text
    assert TrainingRun.objects.count() == 1

    response = owner_client.post(url, {"confirm": "yes"})
    run = TrainingRun.objects.latest("pk")
    assert run.pk != last.pk and run.status == Status.QUEUED
    assert response["Location"] == f"/admin/site_assistant/trainingrun/{run.pk}/change/"
    # It said "Training #2 (Queued) started": what is true, by the run's own status.
    said = LexborHTMLParser(owner_client.get(response["Location"]).text)
    assert said.css_first(".messagelist li").text() == (
        f"Training #{run.pk} is queued: it starts as soon as it can, and this page updates as it runs."
    )
    # Under way: asking again goes to it.
    response = owner_client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == f"/admin/site_assistant/trainingrun/{run.pk}/change/"
    assert f"{run} is already under way." in response.text
    assert TrainingRun.objects.count() == 2


def test_before_any_run_the_estimate_counts_the_steps_without_making_pairs(
    own_index_dir, owner_client, monkeypatch
):
    """No run has finished here: the steps the run will do at a step's measured seconds,
    a range, each figure's source said. The page made the run's pairs to count them (2.4 s
    on these six passages, scikit-learn loaded into the web process, more as the site
    grows): it counts rows now, and the pairs the run makes fall in its range."""
    from site_assistant.admin_training import PHASE_STEPS, SECONDS_A_STEP, SET_UP_STEPS
    from site_assistant.training import pairs
    from site_assistant.training.pairs import make
    from tests.site_assistant.test_finetune import _store_passages

    _store_passages()  # no index: the run reads the Passage table, as the page counts it
    passages, _ = pairs.load_passages()
    written = pairs.human_questions(passages)[0]
    made = pairs.build_pairs(passages, seed=42, extra=written)
    first = 2 * -(-len(made.train) // 32)  # 2 epochs of batches of 32
    refit = 2 * -(-(len(made.train) + len(made.dev)) // 32)

    def not_in_a_request(*args, **kwargs):
        raise AssertionError("the owner's request made the run's pairs")

    for module in (pairs, make):
        monkeypatch.setattr(module, "build_pairs", not_in_a_request)
    monkeypatch.setattr(pairs, "load_passages", not_in_a_request)

    page = LexborHTMLParser(
        owner_client.get(reverse("admin:site_assistant_trainingrun_train")).text
    )
    fast, slow = map(
        int,
        re.fullmatch(
            r"About (\d+) to (\d+) minutes", page.css_first("#training-estimate-text").text()
        ).groups(),
    )
    besides = SET_UP_STEPS + sum(PHASE_STEPS.values())
    assert fast <= round((first + refit + besides) * SECONDS_A_STEP[0] / 60), page.css_first(
        "#training-estimate"
    ).text()
    assert slow >= round((first + refit + besides) * SECONDS_A_STEP[1] / 60)
    why = " ".join(page.css_first("#training-estimate").text().split())
    steps = re.search(r"it learns in (\d+) to (\d+) steps, then (\d+) to (\d+) more", why)
    assert steps, why
    fewest, most, refit_fewest, refit_most = map(int, steps.groups())
    assert fewest <= first <= most and refit_fewest <= refit <= refit_most, (first, refit, why)
    assert "if the new version does better" in why
    assert f"from 6 sections of the site and {len(written)} questions people wrote" in why
    # What the range depends on, from steps timed as the run's page times them.
    assert (
        f"take about as long as {besides} steps more; the range depends on how busy the "
        f"server is, a step taking {SECONDS_A_STEP[0]:.1f} s on a 2-core server that runs only "
        f"the training and up to {SECONDS_A_STEP[1]:.1f} s while other work shares its cores"
    ) in why
    # Two plain sentences, the time first, each term said: not "about 8 to 54 minutes (it
    # learns in 66 to 102 steps, then 84 to 128 more … (it is then trained …) …)".
    assert why.startswith(f"How long: About {fast} to {slow} minutes. Worked out from the steps ")
    assert "a step being one batch of 32 practice questions" in why
    assert why.count(". ") == 1 and "(" not in why, why
    assert not TrainingRun.objects.exists()


def test_the_list_says_how_long_the_last_run_here_took(owner_client):
    """Not "from a few minutes to half an hour or more": this site's own figure."""
    from datetime import timedelta

    from django.utils import timezone

    listing = owner_client.get("/admin/site_assistant/trainingrun/").content.decode()
    assert 'id="last-took"' not in listing  # no run yet: no figure made up
    finished = timezone.now()
    TrainingRun.objects.create(
        status=Status.SUCCEEDED,
        progress=100,
        started=finished - timedelta(seconds=574),
        finished=finished,
    )
    tree = LexborHTMLParser(owner_client.get("/admin/site_assistant/trainingrun/").content.decode())
    assert tree.css_first("#last-took").text() == "the last run here took 9 min 34 s"
    assert tree.css_first("td.field-duration_display").text() == "9 min 34 s"


@pytest.mark.parametrize("switched_off", [False, True], ids=["rebuilding", "stopping"])
def test_the_status_poll_works_out_where_the_model_is_once(
    own_index_dir, owner_client, switched_off, monkeypatch
):
    """A run's page polls its status every few seconds while its model waits for a
    rebuild (served once it is done, or served until the rebuild without it is done):
    each poll worked out where the model was twice, a query and a read of the live
    index's files each time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from site_assistant import admin_training, index

    folder = own_index_dir / "models" / "20261205T070000" / "final"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    embed.set_active_model(str(folder))
    run = TrainingRun.objects.create(
        status=Status.SUCCEEDED,
        model_dir=str(folder),
        activated=True,
        progress=100,
        finished=timezone.now(),
    )
    if switched_off:  # "Serve the base model" pressed; the index still built with this model
        embed.set_active_model(None)
        monkeypatch.setattr(index, "live_model_ref", lambda: str(folder))
    url = reverse("admin:site_assistant_trainingrun_status", args=[run.pk])
    owner_client.get(url)  # the session and the user, as every later poll finds them

    with CaptureQueriesContext(connection) as queries:
        body = owner_client.get(url).json()

    assert body["rebuilding"] is True
    assert (
        body["activated"]
        == admin_training.SERVED_STATES["stopping" if switched_off else "rebuilding"]
    )
    # The session, the user, the run, and the newest build since the run (did it fail?).
    assert len(queries) == 4, [query["sql"] for query in queries.captured_queries]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("button", ["Serve the base model", "Serve this model"])
def test_without_a_broker_the_serve_buttons_rebuild_in_the_background(
    button, testsite, another_model, owner_client, settings
):
    """Without a broker the serve buttons rebuilt the whole index inside the request: the
    page waited for it, while "Rebuild index now" builds in the background."""
    # The test site's broken page, rendered by a build inside the request, would be
    # re-raised by the test client as the request's own error.
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "EXCLUDE_URLS": ["/boom/"]}
    from site_assistant.build import run_build
    from site_assistant.models import IndexBuild

    base = embed.model_id(embed.default_model_path())
    run = TrainingRun.objects.create(
        status=Status.SUCCEEDED, progress=100, activated=True, model_dir=str(another_model)
    )
    embed.set_active_model(str(another_model))
    served = run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.MODEL))
    assert served.status == IndexBuild.Status.SUCCEEDED, served.error
    if button == "Serve the base model":
        url, wanted = reverse("admin:site_assistant_trainingrun_serve_base"), base
    else:  # switched off first, as the owner does before serving it again
        embed.set_active_model(None)
        url = reverse("admin:site_assistant_trainingrun_serve", args=[run.pk])
        wanted = served.model_id

    response = owner_client.post(url, follow=True)
    messages = [
        li.text(separator=" ", strip=True)
        for li in LexborHTMLParser(response.content.decode()).css("ul.messagelist li")
    ]
    rebuild = IndexBuild.objects.exclude(pk=served.pk).get()
    assert len(messages) == 1 and f"index build #{rebuild.pk} (Queued)" in messages[0], messages
    assert embed.fine_tuned_model_active() == (button == "Serve this model")

    deadline = time.monotonic() + 120
    while rebuild.status not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        rebuild.refresh_from_db()
    assert rebuild.status == IndexBuild.Status.SUCCEEDED, rebuild.error
    assert rebuild.model_id == wanted


@pytest.mark.celery
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_training_with_no_worker_says_so_at_once_on_the_page_the_button_opens(
    celery_workers, owner_client
):
    """The worker stopped (SIGTERM): "Yes, start training" said in green "Training #1
    (Queued) started: the page updates while it runs." Now it warns, as "Rebuild index
    now" does, with what the run's page and its status JSON say at once."""
    import os
    import signal

    from tests.site_assistant.test_finetune import _store_passages
    from tests.site_assistant.test_tasks import _same_moment

    _store_passages()
    worker = celery_workers()
    os.killpg(worker.pid, signal.SIGTERM)  # a clean stop: its heartbeat says it shut down
    worker.wait(timeout=30)

    landed = owner_client.post(
        reverse("admin:site_assistant_trainingrun_train"), {"confirm": "yes"}, follow=True
    )
    run = TrainingRun.objects.get()
    assert landed.redirect_chain[-1][0] == f"/admin/site_assistant/trainingrun/{run.pk}/change/"
    assert run.status == Status.QUEUED and run.task_id  # in Redis, for no worker
    html = LexborHTMLParser(landed.content.decode())
    messages = {li.attributes["class"]: li.text(strip=True) for li in html.css(".messagelist li")}
    assert "success" not in messages, messages  # not green
    assert messages["warning"].startswith(f"Training #{run.pk} queued, not started. "), messages
    said = messages["warning"].split(" not started. ", 1)[1]
    assert said.startswith("No worker is running: the last one (test-"), said
    assert "(start one: celery -A bambicim worker)" in said, said
    shown = html.css_first("#training-waiting").text(strip=True)
    status = owner_client.get(
        reverse("admin:site_assistant_trainingrun_status", args=[run.pk])
    ).json()["waiting"]
    assert len(_same_moment(said, shown, status)) == 1, (said, shown, status)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_run_whose_worker_was_killed_says_so_and_how_to_start_one(celery_workers, owner_client):
    """The worker killed (SIGKILL) mid-run: its page said Failed within seconds, but
    "(a server restart?). Start a new run." with no word that no worker runs (a new run
    would sit queued), under a blue bar at 6%. Now it names the lost worker, says no
    worker runs and the command that starts one, and the bar reads as stopped."""
    import os
    import signal

    from tests.site_assistant.test_finetune import _store_passages

    _store_passages()
    worker = celery_workers()
    owner_client.post(reverse("admin:site_assistant_trainingrun_train"), {"confirm": "yes"})
    run = TrainingRun.objects.get()
    page_url = f"/admin/site_assistant/trainingrun/{run.pk}/change/"
    deadline = time.monotonic() + 120
    while not (run.status == Status.RUNNING and run.progress > 0):
        assert run.status in (Status.QUEUED, Status.RUNNING), run.error
        assert time.monotonic() < deadline, "the worker did not start the run"
        time.sleep(0.2)
        run.refresh_from_db()
    assert run.runner["worker"] is True
    os.killpg(worker.pid, signal.SIGKILL)  # mid-run, as the OOM killer does
    worker.wait(timeout=10)
    killed = time.monotonic()
    while True:
        page = LexborHTMLParser(owner_client.get(page_url).content.decode())
        error = page.css_first('#training-progress [data-field="error"]').text()
        if "No worker is running" in error:
            break
        assert time.monotonic() - killed < 20, error
        time.sleep(0.5)
    assert page.css_first('[data-field="status"]').text() == "Failed"
    assert error.startswith(
        "Lost: the worker running it stopped before it finished (killed, out of memory, or "
        "its host restarted). No model was switched on. No worker is running: the last one "
        "(test-"
    ), error
    assert "(start one: celery -A bambicim worker)" in error, error
    assert error.endswith("A new run waits, queued, until a worker runs."), error
    assert "server restart" not in error, error
    bar = page.css_first("#training-progress progress")
    assert bar.attributes.get("class") == "search-admin__stopped"
    after = " ".join(page.css_first("#training-progress .search-admin__after").text().split())
    assert after.startswith(f"Stopped at {run.progress}%"), after
    status = owner_client.get(reverse("admin:site_assistant_trainingrun_status", args=[run.pk]))
    assert status.json()["error"] == error


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_rebuild_queued_behind_a_training_run_says_what_it_waits_for(
    celery_workers, owner_client, settings, training_at_step_22
):
    """With one worker (``make worker``), "Rebuild index now" during Training #1 said
    "Index rebuild #7 queued: a worker will run it" and the build sat Queued for over two
    minutes, nothing said, until the run was cancelled: the worker runs one task at a
    time. Now the message, the build's page, its status JSON and the builds list say
    what it waits for, how long, and what to do."""
    from site_assistant.models import IndexBuild
    from tests.site_assistant.busy_task import busy

    celery_workers(include="tests.site_assistant.busy_task")
    busy.apply_async(args=(20,))  # the worker is taken, as by the run
    run = training_at_step_22
    landed = owner_client.post(reverse("admin:site_assistant_indexbuild_rebuild"), follow=True)
    build = IndexBuild.objects.latest("pk")
    assert build.status == IndexBuild.Status.QUEUED
    minutes = step_22_minutes_left()
    note = (
        f"Waiting for Training #{run.pk} to finish, about {minutes} minutes left (estimate): "
        "the worker runs one task at a time. The build starts by itself then. To build now, "
        "cancel the run; whoever runs the site can give training a worker of its own, so "
        "builds never wait for it."
    )
    html = LexborHTMLParser(landed.content.decode())
    messages = {li.attributes["class"]: li.text(strip=True) for li in html.css(".messagelist li")}
    assert messages == {"warning": f"Index rebuild #{build.pk} queued, not started. {note}"}
    status_url = reverse("admin:site_assistant_indexbuild_status", args=[build.pk])
    assert owner_client.get(status_url).json()["waiting"] == note
    page = owner_client.get(f"/admin/site_assistant/indexbuild/{build.pk}/change/").content
    assert LexborHTMLParser(page.decode()).css_first("#build-waiting").text() == note
    listed = owner_client.get("/admin/site_assistant/indexbuild/").content.decode()
    assert LexborHTMLParser(listed).css_first("#waiting-for-a-worker").text() == note

    # Training on a queue of its own (a worker of its own): builds do not wait for it.
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "TRAINING_QUEUE": "training"}
    assert owner_client.get(status_url).json()["waiting"] == ""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "TRAINING_QUEUE": ""}
    # The run cancelled, nothing is said of it.
    assert cancel(run.pk)
    assert owner_client.get(status_url).json()["waiting"] == ""


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_training_runs_go_to_the_queue_named_by_training_queue(celery_workers, settings):
    """TRAINING_QUEUE: the run's task waits in that queue for a worker of its own
    (``celery worker -Q training``); unset, in the builds' queue, as before."""
    import uuid

    import redis

    from bambicim.celery import app
    from site_assistant.training.tasks import start_training
    from tests.conftest import TEST_REDIS_URL

    broker = redis.Redis.from_url(TEST_REDIS_URL)
    own = f"training-{uuid.uuid4().hex[:8]}"
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "TRAINING_QUEUE": own}
    try:
        run = start_training(params={"max_steps": 3})
        assert TrainingRun.objects.get(pk=run.pk).task_id
        assert broker.llen(own) == 1 and broker.llen(app.conf.task_default_queue) == 0
        assert cancel(run.pk)
        settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "TRAINING_QUEUE": ""}
        start_training(params={"max_steps": 3})
        assert broker.llen(own) == 1 and broker.llen(app.conf.task_default_queue) == 1
    finally:
        broker.delete(own, app.conf.task_default_queue)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_run_for_a_training_queue_no_worker_listens_on_says_so_and_how_to_start_one(
    celery_workers, owner_client, settings
):
    """TRAINING_QUEUE set, ``make worker`` running but not ``make worker-training``: the
    run sat Queued with "Training #1 (Queued) started" in green and nothing said, for
    ever (the worker heard from consumes only the default queue). Now the message, the
    run's page, its status JSON and the runs list say no worker listens on that queue
    and the command that starts one, and so does the overview; once one does, it takes
    the run."""
    from bambicim.celery import app
    from tests.site_assistant.test_finetune import _store_passages

    _store_passages()
    celery_workers()  # the builds' worker: the default queue only
    own = f"{app.conf.task_default_queue}-training"
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "TRAINING_QUEUE": own}

    landed = owner_client.post(
        reverse("admin:site_assistant_trainingrun_train"), {"confirm": "yes"}, follow=True
    )
    run = TrainingRun.objects.get()
    assert run.status == Status.QUEUED and run.task_id
    note = (
        f"No worker is listening on the queue '{own}'; start one: celery -A bambicim worker "
        f"-Q {own} --concurrency=1. Training runs wait, queued, until one does."
    )
    html = LexborHTMLParser(landed.content.decode())
    messages = {li.attributes["class"]: li.text(strip=True) for li in html.css(".messagelist li")}
    assert messages == {"warning": f"Training #{run.pk} queued, not started. {note}"}, messages
    shown = html.css_first("#training-waiting").text(strip=True)
    status_url = reverse("admin:site_assistant_trainingrun_status", args=[run.pk])
    assert shown == note and owner_client.get(status_url).json()["waiting"] == note
    listed = owner_client.get("/admin/site_assistant/trainingrun/").content.decode()
    assert LexborHTMLParser(listed).css_first("#waiting-for-a-worker").text() == note
    overview = owner_client.get("/admin/site_assistant/").content.decode()
    assert LexborHTMLParser(overview).css_first("#dash-waiting").text() == note

    # make worker-training: it takes the run at once (busy, its solo pool answers no ping)
    celery_workers.starting(queue=own)
    deadline = time.monotonic() + 120
    while (run := TrainingRun.objects.get(pk=run.pk)).status == Status.QUEUED:
        assert time.monotonic() < deadline, "the training worker did not take the run"
        time.sleep(0.2)
    assert run.status == Status.RUNNING, run.error
    assert owner_client.get(status_url).json()["waiting"] == ""
    assert cancel(run.pk)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_runs_time_left_comes_from_its_steps_not_its_set_up(own_index_dir, owner_client):
    """Real model, real trainer in the background thread (no broker), 12 steps: its page
    says no time left while it loads the model and makes pairs, then one from its steps'
    own pace, which leaves the set-up out."""
    from site_assistant.training.tasks import start_training
    from tests.site_assistant.test_finetune import _store_passages

    _store_passages()
    run = start_training(params={"max_steps": 12, "batch_size": 4}, activate=False)
    url = reverse("admin:site_assistant_trainingrun_status", args=[run.pk])
    seen, deadline = [], time.monotonic() + 600
    while time.monotonic() < deadline:
        status = owner_client.get(url).json()
        run.refresh_from_db()
        seen.append((status["stage"], status["time_left"], (run.metrics or {}).get("pace")))
        if not status["active"]:
            break
        time.sleep(0.3)
    assert run.status == Status.SUCCEEDED, run.error
    # Before its fourth step (pairs, the model loading, three steps): nothing guessed.
    fourth = next(
        i for i, (stage, _, _) in enumerate(seen) if re.search(r"step ([4-9]|1\d)/", stage)
    )
    early = [left for _, left, _ in seen[:fourth]]
    assert early and not any(early), seen[:fourth]
    paced = [(left, pace) for stage, left, pace in seen if pace and pace.get("seconds_a_step")]
    assert paced, seen
    left, pace = paced[0]
    assert re.fullmatch(r"(about \d+ minutes?|less than a minute) left \(estimate\)", left), left
    # The pace is the steps' own: the time from its first timed step to its last over
    # the steps between, never the run's time since it started over its steps.
    (first, first_at), (last, last_at) = pace["recent"][0], pace["recent"][-1]
    assert pace["seconds_a_step"] == pytest.approx((last_at - first_at) / (last - first), abs=0.01)
    since_start = pace["at"] - run.started.timestamp()
    assert pace["seconds_a_step"] < since_start / pace["step"], (pace, since_start)
    assert "pace" not in run.metrics  # the results replace it
