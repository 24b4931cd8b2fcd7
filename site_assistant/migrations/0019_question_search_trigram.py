"""The Questions list's search on PostgreSQL: trigram indexes (pg_trgm) on the
expressions Django's admin searches (``UPPER(column::text) LIKE UPPER('%…%')``), so
a search reads the matching rows, not the whole log (2.2 s at a million questions
for a word nobody asked; 0.13 s so).

Built CONCURRENTLY (so not in the migration's transaction): visitors' questions are
logged while the indexes build (a minute on a million questions on 2 busy cores).
An index an interrupted run left invalid is dropped and built again.
Only on PostgreSQL, and only when pg_trgm can be enabled (it is a trusted extension
since PostgreSQL 13: the database's owner may create it). Without it nothing
changes: the search reads every row, as before, and the migration says so.
"""

from django.db import DatabaseError, migrations, transaction

from ._operations import index_built

TABLE = "site_assistant_question"
COLUMNS = ["text", "top_url", "top_heading"]


def _name(column):
    return f"{TABLE}_{column}_trgm"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        print(
            f"\n  site_assistant: pg_trgm could not be enabled ({str(exc).strip()}); the "
            "Questions list's search reads the whole log. A superuser can run "
            "CREATE EXTENSION pg_trgm and this migration again."
        )
        return
    for column in COLUMNS:
        if index_built(schema_editor, _name(column)):  # an invalid one (interrupted) is dropped
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{_name(column)}" ON "{TABLE}" '
                f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for column in COLUMNS:
            cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{_name(column)}"')


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction
    dependencies = [("site_assistant", "0018_question_sort_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
