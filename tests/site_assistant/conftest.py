"""Search fixtures: private index folders and the tiny changeable test site.

(``built_index``, the real site's index, is in tests/conftest.py.)
"""

import contextlib

import pytest


def json_schema(node):
    """OpenAPI 3.0 → JSON Schema: ``nullable`` becomes a null alternative, and objects
    with declared properties allow no others (so an undocumented key fails)."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: json_schema(value) for key, value in node.items()}
    if node.get("type") == "object" and "properties" in node:
        node.setdefault("additionalProperties", False)
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.fixture
def documented():
    """``documented(response)``: the API's schema names the response's status for its
    operation (its method and path) and describes its JSON body."""
    import jsonschema
    from django.urls import resolve
    from drf_spectacular.generators import SchemaGenerator

    openapi = SchemaGenerator().get_schema(request=None, public=True)
    components = json_schema(openapi["components"])

    def check(response):
        request = response.wsgi_request
        pattern = "/" + str(resolve(request.path_info).route).replace("<int:", "{").replace(
            ">", "}"
        )
        (path,) = (p for p in openapi["paths"] if p.endswith(pattern))
        responses = openapi["paths"][path][request.method.lower()]["responses"]
        status = str(response.status_code)
        assert status in responses, f"{request.method} {path}: {status} not in {sorted(responses)}"
        schema = json_schema(responses[status]["content"]["application/json"]["schema"])
        jsonschema.Draft202012Validator({**schema, "components": components}).validate(
            response.json()
        )
        # The headers the API adds of its own (not Django's or the server's): each declared
        # for this status, and each declared as required is there.
        declared = responses[status].get("headers", {})
        for name in ("Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
            if response.has_header(name):
                assert name in declared, f"{request.method} {path} {status}: {name} undeclared"
                assert int(response[name]) >= 0
        for name, header in declared.items():
            assert response.has_header(name) or not header.get("required"), name
        return response.json()

    return check


@pytest.fixture
def own_index_dir(settings, tmp_path):
    """A private INDEX_DIR for tests that build their own (small) indexes, with
    the session's ``onnx`` folder (``tests.conftest.share_model_export``).
    """
    from site_assistant import index
    from tests.conftest import share_model_export

    folder = share_model_export(tmp_path / "index")
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": str(folder)}
    yield folder
    index.forget_loaded()


@pytest.fixture
def testsite(settings, own_index_dir):
    """The tiny test site of tests/search/testsite.py, indexed into a private dir."""
    from site_assistant import embed

    from . import testsite as site

    # The model's export (once per test run, see own_index_dir), before any
    # test times its builds.
    embed.ensure_export()
    settings.ROOT_URLCONF = "tests.site_assistant.testsite"
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "TEMPLATE_INCLUDE": [],
        "URLS": [],
        "EXCLUDE_URLS": [],
    }
    site.reset_pages()
    yield site
    site.reset_pages()


@pytest.fixture
def registered_groups(testsite):
    """Django's own Group, registered for indexing on the tiny test site as a site
    registers its models (saving one in Django's admin is saving a registered row)."""
    from django.contrib.auth.models import Group
    from django.core.cache import cache

    from site_assistant import register
    from site_assistant.signals import DEBOUNCE_KEY
    from site_assistant.sources import models as model_source

    cache.delete(DEBOUNCE_KEY)
    register(Group, fields=["name"], url=lambda g: f"/alpha/#group-{g.pk}")
    yield
    model_source.unregister(Group)
    cache.delete(DEBOUNCE_KEY)


class _Broker:
    """Celery not eager (the in-memory broker: tasks are queued, nothing runs
    them) between ``start()`` and ``stop()``."""

    def __init__(self):
        from site_assistant.tasks import rebuild_index

        self.app = rebuild_index.app
        self.eager = self.app.conf.task_always_eager

    def start(self):
        self.app.conf.task_always_eager = False

    def stop(self):
        self.app.conf.task_always_eager = self.eager
        # Drop the producer pool bound to the in-memory broker (a later real
        # worker test must publish to Redis).
        self.app.__dict__.pop("amqp", None)


@pytest.fixture
def with_a_broker():
    """A broker that no worker reads (started; ``stop()`` and ``start()`` switch it)."""
    broker = _Broker()
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def another_model(tmp_path):
    """A second real model folder (the base weights under another name: another model id)."""
    from tests.conftest import copy_of_the_base_model

    return copy_of_the_base_model(tmp_path / "other-model")


def _closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def point_broker():
    """``point_broker(url)``: send this test's Celery tasks to ``url`` (not eagerly),
    with the result backend there too, as a site with one ``REDIS_URL`` has it
    (Bambicim's settings: a Redis that is down takes both)."""
    from site_assistant.tasks import rebuild_index
    from tests.conftest import _forget_connections

    app = rebuild_index.app
    keys = ("broker_url", "result_backend", "task_always_eager")
    previous = {k: app.conf.get(k) for k in keys}

    def point(url):
        app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
        _forget_connections(app)

    yield point
    app.conf.update(previous)
    _forget_connections(app)


@pytest.fixture
def refusing_broker(point_broker):
    """A broker URL whose port refuses every connection."""
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    point_broker(url)
    return url


@pytest.fixture
def hanging_broker(point_broker):
    """A broker that accepts TCP connections and never answers (a small server thread)."""
    from tests.conftest import silent_server

    with silent_server() as port:
        url = f"redis://127.0.0.1:{port}/0"
        point_broker(url)
        yield url


class _SwitchableRedis:
    """A loopback port in front of the test Redis (a thread forwarding each connection)
    that ``down()`` closes, with every connection through it, as a Redis that dies; and
    ``up()`` opens again on the same port. ``url``: the test Redis's, through it."""

    def __init__(self, target: str):
        import socket
        from urllib.parse import urlsplit

        parts = urlsplit(target)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 6379)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.url = f"redis://127.0.0.1:{self.port}{parts.path or '/0'}"
        self.server = None
        self.connections: list = []

    def up(self):
        import socket
        import threading

        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        self.server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server):
        import socket
        import threading

        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return  # closed: down
            try:
                upstream = socket.create_connection(self.upstream, timeout=2)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.close()

    def down(self):
        import socket

        if self.server is not None:
            # shutdown() first: close() alone leaves a socket that the accepting thread
            # blocks in listening.
            with contextlib.suppress(OSError):
                self.server.shutdown(socket.SHUT_RDWR)
            self.server.close()
            self.server = None
        for sock in self.connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass
        self.connections = []


@pytest.fixture
def switchable_redis(point_broker):
    """The test Redis behind a port that ``down()`` closes and ``up()`` opens again
    (``_SwitchableRedis``); this test's tasks are sent through it."""
    from tests.conftest import TEST_REDIS_URL, redis_available

    if not redis_available():
        pytest.skip(f"no Redis reachable at {TEST_REDIS_URL}")
    redis = _SwitchableRedis(TEST_REDIS_URL)
    redis.up()
    point_broker(redis.url)
    yield redis
    redis.down()


MONITOR_TOKEN = "monitor-token-0123456789"


@pytest.fixture
def monitor(settings):
    """The headers of a monitor holding HEALTH_TOKEN: it reads /health/'s parts."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "HEALTH_TOKEN": MONITOR_TOKEN}
    return {"HTTP_AUTHORIZATION": f"Bearer {MONITOR_TOKEN}"}


@pytest.fixture
def served_copy(testsite, tmp_path):
    """An index built on a copy of the base model (its ONNX export inside), served."""
    from site_assistant import embed, health
    from site_assistant.build import run_build
    from site_assistant.models import IndexBuild
    from tests.conftest import copy_of_the_base_model

    folder = copy_of_the_base_model(tmp_path / "models" / "20260101T000000")
    embed.set_active_model(str(folder))
    build = run_build(IndexBuild.objects.create())
    assert build.status == "succeeded", build.error
    health.forget_probes()
    yield folder
    embed.set_active_model(None)
    embed.forget_models_except()
    health.forget_probes()


@pytest.fixture
def training_at_step_22():
    """A training run under way at step 22 of 80, 4 s a step: the estimate of what it has
    left is ``step_22_minutes_left()`` minutes (site_assistant.training.time_left)."""
    import time

    from django.utils import timezone

    from site_assistant.models import TrainingRun
    from site_assistant.training.tasks import this_process

    return TrainingRun.objects.create(
        status=TrainingRun.Status.RUNNING,
        runner=this_process(),
        started=timezone.now(),
        progress=16,
        stage="training: step 22/80",
        params={"refit": True, "activate": True},
        metrics={
            "pace": {"phase": "training", "step": 22, "of": 80, "at": time.time()}
            | {"seconds_a_step": 4.0, "recent": []}
        },
    )


def step_22_minutes_left() -> int:
    """What ``training_at_step_22`` has left, in minutes, as its estimate says it."""
    from site_assistant.training.time_left import PHASE_STEPS

    return round((58 + sum(PHASE_STEPS.values()) + 100) * 4.0 / 60)
