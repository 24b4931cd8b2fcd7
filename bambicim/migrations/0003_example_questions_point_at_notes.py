"""Example questions about a note name the note, not its teaser on /notes/.

The teasers on /notes/ and the home page are no longer indexed (they repeat
each note's lead), so "/notes/#shipping-small" becomes "/notes/shipping-small/".
"""

from django.db import migrations

SLUGS = ("how-our-site-search-works", "pink-without-the-pain", "shipping-small")
# A question about the notes as a whole belongs to the notes page itself.
ABOUT_ALL_NOTES = "what articles have you published"


def forwards(apps, schema_editor):
    ExampleQuestion = apps.get_model("site_assistant", "ExampleQuestion")
    rows = ExampleQuestion.objects.using(schema_editor.connection.alias)
    for slug in SLUGS:
        teaser = rows.filter(url=f"/notes/#{slug}")
        teaser.filter(question=ABOUT_ALL_NOTES).update(url="/notes/")
        teaser.update(url=f"/notes/{slug}/")


def backwards(apps, schema_editor):
    ExampleQuestion = apps.get_model("site_assistant", "ExampleQuestion")
    rows = ExampleQuestion.objects.using(schema_editor.connection.alias)
    for slug in SLUGS:
        rows.filter(url=f"/notes/{slug}/").update(url=f"/notes/#{slug}")


class Migration(migrations.Migration):
    dependencies = [("bambicim", "0002_search_example_questions")]

    operations = [migrations.RunPython(forwards, backwards)]
