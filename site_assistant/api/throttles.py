"""Rate limits of the public endpoints, and of the search page.

Rates live in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` under the scopes
below; a scope the project does not set there takes its rate from
``SITE_ASSISTANT["THROTTLE_RATES"]`` (site_assistant/conf.py), so the API is never unthrottled
by omission. They are read at request time (not frozen at import like DRF's
default), so ``override_settings`` in tests and settings changes apply.

Shared between processes: the counts live in the cache named by
``SITE_ASSISTANT["THROTTLE_CACHE"]``. With several web processes (gunicorn workers)
it must be a shared one (Redis); a per-process cache (LocMemCache) lets
each worker allow the full rate. Counting is atomic (``add`` + ``incr``, a
sliding-window counter), so simultaneous requests in different workers
cannot all read the same old count and slip through together.

The client's address: ``REMOTE_ADDR``, unless ``SITE_ASSISTANT["NUM_PROXIES"]``
names how many proxies of yours stand in front of the site: then the
address the nearest of them saw, taken from ``X-Forwarded-For`` counted
from the right. Anything further left is what the client wrote itself and is
never trusted (with 0 proxies the header is ignored). An IPv6 client is
counted by its /64 network: one home or phone gets a whole /64 and can pick
a new address in it for every request.

If the shared cache fails (Redis down or hanging), requests are allowed and
a warning is logged, and the cache is not tried again for
``SITE_ASSISTANT["THROTTLE_RETRY_SECONDS"]``: a broken rate limiter never takes the
search down.

Privacy: the cache key holds only a keyed hash of the address, and the cache
forgets it when the window ends. Nothing about the client reaches the
database.
"""

import hashlib
import hmac
import ipaddress
import logging
import math
import time

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import ngettext
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from .. import conf
from ..visitors import user_of

logger = logging.getLogger(__name__)

# Monotonic time until which the throttle cache is not used (after a failure).
_cache_down_until = 0.0


def client_address(request) -> str:
    """The client's address, trusting ``X-Forwarded-For`` only as far as NUM_PROXIES says."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = conf.get("NUM_PROXIES")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return remote


def counted_as(address: str) -> str:
    """What one allowance counts: an IPv4 address, an IPv6 address's /64 network (an
    IPv4 address mapped into IPv6 as that IPv4 address), anything else as it is."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def sliding_window_wait(before: int, count: int, elapsed: float, duration: int, limit: int):
    """Seconds until one more request fits a sliding-window counter.

    ``before``: requests in the previous window, ``count``: in this one (the
    refused request not included), ``elapsed``: seconds into this window.
    """
    if before and count + 1 <= limit:
        # The previous window's share fades linearly over this one.
        moment = duration * (1 - (limit - count - 1) / before)
        if moment <= duration:
            return max(moment - elapsed, 0.0)
    left = duration - elapsed
    if count + 1 <= limit or count == 0:
        return left
    return left + duration * (1 - (limit - 1) / count)


class _SharedRateMixin:
    @property
    def cache(self):
        return caches[conf.get("THROTTLE_CACHE")]

    def get_rate(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if self.scope in rates:
            return rates[self.scope]
        default = conf.DEFAULTS["THROTTLE_RATES"].get(self.scope)
        return conf.get("THROTTLE_RATES").get(self.scope, default)

    def get_ident(self, request):
        key = settings.SECRET_KEY.encode()
        counted = counted_as(client_address(request))
        return hmac.new(key, counted.encode(), hashlib.sha256).hexdigest()[:32]

    def allow_request(self, request, view):
        global _cache_down_until
        self._wait = None
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        if time.monotonic() < _cache_down_until:
            return True
        try:
            return self._count(self.timer())
        except Exception as exc:  # a shared cache that refuses or hangs: allow, say so
            retry = conf.get("THROTTLE_RETRY_SECONDS")
            _cache_down_until = time.monotonic() + retry
            logger.warning(
                "Rate limits are off for %s s: the throttle cache %r failed (%s: %s).",
                retry,
                conf.get("THROTTLE_CACHE"),
                type(exc).__name__,
                exc,
            )
            return True

    def _count(self, now):
        cache, duration, limit = self.cache, self.duration, self.num_requests
        window = math.floor(now / duration)
        current = f"{self.key}:{window}"
        cache.add(current, 0, timeout=duration * 2)
        count = cache.incr(current)
        before = cache.get(f"{self.key}:{window - 1}", 0)
        elapsed = now - window * duration
        used = before * (1 - elapsed / duration) + count
        if used <= limit:
            # For the RateLimit-* headers (``rate_limit_headers``): with some left, when this
            # window ends; with none, when one more fits (the window's end is too early: its
            # requests still weigh on the next one), so a client that waits it is let in.
            self.remaining = math.floor(limit - used)
            if self.remaining:
                self.reset = math.ceil(duration - elapsed)
            else:
                wait = sliding_window_wait(before, count, elapsed, duration, limit)
                self.reset = max(math.ceil(wait), 1)
            return True
        cache.decr(current)  # a refused request does not count
        self._wait = sliding_window_wait(before, count - 1, elapsed, duration, limit)
        self.remaining, self.reset = 0, math.ceil(self._wait)
        return False

    def wait(self):
        return self._wait


class SearchAnonThrottle(_SharedRateMixin, AnonRateThrottle):
    scope = "search_anon"


class SearchUserThrottle(_SharedRateMixin, UserRateThrottle):
    """Signed-in users only. DRF's UserRateThrottle also counts anonymous clients (by
    address), which held them to the lower of the two rates and made feedback draw on
    the questions' allowance; anonymous clients have their own scopes above."""

    scope = "search_user"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


class FeedbackAnonThrottle(_SharedRateMixin, AnonRateThrottle):
    scope = "feedback_anon"


def rate_limit_headers(throttles) -> dict[str, str]:
    """``RateLimit-Limit``, ``-Remaining`` and ``-Reset`` (seconds) of the allowance
    nearest its end among ``throttles`` that counted this request, or {}.

    The field names of the IETF draft "RateLimit header fields for HTTP" as most
    clients read them. With a sliding window, Reset is when the current window
    ends, or, once none remain or the request was refused, when one more request fits
    (Retry-After).
    """
    counted = [t for t in throttles if getattr(t, "remaining", None) is not None]
    if not counted:
        return {}
    nearest = min(counted, key=lambda t: (t.remaining, -t.reset))
    return {
        "RateLimit-Limit": str(nearest.num_requests),
        "RateLimit-Remaining": str(nearest.remaining),
        "RateLimit-Reset": str(nearest.reset),
    }


SEARCH_THROTTLES = [SearchAnonThrottle, SearchUserThrottle]
FEEDBACK_THROTTLES = [FeedbackAnonThrottle, SearchUserThrottle]


def too_many(wait: float | None, asked_about: str = "questions") -> str:
    """What a visitor past the allowance is told (a 429's ``detail``, the search page's
    error), with the seconds to wait, in the active language: of ``"questions"`` (the
    search and its page) or ``"requests"`` (feedback, the index status)."""
    seconds = max(math.ceil(wait or 0), 1)
    if asked_about == "questions":
        message = ngettext(
            "You’ve asked a lot of questions in a short time. "
            "Please wait %(seconds)s second, then ask again.",
            "You’ve asked a lot of questions in a short time. "
            "Please wait %(seconds)s seconds, then ask again.",
            seconds,
        )
    else:
        message = ngettext(
            "Too many requests in a short time. Please try again in %(seconds)s second.",
            "Too many requests in a short time. Please try again in %(seconds)s seconds.",
            seconds,
        )
    return message % {"seconds": seconds}


def page_wait(request, throttle_classes=SEARCH_THROTTLES):
    """For a plain Django view (the search page): None when allowed, else seconds to wait.

    The same classes, rates and counts as the API, so asking through the page
    and the API draws on one allowance.
    """
    user_of(request)  # AnonymousUser without AuthenticationMiddleware or the database
    waits = []
    for throttle_class in throttle_classes:
        throttle = throttle_class()
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait() or 0)
    return max(waits) if waits else None
