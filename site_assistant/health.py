"""``/health/``: can this process answer questions right now? (a readiness probe)

JSON, one entry per part, each with ``ok``: the live index (version,
passages, model), the model (one real query through the serving path), the
database (questions are logged there), the task queue (optional: without
a broker, builds run in-process) and its workers (no worker's heartbeat for
WORKER_SILENT_SECONDS, site_assistant.heartbeat; or a build queued over a
minute past its start with no worker answering). 200 while questions can be answered
("degraded" when the database or the task queue is down, no worker runs, or queued builds
wait for a worker that is not running: answers go on, without the question
log and feedback, or without rebuilds; or when the
index last built cannot be read and an older version answers; or when a file of
the model served is damaged on disk, though this process answers right: ``"intact":
false`` and ``"damaged"``, the files named, its folder left out; or when this app's
migrations are not all applied, code newer than its tables: ``"migrations"``, with
``"pending"`` naming them, site_assistant.schema: questions are answered, not logged); 503 when
they cannot, or when the model this process loaded no longer computes what it did
(``"ModelChanged"``: its files were overwritten under it; it is dropped, and the next
question loads it again). Error details go to the log, not to the response.

Anyone gets the status code and ``{"status": ...}``: a load balancer or an
uptime check needs no more. The parts (the index's version, the model, the
database vendor: what an attacker would look up) only for signed-in staff and
for a monitor that sends ``Authorization: Bearer <HEALTH_TOKEN>`` (a setting;
the token needs no database, so the monitor reads the parts while it is down).

The model's probe (one real encode and search) and the task queue's (a new
broker connection) are the costly parts: a passing result is reused for
``HEALTH_PROBE_SECONDS`` per process (``"checked_s_ago"`` in the parts), so a
probe polled in a loop costs next to nothing, and a model that breaks is
reported within that long. A failing part is checked again on every request,
a new live index version (maybe another model) at once, and staff or the token
holder get a fresh probe with ``?fresh=1``.
"""

from __future__ import annotations

import hmac
import logging
import time

from django.db import connection
from django.http import JsonResponse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import conf, embed, services
from .visitors import user_of

logger = logging.getLogger(__name__)

PROBE_QUERY = "health check"

# part -> (monotonic time, what the passing probe was of, its result)
_recent: dict[str, tuple[float, object, dict]] = {}


def _reused(part: str, of: object, check, fresh: bool, within: float | None = None) -> dict:
    """``check()``'s result, or a passing one of at most HEALTH_PROBE_SECONDS (or
    ``within``, when shorter) ago for the same ``of`` (the live version and model), with
    how long ago it was checked."""
    now = time.monotonic()
    seen = _recent.get(part)
    window = conf.get("HEALTH_PROBE_SECONDS")
    if within is not None:
        window = min(window, within)
    if not fresh and seen and seen[1] == of and now - seen[0] < window:
        return {**seen[2], "checked_s_ago": round(now - seen[0], 1)}
    result = check()
    if result.get("ok"):
        _recent[part] = (now, of, result)
    else:
        _recent.pop(part, None)
    return {**result, "checked_s_ago": 0.0}


def forget_probes() -> None:
    """Probe everything again on the next request (tests)."""
    _recent.clear()


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
    """One query through the serving path, the model run for real (it loads here if it
    has not yet); whether the model this process loaded still computes what it did (its
    files changed under it: it is loaded again by the next question), what it runs on, and
    whether its files on disk would serve a process started now as they serve this one
    (``intact``; ``damaged`` names the files)."""
    started = time.perf_counter()
    try:
        version = services.probe(PROBE_QUERY)
    except services.ModelNotReady as exc:
        # Exported in the background (embed.export_in_background): questions wait for it.
        return {"ok": False, "error": str(exc).split(":")[0], "exporting": True}
    except services.ModelUnavailable as exc:  # the model's files: say which, and why
        return _failed("model", exc.__cause__ or exc)
    except services.IndexNotReady as exc:
        return {"ok": False, "error": str(exc).split(":")[0]}
    except Exception as exc:
        return _failed("model", exc)
    answer_ms = round((time.perf_counter() - started) * 1000, 1)
    ref = version.model_ref or embed.active_model_ref()
    changed = embed.changed_in_memory(ref)
    if changed:
        # Every answer from it is wrong: drop it, so the next question loads the files
        # again (checked: a damaged export is refused, and torch serves if it can).
        services.forget_model(ref)
        logger.error("health: %s; %s", changed, "; ".join(embed.damage(ref)) or "")
        return {"ok": False, "error": "ModelChanged"}
    damaged = embed.damage(ref)
    if damaged:
        logger.warning("health: model %s: %s", version.model_id, "; ".join(damaged))
    return {
        "ok": True,
        "answer_ms": answer_ms,
        "backend": embed.loaded_backend(ref),
        "intact": not damaged,
        **(
            {"damaged": [embed.without_folders(problem, ref) for problem in damaged]}
            if damaged
            else {}
        ),
    }


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return _failed("database", exc)
    return {"ok": True, "vendor": connection.vendor}


def check_migrations(fresh: bool = False) -> dict:
    """Whether this app's migrations are all applied (site_assistant.schema: read once a
    process once they are, else at most every RECHECK_SECONDS): code newer than the
    database answers, but logs no question until ``manage.py migrate`` has run."""
    from . import schema

    try:
        names = schema.pending(fresh=fresh)
    except Exception as exc:
        return _failed("migrations", exc)
    if names:
        logger.warning("health: %s", schema.note(names))
        return {"ok": False, "error": schema.MIGRATE, "pending": list(names)}
    return {"ok": True}


BROKER_DOWN = (
    "The task queue is not answering this process, so whether the workers heard from can "
    "take a task is not known: queued rebuilds wait until it answers."
)


def _broker(fresh: bool) -> dict:
    """The task queue's part: a passing probe is reused for HEALTH_BROKER_PROBE_SECONDS
    at most, and not at all once this process has failed to send a task since."""
    from .broker import failed_since

    seen = _recent.get("broker")
    if seen is not None and failed_since(seen[0]):
        _recent.pop("broker", None)
    within = conf.get("HEALTH_BROKER_PROBE_SECONDS")
    return _reused("broker", _broker_in_use(), check_broker, fresh, within=within)


def check_broker() -> dict:
    from .broker import not_sent_because
    from .tasks import broker_connection, rebuild_index

    app = rebuild_index.app
    if app.conf.task_always_eager:
        return {"ok": True, "configured": False}
    try:
        with broker_connection(app) as conn:
            conn.ensure_connection(max_retries=0)
    except Exception as exc:
        # "no_answer" (retry later) or "cannot_send" (no client library, a wrong URL).
        return _failed("broker", exc, configured=True, not_queued=not_sent_because(exc))
    return {"ok": True, "configured": True}


def check_worker() -> dict:
    """No worker has written its heartbeat for WORKER_SILENT_SECONDS (site_assistant.heartbeat,
    one query); or queued work that should have started a minute ago and no worker
    answering a ping (or the queue not answering): rebuilds do not happen, whatever the
    broker's connection says."""
    from . import heartbeat
    from .broker import worker_command
    from .tasks import rebuild_index, waiting_for_a_worker

    app = rebuild_index.app
    try:
        # In English, whatever the site's language: /health/ is read by monitoring and logged.
        with translation.override("en"):
            heard = heartbeat.silence(eager=app.conf.task_always_eager, command=worker_command(app))
            note = waiting_for_a_worker()
    except Exception as exc:
        return _failed("worker", exc)
    if note:
        logger.warning("health: %s", note)
        return {"ok": False, "waiting": note, **heard}
    if heard.get("silent"):
        logger.warning("health: %s", heard["silent"])
        return {"ok": False, **heard}
    return {"ok": True, **heard}


def check_rebuilds() -> dict:
    """Rebuilds the task queue did not take (a change saved while it was down), waiting
    to be sent again: they are not lost, but visitors get the old text until then."""
    from .rebuilds import unqueued_waiting

    try:
        waiting = unqueued_waiting()
        # The columns every version of the table has: code newer than the database
        # (migrations pending) reads them too.
        first = waiting.order_by("created").values_list("created", flat=True).first()
        count = waiting.count() if first is not None else 0
    except Exception as exc:
        return _failed("rebuilds", exc)
    if first is None:
        return {"ok": True}
    # In English, whatever the site's language: /health/ is read by monitoring and logged.
    with translation.override("en"):
        note = unqueued_note(count, first)
    logger.warning("health: %s", note)
    return {"ok": False, "unqueued": count, "waiting": note}


def unqueued_note(count: int, first) -> str:
    """What waits since the task queue did not take it (``count`` requests, the first
    made at ``first``), what sends it again, and the command that does it now (in
    English, as the rest of /health/)."""
    from django.utils import timezone

    from .heartbeat import ago

    requests = "1 rebuild request" if count == 1 else f"{count} rebuild requests"
    return (
        f"{requests} the task queue did not take (the first {ago(timezone.now() - first)} "
        f"ago) {'waits' if count == 1 else 'wait'} to be sent again; visitors get the text read "
        "before. A running worker sends them within seconds of the task queue answering "
        "again, as do the next rebuild queued, a worker starting and "
        "site_assistant.tasks.retry_unqueued_builds (beat); to send them now: "
        "manage.py search_rebuild"
    )


def _broker_in_use() -> tuple:
    from .tasks import rebuild_index

    app = rebuild_index.app
    return bool(app.conf.task_always_eager), str(app.conf.broker_url)


def report(fresh: bool = False) -> tuple[int, dict]:
    """The status code and every part; ``fresh``: probe the model and the task queue
    now, whatever passed a moment ago."""
    parts = {
        "index": check_index(),
        "database": check_database(),
        "broker": _broker(fresh),
    }
    parts["worker"] = (
        check_worker() if parts["database"]["ok"] else {"ok": False, "error": "no database"}
    )
    if parts["worker"]["ok"] and not parts["broker"]["ok"]:
        # Its heartbeat comes through the database, its tasks through the task queue that
        # does not answer: whether it can take one is not known.
        parts["worker"] = {**parts["worker"], "ok": None, "unknown": BROKER_DOWN}
    parts["rebuilds"] = (
        check_rebuilds() if parts["database"]["ok"] else {"ok": False, "error": "no database"}
    )
    parts["migrations"] = (
        check_migrations(fresh)
        if parts["database"]["ok"]
        else {"ok": False, "error": "no database"}
    )
    if parts["index"]["ok"]:
        live = (parts["index"]["version"], parts["index"]["model_id"])
        parts["model"] = _reused("model", live, check_model, fresh)
    else:
        parts["model"] = {"ok": False, "error": "no index"}
    # Questions are answered from the index with the database or the task
    # queue down (site_assistant.questions.ask: only the log entry is lost).
    answers = all(parts[p]["ok"] for p in ("index", "model"))
    whole = all(parts[p]["ok"] for p in ("database", "broker", "worker", "rebuilds", "migrations"))
    whole = whole and parts["index"].get("intact", True) and parts["model"].get("intact", True)
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
    sees = sees_the_parts(request)
    status, body = report(fresh=sees and request.GET.get("fresh") not in (None, "", "0"))
    if not sees:
        body = {"status": body["status"]}
    return JsonResponse(body, status=status)
