# ExampleQuestion.declines: "The site doesn't answer this" (Fix this answer) saved as the
# owner's example question with no section, which visitors asking it get "not sure" from;
# url may be blank for one. A database default, so code from before it (a web process not
# restarted yet) still adds example questions. No SQL for the blank url.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('site_assistant', '0028_indexbuild_sitemaps_not_read_and_db_defaults'),
    ]

    operations = [
        migrations.AddField(
            model_name='examplequestion',
            name='declines',
            field=models.BooleanField(db_default=False, default=False, help_text='Visitors asking this get “I’m not sure” with the closest sections, not an answer.', verbose_name='the site doesn’t answer it'),
        ),
        migrations.AlterField(
            model_name='examplequestion',
            name='url',
            field=models.CharField(blank=True, help_text='Page URL, optionally with #anchor.', max_length=500),
        ),
    ]
