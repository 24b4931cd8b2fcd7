"""gunicorn settings for Bambicim (gunicorn reads ./gunicorn.conf.py by itself).

    gunicorn bambicim.wsgi --bind 127.0.0.1:8000 --workers 2

No visitor waits for a model to load: before the workers start, the master
makes sure the served model has its ONNX export (``manage.py
search_export_onnx``, a no-op once it exists), and each worker loads the
search index, its encoder and the URLconf and opens its database connection
(``post_worker_init``) before it accepts a request. Another WSGI server does
the same by calling ``site_assistant.services.warm_up()`` once per process after
``get_wsgi_application()``.

gunicorn's control socket (``gunicornc``, gunicorn 25.1+) is off unless asked
for: its default path is one per user ($XDG_RUNTIME_DIR/gunicorn.ctl or
~/.gunicorn/gunicorn.ctl), so a second instance on the machine (another site,
a bench beside the live one) took it over and, when it stopped, deleted it:
``gunicornc`` then reached the wrong instance, or none. Give each instance a
path of its own with ``GUNICORN_CONTROL_SOCKET=/run/bambicim/gunicorn.ctl`` or
``--control-socket PATH``.
"""

import os
import subprocess
import sys
from pathlib import Path

wsgi_app = "bambicim.wsgi"
# Requests are short (a few ms); a worker stuck for 30 s is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Each worker loads its own index and encoder after the fork (an ONNX Runtime
# session is not shared across fork).
preload_app = False
# A question of MAX_QUERY_CHARS (500) characters in a GET's query string: up to 6,000
# bytes percent-encoded (4-byte characters, "%F0%9F%92%96"). gunicorn's default request
# line, 4,094 bytes, answered a valid question of 340 emoji (or 452 Japanese characters)
# with its own HTML 414; 8,190 is the most gunicorn takes.
limit_request_line = 8190
# The control socket: only at a path given for this instance (see above).
if os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip():
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"].strip()


def on_starting(server):
    """The master: export the served model to ONNX once, before any worker waits on it."""
    _control_socket_only_if_asked(server)
    manage = Path(__file__).resolve().parent / "manage.py"
    proc = subprocess.run(
        [sys.executable, str(manage), "search_export_onnx"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = (proc.stdout or proc.stderr).strip()
    if proc.returncode == os.EX_CONFIG:
        # Settings that refuse to run (no SECRET_KEY with DEBUG off): their one
        # line, and no worker started (each would fail the same way, and gunicorn
        # would start it again and again).
        server.log.error("%s", output)
        sys.exit(os.EX_CONFIG)
    if proc.returncode == 0:
        server.log.info("site_assistant: %s", output)
    else:
        server.log.warning("site_assistant: the ONNX export failed: %s", output[-500:])


def _control_socket_only_if_asked(server):
    """No control socket at gunicorn's shared default path: one instance's would be
    taken over by the next. A path given (GUNICORN_CONTROL_SOCKET or
    --control-socket) or --no-control-socket is left as it is. The master starts
    the socket after this hook, once the first workers are up."""
    cfg = server.cfg
    setting = cfg.settings.get("control_socket")
    if setting is None or cfg.control_socket_disable:  # gunicorn before 25.1, or off already
        return
    if cfg.control_socket != setting.default:
        server.log.info("control socket (gunicornc -s): %s", cfg.control_socket)
        return
    cfg.set("control_socket_disable", True)
    server.log.info(
        "control socket off: set GUNICORN_CONTROL_SOCKET to a path of this instance's own "
        "to use gunicornc"
    )


def post_worker_init(worker):
    """Each worker, before its first request: index, encoder, URLconf, database."""
    from site_assistant import services

    report = services.warm_up()
    try:
        _warm_request_path()
    except Exception as exc:  # e.g. the database comes later: requests will retry
        worker.log.warning("request path not warmed up: %s", exc)
    worker.log.info("search warm-up: %s", report)


def _warm_request_path():
    """What Django and DRF do lazily on a first request: URL patterns compiled,
    middleware, rendering, the database connection and a first insert."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import get_resolver, reverse

    from site_assistant.models import Question

    get_resolver().resolve(reverse("site_assistant:api-search"))
    host = next((h for h in settings.ALLOWED_HOSTS if h != "*" and not h.startswith(".")), "")
    # From a documentation address (RFC 5737), so the rate limiter counts the
    # warm-up against nobody: a visitor on the same host keeps the whole allowance.
    warm_client = Client(HTTP_HOST=host or "localhost", REMOTE_ADDR="192.0.2.1")
    warm_client.get(reverse("site_assistant:api-index"), secure=True)
    connection.ensure_connection()
    # The question log's insert, rolled back: nothing is stored.
    with transaction.atomic():
        Question.objects.create(text="warm-up", channel=Question.Channel.API)
        transaction.set_rollback(True)
    if connection.vendor == "sqlite":
        # SQLite's first commit in a process sets up its WAL (8-22 ms): commit
        # a write that changes nothing (the header's user_version, unused).
        with connection.cursor() as cursor:
            version = cursor.execute("PRAGMA user_version").fetchone()[0]
            cursor.execute(f"PRAGMA user_version = {int(version)}")
