"""The API against its own OpenAPI schema, by schemathesis: every operation, with
inputs generated from the schema (valid ones and ones it should refuse), through the
site's WSGI application with the test settings.

Each answer must be no 500, a status its operation's schema names, a JSON body of
the schema's shape for that status, and the headers the schema declares
(schemathesis is in requirements-dev.txt). By hand, against a running server: ``st run http://127.0.0.1:8000/api/schema/?format=json``
(docs/api.md).

One of schemathesis's checks is left out, for a documented rule the schema cannot say:
``negative_data_rejection`` (a query-string key given twice counts with its last value,
and an empty ``k=`` as no ``k``: docs/api.md). ``positive_data_acceptance`` holds: the
schema's ``pattern`` for ``q`` says that a question needs a letter, digit or symbol ("???"
is refused with "the question has no words").
"""

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("built_index"), pytest.mark.slow]

# Its pytest plugin (what makes schema.parametrize() tests), switched off for every other
# run in pyproject.toml's addopts: loaded only with this module.
pytest_plugins = ["schemathesis.pytest.plugin"]


def _application():
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", _application())


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Hundreds of requests from one address: the throttles would answer most with 429
    (documented, and tested in test_api.py), leaving the endpoints untried."""
    rates = {"search_anon": "1000000/min", "search_user": "1000000/min"}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            **rates,
            "feedback_anon": "1000000/min",
        },
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _connection_kept_open():
    """Requests go through the WSGI application, whose end of request closes the
    database connection (the test's, holding its transaction): kept open, as Django's
    test client does."""
    from django.core import signals
    from django.db import close_old_connections

    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_every_operation_answers_as_its_schema_says(case):
    case.call_and_validate(excluded_checks=[negative_data_rejection])
