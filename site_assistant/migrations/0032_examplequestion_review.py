# ExampleQuestion.review: what the owner's to-dos know of an example question (a declining
# one the site may answer now, one switched off because its section is gone). A database
# default, so code from before it (a web process not restarted yet) still adds rows.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('site_assistant', '0031_verbose_names_translatable'),
    ]

    operations = [
        migrations.AddField(
            model_name='examplequestion',
            name='review',
            field=models.JSONField(blank=True, db_default={}, default=dict, editable=False),
        ),
    ]
