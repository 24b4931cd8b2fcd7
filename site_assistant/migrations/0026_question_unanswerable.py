# Question.unanswerable: "The site doesn’t answer this" on Fix this answer.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("site_assistant", "0025_indexbuild_trigger_example"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="unanswerable",
            field=models.BooleanField(
                default=False,
                verbose_name="the site doesn’t answer it",
                help_text="The owner judged that the site does not answer this question: it waits for no fix.",
            ),
        ),
    ]
