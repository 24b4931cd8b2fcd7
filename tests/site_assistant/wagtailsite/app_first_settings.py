"""The Wagtail site with ``site_assistant`` listed before Wagtail's apps in INSTALLED_APPS (as
a project that lists its own apps first has it): the app is ready before
``wagtail.snippets`` has read the ``wagtail_hooks`` modules."""

from .settings import *  # noqa: F403

INSTALLED_APPS = ["site_assistant", *[app for app in INSTALLED_APPS if app != "site_assistant"]]  # noqa: F405
