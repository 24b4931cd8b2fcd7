"""Rows written before a migration read sensibly after it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from selectolax.lexbor import LexborHTMLParser

from site_assistant.models import IndexBuild, TrainingRun

APP = "site_assistant"
BEFORE_THE_REASON = (APP, "0022_indexbuild_other_language_sections")


@pytest.mark.django_db(transaction=True)
def test_builds_and_runs_not_queued_before_the_reason_was_recorded_get_it(
    client, django_user_model
):
    """Before ``not_queued``, why a build was not queued was only in its error's words.
    The migration reads them once; the admin then tells the old rows as it tells new ones."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_THE_REASON])
    old = executor.loader.project_state([BEFORE_THE_REASON]).apps
    Build, Run = old.get_model(APP, "IndexBuild"), old.get_model(APP, "TrainingRun")
    cannot = Build.objects.create(
        status="unqueued",
        trigger="admin",
        error="Not queued: the task could not be sent (ModuleNotFoundError: No module named "
        "'redis'); is the broker's client library installed (Redis: pip install redis) and "
        "CELERY_BROKER_URL right?",
    )
    silent = Build.objects.create(
        status="unqueued",
        trigger="content",
        error="Not queued: the task queue did not answer within 1.0 s (OperationalError: "
        "Error 111 connecting to 127.0.0.1:6379. Connection refused.). It is queued again "
        "once the task queue answers.",
    )
    failed = Build.objects.create(status="failed", trigger="admin", error="OSError: disk full")
    run = Run.objects.create(status="failed", error="Could not queue the run: Error 111")
    trained = Run.objects.create(status="failed", error="ValueError: no passages")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes(APP))

    reasons = dict(IndexBuild.objects.values_list("pk", "not_queued"))
    assert reasons == {cannot.pk: "cannot_send", silent.pk: "no_answer", failed.pk: ""}
    runs = dict(TrainingRun.objects.values_list("pk", "not_queued"))
    assert runs == {run.pk: "no_answer", trained.pk: ""}

    client.force_login(django_user_model.objects.create_superuser("boss", "b@x.example", "pw"))
    html = LexborHTMLParser(client.get("/admin/site_assistant/indexbuild/").content.decode())
    shown = {
        row.css_first("th.field-build_display").text(strip=True): row.css_first(
            "td.field-outcome_display strong"
        ).text()
        for row in html.css("#result_list tbody tr")
    }
    assert shown[f"#{cannot.pk}"] == "Not queued (the task could not be sent)", shown
    assert shown[f"#{silent.pk}"] == "Not queued (task queue unreachable)", shown
