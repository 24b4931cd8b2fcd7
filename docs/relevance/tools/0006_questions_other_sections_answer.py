"""Example questions that a second section answers too, for existing databases.

The dev split scored a question as missed when the assistant gave another
section that answers it just as well (the price is on the pricing section and
in the FAQ). Relevance was judged TREC-style: for each example question, the
sections that the base model and BM25 rank highest (dense top 3, BM25 top 2)
were judged by readers shown only the question and the section's text, under
a strict rule (the section's own text gives the specific thing asked). Each
section judged to answer becomes one more ExampleQuestion with the same
question. A fresh database gets them from the fixture (migration 0002); here
they are added only beside a question the owner still has, so questions the
owner has since edited or deleted in the admin stay as they are.
"""

import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "search_example_questions.json"
BATCH = "2026-12-03T12:00:00Z"


def _batch() -> list[dict]:
    rows = [row["fields"] for row in json.loads(FIXTURE.read_text(encoding="utf-8"))]
    return [row for row in rows if row.get("created") == BATCH]


def add(apps, schema_editor):
    ExampleQuestion = apps.get_model("search", "ExampleQuestion")
    rows = ExampleQuestion.objects.using(schema_editor.connection.alias)
    have = {(q.casefold(), url) for q, url in rows.values_list("question", "url")}
    questions = {question for question, _ in have}
    rows.bulk_create(
        ExampleQuestion(question=row["question"], url=row["url"], active=row.get("active", True))
        for row in _batch()
        if row["question"].casefold() in questions
        and (row["question"].casefold(), row["url"]) not in have
    )


def remove(apps, schema_editor):
    ExampleQuestion = apps.get_model("search", "ExampleQuestion")
    rows = ExampleQuestion.objects.using(schema_editor.connection.alias)
    for row in _batch():
        rows.filter(question=row["question"], url=row["url"]).delete()


class Migration(migrations.Migration):
    dependencies = [("bambicim", "0005_more_example_questions")]

    operations = [migrations.RunPython(add, remove)]
