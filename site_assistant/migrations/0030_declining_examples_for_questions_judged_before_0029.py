"""The owner's "The site doesn't answer this" from before 0029 counts again.

Before 0029 it only set ``Question.unanswerable``; since 0029 it also keeps the question
as an example question that declines (site_assistant.declined), which is what makes
visitors asking it again, or a close paraphrase, get "not sure". Judgements made before
0029 had no such example question, so on an upgraded site they silently stopped
mattering. This makes one for each question still in the log (the rest went with
LOG_RETENTION_DAYS) that was judged so and logged before 0029 was applied, as the admin
makes it: one per question as ``question_key`` reads it (the latest asked's words,
spacing tidied), none for words that look personal or are too long for an example
question, none where an example question already reads as it (one that answers: the
owner's fix wins; one that declines, even switched off: the owner's own, or undone).
Questions logged after 0029 are left alone: their judgement made its example question
then, and one missing now is one the owner deleted.

No build is needed: serving reads declining example questions from the database, at
most a second late (site_assistant.declined); they are never indexed.

Backwards: nothing is deleted. The rows are what the admin's button has made since 0029,
and cannot be told from the ones the owner made after upgrading; 0029's code reads
them as this one does.
"""

from django.db import migrations

BEFORE = "0029_examplequestion_declines"


def _applied_at(connection):
    from django.db.migrations.recorder import MigrationRecorder

    recorded = MigrationRecorder(connection).migration_qs.filter(app="site_assistant", name=BEFORE)
    return recorded.values_list("applied", flat=True).first()


def keep_judged_questions(apps, schema_editor):
    from site_assistant.models import looks_personal
    from site_assistant.text import question_key

    Question = apps.get_model("site_assistant", "Question")
    ExampleQuestion = apps.get_model("site_assistant", "ExampleQuestion")
    db = schema_editor.connection.alias
    limit = ExampleQuestion._meta.get_field("question").max_length

    judged = Question.objects.using(db).filter(unanswerable=True)
    applied = _applied_at(schema_editor.connection)
    if applied is not None:
        judged = judged.filter(created__lt=applied)
    latest = {}
    for text in judged.order_by("created", "pk").values_list("text", flat=True).iterator():
        text = " ".join(text.split())
        key = question_key(text)
        if key and len(text) <= limit and not looks_personal(text):
            latest[key] = text
    if not latest:
        return
    taken = {
        question_key(question)
        for question, active, declines in ExampleQuestion.objects.using(db).values_list(
            "question", "active", "declines"
        )
        if active or declines
    }
    ExampleQuestion.objects.using(db).bulk_create(
        ExampleQuestion(question=text, url="", active=True, declines=True)
        for key, text in sorted(latest.items())
        if key not in taken
    )


class Migration(migrations.Migration):
    dependencies = [("site_assistant", BEFORE)]

    operations = [
        migrations.RunPython(
            keep_judged_questions,
            # Nothing to undo: see the module's docstring.
            migrations.RunPython.noop,
        )
    ]
