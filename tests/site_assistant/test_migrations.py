"""Upgrading: rows written before a migration read sensibly after it, and the
migrations that index a big question log (0016–0020) do not stop visitors' questions
from being logged while they run."""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from selectolax.lexbor import LexborHTMLParser

from site_assistant.models import IndexBuild, Question, TrainingRun

pytestmark = pytest.mark.django_db(transaction=True)

APP = "site_assistant"
BEFORE = "0015_embedding_cache_used"
BEFORE_THE_REASON = (APP, "0022_indexbuild_other_language_sections")


def test_builds_and_runs_not_queued_before_the_reason_was_recorded_get_it(
    client, django_user_model
):
    """Before ``not_queued``, why a build was not queued was only in its error's words.
    The migration reads them once; the admin then tells the old rows as it tells new ones."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_THE_REASON])
    old = executor.loader.project_state([BEFORE_THE_REASON]).apps
    Build, Run = old.get_model(APP, "IndexBuild"), old.get_model(APP, "TrainingRun")
    cannot = Build.objects.create(
        status="unqueued",
        trigger="admin",
        error="Not queued: the task could not be sent (ModuleNotFoundError: No module named "
        "'redis'); is the broker's client library installed (Redis: pip install redis) and "
        "CELERY_BROKER_URL right?",
    )
    silent = Build.objects.create(
        status="unqueued",
        trigger="content",
        error="Not queued: the task queue did not answer within 1.0 s (OperationalError: "
        "Error 111 connecting to 127.0.0.1:6379. Connection refused.). It is queued again "
        "once the task queue answers.",
    )
    failed = Build.objects.create(status="failed", trigger="admin", error="OSError: disk full")
    run = Run.objects.create(status="failed", error="Could not queue the run: Error 111")
    trained = Run.objects.create(status="failed", error="ValueError: no passages")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes(APP))

    reasons = dict(IndexBuild.objects.values_list("pk", "not_queued"))
    assert reasons == {cannot.pk: "cannot_send", silent.pk: "no_answer", failed.pk: ""}
    runs = dict(TrainingRun.objects.values_list("pk", "not_queued"))
    assert runs == {run.pk: "no_answer", trained.pk: ""}

    client.force_login(django_user_model.objects.create_superuser("boss", "b@x.example", "pw"))
    html = LexborHTMLParser(client.get("/admin/site_assistant/indexbuild/").content.decode())
    shown = {
        row.css_first("th.field-build_display").text(strip=True): row.css_first(
            "td.field-outcome_display strong"
        ).text()
        for row in html.css("#result_list tbody tr")
    }
    assert shown[f"#{cannot.pk}"] == "Not queued (the task could not be sent)", shown
    assert shown[f"#{silent.pk}"] == "Not queued (task queue unreachable)", shown


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("CREATE INDEX CONCURRENTLY is PostgreSQL's")


def _migrate(*target):
    call_command("migrate", "site_assistant", *target, verbosity=0)


def _question_as_logged_then():
    """Question as the site's code logged it while these migrations (0016-0020) ran: the
    columns of 0025, before 0026 added ``unanswerable``, which their tables lack."""
    state = MigrationExecutor(connection).loader.project_state(
        [(APP, "0025_indexbuild_trigger_example")]
    )
    return state.apps.get_model(APP, "Question")


def _log_a_question(outcomes, question):
    """A visitor's question logged from another connection, as a web process does;
    it gives up after 3 s waiting for a lock (the upgrade's)."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")
        question.objects.create(text="how much does a landing page cost?", channel="api")
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
    question = _question_as_logged_then()

    def after_each_index(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith("CREATE INDEX") and '"site_assistant_question"' in sql:
            visitor = threading.Thread(target=_log_a_question, args=(outcomes, question))
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


@pytest.mark.parametrize(
    ("migrated_to", "name", "ends"),
    [
        ("0017_question_model_id_index", "site_assistant_question_text", "USING btree (text, id)"),
        # 0019 ran CREATE INDEX CONCURRENTLY IF NOT EXISTS: an invalid index of its
        # name was kept, invalid, and never used by the Questions list's search.
        ("0018_question_sort_indexes", "site_assistant_question_text_trgm", "gin_trgm_ops)"),
    ],
)
def test_an_upgrade_interrupted_while_indexing_can_be_run_again(migrated_to, name, ends):
    """A CREATE INDEX CONCURRENTLY that stops (a killed process, a deadlock) leaves an
    invalid index of the name: running migrate again builds it, not "already exists"."""
    _postgresql_only()
    _migrate(migrated_to)
    question = _question_as_logged_then()
    question.objects.create(text="a", channel="api")
    question.objects.create(text="b", channel="api")
    try:
        with (
            connection.cursor() as cursor,
            pytest.raises(Exception, match="could not create unique index"),
        ):
            cursor.execute(
                f'CREATE UNIQUE INDEX CONCURRENTLY "{name}" ON "site_assistant_question" '
                '("channel")'
            )
    finally:
        _migrate()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indexrelid = to_regclass(%s)",
            [name],
        )
        valid, definition = cursor.fetchone()
    assert valid
    assert definition.endswith(ends), definition


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


class _Killed(Exception):
    """The migrating process stopping between two statements (a kill, a lost session)."""


# Each migration that runs outside a transaction (atomic = False), and the CREATE INDEX
# on the log it is stopped just before: 0016 (1) after its column was added, before any
# index; every other one before its last index, the earlier ones built.
HALF_DONE = [
    ("0016_question_site", 1),
    ("0016_question_site", 2),
    ("0017_question_model_id_index", 2),
    ("0018_question_sort_indexes", 2),
    ("0019_question_search_trigram", 3),
    ("0020_question_review_indexes", 2),
]


@pytest.mark.parametrize(("migration", "stop_before"), HALF_DONE)
def test_a_migration_stopped_halfway_can_be_run_again(migration, stop_before):
    """Killed after 0016 had added its column but before its index, ``migrate`` said
    'column "site" … already exists' on every later run: the site could not be upgraded
    without dropping the column by hand. On SQLite each operation is one transaction."""
    if connection.vendor != "postgresql" and migration.startswith("0019"):
        pytest.skip("0019's trigram indexes are PostgreSQL's")
    indexes = _question_indexes()
    executor = MigrationExecutor(connection)
    before = next(iter(executor.loader.graph.node_map[(APP, migration)].parents)).key
    _migrate(before[1])
    old = executor.loader.project_state([before]).apps.get_model(APP, "Question")
    old.objects.create(text="opening hours?", channel="widget")
    seen = []

    def killed(execute, sql, params, many, context):
        if sql.startswith("CREATE") and "INDEX" in sql and '"site_assistant_question"' in sql:
            seen.append(sql)
            if len(seen) == stop_before:
                raise _Killed(sql)
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(killed), pytest.raises(_Killed):
            _migrate(migration)
        _migrate()  # run again: what the owner does
    finally:
        _migrate()
    assert _question_indexes() == indexes
    assert list(Question.objects.values_list("text", flat=True)) == ["opening hours?"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_index WHERE NOT indisvalid "
                "AND indrelid = 'site_assistant_question'::regclass"
            )
            assert cursor.fetchone()[0] == 0


@pytest.mark.parametrize(
    ("migration", "statement"),
    [("0016_question_site", '"site" varchar(255)'), ("0018_question_sort_indexes", "CREATE INDEX")],
)
def test_sqlmigrate_prints_every_statement_on_a_migrated_database(migration, statement):
    """What a stopped run did is not done again, but ``sqlmigrate`` (which runs nothing)
    still shows every statement, the column's included, on a database migrated already."""
    out = io.StringIO()
    call_command("sqlmigrate", APP, migration, stdout=out)
    assert statement in out.getvalue(), out.getvalue()
