"""``/health/``: can this process answer questions right now? (a readiness probe)

JSON, one entry per part, each with ``ok``: the live index (version,
passages, model), the model (one real query through the serving path), the
database (questions are logged there) and the task queue (optional: without
a broker, builds run in-process). 200 while questions can be answered
("degraded" when the database or the task queue is down: answers go on,
without the question log and feedback, or without rebuilds; or when the
index last built cannot be read and an older version answers); 503 when
they cannot. Error details go to the log, not to the response.

Anyone gets the status code and ``{"status": ...}``: a load balancer or an
uptime check needs no more. The parts (the index's version, the model, the
database vendor: what an attacker would look up) only for signed-in staff and
for a monitor that sends ``Authorization: Bearer <HEALTH_TOKEN>`` (a setting;
the token needs no database, so the monitor reads the parts while it is down).
"""

from __future__ import annotations

import hmac
import logging
import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import conf, services
from .visitors import user_of

logger = logging.getLogger(__name__)

PROBE_QUERY = "health check"


def _failed(part: str, exc: Exception, **extra) -> dict:
    logger.warning("health: %s failed: %r", part, exc)
    return {"ok": False, "error": type(exc).__name__, **extra}


def check_index() -> dict:
    from . import index

    try:
        live = index.load_current()
    except services.IndexNotReady as exc:
        return {"ok": False, "error": str(exc).split(":")[0]}
    problem = services.index_problem()
    if not problem and (gone := index.damage(live.version, checksums=False)):
        # Served from memory, but a process started now could not load it.
        problem = f"index {live.version} on disk: {gone}"
        logger.warning("health: %s", problem)
    return {
        "ok": True,
        # False: CURRENT's version cannot be read and an older one serves, or the
        # files of the version served have gone from the disk since (logged).
        "intact": not problem,
        "version": live.version,
        "passages": live.count,
        "model_id": live.model_id,
        "created": live.created,
    }


def check_model() -> dict:
    """One query through services.search (the model loads here if it has not yet)."""
    started = time.perf_counter()
    try:
        services.search(PROBE_QUERY, k=1)
    except services.IndexNotReady as exc:
        return {"ok": False, "error": str(exc).split(":")[0]}
    except Exception as exc:
        return _failed("model", exc)
    return {"ok": True, "answer_ms": round((time.perf_counter() - started) * 1000, 1)}


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return _failed("database", exc)
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict:
    from .tasks import broker_connection, rebuild_index

    app = rebuild_index.app
    if app.conf.task_always_eager:
        return {"ok": True, "configured": False}
    try:
        with broker_connection(app) as conn:
            conn.ensure_connection(max_retries=0)
    except Exception as exc:
        return _failed("broker", exc, configured=True)
    return {"ok": True, "configured": True}


def report() -> tuple[int, dict]:
    parts = {
        "index": check_index(),
        "database": check_database(),
        "broker": check_broker(),
    }
    parts["model"] = check_model() if parts["index"]["ok"] else {"ok": False, "error": "no index"}
    # Questions are answered from the index with the database or the task
    # queue down (site_assistant.questions.ask: only the log entry is lost).
    answers = all(parts[p]["ok"] for p in ("index", "model"))
    whole = parts["database"]["ok"] and parts["broker"]["ok"] and parts["index"].get("intact", True)
    status = "unavailable" if not answers else "ok" if whole else "degraded"
    return (200 if answers else 503), {"status": status, **parts}


def sees_the_parts(request) -> bool:
    """Signed-in staff, or the monitor holding HEALTH_TOKEN (``Authorization: Bearer …``)."""
    token = conf.get("HEALTH_TOKEN")
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer":
        return hmac.compare_digest(sent.strip().encode(), str(token).encode())
    user = user_of(request)  # the database down: taken as a visitor, not a 500
    return bool(user.is_authenticated and user.is_active and user.is_staff)


@never_cache
@require_GET
def health(request):
    status, body = report()
    if not sees_the_parts(request):
        body = {"status": body["status"]}
    return JsonResponse(body, status=status)
