# The admin in the site's language: the models' and fields' names, help texts and choices
# marked for translation (gettext_lazy). Names and texts only: no SQL on any database.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('site_assistant', '0030_declining_examples_for_questions_judged_before_0029'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='examplequestion',
            options={'ordering': ['url', 'question'], 'verbose_name': 'example question', 'verbose_name_plural': 'example questions'},
        ),
        migrations.AlterModelOptions(
            name='indexbuild',
            options={'get_latest_by': 'created', 'ordering': ['-created'], 'verbose_name': 'index build', 'verbose_name_plural': 'index builds'},
        ),
        migrations.AlterModelOptions(
            name='page',
            options={'ordering': ['url'], 'verbose_name': 'page', 'verbose_name_plural': 'pages'},
        ),
        migrations.AlterModelOptions(
            name='passage',
            options={'ordering': ['url', 'position'], 'verbose_name': 'passage', 'verbose_name_plural': 'passages'},
        ),
        migrations.AlterModelOptions(
            name='question',
            options={'ordering': ['-created'], 'verbose_name': 'question', 'verbose_name_plural': 'questions'},
        ),
        migrations.AlterModelOptions(
            name='trainingrun',
            options={'get_latest_by': 'created', 'ordering': ['-created'], 'verbose_name': 'training run', 'verbose_name_plural': 'training runs'},
        ),
        migrations.AlterField(
            model_name='examplequestion',
            name='active',
            field=models.BooleanField(default=True, verbose_name='active'),
        ),
        migrations.AlterField(
            model_name='examplequestion',
            name='question',
            field=models.CharField(db_index=True, max_length=300, verbose_name='question'),
        ),
        migrations.AlterField(
            model_name='examplequestion',
            name='url',
            field=models.CharField(blank=True, help_text='Page URL, optionally with #anchor.', max_length=500, verbose_name='section'),
        ),
        migrations.AlterField(
            model_name='indexbuild',
            name='created',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='indexbuild',
            name='error',
            field=models.TextField(blank=True, verbose_name='error'),
        ),
        migrations.AlterField(
            model_name='indexbuild',
            name='finished',
            field=models.DateTimeField(blank=True, null=True, verbose_name='finished'),
        ),
        migrations.AlterField(
            model_name='indexbuild',
            name='model_id',
            field=models.CharField(blank=True, max_length=128, verbose_name='model'),
        ),
        migrations.AlterField(
            model_name='indexbuild',
            name='progress',
            field=models.PositiveSmallIntegerField(default=0, help_text='0–100.', verbose_name='progress'),
        ),
        migrations.AlterField(
            model_name='indexbuild',
            name='stage',
            field=models.CharField(blank=True, max_length=100, verbose_name='stage'),
        ),
        migrations.AlterField(
            model_name='indexbuild',
            name='started',
            field=models.DateTimeField(blank=True, null=True, verbose_name='started'),
        ),
        migrations.AlterField(
            model_name='indexbuild',
            name='status',
            field=models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed'), ('coalesced', 'Coalesced into a running build'), ('unqueued', 'Not queued (task queue unreachable)')], default='queued', max_length=16, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='indexbuild',
            name='trigger',
            field=models.CharField(choices=[('admin', 'Admin'), ('api', 'API'), ('command', 'Command'), ('schedule', 'Schedule'), ('content', 'Content change'), ('example', 'Example question saved'), ('model', 'Model activation')], default='command', max_length=16, verbose_name='trigger'),
        ),
        migrations.AlterField(
            model_name='indexbuild',
            name='version',
            field=models.CharField(blank=True, help_text='Index version it wrote.', max_length=64, verbose_name='version'),
        ),
        migrations.AlterField(
            model_name='page',
            name='last_seen',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last seen'),
        ),
        migrations.AlterField(
            model_name='page',
            name='source',
            field=models.CharField(choices=[('page', 'Rendered page'), ('template', 'Template file'), ('model', 'Database content'), ('custom', "The project's own source")], default='page', max_length=16, verbose_name='source'),
        ),
        migrations.AlterField(
            model_name='page',
            name='title',
            field=models.CharField(blank=True, max_length=300, verbose_name='title'),
        ),
        migrations.AlterField(
            model_name='page',
            name='url',
            field=models.CharField(max_length=500, unique=True, verbose_name='address'),
        ),
        migrations.AlterField(
            model_name='passage',
            name='heading',
            field=models.CharField(blank=True, help_text="Heading path, ' › '-joined.", max_length=500, verbose_name='heading'),
        ),
        migrations.AlterField(
            model_name='passage',
            name='index_version',
            field=models.CharField(blank=True, db_index=True, max_length=64, verbose_name='index version'),
        ),
        migrations.AlterField(
            model_name='passage',
            name='position',
            field=models.PositiveIntegerField(default=0, help_text='Order on its page.', verbose_name='position'),
        ),
        migrations.AlterField(
            model_name='passage',
            name='text',
            field=models.TextField(verbose_name='text'),
        ),
        migrations.AlterField(
            model_name='passage',
            name='title',
            field=models.CharField(blank=True, help_text='The page title.', max_length=300, verbose_name='title'),
        ),
        migrations.AlterField(
            model_name='passage',
            name='url',
            field=models.CharField(help_text='Where the passage first appears.', max_length=500, verbose_name='address'),
        ),
        migrations.AlterField(
            model_name='question',
            name='answered',
            field=models.BooleanField(default=False, verbose_name='answered'),
        ),
        migrations.AlterField(
            model_name='question',
            name='channel',
            field=models.CharField(choices=[('widget', 'Widget'), ('page', 'Search page'), ('api', 'API'), ('admin', 'Admin')], default='api', max_length=16, verbose_name='channel'),
        ),
        migrations.AlterField(
            model_name='question',
            name='created',
            field=models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='asked'),
        ),
        migrations.AlterField(
            model_name='question',
            name='helpful',
            field=models.BooleanField(blank=True, null=True, verbose_name='helpful'),
        ),
        migrations.AlterField(
            model_name='question',
            name='language',
            field=models.CharField(blank=True, db_default='', db_index=True, default='', max_length=16, verbose_name='language'),
        ),
        migrations.AlterField(
            model_name='question',
            name='score',
            field=models.FloatField(blank=True, null=True, verbose_name='score'),
        ),
        migrations.AlterField(
            model_name='question',
            name='text',
            field=models.CharField(max_length=500, verbose_name='text'),
        ),
        migrations.AlterField(
            model_name='trainingrun',
            name='activated',
            field=models.BooleanField(default=False, verbose_name='activated'),
        ),
        migrations.AlterField(
            model_name='trainingrun',
            name='created',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='trainingrun',
            name='decision',
            field=models.TextField(blank=True, help_text='Why the model was or was not activated.', verbose_name='decision'),
        ),
        migrations.AlterField(
            model_name='trainingrun',
            name='error',
            field=models.TextField(blank=True, verbose_name='error'),
        ),
        migrations.AlterField(
            model_name='trainingrun',
            name='finished',
            field=models.DateTimeField(blank=True, null=True, verbose_name='finished'),
        ),
        migrations.AlterField(
            model_name='trainingrun',
            name='progress',
            field=models.PositiveSmallIntegerField(default=0, help_text='0–100.', verbose_name='progress'),
        ),
        migrations.AlterField(
            model_name='trainingrun',
            name='stage',
            field=models.CharField(blank=True, max_length=100, verbose_name='stage'),
        ),
        migrations.AlterField(
            model_name='trainingrun',
            name='started',
            field=models.DateTimeField(blank=True, null=True, verbose_name='started'),
        ),
        migrations.AlterField(
            model_name='trainingrun',
            name='status',
            field=models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='queued', max_length=16, verbose_name='status'),
        ),
    ]
