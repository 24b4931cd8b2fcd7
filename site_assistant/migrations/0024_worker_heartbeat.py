from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("site_assistant", "0023_job_not_queued"),
    ]

    operations = [
        migrations.CreateModel(
            name="WorkerHeartbeat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("hostname", models.CharField(max_length=255, unique=True)),
                ("started", models.DateTimeField(help_text="When the worker became ready.")),
                ("seen", models.DateTimeField(db_index=True, help_text="Its latest heartbeat.")),
                ("stopped", models.DateTimeField(blank=True, help_text="When it shut down cleanly.", null=True)),
            ],
        ),
    ]
