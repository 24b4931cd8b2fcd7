from django.db import migrations, models

# What the code before this field wrote into the error of a job the task queue did not
# take: rows recorded so get the reason the owner was told then.
CANNOT_SEND = "the task could not be sent"
RUN_NOT_QUEUED = "Could not queue the run"


NOT_QUEUED = models.CharField(
    blank=True,
    choices=[
        ("no_answer", "The task queue did not answer"),
        ("cannot_send", "This process cannot send tasks to the task queue"),
    ],
    help_text="Why the task queue did not take its task; blank when it did (or none was needed).",
    max_length=16,
)


def reasons_of_old_rows(apps, schema_editor):
    IndexBuild = apps.get_model("site_assistant", "IndexBuild")
    TrainingRun = apps.get_model("site_assistant", "TrainingRun")
    unqueued = IndexBuild.objects.filter(status="unqueued", not_queued="")
    unqueued.filter(error__contains=CANNOT_SEND).update(not_queued="cannot_send")
    unqueued.exclude(error__contains=CANNOT_SEND).update(not_queued="no_answer")
    TrainingRun.objects.filter(status="failed", error__startswith=RUN_NOT_QUEUED).update(
        not_queued="no_answer"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("site_assistant", "0022_indexbuild_other_language_sections"),
    ]

    operations = [
        migrations.AddField(model_name="indexbuild", name="not_queued", field=NOT_QUEUED),
        migrations.AddField(model_name="trainingrun", name="not_queued", field=NOT_QUEUED),
        migrations.RunPython(reasons_of_old_rows, migrations.RunPython.noop),
    ]
