"""The contact form's rate limits: per session, and per client address (no IP addresses kept).

The session's limit alone held only a visitor who keeps the session cookie: a
script that drops it (one GET for the CSRF token, then the POST) started a new
session with every message and was never limited. The address limit counts
messages per client address the way the assistant's rate limits count questions
(site_assistant.api.throttles: the cache holds only a keyed hash of the address,
forgotten when the window ends), at ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["contact"]``.
"""

import math
import time

from site_assistant.api import throttles

CONTACT_RATE_LIMIT = 3  # messages ...
CONTACT_RATE_WINDOW_SECONDS = 10 * 60  # ... per 10 minutes, per session
SESSION_KEY = "contact_sent_at"


def _recent(session, now):
    return [t for t in session.get(SESSION_KEY, []) if now - t < CONTACT_RATE_WINDOW_SECONDS]


def is_limited(session, now=None) -> bool:
    now = time.time() if now is None else now
    return len(_recent(session, now)) >= CONTACT_RATE_LIMIT


def record(session, now=None) -> None:
    now = time.time() if now is None else now
    session[SESSION_KEY] = [*_recent(session, now), now]


class AddressThrottle(throttles.SearchAnonThrottle):
    """Messages per client address (signed-in users are not counted)."""

    scope = "contact"


def address_wait(request) -> int | None:
    """None when one more message from this client's address fits its allowance (and
    it is counted), else the whole seconds to wait."""
    wait = throttles.page_wait(request, throttle_classes=[AddressThrottle])
    return None if wait is None else max(math.ceil(wait), 1)
