"""The README's way to the admin, typed as a new developer types it: the command it
gives for the owner's account, in a terminal (a pty: createsuperuser asks only there),
in a checkout with nothing set in the environment."""

import os
import pty
import re
import select
import sqlite3
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = [
    (b"Username", b"owner"),
    (b"Email address", b"owner@example.com"),
    (b"Password:", b"a-long-owner-pass-42"),
    (b"Password (again)", b"a-long-owner-pass-42"),
]


def _readme_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"\*\*/admin/\*\* \(after `([^`]+)`", readme)
    assert found, "README names no command before /admin/"
    return found.group(1)


def _type_answers(command, env, timeout=120) -> tuple[int, str]:
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        ["bash", "-c", command],
        cwd=ROOT,
        env=env,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        start_new_session=True,  # no controlling terminal: getpass reads the pty
    )
    os.close(follower)
    seen, answers, deadline = b"", list(ANSWERS), time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the command ended and closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if answers and answers[0][0] in seen.rsplit(b"\n", 1)[-1]:
                os.write(leader, answers.pop(0)[1] + b"\n")
        elif process.poll() is not None:
            break
    code = process.wait(timeout=max(1, deadline - time.monotonic()))
    os.close(leader)
    return code, seen.decode("utf-8", "replace")


def test_the_readme_command_for_the_admin_creates_the_owner(tmp_path):
    """It said `.venv/bin/python manage.py createsuperuser`, which stops at once with
    "SECRET_KEY is not set" (a bare manage.py has DEBUG off); `make run` passes the
    checkout's own key and DEBUG on."""
    database = tmp_path / "db.sqlite3"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "DJANGO_SETTINGS_MODULE"}
        and not key.startswith(("PYTEST", "DJANGO_SUPERUSER"))
    }
    # The key the Makefile makes goes in the test's folder, not in the checkout's var/
    # (LOCAL_KEY is relative to the checkout).
    key = os.path.relpath(tmp_path / "secret-key", ROOT)
    env.update(DATABASE_URL=f"sqlite:///{database}", REDIS_URL="", MAKEFLAGS=f"LOCAL_KEY={key}")
    code, output = _type_answers(_readme_command(), env)
    assert code == 0, output[-2000:]
    assert "Superuser created successfully" in output, output[-2000:]
    with sqlite3.connect(database) as db:
        rows = db.execute("select is_superuser, is_staff from auth_user where username='owner'")
        assert rows.fetchall() == [(1, 1)]
    assert (tmp_path / "secret-key").stat().st_mode & 0o777 == 0o600
