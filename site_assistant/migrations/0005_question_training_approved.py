from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("site_assistant", "0004_trainingrun_runner"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="training_approved",
            field=models.BooleanField(
                default=False,
                help_text="The owner checked this question: training may use it once voted helpful.",
            ),
        ),
    ]
