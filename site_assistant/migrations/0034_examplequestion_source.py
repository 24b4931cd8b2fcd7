# ExampleQuestion.source: who added an example question, so the owner tells theirs from
# those the site came with. The app adds them as "owner" (the admin's form, "Fix this
# answer"); a site that ships some (a fixture, its own data migration) marks them "site".
# The rows already there are "unrecorded": nothing kept who added them, and a site's
# shipped ones look like the owner's. Except those that decline ("The site doesn't answer
# this", 0030): the app made them itself on the owner's word. A site that knows its rows
# marks them in a migration of its own, after this one.
# A database default, so code from before it (a web process not restarted yet) still adds
# example questions (as "unrecorded"). A constant default: PostgreSQL adds the column
# without rewriting the table (SQLite copies it; example questions are a small table).

from django.db import migrations, models


def the_declining_ones_are_the_owners(apps, schema_editor):
    ExampleQuestion = apps.get_model("site_assistant", "ExampleQuestion")
    ExampleQuestion.objects.using(schema_editor.connection.alias).filter(declines=True).update(
        source="owner"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("site_assistant", "0033_question_text_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="examplequestion",
            name="source",
            field=models.CharField(
                choices=[
                    ("owner", "You"),
                    ("site", "Shipped with the site"),
                    ("unrecorded", "Not recorded"),
                ],
                db_default="unrecorded",
                default="unrecorded",
                editable=False,
                help_text="You (in the admin, or with Fix this answer), or the site it came "
                "with (a fixture, data migration or command). Not recorded for those from "
                "before it was kept.",
                max_length=16,
                verbose_name="added by",
            ),
        ),
        # Backwards: the column goes with it.
        migrations.RunPython(the_declining_ones_are_the_owners, migrations.RunPython.noop),
    ]
