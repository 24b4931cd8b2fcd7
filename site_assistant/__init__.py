"""site_assistant: turn a Django site's own pages into an on-site assistant.

Add "site_assistant" to INSTALLED_APPS, ``path("", include("site_assistant.urls"))`` to the
URLconf, and (optionally) a ``SITE_ASSISTANT = {...}`` dict to settings.
"""


def register(model, **options):
    """Index rows of ``model`` (see site_assistant.sources.models.register)."""
    from .sources.models import register as _register

    return _register(model, **options)
