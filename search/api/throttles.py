"""Rate limits of the public endpoints.

Rates live in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` under the scopes
below; a scope the project does not set there takes its rate from
``SEARCH["THROTTLE_RATES"]`` (search/conf.py), so the API is never unthrottled
by omission. They are read at request time (not frozen at import like DRF's
default), so ``override_settings`` in tests and settings changes apply.

Privacy: anonymous clients are told apart by their address, as DRF does, but
the cache key holds only a keyed hash of it, and the cache forgets it when
the window ends. Nothing about the client reaches the database.
"""

import hashlib
import hmac

from django.conf import settings
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from .. import conf


class _LiveRateMixin:
    def get_rate(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if self.scope in rates:
            return rates[self.scope]
        default = conf.DEFAULTS["THROTTLE_RATES"].get(self.scope)
        return conf.get("THROTTLE_RATES").get(self.scope, default)

    def get_ident(self, request):
        ident = super().get_ident(request)
        key = settings.SECRET_KEY.encode()
        return hmac.new(key, ident.encode(), hashlib.sha256).hexdigest()[:32]


class SearchAnonThrottle(_LiveRateMixin, AnonRateThrottle):
    scope = "search_anon"


class SearchUserThrottle(_LiveRateMixin, UserRateThrottle):
    scope = "search_user"


class FeedbackAnonThrottle(_LiveRateMixin, AnonRateThrottle):
    scope = "feedback_anon"


SEARCH_THROTTLES = [SearchAnonThrottle, SearchUserThrottle]
FEEDBACK_THROTTLES = [FeedbackAnonThrottle, SearchUserThrottle]
