"""The assistant in Wagtail's admin, where a Wagtail site's editors work.

Wagtail imports this module from every installed app (its hooks discovery), so
it runs only where Wagtail is installed. The assistant's own screens stay in
Django's admin (which `wagtail start` mounts at /django-admin/); Wagtail's
admin gets the way there:

- **Site assistant** in Wagtail's sidebar, opening the app's overview;
- a panel on Wagtail's dashboard with the overview's figures: what is served,
  the last build when it failed, the questions of the last seven days, and
  what waits for review, each linked to its list.

Both only for users who may open the app in Django's admin (active staff with
a permission of the app), and only when Django's admin is mounted.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse, reverse_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from . import dashboard
from .templatetags.search_admin import build_error_for

APP = "site_assistant"


def overview_url() -> str | None:
    """The app's overview in Django's admin; None when Django's admin is not mounted."""
    try:
        return reverse("admin:app_list", kwargs={"app_label": APP})
    except NoReverseMatch:
        return None


def may_open(user) -> bool:
    """Whether Django's admin is mounted and ``user`` may open the app there (as its own
    check asks)."""
    return overview_url() is not None and bool(
        user.is_active and user.is_staff and user.has_module_perms(APP)
    )


class AssistantMenuItem(MenuItem):
    """Its URL is reversed lazily, when shown: only if Django's admin is mounted."""

    def is_shown(self, request):
        return may_open(request.user)


class AssistantPanel(Component):
    name = "site_assistant"
    template_name = "site_assistant/wagtail/dashboard_panel.html"
    order = 150

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        context.update(dashboard.figures())
        request = parent_context.get("request")
        context["build_error"] = build_error_for(
            getattr(request, "user", None), context["last_build"]
        )
        context["overview_url"] = overview_url()
        return context


@hooks.register("register_admin_menu_item")
def register_menu_item():
    return AssistantMenuItem(
        "Site assistant",
        reverse_lazy("admin:app_list", kwargs={"app_label": APP}),
        name="site-assistant",
        icon_name="help",
        order=850,
    )


@hooks.register("construct_homepage_panels")
def add_dashboard_panel(request, panels):
    if may_open(request.user):
        panels.append(AssistantPanel())
