# Question.text_key: the question as the owner's lists tell questions apart (case, spacing
# and the final ?!. aside), so the Needs attention lists show each question once. The
# column has a database default (""): a process from before it still logs questions, and
# the app keys those later (QuestionQuerySet.fill_text_keys). The rows already logged are
# keyed here, a batch at a time, each batch its own transaction on PostgreSQL (the log's
# inserts wait for none of them); the index is built CONCURRENTLY after them (_operations).

from django.db import migrations, models

from . import _operations as concurrently

BATCH = 1000


def key_the_log(apps, schema_editor):
    from site_assistant.models import text_key_of

    Question = apps.get_model("site_assistant", "Question")
    db = schema_editor.connection.alias
    last = 0
    while True:
        rows = list(
            Question.objects.using(db)
            .filter(pk__gt=last, text_key="")
            .order_by("pk")
            .values_list("pk", "text")[:BATCH]
        )
        if not rows:
            return
        Question.objects.using(db).bulk_update(
            [Question(pk=pk, text_key=text_key_of(text)) for pk, text in rows], ["text_key"]
        )
        last = rows[-1][0]


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction; so do the batches

    dependencies = [
        ("site_assistant", "0032_examplequestion_review"),
    ]

    operations = [
        concurrently.AddField(
            model_name="question",
            name="text_key",
            field=models.CharField(
                blank=True, db_default="", default="", editable=False, max_length=500
            ),
        ),
        # Backwards: the column goes with it.
        migrations.RunPython(key_the_log, migrations.RunPython.noop),
        concurrently.AddIndex(
            model_name="question",
            index=models.Index(fields=["text_key", "id"], name="sa_question_text_key"),
        ),
        concurrently.AddIndex(
            model_name="question",
            index=models.Index(
                condition=models.Q(("answered", False), ("language", ""), ("unanswerable", False)),
                fields=["text_key", "id"],
                name="sa_question_unanswered_key",
            ),
        ),
    ]
