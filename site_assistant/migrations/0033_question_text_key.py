# Question.text_key: the question as the owner's lists tell questions apart (case, spacing
# and the final ?!. aside), so the Needs attention lists show each question once. The
# column has a database default (""): a process from before it still logs questions, and
# the app keys those later (QuestionQuerySet.fill_text_keys). The rows already logged are
# keyed here, a batch at a time, each batch its own transaction on PostgreSQL (the log's
# inserts wait for none of them); the index is built CONCURRENTLY after them (_operations).

import re
import unicodedata

import ftfy
from django.db import migrations, models

from . import _operations as concurrently

BATCH = 1000

# A frozen copy of site_assistant.models.text_key_of (with text.question_key, normalize
# and strip_invisible it calls) as it was when this migration was written: a migration
# keys the log as the column meant then, whatever the live code says later. Never change
# it: tests/site_assistant/test_migrations.py checks that the live function still agrees,
# so that a change to the live one is made knowingly, with a migration of its own that
# keys the log anew.
TEXT_KEY_LENGTH = 500
_SPACE = re.compile(r"\s+")
_INVISIBLE = re.compile(
    "(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f"
    "|(?<=[^\x00-\x7f])[\u200c\u200d](?=[^\x00-\x7f]))"
    "|[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\U000e0000-\U000e007f]"
)


def _plain(text):
    return text.isascii() and text.isprintable() and "&" not in text


def _strip_invisible(text):
    return _INVISIBLE.sub(lambda m: m.group(1) or "", text) if text else ""


def _normalize(text):
    if not text:
        return ""
    if _plain(text):
        return _SPACE.sub(" ", text).strip()
    text = ftfy.fix_text(text, uncurl_quotes=False, fix_latin_ligatures=False)
    text = unicodedata.normalize("NFC", text)
    return _SPACE.sub(" ", text).strip()


def _question_key(text):
    if not _plain(text):
        text = _normalize(_strip_invisible(text))
    return " ".join(text.casefold().split()).rstrip("?!.… ")


def text_key_of(text):
    return _question_key(text)[:TEXT_KEY_LENGTH] or text[:TEXT_KEY_LENGTH] or " "


def key_the_log(apps, schema_editor):
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
