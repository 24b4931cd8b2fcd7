"""Two gunicorns from gunicorn.conf.py on one machine (two sites, or a bench beside the
live site): both serve, and neither takes the other's control socket (``gunicornc``).

gunicorn 27 opens its control socket at one path per user by default
(~/.gunicorn/gunicorn.ctl): the second instance deleted the first one's socket and
listened there, and deleted it again when it stopped, leaving the first with none.
"""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests import gunicorn_server
from tests.conftest import _test_database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PORTS = (8103, 8104)


@pytest.fixture
def env(built_index, settings, tmp_path):
    from django.db import connection

    home = tmp_path / "home"
    home.mkdir()
    environ = {k: v for k, v in os.environ.items() if k not in ("XDG_RUNTIME_DIR",)}
    environ.pop("GUNICORN_CONTROL_SOCKET", None)
    return {
        **environ,
        "HOME": str(home),  # gunicorn's default socket: ~/.gunicorn/gunicorn.ctl
        "DEBUG": "0",
        "DJANGO_TESTING": "1",
        "DATABASE_URL": _test_database_url(connection.settings_dict),
        "SEARCH_INDEX_DIR": settings.SITE_ASSISTANT["INDEX_DIR"],
        "PYTHONUNBUFFERED": "1",
    }


def healthy(port: int) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/health/", headers={"X-Forwarded-Proto": "https"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def two_gunicorns(envs: list[dict], tmp_path: Path):
    """Start one gunicorn per env (one worker each), the second once the first serves."""
    procs = []
    try:
        for port, env in zip(PORTS, envs, strict=True):
            log_path = tmp_path / f"gunicorn-{port}.log"
            proc = gunicorn_server.start(gunicorn_server.conf_args(port, workers=1), env, log_path)
            proc.log_path = log_path
            procs.append(proc)
            gunicorn_server.wait_for_warm_up(proc, log_path, workers=1)
            # The master opens its control socket after its first workers are up.
            if env.get("GUNICORN_CONTROL_SOCKET"):
                gunicorn_server.wait_until(
                    proc,
                    log_path,
                    lambda path=env["GUNICORN_CONTROL_SOCKET"]: Path(path).exists(),
                    30,
                    what="no control socket",
                )
    except BaseException:
        for proc in procs:
            gunicorn_server.stop(proc)
        raise
    return procs


def control(socket_path, command: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "gunicorn.ctl.cli", "-s", str(socket_path), "-j", "-c", command],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout)


def test_two_instances_both_serve_and_leave_no_socket_at_the_shared_path(env, tmp_path):
    procs = two_gunicorns([env, env], tmp_path)
    try:
        assert [healthy(port) for port in PORTS] == [200, 200]
        assert not (Path(env["HOME"]) / ".gunicorn" / "gunicorn.ctl").exists()
        for proc in procs:
            assert "control socket off" in proc.log_path.read_text()
    finally:
        for proc in procs:
            gunicorn_server.stop(proc)


def test_each_instance_asked_for_a_socket_answers_on_its_own(env, tmp_path):
    paths = [tmp_path / "live.ctl", tmp_path / "bench.ctl"]
    procs = two_gunicorns(
        [{**env, "GUNICORN_CONTROL_SOCKET": str(path)} for path in paths], tmp_path
    )
    try:
        assert [healthy(port) for port in PORTS] == [200, 200]
        for proc, path in zip(procs, paths, strict=True):
            assert control(path, "show all")["arbiter"]["pid"] == proc.pid
        gunicorn_server.stop(procs[1])  # the bench goes; the live site keeps its socket
        assert not paths[1].exists()
        assert control(paths[0], "show all")["arbiter"]["pid"] == procs[0].pid
    finally:
        for proc in procs:
            gunicorn_server.stop(proc)
