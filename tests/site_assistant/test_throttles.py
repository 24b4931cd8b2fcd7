"""Rate limits: one allowance per client across the API and the search page, the
client address trusted only as far as the configured proxies, and a throttle
cache that fails open (the real gunicorn run across workers is in
tests/site/test_throttle_gunicorn.py)."""

import logging
import socket
import threading
import time
import uuid

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from site_assistant.api import throttles
from site_assistant.models import Question

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("built_index")]

SITE_ASSISTANT = "/api/search/"


@pytest.fixture
def rate(settings):
    def set_rate(scope, value):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                scope: value,
            },
        }

    return set_rate


def test_a_random_x_forwarded_for_per_request_does_not_bypass_the_limit(rate):
    rate("search_anon", "3/min")
    api = APIClient()
    codes = [
        api.get("/api/index/", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 10.0.0.{i}").status_code
        for i in range(8)
    ]
    assert codes == [200] * 3 + [429] * 5


def test_behind_one_proxy_the_address_it_saw_is_the_client(rate, settings):
    rate("search_anon", "2/min")
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "NUM_PROXIES": 1}
    api = APIClient()

    def status(forwarded):
        return api.get("/api/index/", HTTP_X_FORWARDED_FOR=forwarded).status_code

    # What the client wrote itself (left) changes; what our proxy saw (right) does not.
    assert [status(f"203.0.113.{i}, 192.0.2.1") for i in range(3)] == [200, 200, 429]
    # Another client behind the same proxy has its own allowance.
    assert status("192.0.2.2") == 200


def test_an_ipv6_client_cannot_rotate_addresses_within_its_64(rate):
    """One home or phone gets a whole /64 and can take a new address in it per request."""
    rate("search_anon", "3/min")
    api = APIClient()

    def status(address):
        return api.get("/api/index/", REMOTE_ADDR=address).status_code

    assert [status(f"2001:db8:1:2::{i:x}") for i in range(1, 6)] == [200] * 3 + [429] * 2
    assert status("2001:db8:1:3::1") == 200  # the next /64: another client


@pytest.mark.parametrize(
    ("address", "counted"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("not an address", "not an address"),
        ("", ""),
    ],
)
def test_counted_as(address, counted):
    assert throttles.counted_as(address) == counted


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.9", "10.0.0.9"),
        (1, "1.1.1.1, 2.2.2.2", "10.0.0.9", "2.2.2.2"),
        (2, "1.1.1.1, 2.2.2.2, 3.3.3.3", "10.0.0.9", "2.2.2.2"),
        (3, "2.2.2.2", "10.0.0.9", "2.2.2.2"),
        (1, "", "10.0.0.9", "10.0.0.9"),
        (1, " , ", "10.0.0.9", "10.0.0.9"),
    ],
)
def test_client_address(rf, settings, proxies, forwarded, remote, expected):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "NUM_PROXIES": proxies}
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert throttles.client_address(request) == expected


def test_the_search_page_is_throttled_with_a_friendly_wait(client, rate):
    rate("search_anon", "2/min")
    # Two different questions: the same one asked again is not logged twice (a reload).
    for question in ("Where are you based?", "Do you use cookies?"):
        assert client.get("/search/", {"q": question}).status_code == 200
    response = client.get("/search/", {"q": "Where are you based?"})
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert wait > 0
    html = response.content.decode()
    assert f"Please wait {wait} seconds, then ask again." in html
    assert 'id="search-q"' in html  # the form is still there
    assert Question.objects.count() == 2  # a throttled question runs nothing, logs nothing
    # The empty page (no question) is not throttled.
    assert client.get("/search/").status_code == 200


def test_the_page_and_the_api_share_one_allowance(client, rate):
    rate("search_anon", "2/min")
    assert client.get("/search/", {"q": "Where are you based?"}).status_code == 200
    assert APIClient().get(SITE_ASSISTANT, {"q": "Where are you based?"}).status_code == 200
    assert client.get("/search/", {"q": "Where are you based?"}).status_code == 429
    assert APIClient().get(SITE_ASSISTANT, {"q": "Where are you based?"}).status_code == 429


def test_anonymous_clients_get_the_anonymous_rate_and_signed_in_users_the_user_rate(
    rate, django_user_model
):
    # DRF's UserRateThrottle counts anonymous clients by address too: an anonymous
    # client was held to the lower of the two rates, so raising SEARCH_THROTTLE_ANON
    # above SEARCH_THROTTLE_USER changed nothing.
    rate("search_anon", "4/min")
    rate("search_user", "2/min")
    anonymous = APIClient()
    assert [anonymous.get("/api/index/").status_code for _ in range(5)] == [200] * 4 + [429]
    user = django_user_model.objects.create_user("reader", password="pw")
    signed_in = APIClient()
    signed_in.force_authenticate(user)
    assert [signed_in.get("/api/index/").status_code for _ in range(3)] == [200, 200, 429]


def test_a_refused_request_does_not_use_up_the_allowance(rate):
    rate("search_anon", "2/min")
    api = APIClient()
    codes = [api.get("/api/index/").status_code for _ in range(6)]
    assert codes == [200, 200, 429, 429, 429, 429]
    key = next(k for k in cache._cache if "search_anon" in k)  # LocMemCache
    assert cache.get(key.split(":", 2)[2]) == 2


@pytest.mark.parametrize(
    ("before", "count", "elapsed", "expected"),
    [
        (0, 5, 10.0, 50 + 12),  # next window: 5 · (1 − t/60) + 1 ≤ 5 once t ≥ 12
        (5, 2, 30.0, 36 - 30),  # 5 · (1 − t/60) + 3 ≤ 5 at t = 36
        (5, 4, 30.0, 60 - 30),  # 5 · (1 − t/60) + 5 ≤ 5 at the window's end
        (2, 5, 59.0, 1 + 12),  # this window is full: 5 · (1 − t/60) + 1 ≤ 5 at t = 12
    ],
)
def test_sliding_window_wait(before, count, elapsed, expected):
    assert throttles.sliding_window_wait(before, count, elapsed, 60, 5) == pytest.approx(expected)


def _hanging_server():
    """A TCP server that accepts and never answers (a hung Redis)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server, accepted


def _refusing_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now: connections are refused
    return port


@pytest.mark.parametrize("fault", ["refuses", "hangs"])
def test_a_broken_throttle_cache_lets_questions_through_and_says_so(settings, rate, caplog, fault):
    server = None
    if fault == "hangs":
        server, _ = _hanging_server()
        port = server.getsockname()[1]
    else:
        port = _refusing_port()
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": uuid.uuid4().hex,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        },
    }
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "THROTTLE_CACHE": "throttle"}
    rate("search_anon", "1/min")
    api = APIClient()
    try:
        with caplog.at_level(logging.WARNING, logger="site_assistant.api.throttles"):
            started = time.monotonic()
            first = api.get(SITE_ASSISTANT, {"q": "Where are you based?"})
            first_s = time.monotonic() - started
            started = time.monotonic()
            rest = [api.get("/api/index/").status_code for _ in range(5)]
            rest_s = time.monotonic() - started
    finally:
        if server is not None:
            server.close()
    assert first.status_code == 200
    assert rest == [200] * 5
    assert first_s < 5  # one socket timeout (1 s), not a stuck worker
    assert rest_s < 1  # the broken cache is not tried again for THROTTLE_RETRY_SECONDS
    warnings = [r.getMessage() for r in caplog.records if "Rate limits are off" in r.getMessage()]
    assert len(warnings) == 1 and "'throttle' failed" in warnings[0]


def test_each_answer_says_how_much_of_the_allowance_is_left(rate):
    """A client paces itself by RateLimit-Limit / -Remaining / -Reset instead of
    meeting a 429 first; the one closest to its end of the allowances counted."""
    rate("search_anon", "3/min")
    api = APIClient()
    seen = []
    for _ in range(4):
        response = api.get(SITE_ASSISTANT, {"q": "Can I scrape the site?"})
        seen.append(
            (
                response.status_code,
                response.get("RateLimit-Limit"),
                response.get("RateLimit-Remaining"),
            )
        )
        reset = int(response["RateLimit-Reset"])
        assert 0 < reset <= (60 if response["RateLimit-Remaining"] != "0" else 120)
    assert seen == [(200, "3", "2"), (200, "3", "1"), (200, "3", "0"), (429, "3", "0")]
    assert response["RateLimit-Reset"] == response["Retry-After"]  # refused: when one fits


def test_a_client_that_waits_reset_when_none_remain_is_let_in(rate, monkeypatch):
    """The pacing a client builds on the headers: when none remain, wait RateLimit-Reset
    seconds. That wait is enough (the window's end was too early: its requests still
    weigh on the next window, so the next request met a 429) and no more than needed
    (a second less is refused; after a burst it was a whole window for each request)."""
    rate("search_anon", "3/min")
    now = [60 * 1_000_000 + 50.0]  # 50 s into a window
    monkeypatch.setattr(
        throttles._SharedRateMixin, "timer", staticmethod(lambda: now[0]), raising=False
    )
    api = APIClient()
    seen = []
    for _ in range(8):
        response = api.get("/api/index/")
        assert response.status_code == 200
        now[0] += 0.01  # the request's own time
        if response["RateLimit-Remaining"] == "0":
            reset = int(response["RateLimit-Reset"])
            now[0] += reset - 1
            early = api.get("/api/index/").status_code
            now[0] += 1
            seen.append((reset, early))
    assert len(seen) == 6  # three at once, then none left after each one
    assert all(early == 429 for _, early in seen)
    assert all(reset <= 30 for reset, _ in seen)  # not the window's end (60 s on)


@pytest.mark.parametrize("path", [SITE_ASSISTANT, "/api/feedback/"])
def test_a_session_post_without_the_csrf_token_says_where_its_user_stands(
    rate, django_user_model, documented, path
):
    """A script or page signed in by the site's cookie that forgets X-CSRFToken: its 403
    ("CSRF Failed: …") carried no RateLimit-* headers, every other answer of the endpoint
    does (a vote refused for its token too). The session says who it is, so the request
    counts on that user's allowance, and past it is a 429 like any other. A search's schema
    named no 403 at all."""
    rate("search_user", "3/min")
    user = django_user_model.objects.create_user("scripter", password="pw")
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(user)
    body = {"q": "Can I scrape the site?", "question_id": 1, "feedback_token": "x", "helpful": True}
    seen = []
    for _ in range(4):
        response = session.post(path, body, format="json")
        seen.append(
            (
                response.status_code,
                response.get("RateLimit-Limit"),
                response.get("RateLimit-Remaining"),
            )
        )
        documented(response)  # the schema names the 403 and its headers
    assert seen == [(403, "3", "2"), (403, "3", "1"), (403, "3", "0"), (429, "3", "0")]
    assert response["Retry-After"] == response["RateLimit-Reset"]
    # One allowance with the user's requests that carry the token.
    cache.clear()
    session.post(path, body, format="json")
    token = session.get("/").cookies["csrftoken"].value
    answered = session.post(path, body, format="json", HTTP_X_CSRFTOKEN=token)
    assert not answered.json().get("detail", "").startswith("CSRF"), answered.json()
    assert answered["RateLimit-Remaining"] == "1"
