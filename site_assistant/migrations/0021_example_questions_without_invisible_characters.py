"""Example questions are kept for good and trained on: one saved from a visitor's
question before those were cleaned keeps no bidi override or zero-width character
(site_assistant.text.strip_invisible). Visitors' questions go after LOG_RETENTION_DAYS."""

from django.db import migrations


def strip(apps, schema_editor):
    from site_assistant.text import strip_invisible

    ExampleQuestion = apps.get_model("site_assistant", "ExampleQuestion")
    for example in ExampleQuestion.objects.only("pk", "question"):
        clean = strip_invisible(example.question).strip()
        if clean and clean != example.question:
            ExampleQuestion.objects.filter(pk=example.pk).update(question=clean)


class Migration(migrations.Migration):
    dependencies = [("site_assistant", "0020_question_review_indexes")]

    operations = [migrations.RunPython(strip, migrations.RunPython.noop)]
