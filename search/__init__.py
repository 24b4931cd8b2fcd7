"""search: turn a Django site's own pages into an on-site assistant.

Add "search" to INSTALLED_APPS, ``path("", include("search.urls"))`` to the
URLconf, and (optionally) a ``SEARCH = {...}`` dict to settings.
"""


def register(model, **options):
    """Index rows of ``model`` (see search.sources.models.register)."""
    from .sources.models import register as _register

    return _register(model, **options)
