# Choices only ("Example question saved" for the builds an example question sets off):
# no change to the table (`manage.py sqlmigrate site_assistant 0025` prints no SQL).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("site_assistant", "0024_worker_heartbeat"),
    ]

    operations = [
        migrations.AlterField(
            model_name="indexbuild",
            name="trigger",
            field=models.CharField(
                choices=[
                    ("admin", "Admin"),
                    ("api", "API"),
                    ("command", "Command"),
                    ("schedule", "Schedule"),
                    ("content", "Content change"),
                    ("example", "Example question saved"),
                    ("model", "Model activation"),
                ],
                default="command",
                max_length=16,
            ),
        ),
    ]
