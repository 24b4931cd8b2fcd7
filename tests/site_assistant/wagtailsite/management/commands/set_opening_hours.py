"""``manage.py set_opening_hours TEXT``: the site's opening hours (a snippet registered in
wagtail_hooks.py), as a deploy script or a cron job sets them, with no request served."""

from django.core.management.base import BaseCommand

from tests.site_assistant.wagtailsite.models import OpeningHours


class Command(BaseCommand):
    help = "Set the opening hours."

    def add_arguments(self, parser):
        parser.add_argument("text")

    def handle(self, *args, text, **options):
        hours = OpeningHours.objects.first() or OpeningHours()
        hours.text = text
        hours.save()
