"""Whether this app's migrations are all applied to the database its tables are in.

A process whose code is newer than the database (a rolling upgrade that served the new
code before ``manage.py migrate`` ran) fails every query naming a column a migration has
not added yet: visitors are still answered (from the index), but their questions are not
logged, and the owner's pages that read those columns fail. /health/ (the
``"migrations"`` part), the admin's overview, its lists of a table a pending migration
changes (``behind_for``) and the question log's warning say so with what to do
(``MIGRATE``), instead of a bare database error.

Cheap enough for every request: the migration files are listed once per process; the
applied ones are one query of ``django_migrations``, run once a process, and kept for
its life once every migration was applied (a process's code does not change; a
downgrade restarts it with the older code). While some are pending the query runs again
at most every ``RECHECK_SECONDS``, so the note goes soon after ``migrate`` has run. A
database without the table (a fresh install, not migrated yet) has all of them pending.
"""

from __future__ import annotations

import importlib
import pkgutil
import time

from django.apps import apps
from django.db import DatabaseError, connections, router
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext, ngettext

MIGRATE = "migrations pending: run manage.py migrate"
RECHECK_SECONDS = 30.0

# name -> the migrations it replaces (a squashed one's; () for the others)
_on_disk: dict[str, tuple[str, ...]] | None = None
# (time.monotonic() of the check, the names pending then); None before the first check
_checked: tuple[float, tuple[str, ...]] | None = None


def _label() -> str:
    return apps.get_containing_app_config(__name__).label


def _migrations_on_disk() -> dict[str, tuple[str, ...]]:
    """This app's migrations as the code has them (read once a process)."""
    global _on_disk
    if _on_disk is None:
        label = _label()
        module_name, _ = MigrationLoader.migrations_module(label)
        package = importlib.import_module(module_name)
        found = {}
        for info in pkgutil.iter_modules(package.__path__):
            if info.ispkg or info.name[0] in "_~":
                continue
            migration = importlib.import_module(f"{module_name}.{info.name}").Migration
            found[info.name] = tuple(name for app, name in getattr(migration, "replaces", ()))
        _on_disk = found
    return _on_disk


def _pending_now() -> tuple[str, ...]:
    from .models import Question

    connection = connections[router.db_for_write(Question)]
    recorder = MigrationRecorder(connection)
    label = _label()
    applied = (
        {name for app, name in recorder.applied_migrations() if app == label}
        if recorder.has_table()
        else set()
    )
    on_disk = _migrations_on_disk()
    # A squashed migration counts as applied once everything it replaces is, and what it
    # replaces once it is (Django records both once migrate has run it).
    squashed = {
        old: name for name, replaces in on_disk.items() if name in applied for old in replaces
    }
    return tuple(
        sorted(
            name
            for name, replaces in on_disk.items()
            if name not in applied
            and name not in squashed
            and not (replaces and all(old in applied for old in replaces))
        )
    )


def pending(fresh: bool = False) -> tuple[str, ...]:
    """The names of this app's migrations the database has not applied, oldest first;
    () when all are. Raises ``DatabaseError`` when the database cannot be read (the
    caller says the database is down). ``fresh``: look now, whatever was seen."""
    global _checked
    now = time.monotonic()
    if not fresh and _checked is not None:
        at, names = _checked
        if not names or now - at < RECHECK_SECONDS:
            return names
    names = _pending_now()
    _checked = (now, names)
    return names


def behind_when(error: DatabaseError) -> tuple[str, ...]:
    """The migrations pending when a query failed with ``error``, if that may be why: ()
    when the database is down (the connection was never made: not tried again, which
    would cost another connect timeout) or cannot say."""
    from .models import Question

    if connections[router.db_for_write(Question)].connection is None:
        return ()
    try:
        return pending(fresh=True)
    except DatabaseError:
        return ()


def behind_for(model) -> tuple[str, ...]:
    """The migrations pending when ``model``'s table lacks a column the code gives it (a
    query of its rows would fail), else (); () at once once every migration is applied.
    Raises ``DatabaseError`` when the database cannot be read."""
    names = pending()
    if not names:
        return ()
    connection = connections[router.db_for_read(model)]
    with connection.cursor() as cursor:
        table = connection.introspection.get_table_description(cursor, model._meta.db_table)
    present = {column.name for column in table}
    lacking = any(field.column not in present for field in model._meta.concrete_fields)
    return names if lacking else ()


def note(names: tuple[str, ...]) -> str:
    """``MIGRATE`` with the migrations named ("… (not applied: 0026_x, 0027_y)")."""
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"{MIGRATE} (not applied: {shown})"


def owner_note(names: tuple[str, ...]) -> str:
    """``note`` in the owner's language, for the admin's pages (logs keep ``note``)."""
    shown = ", ".join(names[:3])
    if len(names) > 3:
        more = len(names) - 3
        shown = ngettext("%(shown)s and %(count)s more", "%(shown)s and %(count)s more", more) % {
            "shown": shown,
            "count": more,
        }
    return gettext("migrations pending: run manage.py migrate (not applied: %(shown)s)") % {
        "shown": shown
    }


def forget() -> None:
    """Look at the database again on the next call (tests that migrate back)."""
    global _checked
    _checked = None
