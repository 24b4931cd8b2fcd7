"""Who is asking, when the database that would say cannot be read.

``request.user`` reads the session and the user from the database. With the
database down, a visitor holding a session cookie (one the host site set,
say, or the owner's) would make every page that shows the widget, the
search page and the API fail with a 500, though answers come from the index.
``user_of`` takes such a request as a visitor's instead, and for
outage.RETRY_SECONDS after the database failed it does so without asking
it: a database that hangs would cost each such request a connect timeout.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError
from rest_framework.request import Request

from . import outage

logger = logging.getLogger(__name__)


def user_of(request):
    """``request.user``, or an AnonymousUser (set on the request) when reading
    it fails on the database, or failed less than outage.RETRY_SECONDS ago."""
    if outage.database_paused():
        return _as_visitor(request)
    try:
        # DRF's request.user authenticates; Django's is lazy until is_authenticated.
        user = getattr(request, "user", None)
        if user is None:  # a project without AuthenticationMiddleware
            request.user = AnonymousUser()
            return request.user
        user.is_authenticated  # noqa: B018 - reads the session and the user
    except DatabaseError as exc:
        logger.warning("the database failed reading who is asking; taken as a visitor: %s", exc)
        outage.database_failed()
        return _as_visitor(request)
    return user


def _as_visitor(request):
    """Take ``request`` as a visitor's because the database cannot say who asks."""
    request.site_assistant_database_failed = True
    request.user = AnonymousUser()
    if isinstance(request, Request):
        request.auth = None
    return request.user


def database_failed(request) -> bool:
    """Whether ``user_of`` took this request as a visitor's because the database failed:
    a staff-only answer then says the database is down, not "not signed in"."""
    return getattr(request, "site_assistant_database_failed", False)
