"""A test run leaves the checkout's own site (`make run`'s db.sqlite3, var/search-index,
var/secret-key) as it found it: a process a test starts gets the test database and a
scratch index, and the run fails if that data changed all the same (tests/conftest.py)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, CheckoutGuard

# What a process started the plain way (this process's environment) would serve from.
SETTINGS_OF_A_CHILD = """
import json, django
django.setup()
from django.conf import settings
from django.db import connection
print(json.dumps([connection.settings_dict["NAME"], settings.SITE_ASSISTANT["INDEX_DIR"]]))
"""


def settings_of_a_child() -> tuple[Path, Path]:
    """The database and INDEX_DIR of a fresh ``python -c`` at the checkout's root with this
    process's environment, as a test starts one (``run_python``, manage.py, gunicorn)."""
    import json

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    proc = subprocess.run(
        [sys.executable, "-c", SETTINGS_OF_A_CHILD],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "bambicim.settings", "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    name, index_dir = json.loads(proc.stdout.strip().splitlines()[-1])
    return Path(name), Path(index_dir)


def test_a_process_a_test_starts_never_serves_the_checkouts_own_site():
    """With no database set up: a scratch database and index folder, not the checkout's."""
    name, index_dir = settings_of_a_child()
    assert name != ROOT / "db.sqlite3"
    assert not index_dir.resolve().is_relative_to(ROOT.resolve())


@pytest.mark.django_db
def test_a_process_a_test_starts_gets_the_test_database():
    """The test fresh-process answers (test_services.py) read the checkout's withdrawn
    pages and declined questions: the child's database was `make run`'s."""
    from django.db import connection

    name, index_dir = settings_of_a_child()
    if connection.vendor == "sqlite":
        assert name == Path(connection.settings_dict["NAME"])
    else:
        assert str(name) == connection.settings_dict["NAME"]
    assert not index_dir.resolve().is_relative_to(ROOT.resolve())


class _Session:
    exitstatus = pytest.ExitCode.OK


def a_checkout(folder: Path) -> Path:
    """``folder`` made a checkout with a built site: a database with rows and an index,
    written an hour ago (the file times of a session's start are coarse)."""
    with sqlite3.connect(folder / "db.sqlite3") as db:
        db.execute("create table page (path text)")
        db.executemany("insert into page values (?)", [("/",), ("/terms/",)])
    db.close()
    index = folder / "var" / "search-index"
    (index / "v-1").mkdir(parents=True)
    (index / "CURRENT").write_text("v-1")
    hour_ago = os.stat(folder / "db.sqlite3").st_mtime - 3600
    for path in (folder / "db.sqlite3", index / "CURRENT", index / "v-1", index):
        os.utime(path, (hour_ago, hour_ago))
    return folder


def test_the_run_fails_when_a_child_wrote_to_the_checkouts_database(tmp_path):
    """A child started the old way (the settings' default, db.sqlite3 at the checkout's
    root) deletes the site's pages, as the session's build cleaning its rows up did."""
    checkout = a_checkout(tmp_path)
    guard = CheckoutGuard(checkout)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3; db = sqlite3.connect('db.sqlite3');"
            " db.execute('delete from page'); db.commit()",
        ],
        cwd=checkout,
        check=True,
    )
    session = _Session()
    assert guard.finish(session) == ["db.sqlite3"]
    assert session.exitstatus == pytest.ExitCode.TESTS_FAILED


def test_the_run_fails_when_the_checkouts_index_or_key_changed_or_a_database_appeared(
    tmp_path,
):
    checkout = a_checkout(tmp_path)
    (checkout / "db.sqlite3").unlink()  # a checkout without `make run` yet...
    guard = CheckoutGuard(checkout)
    sqlite3.connect(checkout / "db.sqlite3").close()  # ...gets one by a child's reading
    (checkout / "var" / "search-index" / "v-2").mkdir()
    (checkout / "var" / "secret-key").write_text("made by make")
    session = _Session()
    assert guard.finish(session) == [
        "db.sqlite3",
        "var/search-index",
        "var/search-index/v-2",
        "var/secret-key",
    ]
    assert session.exitstatus == pytest.ExitCode.TESTS_FAILED


def test_a_run_that_only_read_the_files_or_wrote_elsewhere_passes(tmp_path):
    checkout = a_checkout(tmp_path)
    guard = CheckoutGuard(checkout)
    (checkout / "var" / "search-index" / "CURRENT").read_text()
    (checkout / "var" / "test-123.sqlite3").write_text("the test database")
    session = _Session()
    assert guard.finish(session) == []
    assert session.exitstatus == pytest.ExitCode.OK
