"""Upgrading: rows written before a migration read sensibly after it, and the
migrations that index a big question log (0016–0020) do not stop visitors' questions
from being logged while they run."""

import io
import json
import threading
import time
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, connections, migrations
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.models.expressions import DatabaseDefault
from selectolax.lexbor import LexborHTMLParser

import site_assistant.migrations
from site_assistant.models import ExampleQuestion, IndexBuild, Question, TrainingRun
from tests.conftest import run_python

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
    """The app's migrations to ``target``; with none, every app's to its latest (the
    site's own that depend on the app's, migrated back with them, again too)."""
    call_command("migrate", *(("site_assistant", *target) if target else ()), verbosity=0)


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
    # 0016, 0017: a column's index and its LIKE one; 0018, 0020, 0033: two; 0019: three.
    assert len(outcomes) == 13
    assert outcomes == ["logged"] * 13


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
    ("0033_question_text_key", 1),  # its column added and the log keyed, before its index
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


def test_a_worker_still_on_the_code_before_0027_records_builds_after_it():
    """In a rolling upgrade a worker not restarted after ``migrate`` records its builds
    with the model it started with: 0027's column is filled by the database's default
    (before 0028 the columns of 0022 and 0023, with none, stopped such a worker's builds:
    ``test_code_from_before_a_migration_still_inserts_rows_after_it``)."""
    state = MigrationExecutor(connection).loader.project_state(
        [(APP, "0026_question_unanswerable")]
    )
    old = state.apps.get_model(APP, "IndexBuild").objects.create(
        status="failed", trigger="schedule"
    )
    assert IndexBuild.objects.get(pk=old.pk).other_host_urls == 0


def _migrations_adding_columns():
    """Each migration that added NOT NULL columns to a table an earlier migration made, read
    from the migration files: (the migration before it, the migration, the model's name).
    A column of a table's CreateModel needs no default (no code older than its table runs)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    made, cases = {}, []
    for key in loader.graph.forwards_plan(loader.graph.leaf_nodes(APP)[0]):
        if key[0] != APP:
            continue
        for operation in loader.graph.nodes[key].operations:
            if isinstance(operation, migrations.CreateModel):
                made[operation.name_lower] = key[1]
            elif (
                isinstance(operation, migrations.AddField)
                and made.get(operation.model_name_lower, key[1]) != key[1]
                and not operation.field.null
                and not operation.field.many_to_many
            ):
                model = apps.get_model(APP, operation.model_name)._meta.object_name
                before = next(p.key for p in loader.graph.node_map[key].parents if p[0] == APP)
                if (before[1], key[1], model) not in cases:
                    cases.append((before[1], key[1], model))
    return cases


# A row as the code of each table's model creates one, naming only the columns that code
# knows (the models' other columns have a default of their own).
A_ROW = {
    "Question": {"text": "opening hours?", "channel": "api"},
    "IndexBuild": {"status": "failed", "trigger": "schedule"},
    "TrainingRun": {"status": "failed"},
    "EmbeddingCache": {"model_id": "m", "text_hash": "h", "vector": bytes(4)},
    "ExampleQuestion": {"question": "opening hours?", "url": "/contact/#hours"},
}


@pytest.mark.parametrize(
    ("state", "added_by", "model"),
    _migrations_adding_columns(),
    ids=lambda value: value[:4] if value[:4].isdigit() else value,
)
def test_code_from_before_a_migration_still_inserts_rows_after_it(state, added_by, model):
    """0004, 0005, 0007, 0013, 0016, 0022, 0023 and 0026 added NOT NULL columns with no
    database default: once ``migrate`` had run, a process still on the code from before (a
    worker not restarted yet, docs/operations.md "Upgrading") failed every insert into the
    table ("NOT NULL constraint failed: site_assistant_question.training_approved"), so it
    logged no question, recorded no build or no training run. Its model, from the migration
    state before each such migration, inserts only the columns it knows; the database fills
    the others with what the current code writes for a row that does not name them."""
    old = MigrationExecutor(connection).loader.project_state([(APP, state)]).apps
    created = old.get_model(APP, model).objects.create(**A_ROW[model])
    current = apps.get_model(APP, model)
    known = {f.column for f in old.get_model(APP, model)._meta.concrete_fields}
    unknown = [f for f in current._meta.concrete_fields if f.column not in known]
    assert unknown, f"{added_by} added no column {model}'s code before it lacks"
    read = current.objects.values(*(f.name for f in unknown)).get(pk=created.pk)
    fresh = current(**A_ROW[model])  # what the current code writes for them
    for field in unknown:
        if hasattr(field.db_default, "resolve_expression"):  # Now(): the insert's time
            assert read[field.name] is not None, field.name
        else:
            written = getattr(fresh, field.name)
            if isinstance(written, DatabaseDefault):
                written = field.db_default
            assert read[field.name] == written, field.name


# The migration before Question.unanswerable (0026): the log's inserts name a column the
# database lacks until it is applied.
BEFORE_UNANSWERABLE = "0025_indexbuild_trigger_example"


def test_code_newer_than_the_database_says_migrate_on_health_and_the_overview(
    client, built_index, django_user_model, caplog, monkeypatch
):
    from django.test import Client

    """A rolling upgrade that serves the new code before ``manage.py migrate``: the visitor
    is answered but the question is not logged. Before, the log said only "the database
    failed", /health/ said "ok" and the admin's overview was a 500."""
    from site_assistant import outage, schema

    monkeypatch.setattr(outage, "RETRY_SECONDS", 1.0)
    monkeypatch.setattr(schema, "RECHECK_SECONDS", 1.0)
    owner = django_user_model.objects.create_superuser("boss", "b@x.example", "pw")
    _migrate(BEFORE_UNANSWERABLE)
    try:
        visitor = Client()
        asked = visitor.post(
            "/api/search/", {"q": "how much does a landing page cost?"}, "application/json"
        )
        assert asked.status_code == 200 and asked.json()["answer"], asked.content
        assert asked.json()["question_id"] is None
        said = [r.getMessage() for r in caplog.records if "not logged" in r.getMessage()]
        assert len(said) == 1 and (
            "migrations pending: run manage.py migrate (not applied: "
            "0026_question_unanswerable" in said[0]
        ), said

        client.force_login(owner)
        health = client.get("/health/")
        assert health.status_code == 200, health.content
        body = health.json()
        assert body["status"] == "degraded", body
        assert body["migrations"]["ok"] is False
        assert body["migrations"]["error"] == "migrations pending: run manage.py migrate"
        assert "0026_question_unanswerable" in body["migrations"]["pending"]
        assert body["database"]["ok"]

        overview = client.get("/admin/site_assistant/")
        assert overview.status_code == 200
        note = LexborHTMLParser(overview.content.decode()).css_first("#dash-migrations")
        assert note is not None
        assert "migrations pending: run manage.py migrate" in note.text()
        assert "questions are not logged" in note.text()
    finally:
        _migrate()

    time.sleep(1.1)  # RECHECK_SECONDS and the log's pause (30 s on a site) have passed
    assert client.get("/health/").json()["migrations"] == {"ok": True}
    asked = visitor.post(
        "/api/search/", {"q": "how much does a landing page cost?"}, "application/json"
    )
    assert asked.json()["question_id"] is not None
    overview = LexborHTMLParser(client.get("/admin/site_assistant/").content.decode())
    assert overview.css_first("#dash-migrations") is None
    assert overview.css_first("#dash-week-questions").text() == "1"


def test_a_fresh_database_has_every_migration_pending_and_health_says_so(tmp_path):
    """Before the first ``migrate`` (not even django_migrations): ``check`` passes and
    /health/ answers, every migration of the app pending, the database ok, no 500."""
    out = run_python(
        "import json, time, django; django.setup()\n"
        "from django.core.management import call_command\n"
        "started = time.perf_counter(); call_command('check')\n"
        "print(round(time.perf_counter() - started, 3))\n"
        "from django.test import Client\n"
        "started = time.perf_counter()\n"
        "health = Client().get('/health/', HTTP_AUTHORIZATION='Bearer t', secure=True)\n"
        "print(round(time.perf_counter() - started, 3), health.status_code)\n"
        "print(health.content.decode())\n",
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
            "DEBUG": "1",
            "SEARCH_HEALTH_TOKEN": "t",
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        },
    )
    checked_s, health_s, body = out.strip().splitlines()[-3:]
    print(f"check {checked_s} s, /health/ {health_s}")
    assert health_s.endswith(" 503")  # no index yet: "unavailable", not a 500
    body = json.loads(body)
    assert body["database"]["ok"]
    migrations = body["migrations"]
    assert migrations["ok"] is False
    assert migrations["error"] == "migrations pending: run manage.py migrate"
    assert migrations["pending"][0] == "0001_initial" and len(migrations["pending"]) >= 26


def test_an_api_call_that_fails_on_a_pending_migration_logs_why(client, built_index, caplog):
    """The index status reads the builds, whose table lacks 0027's column until ``migrate``:
    the caller gets the API's 503 as before; the log line, which said only "the database
    failed", names the migrations to run."""
    _migrate("0026_question_unanswerable")
    try:
        response = client.get("/api/index/")
    finally:
        _migrate()
    assert response.status_code == 503, response.content
    said = [r.getMessage() for r in caplog.records if "the database failed" in r.getMessage()]
    assert len(said) == 1, said
    assert "(migrations pending: run manage.py migrate (not applied: 0027_" in said[0], said


# The builds' table lacks 0027's column until ``migrate``: no build can be recorded.
BEFORE_OTHER_HOST_URLS = "0026_question_unanswerable"
# INDEX_DIR's file that says a content rebuild is owed (docs/operations.md), and the
# dispatch uid of the app's post_migrate receiver that asks for it.
OWED_FILE = "content-rebuild-owed.json"
OWED_UID = "site-assistant-rebuild-owed"


@pytest.fixture
def registered_groups(testsite):
    from django.contrib.auth.models import Group

    from site_assistant import register
    from site_assistant.sources import models as model_source

    register(Group, fields=["name"], url=lambda g: f"/alpha/#group-{g.pk}")
    yield Group
    model_source.unregister(Group)


def test_content_saved_while_the_builds_table_is_behind_is_indexed_after_migrate(
    registered_groups, own_index_dir, monkeypatch, caplog
):
    """A registered row saved while the new code served before ``manage.py migrate``: the
    row was saved, its rebuild could not be recorded, and nothing asked for it again after
    ``migrate`` (visitors were answered from the old text until the nightly build). The
    rebuild is owed, said once with the migrations, and ``migrate`` asks for it."""
    from site_assistant import rebuilds, schema, services

    monkeypatch.setattr(schema, "RECHECK_SECONDS", 0.0)
    monkeypatch.setattr(rebuilds, "_said_owed", set(), raising=False)  # none said yet
    rebuilds.request_rebuild("command")  # no broker: built at once
    question = "where do the llamas sleep in winter?"
    before = services.answer(question).answer
    assert before is None or "llamas" not in before.text, before
    _migrate(BEFORE_OTHER_HOST_URLS)
    try:
        for words in ("Our llamas sleep in the red barn in winter", "Our goats sleep outside"):
            registered_groups.objects.create(name=words)  # committed: its rebuild is asked for
        owed = (own_index_dir / OWED_FILE).exists()
    finally:
        _migrate()
    content = IndexBuild.objects.filter(trigger="content")
    assert [b.status for b in content] == ["succeeded"]
    found = services.answer(question).answer
    assert found is not None and "llamas sleep in the red barn" in found.text, found
    assert found.url.startswith("/alpha/#group-")
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name.startswith(APP)]
    assert [m for m in said if "could not schedule" in m[1]] == [], said
    # Every migration after 0026 was pending (0027 and what came after it).
    pending = tuple(sorted(n for n in schema._migrations_on_disk() if n > BEFORE_OTHER_HOST_URLS))
    assert pending[0] == "0027_indexbuild_other_host_urls", pending
    assert [m for m in said if "not indexed yet" in m[1]] == [
        (
            "WARNING",
            f"site_assistant: content changes saved while {schema.note(pending)} are not "
            "indexed yet; one rebuild reads them once the migrations are applied",
        )
    ], said
    assert owed
    assert not (own_index_dir / OWED_FILE).exists()


def test_the_periodic_retry_asks_for_the_owed_rebuild_once_migrations_are_applied(
    registered_groups, own_index_dir, with_a_broker, monkeypatch
):
    """Where ``migrate`` ran apart from the site's INDEX_DIR (a release container), or a
    change was saved as it finished: ``retry_unqueued_builds`` (every 5 minutes, and at a
    worker's start) asks for the owed rebuild, not while the migrations are pending."""
    from django.db.models.signals import post_migrate

    from site_assistant import apps as site_apps
    from site_assistant import schema, tasks

    monkeypatch.setattr(schema, "RECHECK_SECONDS", 0.0)
    config = apps.get_app_config(APP)
    receiver = getattr(site_apps, "rebuild_owed_after_migrate", None)
    disconnected = post_migrate.disconnect(sender=config, dispatch_uid=OWED_UID)
    try:
        _migrate(BEFORE_OTHER_HOST_URLS)
        try:
            registered_groups.objects.create(name="Our llamas sleep in the red barn")
            retried_behind = tasks.retry_unqueued_builds()
        finally:
            _migrate()  # on another host: its post_migrate does not see this INDEX_DIR
    finally:
        if disconnected:
            post_migrate.connect(receiver, sender=config, dispatch_uid=OWED_UID)
    assert retried_behind == {"build": None, "status": None}
    assert (own_index_dir / OWED_FILE).exists()
    assert not IndexBuild.objects.exists()

    retried = tasks.retry_unqueued_builds()
    builds = list(IndexBuild.objects.values_list("pk", "trigger", "status"))
    assert len(builds) == 1 and retried == {"build": builds[0][0], "status": "queued"}, builds
    assert builds[0][1:] == ("content", "queued")
    assert not (own_index_dir / OWED_FILE).exists()
    assert tasks.retry_unqueued_builds() == {"build": None, "status": None}


def test_the_admins_lists_with_a_migration_pending_say_migrate_not_500(
    client, django_user_model, monkeypatch
):
    """The new code serving before ``manage.py migrate``: the owner's Questions list names
    0026's column, which the database lacks, and was a 500. It says what to run instead,
    the lists whose table is as the code has it open as before, and after ``migrate`` the
    Questions list is back."""
    from site_assistant import schema

    monkeypatch.setattr(schema, "RECHECK_SECONDS", 0.0)  # each request reads them again
    owner = django_user_model.objects.create_superuser("boss", "b@x.example", "pw")
    client.force_login(owner)
    _migrate(BEFORE_UNANSWERABLE)
    try:
        questions = client.get("/admin/site_assistant/question/")
        passages = client.get("/admin/site_assistant/passage/")
    finally:
        _migrate()
    assert questions.status_code == 503, questions.content[:300]
    page = LexborHTMLParser(questions.content.decode())
    note = page.css_first("#migrations-pending")
    assert note is not None, questions.content.decode()[:2000]
    assert (
        "migrations pending: run manage.py migrate (not applied: 0026_question_unanswerable"
        in note.text()
    ), note.text()
    assert page.css_first("title").text().startswith("Questions")
    assert passages.status_code == 200
    assert client.get("/admin/site_assistant/question/").status_code == 200

    _migrate("0026_question_unanswerable")  # the builds' table lacks 0027's column
    schema.forget()  # a process started since (one that saw them all applied does not look again)
    try:
        builds = client.get("/admin/site_assistant/indexbuild/")
        # The Questions list reads which example questions answer (0029's declines).
        questions = client.get("/admin/site_assistant/question/")
        passages = client.get("/admin/site_assistant/passage/")
    finally:
        _migrate()
    assert builds.status_code == 503
    note = LexborHTMLParser(builds.content.decode()).css_first("#migrations-pending")
    assert "(not applied: 0027_indexbuild_other_host_urls, 0028_" in note.text(), note.text()
    assert questions.status_code == 503
    assert passages.status_code == 200


# The migration before 0023: the builds', the training runs' and the log's tables all
# lack a column the code has (not_queued; 0026's unanswerable).
BEFORE_NOT_QUEUED = "0022_indexbuild_other_language_sections"


def test_every_page_of_an_admin_with_a_migration_pending_says_migrate_not_500(
    django_user_model, monkeypatch
):
    """Not only the lists: a row's change, delete and history pages and the admins' own
    views (a build's or a run's status, Fix this answer, Rebuild, Train...) read the
    columns a pending migration adds, and were each a 500. Each says what to run, status
    503; the views that read no such table (Try a question, the sections' search, the
    Dashboard entry) answer as before, and whoever is not logged in is sent to log in. An
    example question's page, whose table is as the code has it, waits for the builds' too:
    saving it sets off a build."""
    from django.test import Client

    from site_assistant import schema
    from site_assistant.models import ExampleQuestion

    monkeypatch.setattr(schema, "RECHECK_SECONDS", 0.0)
    owner = django_user_model.objects.create_superuser("boss", "b@x.example", "pw")
    build = IndexBuild.objects.create(status="succeeded", trigger="admin")
    run = TrainingRun.objects.create(status="failed")
    question = Question.objects.create(text="how much does a landing page cost?", channel="api")
    # bulk_create: no post_save, so no rebuild of the index (create's signal builds one).
    (example,) = ExampleQuestion.objects.bulk_create(
        [ExampleQuestion(question="what does it cost?", url="/x/#price")]
    )
    admin = "/admin/site_assistant"
    rows = [("indexbuild", build.pk), ("trainingrun", run.pk), ("question", question.pk)]
    pages = [
        f"{admin}/{model}/{pk}/{page}/"
        for model, pk in rows
        for page in ("change", "delete", "history")
    ]
    pages += [
        f"{admin}/indexbuild/{build.pk}/status/",
        f"{admin}/trainingrun/{run.pk}/status/",
        f"{admin}/trainingrun/{run.pk}/cancel/",
        f"{admin}/question/{question.pk}/fix/",
        f"{admin}/examplequestion/{example.pk}/change/",
    ]
    posted = [
        f"{admin}/indexbuild/rebuild/",
        f"{admin}/trainingrun/train/",
        f"{admin}/trainingrun/{run.pk}/serve/",
        f"{admin}/question/{question.pk}/fix/",
    ]
    readable = [
        f"{admin}/dashboard/",
        f"{admin}/question/try/?q=price",
        f"{admin}/examplequestion/sections/?term=price",
    ]
    owners = Client(raise_request_exception=False)
    owners.force_login(owner)
    anyone = Client(raise_request_exception=False)
    _migrate(BEFORE_NOT_QUEUED)
    try:
        answered = {url: owners.get(url) for url in pages}
        answered.update({f"POST {url}": owners.post(url) for url in posted})
        as_before = {url: owners.get(url).status_code for url in readable}
        to_log_in = anyone.get(pages[0])
    finally:
        _migrate()
    statuses = {url: response.status_code for url, response in answered.items()}
    assert set(statuses.values()) == {503}, statuses
    for url, response in answered.items():
        note = LexborHTMLParser(response.content.decode()).css_first("#migrations-pending")
        assert note is not None, (url, response.content[:300])
        assert "migrations pending: run manage.py migrate (not applied: 0023_job_not_queued" in (
            note.text()
        ), (url, note.text())
        assert "no-cache" in response["Cache-Control"], url
    assert as_before == {
        f"{admin}/dashboard/": 302,
        f"{admin}/question/try/?q=price": 200,
        f"{admin}/examplequestion/sections/?term=price": 200,
    }
    assert to_log_in.status_code == 302 and "/login/" in to_log_in["Location"]
    assert owners.get(pages[0]).status_code == 200  # migrated: the build's page is back


def test_the_503_page_of_a_migration_pending_is_one_warning_not_an_error_a_request(
    client, django_user_model, monkeypatch, caplog
):
    """Django logs every 5xx at ERROR (``django.request``): each admin page an owner opened
    during a deploy was an error mail or a Sentry event, with nothing broken. The page is
    a WARNING of the app's logger, once a process for each set of migrations pending."""
    from site_assistant import schema
    from site_assistant.templatetags import search_admin

    monkeypatch.setattr(schema, "RECHECK_SECONDS", 0.0)
    monkeypatch.setattr(search_admin, "_said_pending", set())  # none said yet this process
    client.force_login(django_user_model.objects.create_superuser("boss", "b@x.example", "pw"))
    build = IndexBuild.objects.create(status="succeeded", trigger="admin")
    caplog.set_level("INFO")
    _migrate("0026_question_unanswerable")
    try:
        answered = [
            client.get("/admin/site_assistant/indexbuild/").status_code,
            client.get(f"/admin/site_assistant/indexbuild/{build.pk}/change/").status_code,
            client.get(f"/admin/site_assistant/indexbuild/{build.pk}/history/").status_code,
        ]
        _migrate(BEFORE_UNANSWERABLE)  # another migration pending too: said again
        answered.append(client.get("/admin/site_assistant/question/").status_code)
        answered.append(client.get("/admin/site_assistant/indexbuild/").status_code)
    finally:
        _migrate()
    assert answered == [503] * 5
    errors = [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert errors == [], [(r.name, r.getMessage()) for r in errors]
    said = [
        (r.name, r.levelname, r.getMessage())
        for r in caplog.records
        if r.name.startswith("site_assistant") and "pages answer 503" in r.getMessage()
    ]
    assert said == [
        (
            "site_assistant.templatetags.search_admin",
            "WARNING",
            "admin: migrations pending: run manage.py migrate (not applied: "
            "0027_indexbuild_other_host_urls, 0028_indexbuild_sitemaps_not_read_and_db_defaults, "
            f"0029_examplequestion_declines and {_after('0029')} more); its pages answer 503 until then",
        ),
        (
            "site_assistant.templatetags.search_admin",
            "WARNING",
            "admin: migrations pending: run manage.py migrate (not applied: "
            "0026_question_unanswerable, 0027_indexbuild_other_host_urls, "
            f"0028_indexbuild_sitemaps_not_read_and_db_defaults and {_after('0028')} more); "
            "its pages answer 503 "
            "until then",
        ),
    ], said


def _after(name: str) -> int:
    """How many of the app's migrations come after the one numbered ``name``."""
    folder = Path(site_assistant.migrations.__file__).parent
    return sum(1 for f in folder.glob("0*.py") if f.name[:4] > name)


def test_fix_this_answer_with_the_builds_table_behind_says_migrate_not_500(
    django_user_model, monkeypatch, built_index
):
    """Fix this answer saves an example question, and that sets off a build: a view of the
    questions' admin that writes to the builds' table too. With the questions' table as the
    code has it and the builds' behind (0027's column), saving it was a 500."""
    from django.test import Client

    from site_assistant import schema

    monkeypatch.setattr(schema, "RECHECK_SECONDS", 0.0)
    owners = Client(raise_request_exception=False)
    owners.force_login(django_user_model.objects.create_superuser("boss", "b@x.example", "pw"))
    question = Question.objects.create(text="how much is a shop?", channel="api")
    fix = f"/admin/site_assistant/question/{question.pk}/fix/"
    _migrate("0026_question_unanswerable")
    try:
        shown = owners.get(fix)
        saved = owners.post(fix, {"question": "how much is a shop?", "link": "/services/#pricing"})
    finally:
        _migrate()
    assert (shown.status_code, saved.status_code) == (503, 503)
    note = LexborHTMLParser(saved.content.decode()).css_first("#migrations-pending")
    assert "not applied: 0027_indexbuild_other_host_urls" in note.text()


def test_every_admin_action_that_sets_off_a_build_says_migrate_while_a_build_cannot_run(
    django_user_model, monkeypatch, own_index_dir
):
    """Saving or deleting an example question (its own add, change and delete pages, its
    list's Active boxes and "Delete selected"), a training run's Serve, Serve the base
    model and Train each set off an index build. With only 0027 and 0028 pending (the
    builds' table lacks a column, every other table is as the code has it), each answered
    302 with a success message, having saved the example question or switched the served
    model, while the build it set off failed, said only in the log. Each says what to run
    now, status 503, before anything is written."""
    from django.test import Client

    from site_assistant import embed, schema
    from site_assistant.models import ExampleQuestion, Page, Passage
    from site_assistant.training import tasks as training_tasks

    monkeypatch.setattr(schema, "RECHECK_SECONDS", 0.0)
    started = []
    monkeypatch.setattr(
        training_tasks,
        "start_training",
        lambda **kwargs: started.append(kwargs) or TrainingRun.objects.create(status="queued"),
    )
    owners = Client(raise_request_exception=False)
    owners.force_login(django_user_model.objects.create_superuser("boss", "b@x.example", "pw"))
    # bulk_create: no post_save, so no build is set off before the test's own requests.
    kept, deleted, listed, ticked = ExampleQuestion.objects.bulk_create(
        [
            ExampleQuestion(question="what does a shop cost?", url="/services/#pricing"),
            ExampleQuestion(question="where are you?", url="/contact/#where"),
            ExampleQuestion(question="do you sell games?", url="/game/#buy"),
            ExampleQuestion(question="zebra stripes?", url="/game/#zebra"),
        ]
    )
    Passage.objects.create(text="Prices.", url="/services/", anchor="pricing", text_hash="h")
    Page.objects.create(url="/services/")
    models = {}
    for name in ("served", "switched_off"):
        models[name] = own_index_dir / "models" / name
        models[name].mkdir(parents=True)
        (models[name] / "config.json").write_text("{}")
    embed.set_active_model(str(models["served"]))
    finished = {"status": "succeeded", "progress": 100, "activated": True}
    TrainingRun.objects.create(model_dir=str(models["served"]), **finished)
    switched_off = TrainingRun.objects.create(model_dir=str(models["switched_off"]), **finished)
    question = Question.objects.create(text="how much is a shop?", channel="api")
    examples = list(ExampleQuestion.objects.values_list("pk", "question", "url", "active"))
    runs = list(TrainingRun.objects.values_list("pk", "status"))
    served = embed.active_model_ref()

    admin = "/admin/site_assistant"
    # The list searched down to one row, its Active box unticked.
    on_the_list = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": ticked.pk}
    posted = [
        (f"{admin}/examplequestion/add/", {"question": "do you build shops?", "url": "/x/#a"}),
        (
            f"{admin}/examplequestion/{kept.pk}/change/",
            {"question": kept.question, "url": kept.url},
        ),
        (f"{admin}/examplequestion/{deleted.pk}/delete/", {"post": "yes"}),
        (f"{admin}/examplequestion/?q=zebra", {**on_the_list, "_save": "Save"}),
        (
            f"{admin}/examplequestion/",
            {"action": "delete_selected", "_selected_action": [listed.pk], "post": "yes"},
        ),
        (f"{admin}/question/{question.pk}/fix/", {"question": "shop?", "link": "/x/#a"}),
        (f"{admin}/trainingrun/{switched_off.pk}/serve/", {}),
        (f"{admin}/trainingrun/serve-base/", {}),
        (f"{admin}/trainingrun/train/", {"confirm": "yes"}),
        (f"{admin}/indexbuild/rebuild/", {}),
    ]
    _migrate("0026_question_unanswerable")
    try:
        answered = [(f"POST {url}", owners.post(url, data)) for url, data in posted]
        # Told before typing a question: the add page itself says so.
        answered.append(("GET add", owners.get(f"{admin}/examplequestion/add/")))
    finally:
        _migrate()
    not_said = [f"{url}: {r.status_code}" for url, r in answered if r.status_code != 503]
    assert not not_said, "\n".join(not_said)
    for url, response in answered:
        note = LexborHTMLParser(response.content.decode()).css_first("#migrations-pending")
        assert "(not applied: 0027_indexbuild_other_host_urls, 0028_" in note.text(), url
    # Nothing half done: no example question saved, switched off or deleted, no model
    # switched, no run started, no build recorded.
    assert list(ExampleQuestion.objects.values_list("pk", "question", "url", "active")) == (
        examples
    )
    assert Question.objects.get(pk=question.pk).fixed_by is None
    assert embed.active_model_ref() == served
    assert (list(TrainingRun.objects.values_list("pk", "status")), started) == (runs, [])
    assert not IndexBuild.objects.exists()


# Before 0029 "The site doesn't answer this" only marked the question.
BEFORE_DECLINES = "0028_indexbuild_sitemaps_not_read_and_db_defaults"
DECLINES = "0029_examplequestion_declines"


def test_questions_judged_before_0029_still_get_not_sure_after_the_upgrade(client, built_index):
    """Judged "the site doesn't answer this" before 0029, a question kept no example
    question that declines, and serving declines only those: after the upgrade visitors
    asking it got an answer again, the owner's judgement silently dropped. 0030 makes
    them, once per question as question_key reads it, as the admin's button does."""
    from site_assistant import declined
    from site_assistant.models import ExampleQuestion

    def logged(state, text, **fields):
        apps = MigrationExecutor(connection).loader.project_state([(APP, state)]).apps
        apps.get_model(APP, "Question").objects.create(text=text, channel="widget", **fields)

    _migrate(BEFORE_DECLINES)
    try:
        judged = {"unanswerable": True, "answered": True, "score": 0.6}
        logged(BEFORE_DECLINES, "do you sell Bambi plush toys?", **judged)
        logged(BEFORE_DECLINES, "Do you sell  bambi plush toys", **judged)  # the same, later
        logged(BEFORE_DECLINES, "can you mail me at ana@example.com?", **judged)  # personal
        logged(BEFORE_DECLINES, "is there a dark mode " * 20, **judged)  # too long to keep
        logged(BEFORE_DECLINES, "how much does a landing page cost?", answered=True)
        # Judged, then fixed by the owner's own example question: that one answers it.
        logged(BEFORE_DECLINES, "who is Bambi", **judged)
        old = MigrationExecutor(connection).loader.project_state([(APP, BEFORE_DECLINES)])
        old.apps.get_model(APP, "ExampleQuestion").objects.create(
            question="Who is Bambi?", url="/about/"
        )
        _migrate(DECLINES)
        # Judged since 0029 with its declining example question deleted: the owner's undo.
        logged(DECLINES, "do you host WordPress sites?", **judged)
    finally:
        _migrate()

    made = ExampleQuestion.objects.filter(declines=True)
    assert [(e.question, e.url, e.active) for e in made] == [
        ("Do you sell bambi plush toys", "", True)
    ]
    declined.forget_read()  # a web process started after the upgrade
    for asked in ("do you sell Bambi plush toys?", "can I buy a Bambi plushie?"):
        found = client.get("/api/search/", {"q": asked}).json()
        assert found["answer"] is None and found["results"], asked
    found = client.get("/api/search/", {"q": "how much does a landing page cost?"}).json()
    assert found["answer"] is not None

    # Backwards it deletes nothing, and forwards again makes no second one.
    _migrate(DECLINES)
    _migrate()
    assert ExampleQuestion.objects.filter(declines=True).count() == 1


# Before Question.text_key (0033): the log's questions had no key to group them by.
BEFORE_TEXT_KEY = "0032_examplequestion_review"


def test_0033_keys_the_questions_logged_before_it_in_batches(
    client, django_user_model, monkeypatch
):
    """The questions already in the log get their ``text_key``, a batch at a time, so the
    Unanswered list groups them as it groups new ones: 3 asks of two spellings, one row."""
    import importlib

    keying = importlib.import_module("site_assistant.migrations.0033_question_text_key")
    monkeypatch.setattr(keying, "BATCH", 2)  # several batches of a small log
    _migrate(BEFORE_TEXT_KEY)
    try:
        old = MigrationExecutor(connection).loader.project_state([(APP, BEFORE_TEXT_KEY)]).apps
        for text in ["How much is a website?", "how much is a website", "How much  is a Website"]:
            old.get_model(APP, "Question").objects.create(text=text, channel="widget")
        old.get_model(APP, "Question").objects.create(text="???", channel="api")
        old.get_model(APP, "Question").objects.create(text="Öffnungszeiten?", channel="api")
    finally:
        _migrate()
    keys = dict(Question.objects.values_list("text", "text_key"))
    assert keys == {
        "How much is a website?": "how much is a website",
        "how much is a website": "how much is a website",
        "How much  is a Website": "how much is a website",
        "???": "???",
        "Öffnungszeiten?": "öffnungszeiten",
    }
    client.force_login(django_user_model.objects.create_superuser("boss", "b@x.example", "pw"))
    listed = client.get("/admin/site_assistant/question/?attention=unanswered").context["cl"]
    assert sorted((q.text, q.asks) for q in listed.result_list) == [
        ("???", 1),
        ("How much  is a Website", 3),
        ("Öffnungszeiten?", 1),
    ]


# Before ExampleQuestion.source (0034): nothing told the owner's example questions from
# those the site shipped.
BEFORE_SOURCE = "0033_question_text_key"


def test_example_questions_from_before_0034_are_not_recorded_unless_a_site_migration_knows(
    client, django_user_model
):
    """0034 records nobody for the rows already there (nothing kept who added them), but for
    those that decline, which only the owner's "The site doesn't answer this" made. The
    site's own migration (bambicim 0006) then marks the questions its migrations shipped,
    by question and section, and the rest as the owner's; the list's filter tells them."""
    shipped = json.loads(
        Path("bambicim/fixtures/search_example_questions.json").read_text(encoding="utf-8")
    )
    first, second = (row["fields"] for row in shipped[:2])
    _migrate(BEFORE_SOURCE)
    try:
        old = MigrationExecutor(connection).loader.project_state([(APP, BEFORE_SOURCE)]).apps
        Example = old.get_model(APP, "ExampleQuestion")
        Example.objects.all().delete()
        Example.objects.create(question=first["question"], url=first["url"])
        # A shipped question the owner filed under another section: the owner's now.
        Example.objects.create(question=second["question"], url="/contact/")
        Example.objects.create(question="do you make logos?", url="/services/#branding")
        Example.objects.create(question="do you sell plush toys", url="", declines=True)
        call_command("migrate", "site_assistant", "0034", verbosity=0)
        from_0034 = dict(
            old.get_model(APP, "ExampleQuestion").objects.values_list("question", "url")
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT question, source FROM site_assistant_examplequestion")
            recorded = dict(cursor.fetchall())
    finally:
        _migrate()
    assert len(from_0034) == 4
    assert recorded == {
        first["question"]: "unrecorded",
        second["question"]: "unrecorded",
        "do you make logos?": "unrecorded",
        "do you sell plush toys": "owner",
    }
    assert dict(ExampleQuestion.objects.values_list("question", "source")) == {
        first["question"]: "site",
        second["question"]: "owner",
        "do you make logos?": "owner",
        "do you sell plush toys": "owner",
    }
    client.force_login(django_user_model.objects.create_superuser("boss", "b@x.example", "pw"))
    listed = client.get("/admin/site_assistant/examplequestion/", {"source": "site"})
    assert [e.question for e in listed.context["cl"].result_list] == [first["question"]]


# What visitors type, as the log keys it: plain, spaced, cased, ending in ?!.…, no words,
# mojibake, decomposed accents, entities, invisible characters, joiners that shape a
# word or an emoji, a flag's tag characters, case folding beyond ASCII, past the column.
TEXT_KEY_SAMPLES = [
    "How much is a website?",
    "  how   much IS a website?!.. ",
    "How much is a website…",
    "???",
    "",
    " ",
    "...!?",
    "Öffnungszeiten?",
    "STRASSE oder Straße?",
    "İstanbul office?",
    "cafÃ© opening hours",
    "cafe\u0301 opening hours",
    "prices &amp; plans",
    "tabs\tand\nnewlines",
    "how\u200b much",
    "\u202emoc.liamg@nhoj",
    "soft\u00adhyphen?",
    "می\u200cخواهم",
    "👩\u200d💻 jobs?",
    "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f office",
    "Kje je vaša pisarna?",
    "ما هو السعر؟",
    "x" * 600,
    "Why? " * 120,
]


def test_0033_keys_the_log_with_a_frozen_copy_that_agrees_with_the_live_function():
    """0033 keys the questions already logged with its own copy of ``text_key_of``, not
    the live one: a migration must key them as the column meant when it was written,
    whatever the code says later. The two agree today; when this fails, the live function
    was changed: the log's old keys then need a migration of their own, and the frozen
    copy stays as it is."""
    import importlib
    import inspect

    from site_assistant.models import text_key_of

    keying = importlib.import_module("site_assistant.migrations.0033_question_text_key")
    source = inspect.getsource(keying)
    assert "from site_assistant" not in source and "import site_assistant" not in source
    for text in TEXT_KEY_SAMPLES:
        assert keying.text_key_of(text) == text_key_of(text), text
