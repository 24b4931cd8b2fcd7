"""The question the site itself suggests, as an example question for its answer.

The search page's placeholder and the note on Ask Bambi both suggest asking
“How much does a landing page cost?”. Typed without its question mark, the
base model put the Timelines section (“Most landing pages ship in 2 weeks”)
just above Pricing (0.575 against 0.564), so the owner files the question
under Pricing. Added only if missing (a fresh database also gets it from the
fixture); the owner may edit or delete it in the admin like any other.
"""

from django.db import migrations

QUESTION = "How much does a landing page cost?"
URL = "/services/#pricing"


def add(apps, schema_editor):
    ExampleQuestion = apps.get_model("site_assistant", "ExampleQuestion")
    rows = ExampleQuestion.objects.using(schema_editor.connection.alias)
    if not rows.filter(question__iexact=QUESTION).exists():
        rows.create(question=QUESTION, url=URL, active=True)


def remove(apps, schema_editor):
    ExampleQuestion = apps.get_model("site_assistant", "ExampleQuestion")
    ExampleQuestion.objects.using(schema_editor.connection.alias).filter(
        question=QUESTION, url=URL
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("bambicim", "0003_example_questions_point_at_notes")]

    operations = [migrations.RunPython(add, remove)]
