# IndexBuild.other_host_urls: the sitemap URLs a build skipped for their host, kept for
# the builds list (it was counted for search_rebuild --sync's last line only). A database
# default, so code from before it (a worker not restarted yet) still records builds.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('site_assistant', '0026_question_unanswerable'),
    ]

    operations = [
        migrations.AddField(
            model_name='indexbuild',
            name='other_host_urls',
            field=models.PositiveIntegerField(db_default=0, default=0, help_text="Sitemap locations on a host not this site's (ALLOWED_HOSTS): not read."),
        ),
    ]
