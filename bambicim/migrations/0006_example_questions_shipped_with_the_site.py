"""Which example questions the site shipped, and which are the owner's (ExampleQuestion.source).

The site's own migrations (0002, 0004, 0005) added the questions of
bambicim/fixtures/search_example_questions.json: a row with a fixture question
and its section is one of them, on a fresh database or an existing one. Every
other row not recorded (from before site_assistant 0034) is the owner's: on this
site nothing else adds example questions but the admin and "Fix this answer",
and a shipped question the owner has reworded or filed under another section
is the owner's now. Runs after site_assistant 0034 (the column), whichever order
a fresh database ran 0002-0005 and 0034 in.
"""

import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "search_example_questions.json"


def shipped() -> set[tuple[str, str]]:
    rows = [row["fields"] for row in json.loads(FIXTURE.read_text(encoding="utf-8"))]
    return {(row["question"], row["url"]) for row in rows}


def mark(apps, schema_editor):
    ExampleQuestion = apps.get_model("site_assistant", "ExampleQuestion")
    rows = ExampleQuestion.objects.using(schema_editor.connection.alias)
    ours = shipped()
    site = [
        pk
        for pk, question, url in rows.exclude(source="site").values_list("pk", "question", "url")
        if (question, url) in ours
    ]
    rows.filter(pk__in=site).update(source="site")
    rows.filter(source="unrecorded").update(source="owner")


class Migration(migrations.Migration):
    dependencies = [
        ("bambicim", "0005_more_example_questions"),
        ("site_assistant", "0034_examplequestion_source"),
    ]

    # Backwards: site_assistant 0034's own backwards drops the column.
    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
