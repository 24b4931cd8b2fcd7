"""The owner's example questions for Ask Bambi, loaded once on a fresh database.

From bambicim/fixtures/search_example_questions.json. The index embeds them
beside the sections they name, and training uses them as pairs. Only into an
empty table: questions the owner has since edited in the admin are kept.
"""

import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "search_example_questions.json"


def load(apps, schema_editor):
    ExampleQuestion = apps.get_model("site_assistant", "ExampleQuestion")
    db = schema_editor.connection.alias
    if ExampleQuestion.objects.using(db).exists():
        return
    rows = [row["fields"] for row in json.loads(FIXTURE.read_text(encoding="utf-8"))]
    ExampleQuestion.objects.using(db).bulk_create(
        ExampleQuestion(question=row["question"], url=row["url"], active=row.get("active", True))
        for row in rows
    )


def unload(apps, schema_editor):
    ExampleQuestion = apps.get_model("site_assistant", "ExampleQuestion")
    questions = [row["fields"]["question"] for row in json.loads(FIXTURE.read_text("utf-8"))]
    ExampleQuestion.objects.using(schema_editor.connection.alias).filter(
        question__in=questions
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bambicim", "0001_contact_message"),
        ("site_assistant", "0003_jobs_share_fields"),
    ]

    operations = [migrations.RunPython(load, unload)]
