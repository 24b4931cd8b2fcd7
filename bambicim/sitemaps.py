"""Every public page. The search app indexes every URL listed here."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from . import game, notes


class StaticPages(Sitemap):
    changefreq = "monthly"

    def items(self):
        # The inventory is per visitor, but its explanatory text and empty
        # state are public and answer "how do I clear my inventory?".
        return [
            "home",
            "about",
            "services",
            "portfolio",
            "notes",
            "game",
            "inventory",
            "privacy",
            "terms",
            "contact",
        ]

    def location(self, item):
        return reverse(item)

    def priority(self, item):
        return 1.0 if item == "home" else 0.6


class NotePages(Sitemap):
    changefreq = "yearly"

    def items(self):
        return list(notes.NOTES)

    def location(self, note):
        return reverse("note", args=[note.slug])

    def lastmod(self, note):
        return note.date


class GameScenes(Sitemap):
    def items(self):
        return list(game.SCENES)

    def location(self, scene):
        return reverse("game_scene", args=[scene.slug])


sitemaps = {"pages": StaticPages, "notes": NotePages, "game": GameScenes}
