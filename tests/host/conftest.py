"""The app as another site gets it: a wheel built from this repository, installed
into a fresh virtualenv, inside a brand-new project.

- ``wheel``: the app's wheel, built once per session (only the app package).
- ``fresh_venv``: a new virtualenv with the wheel installed by pip. It shares
  the heavy dependencies (torch, sentence-transformers, Django, Wagtail...)
  already installed in the test run's own virtualenv through a ``.pth`` file,
  so nothing is downloaded; pip still checks every requirement of the wheel
  against what that virtualenv can import (``--no-index``: a dependency the
  metadata names but nothing provides fails the install).
- ``first_build``: docs/install.md step 5's build, in a project's INDEX_DIR that shares
  the session's ONNX export of the packaged model (tests/conftest.py's
  ``share_model_export``): every project serves the same packaged model from the same
  shared site-packages, so the session's first build that finds no export makes it
  (through the wheel) and the other projects, and the rest of the suite, use it.
- ``started_early``: a module's ``early_setup`` (the slow steps that need no model),
  run in a thread from the session's first host test.
- ``Server``: ``manage.py runserver`` of a project on a free loopback port.
"""

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import site_assistant

from ..conftest import keep_model_export, share_model_export

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGE = site_assistant.__name__
DISTRIBUTION = "django-site-assistant"
# The version pyproject.toml gives the distribution (a release changes it there only).
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
SHARED_SITE_PACKAGES = sysconfig.get_paths()["purelib"]


def run(args, cwd, env, timeout=300, check=True):
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check:
        assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def first_build(site, python, env, index_dir):
    """docs/install.md step 5's `manage.py search_rebuild --sync` in a project whose
    INDEX_DIR is ``index_dir``, with the session's export of the packaged model (made
    here through the wheel if the session has none, and kept for the next test run)."""
    share_model_export(index_dir)
    result = run([python, "manage.py", "search_rebuild", "--sync"], site, env)
    keep_model_export()
    return result


@pytest.fixture(scope="session")
def wheel(tmp_path_factory):
    """Build the app's wheel from the repository, as `pip wheel --no-deps .` does."""
    out = tmp_path_factory.mktemp("wheel")
    # From a copy of what the build reads: setuptools would also pack whatever an
    # earlier build left in the checkout's build/ folder (e.g. a renamed package).
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "LICENSE", "CHANGELOG.md", "docs/install.md"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / APP_PACKAGE, source / APP_PACKAGE, ignore=shutil.ignore_patterns("__pycache__")
    )
    started = time.monotonic()
    # The build backend (setuptools, pinned in pyproject's [build-system]) comes
    # from the package index into pip's isolated build environment.
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, source], source, None)
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    print(f"built {wheels[0].name} in {time.monotonic() - started:.1f} s")
    return wheels[0]


def clean_env(venv):
    """The environment of a stranger's shell: no project variables, the venv first on PATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SEARCH_", "SITE_ASSISTANT_", "CELERY_", "PYTEST_"))
        and k not in ("DATABASE_URL", "PYTHONPATH", "REDIS_URL", "VIRTUAL_ENV")
    }
    env.update(
        {
            "PATH": f"{venv / 'bin'}:{env.get('PATH', '')}",
            "VIRTUAL_ENV": str(venv),
            "HF_HUB_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "OMP_NUM_THREADS": "1",
        }
    )
    return env


@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory, wheel):
    """A new virtualenv holding the wheel, shared by the session's projects (nothing
    installs into it after pip's install of the wheel); see make_fresh_venv."""
    return make_fresh_venv(tmp_path_factory.mktemp("fresh"), wheel)


def make_fresh_venv(tmp_path, wheel):
    """A new virtualenv holding the wheel, installed by pip with its requirements checked.

    Returns (venv folder, its python, the environment to run commands in).
    """
    venv = tmp_path / "venv"
    base_python = getattr(sys, "_base_executable", sys.executable)
    run([base_python, "-m", "venv", "--without-pip", venv], tmp_path, None)
    python = venv / "bin" / "python"
    site = Path(
        run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            tmp_path,
            None,
        ).stdout.strip()
    )
    # The heavy dependencies, shared rather than downloaded again (see the module docstring).
    (site / "zz_shared_dependencies.pth").write_text(SHARED_SITE_PACKAGES + "\n")
    env = clean_env(venv)
    started = time.monotonic()
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--no-index",
            "--find-links",
            wheel.parent,
            f"{DISTRIBUTION}=={VERSION}",
        ],
        tmp_path,
        env,
    )
    print(f"installed the wheel in {time.monotonic() - started:.1f} s")
    return venv, python, env


@pytest.fixture(scope="session", autouse=True)
def started_early(request, tmp_path_factory):
    """The slow first steps of the session's projects that need no model (a test module's
    ``early_setup(its own new folder, fresh_venv)``), each started in a thread at the
    session's first host test: a Wagtail project's migrations then run while the other
    projects' tests do (a second core, otherwise idle while one subprocess works).

    Gives a function: a module's ``__name__`` -> what its ``early_setup`` returned,
    once it has (what it raised is raised there, in the fixture that asked).
    """
    modules = {
        item.module.__name__: item.module
        for item in request.session.items
        if hasattr(getattr(item, "module", None), "early_setup")
    }
    venv = request.getfixturevalue("fresh_venv") if modules else None
    with ThreadPoolExecutor(max_workers=max(len(modules), 1)) as pool:
        started = {
            name: pool.submit(
                module.early_setup, tmp_path_factory.mktemp(name.rpartition(".test_")[2]), venv
            )
            for name, module in modules.items()
        }
        yield lambda name: started[name].result()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`manage.py runserver` of a throwaway project, on a free loopback port."""

    def __init__(self, python, site, env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = site / "runserver.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(python), "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=site,
            # Unbuffered: its log says what the system checks found before it listens.
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                assert self.process.poll() is None, self.log_path.read_text()
                time.sleep(0.1)
        raise AssertionError("runserver did not start in 60 s")

    def checked_clean(self):
        """Whether runserver's system checks (`manage.py check`'s, run before it listens)
        found nothing, not even a warning."""
        return "System check identified no issues (0 silenced)." in self.log_path.read_text()

    def get(self, path, headers=None):
        """(status, headers, body text) of a GET; an HTTP error status is returned, not raised."""
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
