"""Fixtures shared by the whole suite.

- The search index of a test session lives in a temporary folder.
- ``celery_worker`` (one) and ``celery_workers`` (start as many as needed): real
  ``celery worker`` processes on the real Redis,
  sharing the test database (use with ``@pytest.mark.django_db(transaction=True)``).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# With the suite split across processes (pytest-xdist, `make test`), each has a Redis
# database of its own, the ones below TEST_REDIS_URL's (above db 0's): a ping of the workers ("is one
# running?") must not be answered by another process's test worker.
if (_XDIST_WORKER := os.environ.get("PYTEST_XDIST_WORKER", "gw0")) != "gw0":
    _url = urlsplit(TEST_REDIS_URL)
    _db, _nth = int(_url.path.strip("/") or 0), int(_XDIST_WORKER[2:])
    _db = _db - _nth if _db >= _nth else _db + _nth
    TEST_REDIS_URL = _url._replace(path=f"/{_db}").geturl()
    os.environ["TEST_REDIS_URL"] = TEST_REDIS_URL  # read by tests' subprocess sites
IN_CI = bool(os.environ.get("CI"))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_NUM_THREADS", "1")

_INDEX_DIR = Path(tempfile.mkdtemp(prefix="search-index-test-"))
# What a process a test starts (a fresh Python, manage.py, make, gunicorn) reads when the
# test names no database or index of its own: a scratch database and index folder, and
# the test database once it is set up (django_db_setup), never the checkout's own.
_CHILD_SITE = Path(tempfile.mkdtemp(prefix="child-site-test-"))
_CHILD_DATABASE_URL = f"sqlite:///{_CHILD_SITE / 'db.sqlite3'}"
# The Wagtail test site's migrated databases (wagtail_site_dir).
_WAGTAIL_DATABASES = Path(tempfile.mkdtemp(prefix="wagtailsite-db-test-"))


# What the settings and Celery read as the site's broker: the suite picks its own
# (TEST_REDIS_URL), never a developer's exported for `make run`/`make worker` (or a
# REDIS_URL in .env), which put every test's task on that Redis and its worker.
SHELL_BROKERS = ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")


def _without_shell_brokers(config) -> None:
    """The run started again without SHELL_BROKERS, saying so in one line, before any
    test: the settings (read before this file) derived the broker, the caches and eager
    tasks from them, and the processes the tests start inherit them."""
    found = [name for name in SHELL_BROKERS if os.environ.get(name)]
    if not found:
        return
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        capture.stop_global_capturing()  # the new process writes to the terminal
    sys.stderr.write(
        f"tests: ignoring {', '.join(found)} from the environment; the suite uses its own "
        f"Redis (TEST_REDIS_URL={TEST_REDIS_URL}): starting again without\n"
    )
    sys.stderr.flush()
    os.environ["REDIS_URL"] = ""  # empty, not unset: .env does not set it again
    for name in found:
        if name != "REDIS_URL":
            del os.environ[name]
    for folder in (_INDEX_DIR, _CHILD_SITE, _WAGTAIL_DATABASES, _SITE_INDEX):
        shutil.rmtree(folder, ignore_errors=True)
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])


def pytest_configure(config):
    from django.conf import settings

    _without_shell_brokers(config)
    global _CONFIG, _GUARD
    _CONFIG = config
    if not hasattr(config, "workerinput"):  # the run's first process (xdist's controller)
        _GUARD = CheckoutGuard(ROOT)
    # Django's own advice for a test run: the default hasher (PBKDF2, a million rounds)
    # took 1.2 s a password at load 9 (CHANGELOG), once when a test makes its user and
    # again at every log-in. Users made in this process only; a subprocess site makes its own.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]

    settings.SITE_ASSISTANT = {
        **getattr(settings, "SITE_ASSISTANT", {}),
        "INDEX_DIR": str(_INDEX_DIR),
    }
    # This process's settings are read (above): from here on the environment is the
    # children's. Without these they were `make run`'s site: the checkout's db.sqlite3
    # (or the DATABASE_URL of `make test-postgres`) and var/search-index. Not in xdist's
    # controller, which runs no test: its workers, which read their settings from the
    # environment it hands them, would all be on the scratch database.
    if not _xdist_controller(config):
        os.environ["DATABASE_URL"] = _CHILD_DATABASE_URL
        os.environ["SEARCH_INDEX_DIR"] = str(_CHILD_SITE / "search-index")


def _xdist_controller(config) -> bool:
    """Whether this process hands the tests to pytest-xdist's workers (``-n``)."""
    option = config.option
    return (
        not hasattr(config, "workerinput")
        and getattr(option, "dist", "no") != "no"
        and bool(getattr(option, "tx", None))
    )


def pytest_unconfigure(config):
    shutil.rmtree(_INDEX_DIR, ignore_errors=True)
    shutil.rmtree(_CHILD_SITE, ignore_errors=True)
    shutil.rmtree(_WAGTAIL_DATABASES, ignore_errors=True)
    shutil.rmtree(_SITE_INDEX, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's test database, and every process a test starts from here on gets
    it as its DATABASE_URL (see ``_CHILD_DATABASE_URL``)."""
    from django.db import connection

    os.environ["DATABASE_URL"] = _test_database_url(connection.settings_dict)
    yield
    os.environ["DATABASE_URL"] = _CHILD_DATABASE_URL


class CheckoutGuard:
    """The checkout's own data, `make run`'s: its database, search index and secret key
    (the Makefile's). Each file's mtime and size when the run started; ``changed()``
    names those written, made or removed since. A test run must leave them as they
    were: ``pytest_sessionfinish`` fails the run otherwise in CI (``CI`` set, as
    .ci/run sets it) and warns elsewhere, where a `make run` server of the same
    checkout answering meanwhile writes them too."""

    PATHS = ("db.sqlite3", "db.sqlite3-wal", "var/search-index", "var/secret-key")

    def __init__(self, root):
        self.root = Path(root)
        self.before = self.state()

    def state(self) -> dict[str, tuple[int, int]]:
        found = {}
        for name in self.PATHS:
            top = self.root / name
            paths = [top]
            if top.is_dir() and not top.is_symlink():
                for folder, dirs, files in os.walk(top):
                    paths += [Path(folder, entry) for entry in (*dirs, *files)]
            for path in paths:
                try:
                    stat = path.lstat()
                except FileNotFoundError:
                    continue
                found[str(path.relative_to(self.root))] = (stat.st_mtime_ns, stat.st_size)
        return found

    def changed(self) -> list[str]:
        after = self.state()
        return sorted(
            p for p in self.before.keys() | after.keys() if self.before.get(p) != after.get(p)
        )

    def finish(self, session, fail: bool = True) -> list[str]:
        """Fail ``session`` (when ``fail``) if the checkout's data changed; returns what
        changed."""
        changed = self.changed()
        if changed and fail:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return changed


_GUARD: CheckoutGuard | None = None
_GUARD_FOUND: list[str] = []


def pytest_sessionfinish(session, exitstatus):
    if _GUARD is not None:
        _GUARD_FOUND[:] = _GUARD.finish(session, fail=IN_CI)


def pytest_terminal_summary(terminalreporter):
    if _GUARD_FOUND:
        terminalreporter.write_sep("!", "the checkout's own data changed during the tests")
        for path in _GUARD_FOUND:
            terminalreporter.write_line(f"{ROOT / path}", red=True)
        terminalreporter.write_line(
            "A test (or a process it started) wrote to `make run`'s site. A test starts a "
            "process with the test database and a temporary index unless it names its own "
            "(tests/conftest.py); or a server of this checkout ran meanwhile. "
            + (
                "The run fails for it (CI is set)."
                if os.environ.get("CI")
                else "In CI the run fails for it."
            )
        )


@pytest.fixture(autouse=True)
def _withdrawn_read_again():
    """The withdrawn pages (and declined questions) a test made are gone with its
    transaction: the next test must not serve with them (site_assistant.withdrawn and
    site_assistant.declined read once a second).
    Nor wait out a pause after a database failure (questions, withdrawn), nor keep what
    a test that migrated back saw of the migrations (site_assistant.schema)."""
    yield
    from site_assistant import declined, outage, schema, withdrawn

    withdrawn.forget_read()
    declined.forget_read()
    outage.forget()
    schema.forget()


@contextmanager
def silent_server():
    """A loopback TCP server that accepts connections and never answers (a
    thread); yields its port. Fails the test if nothing ever connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except (TimeoutError, OSError):
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        server.close()
    assert accepted, "the silent server was never contacted"


@pytest.fixture
def database_down(transactional_db):
    """Every query fails to connect (a closed port for PostgreSQL, a file in a folder
    that does not exist for SQLite: the driver's own error) until ``database_down()``
    (the database is back) or the test ends."""
    from django.db import connection

    from tests.site_assistant.conftest import _closed_port

    saved = dict(connection.settings_dict)

    def back():
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/no-such-folder/db.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    yield back
    back()


@pytest.fixture(scope="session")
def index_dir():
    return _INDEX_DIR


_CONFIG = None
_EXPORT_CACHE = "onnx-export"  # in pytest's cache folder (.pytest_cache/d/, git-ignored)
_export_cache_read = False


def _export_cache_key() -> str:
    """What the packaged model's export is made from: its weights (the stamp its
    export.json names), the code that exports and serves it and the libraries that
    run it. Any change of these keys a new export."""
    import hashlib
    from importlib import metadata

    from site_assistant import embed, onnx_encoder, onnx_export

    model = embed.default_model_path()
    parts = [os.path.realpath(model), onnx_export.weights_stamp(model), str(onnx_export.FORMAT)]
    for module in (onnx_export, onnx_encoder):
        parts.append(hashlib.sha256(Path(module.__file__).read_bytes()).hexdigest())
    for package in ("torch", "transformers", "sentence-transformers", "onnx", "onnxruntime"):
        try:
            parts.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package} absent")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _export_cache_dir() -> Path | None:
    cache = getattr(_CONFIG, "cache", None)  # None with -p no:cacheprovider
    return None if cache is None else cache.mkdir(_EXPORT_CACHE) / _export_cache_key()


def _session_export() -> tuple[Path, bool]:
    """Where the session's export of the packaged model lives (``_INDEX_DIR``, whatever
    INDEX_DIR a test set), and whether an export there is current and was accepted (what
    ``embed.find_onnx`` and the encoder ask of it)."""
    from site_assistant import embed, onnx_export

    model = embed.default_model_path()
    folder = _INDEX_DIR / embed.ONNX_DIR / embed.onnx_dirs(model)[0].name
    meta = onnx_export.read_export(folder) or {}
    current = (
        meta.get("format") == onnx_export.FORMAT
        and meta.get("model_id") == embed.model_id(model)
        and onnx_export.same_weights(meta.get("weights") or "", onnx_export.weights_stamp(model))
        and bool(meta.get("accepted"))
    )
    return folder, current


def _read_export_cache():
    """The session's INDEX_DIR gets the packaged model's export an earlier test run of
    this checkout made (``keep_model_export``), when it was made from the same weights, code
    and libraries (``_export_cache_key``) and passes the checks of a current export
    (``_session_export``): `make test` then `make test-postgres` export once, not twice. A
    session without one exports for real, and test_onnx_export.py checks that export
    against torch; a test that removes or damages an export works on its own copy."""
    global _export_cache_read
    if _export_cache_read:
        return
    _export_cache_read = True
    cached = _export_cache_dir()
    target, _current = _session_export()
    if cached is None or not cached.is_dir() or target.exists():
        return
    tmp = target.parent / f".cached-{target.name}-{os.getpid()}"
    shutil.copytree(cached, tmp)
    os.rename(tmp, target)
    if not _session_export()[1]:  # not current after all: the session exports, and keeps that
        shutil.rmtree(target)
        shutil.rmtree(cached, ignore_errors=True)


def keep_model_export():
    """Keep the session's export of the packaged model for the next test run (see
    ``_read_export_cache``), unless one is kept already; older keys' exports (85 MB
    each) go."""
    cached = _export_cache_dir()
    folder, current = _session_export()
    if cached is None or cached.exists() or not current:
        return
    tmp = cached.parent / f".tmp-{cached.name}-{os.getpid()}"
    shutil.copytree(folder, tmp)
    try:
        os.rename(tmp, cached)
    except OSError:  # another test run kept it meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
    for older in cached.parent.iterdir():
        if older.name != cached.name and not older.name.startswith(".tmp-"):
            shutil.rmtree(older, ignore_errors=True)


def share_model_export(folder):
    """Give the INDEX_DIR ``folder`` (a test's own, or a subprocess site's) the session's
    ``onnx`` folder (a symlink): every build makes sure the served model has an export
    there, and one export (10-20 s) per test run is enough (or none: ``_read_export_cache``).
    A test about a missing export removes the link."""
    shared = _INDEX_DIR / "onnx"
    shared.mkdir(parents=True, exist_ok=True)
    _read_export_cache()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "onnx").is_symlink():
        (folder / "onnx").symlink_to(shared, target_is_directory=True)
    return folder


def wagtail_site_dir(folder, settings="settings"):
    """Make ``folder`` a WAGTAILSITE_DIR of the Wagtail test site
    (tests/site_assistant/wagtailsite/, ``settings`` its settings module): a
    ``db.sqlite3`` already migrated, and an ``index`` folder with the session's model
    export (``share_model_export``). The database is a copy of one migrated once per
    session and settings module: Wagtail's migrations took 5-10 s in every site
    process. The site's own ``migrate`` still runs, and finds nothing left to do."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_migrated_wagtail_database(settings), folder / "db.sqlite3")
    share_model_export(folder / "index")
    return folder


# Settings modules of the Wagtail test site whose apps are another's (in another order),
# or another's and a few more: their database starts as a copy of that one's, and their
# own ``migrate`` applies only what it lacks (django.contrib.admin's), not all of
# Wagtail's migrations again (15-30 s at load 4).
_WAGTAIL_BASES = {
    "app_first_settings": "settings",
    "i18n_settings": "settings",
    "owner_settings": "admin_settings",
}


def _migrated_wagtail_database(settings: str) -> Path:
    """The database of the Wagtail test site migrated by settings module ``settings``,
    once per session (``wagtail_site_dir``)."""
    template = _WAGTAIL_DATABASES / settings
    if not (template / "db.sqlite3").exists():
        template.mkdir(parents=True, exist_ok=True)
        if base := _WAGTAIL_BASES.get(settings):
            shutil.copyfile(_migrated_wagtail_database(base), template / "db.sqlite3")
        env = {
            "DJANGO_SETTINGS_MODULE": f"tests.site_assistant.wagtailsite.{settings}",
            "WAGTAILSITE_DIR": str(template),
        }
        run_python(
            "import django; django.setup(); from django.core.management import call_command;"
            " call_command('migrate', verbosity=0)",
            env,
        )
    return template / "db.sqlite3"


def run_python(script: str, env: dict, timeout: float = 300) -> str:
    """What ``python -c script`` prints, run in a fresh process at the repository's root
    with this process's environment and ``env``; fails the test, with the end of its
    stderr, if it exits with an error."""
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def copy_of_the_base_model(folder):
    """The base model's folder copied to ``folder``: a real model under another name
    (another model id), as a training run leaves one. Returns ``folder``."""
    from site_assistant import embed

    folder = Path(folder)
    shutil.copytree(embed.default_model_path(), folder)
    # Its ONNX export is the base model's (same weights, same mtime): copied
    # under its own model id rather than exported again (~10-30 s).
    base = embed.find_onnx(embed.default_model_path())
    if base is not None:
        shutil.copytree(base[0], folder / embed.ONNX_DIR)
        meta = {**base[1], "model_id": embed.model_id(str(folder)), "model_ref": str(folder)}
        (folder / embed.ONNX_DIR / "export.json").write_text(json.dumps(meta))
    return folder


@pytest.fixture
def owner_client(client, django_user_model):
    """The Django test client signed in as the site's owner (a superuser)."""
    client.force_login(django_user_model.objects.create_superuser("owner", "o@example.com", "pw"))
    return client


@pytest.fixture(scope="session")
def built_index(django_db_setup, django_db_blocker):
    """The real Bambicim site indexed with the real model, once per session.

    Returns the live ``IndexVersion``. The build's database rows are removed
    afterwards (they were committed outside any test's transaction), so tests
    that expect empty tables still get them; the index files stay current and
    the embedding cache stays, so a test's own rebuild of the site is quick.
    The version is copied aside: every test using this fixture finds it live again
    (``_the_site_index_is_live``), whatever a test before it built.
    """
    from site_assistant import index

    _read_export_cache()
    with django_db_blocker.unblock():
        _build_the_site()
    keep_model_export()
    name = (_INDEX_DIR / index.CURRENT).read_text().strip()
    shutil.copytree(_INDEX_DIR / name, _SITE_INDEX / name)
    return index.load_current()


# A copy of ``built_index``'s version, made live again before each test that uses it.
_SITE_INDEX = Path(tempfile.mkdtemp(prefix="search-site-index-test-"))


@pytest.fixture(autouse=True)
def _the_site_index_is_live(request):
    """Before a test that uses ``built_index``: the session's site index is the live
    version of the session's INDEX_DIR again. Tests that build (the admin's button, a
    real worker, an example question saved) make their build live there, with their own
    database's content and settings; a test of the real site's answers must not depend
    on which of them ran before it (the order differs when the suite is split across
    processes)."""
    if "built_index" in request.fixturenames:
        request.getfixturevalue("built_index")
        site_index_live()


def site_index_live():
    """Make ``built_index``'s version the live one of the session's INDEX_DIR again (for
    a fixture that asks for ``built_index`` by ``request.getfixturevalue``)."""
    from site_assistant import index

    (name,) = [folder.name for folder in _SITE_INDEX.iterdir()]
    pointer = _INDEX_DIR / index.CURRENT
    if pointer.exists() and pointer.read_text().strip() == name and (_INDEX_DIR / name).is_dir():
        return
    # Other tests' versions go: newer than it, they would be kept as builds in flight
    # and the site's pruned at the next build (index.prune).
    for other in _INDEX_DIR.iterdir():
        if other.name != name and other.is_dir() and index._VERSION_RE.match(other.name):
            shutil.rmtree(other, ignore_errors=True)
    if not (_INDEX_DIR / name).is_dir():  # pruned (KEEP_VERSIONS) since
        shutil.copytree(_SITE_INDEX / name, _INDEX_DIR / name)
    tmp = _INDEX_DIR / f"{index.CURRENT}.tmp-{os.getpid()}"
    tmp.write_text(name)
    os.replace(tmp, pointer)
    index.forget_loaded()


def _build_the_site():
    """One in-process build of the real site (its vectors kept, ``keep_site_vectors``); its
    IndexBuild, Page and Passage rows are removed (committed outside any test)."""
    from site_assistant import index
    from site_assistant.build import run_build
    from site_assistant.models import IndexBuild, Page, Passage

    build = run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))
    assert build.status == IndexBuild.Status.SUCCEEDED, build.error
    keep_site_vectors()
    for model in (Passage, Page, IndexBuild):
        model.objects.all().delete()
    index.forget_loaded()


# (model id, text hash, vector) of the texts builds of the real site embedded this session.
_SITE_VECTORS: list[tuple[str, str, bytes]] = []


def keep_site_vectors():
    """Keep the embedding cache's rows (``site_vectors``) if it holds more than kept so far."""
    from site_assistant.models import EmbeddingCache

    rows = EmbeddingCache.objects.values_list("model_id", "text_hash", "vector")
    if rows.count() > len(_SITE_VECTORS):
        _SITE_VECTORS[:] = [(model, text, bytes(vector)) for model, text, vector in rows]


@pytest.fixture
def site_vectors(transactional_db):
    """``site_vectors()`` puts the vectors an earlier build of the real site left this
    session (``built_index``'s, or a test's of this fixture) back in the embedding cache:
    the next build of the site embeds only the texts it has not seen. For tests of a real
    worker that are not about embedding: a transactional test starts with an empty cache,
    and a cold build of the site is ~10 s of a worker's time. The first such test of a
    session may find none kept, and its build embeds the site; what it left is kept."""

    def fill():
        from site_assistant.models import EmbeddingCache

        EmbeddingCache.objects.bulk_create(
            [EmbeddingCache(model_id=m, text_hash=h, vector=v) for m, h, v in _SITE_VECTORS],
            ignore_conflicts=True,
        )

    yield fill
    keep_site_vectors()


def redis_available(url=TEST_REDIS_URL):
    try:
        import redis

        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        return False


def _test_database_url(db_settings):
    engine = db_settings["ENGINE"]
    name = db_settings["NAME"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{name}"
    user = db_settings.get("USER") or ""
    host = db_settings.get("HOST") or "127.0.0.1"
    port = db_settings.get("PORT") or 5432
    auth = f"{user}@" if user else ""
    return f"postgres://{auth}{host}:{port}/{name}"


def _forget_connections(app):
    """Drop what the Celery app caches from its old broker/backend settings.

    Eager tasks earlier in the session leave a producer pool bound to the
    memory:// broker on ``app.amqp`` and a disabled result backend."""
    app.__dict__.pop("amqp", None)
    app._pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    """Every test starts with fresh rate-limit counts (THROTTLE_CACHE, the default cache
    here: each process of the run has its own) and the throttle's cache taken as up:
    every test asks from 127.0.0.1, and counted with the tests before it in the same
    minute one got 429 (Too Many Requests) instead of its answer."""
    from django.core.cache import caches

    from site_assistant import conf
    from site_assistant.api import throttles

    caches[conf.get("THROTTLE_CACHE")].clear()
    throttles._cache_down_until = 0.0


@pytest.fixture
def celery_workers(transactional_db, settings, tmp_path):
    """Start real Celery worker processes on the real Redis, sharing the test DB.

    ``celery_workers()`` starts one more worker on this test's queue (``queue="name"``:
    on that queue instead) and returns its process (``.log_path``: its log, ``celery-worker-<n>.log`` in the test's
    ``tmp_path``, which pytest keeps for its last few runs and then deletes; a failure
    to start names it and shows its tail), ``celery_workers(NAME=value)``
    with those environment variables besides (``include="module"``: a module of tasks
    the worker imports besides its own); ``celery_workers.several(n)``
    starts ``n`` at once (each takes seconds to start) and returns them once
    all answer; ``celery_workers.starting()`` (``queue=`` too) starts one and returns at once the
    function that waits until it answers and returns it; every worker still running
    is stopped after the test. An idle worker may start a build before
    ``request_rebuild`` returns it: "queued" or "running" (``pytest -p
    tests.worker_first`` makes the worker always first). Skipped with a clear reason only when Redis is
    unreachable (never in CI, where .ci/run starts Redis: there the test fails).
    """
    if not redis_available():
        if IN_CI:
            pytest.fail(f"Redis is not reachable at {TEST_REDIS_URL} in CI")
        pytest.skip(f"no Redis reachable at {TEST_REDIS_URL}")

    from django.db import connection

    from bambicim.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    previous = {
        k: app.conf.get(k)
        for k in ("broker_url", "result_backend", "task_always_eager", "task_default_queue")
    }
    app.conf.update(
        broker_url=TEST_REDIS_URL,
        result_backend=TEST_REDIS_URL,
        task_always_eager=False,
        task_default_queue=queue,
    )
    # Kombu caches the connection pool and the result backend per app (an
    # earlier eager .apply() caches a disabled one): drop both.
    _forget_connections(app)
    if "broker_connection" in app.__dict__:
        del app.__dict__["broker_connection"]

    env = {
        **os.environ,
        "REDIS_URL": TEST_REDIS_URL,
        "CELERY_QUEUE": queue,
        "DATABASE_URL": _test_database_url(connection.settings_dict),
        "SEARCH_INDEX_DIR": settings.SITE_ASSISTANT["INDEX_DIR"],
        "DEBUG": "0",
        "DJANGO_TESTING": "1",
        "PYTHONUNBUFFERED": "1",
    }
    procs = []

    def spawn(extra_env, include=None, consumes=None):
        number = len(procs) + 1
        log_path = tmp_path / f"celery-worker-{number}.log"
        hostname = f"{queue}-{number}@{os.uname().nodename}"
        with log_path.open("w") as log:  # the child keeps its own copy of the handle
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "bambicim",
                    "worker",
                    "-Q",
                    consumes or queue,
                    "--concurrency=1",
                    "--pool=solo",
                    "--loglevel=INFO",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    f"--hostname={hostname}",
                    *([f"--include={include}"] if include else []),
                ],
                cwd=ROOT,
                env={**env, **extra_env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        procs.append(proc)
        proc.log_path = str(log_path)
        proc.hostname = hostname
        return proc

    def answering(started):
        """Wait until every process of ``started`` answers a ping (60 s at most)."""
        waiting = {proc.hostname: proc for proc in started}
        deadline = time.monotonic() + 60
        while waiting and time.monotonic() < deadline:
            for proc in waiting.values():
                if proc.poll() is not None:
                    pytest.fail(f"celery worker exited: {_log_tail(proc)}")
            for reply in app.control.ping(timeout=0.5, destination=list(waiting)):
                for hostname in reply:
                    waiting.pop(hostname, None)
        for proc in waiting.values():
            pytest.fail(f"celery worker did not answer: {_log_tail(proc)}")
        return started

    def start(include=None, queue=None, **extra_env):
        return answering([spawn(extra_env, include, queue)])[0]

    def several(count, **extra_env):
        return answering([spawn(extra_env) for _ in range(count)])

    def starting(queue=None, **extra_env):
        proc = spawn(extra_env, consumes=queue)
        return lambda: answering([proc])[0]

    start.several = several
    start.starting = starting

    try:
        yield start
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        app.conf.update(previous)
        _forget_connections(app)


def _log_tail(proc) -> str:
    """A worker's log path and the last 3000 characters of it (for a failure message)."""
    return f"{proc.log_path}:\n{Path(proc.log_path).read_text()[-3000:]}"


@pytest.fixture
def celery_worker(celery_workers):
    """One real Celery worker process on the real Redis (see ``celery_workers``)."""
    return celery_workers()


def _i18n_host(settings, urlconf, languages, processors=()):
    """Set ``settings`` up as a host of ``urlconf`` under i18n_patterns: ``languages`` (the
    first the default), LocaleMiddleware, the app's own templates and words (not Bambicim's
    search page, title or greeting) and ``processors`` added to the templates' context
    processors. Every test starts with fresh rate-limit counts (``_fresh_rate_counts``)."""
    from django.utils import translation

    settings.ROOT_URLCONF = urlconf
    settings.LANGUAGE_CODE = languages[0][0]
    settings.LANGUAGES = languages
    middleware = list(settings.MIDDLEWARE)
    at = middleware.index("django.contrib.sessions.middleware.SessionMiddleware") + 1
    middleware.insert(at, "django.middleware.locale.LocaleMiddleware")
    settings.MIDDLEWARE = middleware
    options = settings.TEMPLATES[0].get("OPTIONS", {})
    processors = [*options.get("context_processors", []), *processors]
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "DIRS": [],
            "OPTIONS": {**options, "context_processors": processors},
        }
    ]
    settings.SITE_ASSISTANT = {
        key: value
        for key, value in settings.SITE_ASSISTANT.items()
        if not key.startswith(("WIDGET_", "PAGE_", "HANDOFF_", "SUGGESTED_"))
    }
    yield settings
    translation.deactivate()


@pytest.fixture
def slovenian_site(settings):
    """The host of tests/site_assistant/slovenian_site.py: a plain Django site in English and
    Slovenian under i18n_patterns, Slovenian the default, with the ``i18n`` context
    processor (``<html lang="{{ LANGUAGE_CODE }}">``); see ``_i18n_host``."""
    yield from _i18n_host(
        settings,
        "tests.site_assistant.slovenian_site",
        [("sl", "Slovenščina"), ("en", "English")],
        processors=["django.template.context_processors.i18n"],
    )


@pytest.fixture
def bilingual_site(settings):
    """The host of tests/site_assistant/bilingual_site.py: English and German pages under
    i18n_patterns, German the default (LANGUAGE_CODE "de"); see ``_i18n_host``."""
    yield from _i18n_host(
        settings, "tests.site_assistant.bilingual_site", [("de", "Deutsch"), ("en", "English")]
    )


@pytest.fixture
def faq_site(settings):
    """The host of tests/site_assistant/faq_site.py: German and English FAQ pages of model
    rows under i18n_patterns, German the default (LANGUAGE_CODE "de"), the admin at
    /de/admin/ and the app at /de/hilfe/; see ``_i18n_host``."""
    yield from _i18n_host(
        settings, "tests.site_assistant.faq_site", [("de", "Deutsch"), ("en", "English")]
    )
