"""Upgrading a site with a big question log: the migrations that index the log
(0016–0020) must not stop visitors' questions from being logged while they run."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from site_assistant.models import Question

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = "0015_embedding_cache_used"


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("CREATE INDEX CONCURRENTLY is PostgreSQL's")


def _migrate(*target):
    call_command("migrate", "site_assistant", *target, verbosity=0)


def _log_a_question(outcomes):
    """A visitor's question logged from another connection, as a web process does;
    it gives up after 3 s waiting for a lock (the upgrade's)."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")
        Question.objects.create(text="how much does a landing page cost?", channel="api")
        outcomes.append("logged")
    except Exception as exc:  # noqa: BLE001 - the outcome is what the test reads
        outcomes.append(str(exc).strip())
    finally:
        connections.close_all()


def test_visitors_questions_are_logged_while_the_upgrade_indexes_the_log():
    """Each index of the log was built in its migration's transaction, which held a
    lock stopping every insert until it committed: on a million questions visitors'
    questions waited seconds per migration (docs/operations.md, "Upgrading")."""
    _postgresql_only()
    _migrate(BEFORE)
    outcomes = []

    def after_each_index(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith("CREATE INDEX") and '"site_assistant_question"' in sql:
            visitor = threading.Thread(target=_log_a_question, args=(outcomes,))
            visitor.start()
            visitor.join()
        return result

    try:
        with connection.execute_wrapper(after_each_index):
            _migrate()
    finally:
        _migrate()
    # 0016, 0017: a column's index and its LIKE one; 0018, 0020: two; 0019: three.
    assert len(outcomes) == 11
    assert outcomes == ["logged"] * 11


def test_an_upgrade_interrupted_while_indexing_can_be_run_again():
    """A CREATE INDEX CONCURRENTLY that stops (a killed process, a deadlock) leaves an
    invalid index of the name: running migrate again builds it, not "already exists"."""
    _postgresql_only()
    _migrate("0017_question_model_id_index")
    Question.objects.create(text="a", channel="api")
    Question.objects.create(text="b", channel="api")
    try:
        with (
            connection.cursor() as cursor,
            pytest.raises(Exception, match="could not create unique index"),
        ):
            cursor.execute(
                'CREATE UNIQUE INDEX CONCURRENTLY "site_assistant_question_text" '
                'ON "site_assistant_question" ("channel")'
            )
    finally:
        _migrate()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indexrelid = to_regclass('site_assistant_question_text')"
        )
        valid, definition = cursor.fetchone()
    assert valid
    assert definition.endswith("USING btree (text, id)")


def _question_indexes():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Question._meta.db_table)
    return {
        name: (tuple(c["columns"]), c["unique"], c["type"])
        for name, c in constraints.items()
        if c["index"] and not c["primary_key"]
    }


def test_migrating_back_and_forth_keeps_the_questions_and_the_same_indexes():
    """On every database (SQLite remakes the table for 0016 and 0017)."""
    indexes = _question_indexes()
    Question.objects.create(text="opening hours?", channel="widget", model_id="m")
    try:
        _migrate(BEFORE)
    finally:
        _migrate()
    assert _question_indexes() == indexes
    assert list(Question.objects.values_list("text", "model_id", "site")) == [
        ("opening hours?", "m", "")
    ]
