"""Four more example questions for every section (289 in all), for existing databases.

Four or five questions a section gave a visitor's wording few neighbours to
land near. Four helpers, each shown only the site's copy and its sections
(not the visitor question sets, the dev split or the existing questions),
wrote four more per section in everyday words (now seven to twelve a
section); 23 that repeated an existing or a visitor question word for word
were left out. A fresh database gets them from the fixture (migration
0002); here they are added if missing, so questions the owner has since
edited or deleted in the admin stay as they are.
"""

import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "search_example_questions.json"
BATCH = "2026-12-02T12:00:00Z"


def _batch() -> list[dict]:
    rows = [row["fields"] for row in json.loads(FIXTURE.read_text(encoding="utf-8"))]
    return [row for row in rows if row.get("created") == BATCH]


def add(apps, schema_editor):
    ExampleQuestion = apps.get_model("site_assistant", "ExampleQuestion")
    rows = ExampleQuestion.objects.using(schema_editor.connection.alias)
    have = {question.casefold() for question in rows.values_list("question", flat=True)}
    rows.bulk_create(
        ExampleQuestion(question=row["question"], url=row["url"], active=row.get("active", True))
        for row in _batch()
        if row["question"].casefold() not in have
    )


def remove(apps, schema_editor):
    ExampleQuestion = apps.get_model("site_assistant", "ExampleQuestion")
    rows = ExampleQuestion.objects.using(schema_editor.connection.alias)
    for row in _batch():
        rows.filter(question=row["question"], url=row["url"]).delete()


class Migration(migrations.Migration):
    dependencies = [("bambicim", "0004_example_question_the_site_suggests")]

    operations = [migrations.RunPython(add, remove)]
