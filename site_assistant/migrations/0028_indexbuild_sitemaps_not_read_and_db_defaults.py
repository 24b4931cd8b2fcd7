# IndexBuild.sitemaps_not_read: the sitemaps a build could not read (a 404), kept for the
# builds list (search_rebuild --sync's last line alone said so). A database default, so
# code from before it (a worker not restarted yet) still records builds.
# And a database default for every NOT NULL column a migration added to a table made
# before it without one (0004 TrainingRun.runner, 0005 Question.training_approved, 0007
# Question.language, 0013 IndexBuild.other_language_pages, 0016 Question.site, 0022
# IndexBuild.other_language_sections and .pages_reading_as_other_language, 0023
# IndexBuild.not_queued and TrainingRun.not_queued, 0026 Question.unanswerable): code from
# before those migrations, still running after migrate, inserts its rows again. Each is
# ALTER COLUMN ... SET DEFAULT on PostgreSQL (no row rewritten, no index touched; SQLite
# copies the table).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('site_assistant', '0027_indexbuild_other_host_urls'),
    ]

    operations = [
        migrations.AddField(
            model_name='indexbuild',
            name='sitemaps_not_read',
            field=models.JSONField(blank=True, db_default=[], default=list, help_text='Sitemaps the build could not read: [[path, why], ...] (a 404, say). Such a build fails and the live index answers on.'),
        ),
        migrations.AlterField(
            model_name='indexbuild',
            name='not_queued',
            field=models.CharField(blank=True, choices=[('no_answer', 'The task queue did not answer'), ('cannot_send', 'This process cannot send tasks to the task queue')], db_default='', default='', help_text='Why the task queue did not take its task; blank when it did (or none was needed).', max_length=16),
        ),
        migrations.AlterField(
            model_name='indexbuild',
            name='other_language_pages',
            field=models.PositiveIntegerField(db_default=0, default=0, help_text="Pages not read: the lang of their <html> (or of their content) is not the index's LANGUAGE (SKIP_OTHER_LANGUAGE_PAGES)."),
        ),
        migrations.AlterField(
            model_name='indexbuild',
            name='other_language_sections',
            field=models.PositiveIntegerField(db_default=0, default=0, help_text="Sections of pages read that were left out: their lang attribute is not the index's LANGUAGE (SKIP_OTHER_LANGUAGE_PAGES)."),
        ),
        migrations.AlterField(
            model_name='indexbuild',
            name='pages_reading_as_other_language',
            field=models.JSONField(blank=True, db_default={}, default=dict, help_text="Pages read whose text confidently reads as another language than the index's though their lang does not say so: {path: language}. Indexed; a warning."),
        ),
        migrations.AlterField(
            model_name='question',
            name='language',
            field=models.CharField(blank=True, db_default='', db_index=True, default='', max_length=16),
        ),
        migrations.AlterField(
            model_name='question',
            name='site',
            field=models.CharField(blank=True, db_default='', default='', db_index=True, help_text='The site it was asked on (several Wagtail sites), by its hostname (beta.example); blank for the default site.', max_length=255),
        ),
        migrations.AlterField(
            model_name='question',
            name='training_approved',
            field=models.BooleanField(db_default=False, default=False, help_text='The owner checked this question: training may use it once voted helpful.'),
        ),
        migrations.AlterField(
            model_name='question',
            name='unanswerable',
            field=models.BooleanField(db_default=False, default=False, help_text='The owner judged that the site does not answer this question: it waits for no fix.', verbose_name='the site doesn’t answer it'),
        ),
        migrations.AlterField(
            model_name='trainingrun',
            name='not_queued',
            field=models.CharField(blank=True, choices=[('no_answer', 'The task queue did not answer'), ('cannot_send', 'This process cannot send tasks to the task queue')], db_default='', default='', help_text='Why the task queue did not take its task; blank when it did (or none was needed).', max_length=16),
        ),
        migrations.AlterField(
            model_name='trainingrun',
            name='runner',
            field=models.JSONField(blank=True, db_default={}, default=dict),
        ),
    ]
