"""Migration operations that build their indexes without blocking the question log.

A plain ``CREATE INDEX`` on PostgreSQL holds a lock that stops every ``INSERT`` into
the table until the index is built and the migration's transaction commits: on a
site with a million logged questions each visitor's question waits that long, or
fails. These operations do exactly what Django's own do (the same statements, as
``sqlmigrate`` prints them) except that, on PostgreSQL, ``CREATE INDEX`` and
``DROP INDEX`` run ``CONCURRENTLY``: questions are logged while the index builds.
Their migration must say ``atomic = False`` (``CONCURRENTLY`` runs outside a
transaction). On every other database they are Django's operations as they are.

An index a ``CREATE INDEX CONCURRENTLY`` interrupted (the process killed, a
deadlock) is left invalid: the next run drops it and builds it again, and one
already built (valid) is kept; a column ``AddField`` added (in a transaction of
its own, before its indexes) is not added again. So a migration stopped halfway
can be run again.

The migration loader skips this module (its name starts with ``_``).
"""

import contextlib
import re

from django.db import NotSupportedError, migrations, transaction

_CREATE = re.compile(r'^CREATE (UNIQUE )?INDEX "([^"]+)"')
_DROP = re.compile(r'^DROP INDEX IF EXISTS "([^"]+)"')


class _ConcurrentlyOnPostgreSQL:
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(super().database_forwards, app_label, schema_editor, from_state, to_state, True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(super().database_backwards, app_label, schema_editor, from_state, to_state)

    def _run(self, apply, app_label, schema_editor, from_state, to_state, forwards=False):
        connection = schema_editor.connection
        if getattr(schema_editor, "capturing", False):
            # Within _run (AlterField's backwards is its forwards): Django's statements.
            apply(app_label, schema_editor, from_state, to_state)
            return
        if connection.vendor != "postgresql":
            # As in an atomic migration: SQLite remakes the table, which must not stop
            # halfway (a database that cannot roll DDL back runs it as it comes). Each
            # operation commits on its own: one a stopped run did is not done again.
            done = forwards and not schema_editor.collect_sql
            if done and self._applied(schema_editor, app_label, to_state):
                return
            with _atomic(schema_editor):
                apply(app_label, schema_editor, from_state, to_state)
            return
        if connection.in_atomic_block and not schema_editor.collect_sql:
            raise NotSupportedError(
                f"{type(self).__name__} builds indexes CONCURRENTLY, which cannot run in a "
                "transaction: set atomic = False on the migration."
            )
        # What Django's operation would run, in order (deferred statements included).
        statements = []
        with connection.schema_editor(collect_sql=True, atomic=False) as capture:
            capture.capturing = True
            capture.execute = lambda sql, params=(): statements.append((str(sql), params))
            apply(app_label, capture, from_state, to_state)
        others = []  # run together, in one transaction, before the next index
        for sql, params in statements + [(None, None)]:
            created, dropped = _CREATE.match(sql or ""), _DROP.match(sql or "")
            if not (created or dropped or sql is None):
                others.append((sql, params))
                continue
            done = forwards and not schema_editor.collect_sql
            if others and not (done and self._applied(schema_editor, app_label, to_state)):
                with _atomic(schema_editor):
                    for other, other_params in others:
                        schema_editor.execute(other, other_params)
            others = []
            if created:
                sql = sql.replace(" INDEX ", " INDEX CONCURRENTLY ", 1)
                if not schema_editor.collect_sql and index_built(schema_editor, created.group(2)):
                    continue
            elif dropped:
                sql = sql.replace("DROP INDEX ", "DROP INDEX CONCURRENTLY ", 1)
            if sql is not None:
                schema_editor.execute(sql, params)

    def _applied(self, schema_editor, app_label, to_state) -> bool:
        """Whether a run stopped halfway already did what this operation does besides
        building indexes on PostgreSQL (those statements commit together, before the
        indexes, each of which is checked on its own), or all of it elsewhere (one
        transaction). Nothing tells in general: an operation that can, says."""
        return False



def _atomic(schema_editor):
    connection = schema_editor.connection
    if schema_editor.collect_sql or not connection.features.can_rollback_ddl:
        return contextlib.nullcontext()
    return transaction.atomic(using=connection.alias)


def index_built(schema_editor, name) -> bool:
    """Whether a valid index of that name exists; an invalid one is dropped."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)",
            [schema_editor.quote_name(name)],
        )
        row = cursor.fetchone()
    if row and not row[0]:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}")
        return False
    return bool(row)


def _table(schema_editor, app_label, to_state, model_name):
    """The model's table and what the database says of it: its columns, its indexes."""
    model = to_state.apps.get_model(app_label, model_name)
    table = model._meta.db_table
    introspection = schema_editor.connection.introspection
    with schema_editor.connection.cursor() as cursor:
        columns = {column.name for column in introspection.get_table_description(cursor, table)}
        indexes = set(introspection.get_constraints(cursor, table))
    return model, columns, indexes


class AddIndex(_ConcurrentlyOnPostgreSQL, migrations.AddIndex):
    """``migrations.AddIndex``, built ``CONCURRENTLY`` on PostgreSQL."""

    def _applied(self, schema_editor, app_label, to_state) -> bool:
        _, _, indexes = _table(schema_editor, app_label, to_state, self.model_name)
        return self.index.name in indexes


class AlterField(_ConcurrentlyOnPostgreSQL, migrations.AlterField):
    """``migrations.AlterField`` that adds or drops indexes (``db_index``): they are
    built and dropped ``CONCURRENTLY`` on PostgreSQL; any other statement runs as it is."""


class AddField(_ConcurrentlyOnPostgreSQL, migrations.AddField):
    """``migrations.AddField`` of an indexed column: the column is added as Django adds
    it, its indexes then built ``CONCURRENTLY`` on PostgreSQL. A run stopped after the
    column was added (its statements commit together, before any index) adds it no more."""

    def _applied(self, schema_editor, app_label, to_state) -> bool:
        model, columns, _ = _table(schema_editor, app_label, to_state, self.model_name)
        return model._meta.get_field(self.name).column in columns
