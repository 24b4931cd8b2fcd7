"""The Wagtail test site with Wagtail's admin and Django's (at /django-admin/, where
`wagtail start` mounts it): the site assistant's panel on Wagtail's dashboard, shown to
whoever may open the app in Django's admin, as an owner of a real Wagtail site sees it."""

from .admin_settings import *  # noqa: F403
from .admin_settings import INSTALLED_APPS

INSTALLED_APPS = ["django.contrib.admin", *INSTALLED_APPS]
ROOT_URLCONF = "tests.site_assistant.wagtailsite.owner_urls"
