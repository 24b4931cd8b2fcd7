from django.urls import path
from django.views.generic import TemplateView

from . import views


def page(template):
    return TemplateView.as_view(template_name=template)


urlpatterns = [
    path("", views.home, name="home"),
    path("about/", page("pages/about.html"), name="about"),
    path("services/", page("pages/services.html"), name="services"),
    path("portfolio/", page("pages/portfolio.html"), name="portfolio"),
    path("notes/", views.notes_list, name="notes"),
    path("notes/<slug:slug>/", views.note_detail, name="note"),
    path("game/", views.game_home, name="game"),
    path("game/inventory/", views.inventory, name="inventory"),
    path("game/inventory/clear/", views.inventory_clear, name="inventory_clear"),
    path("game/keep/<slug:look>/", views.game_keep, name="game_keep"),
    path("game/<slug:slug>/", views.game_scene, name="game_scene"),
    path("privacy/", page("pages/privacy.html"), name="privacy"),
    path("terms/", page("pages/terms.html"), name="terms"),
    path("contact/", views.contact, name="contact"),
    path("contact/thanks/", views.contact_thanks, name="contact_thanks"),
]
