"""A per-session rate limit for the contact form (no IP addresses kept)."""

import time

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
