"""A `django-admin startproject` site with its own Celery app, made from docs/install.md's
step 6 as written: its `mysite/celery.py`, `mysite/__init__.py` and settings blocks are
read from the page (only the Redis URL is the test's), and the worker is started as the
page says (`celery -A mysite worker --concurrency=1`).

A registered model's row saved in another process is rebuilt by that worker (not in the
saving process), the running web server answers from the new text, the admin's "Rebuild
index now" is run by the worker, and `/health/` says
"degraded" once the worker was stopped (its heartbeat) and a rebuild waits for it.
"""

import json
import os
import re
import subprocess
import textwrap
import time
import urllib.parse
import urllib.request
import uuid

import pytest

import site_assistant as app_package

from .conftest import ROOT, Server, first_build, run

APP = app_package.__name__
PROJECT = "mysite"  # the name install.md's blocks use
TOKEN = "monitor-token"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = [pytest.mark.host, pytest.mark.slow, pytest.mark.celery]


def install_md_block(starts_with):
    """The ```python block of install.md's step 6 whose first line starts so."""
    section = (ROOT / "docs" / "install.md").read_text().split("## 6. ", 1)[1].split("\n## ", 1)[0]
    blocks = [
        b for b in re.findall(r"```python\n(.*?)```", section, re.S) if b.startswith(starts_with)
    ]
    assert len(blocks) == 1, f"install.md step 6 has no one block starting {starts_with!r}"
    return blocks[0]


def redis_answers():
    try:
        import redis

        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False


def shell(project, code, timeout=180):
    site, python, env = project
    return run([python, "manage.py", "shell", "-c", textwrap.dedent(code)], site, env, timeout)


@pytest.fixture(scope="module")
def project(tmp_path_factory, request):
    if not redis_answers():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL} in CI")
        pytest.skip(f"no Redis reachable at {REDIS_URL}")
    venv, python, env = request.getfixturevalue("fresh_venv")
    site = tmp_path_factory.mktemp("celery-host") / "site"
    site.mkdir()
    run([python, "-m", "django", "startproject", PROJECT, site], site, env)
    pkg, notes = site / PROJECT, site / "notes"
    notes.mkdir()
    (notes / "__init__.py").write_text("")
    (notes / "models.py").write_text(
        textwrap.dedent("""
        from django.db import models

        class Note(models.Model):
            title = models.CharField(max_length=200)
            body = models.TextField()

            def get_absolute_url(self):
                return f"/notes/{self.pk}/"
    """)
    )
    # install.md step 6: register in the app's AppConfig.ready().
    (notes / "apps.py").write_text(
        textwrap.dedent(f"""
        from django.apps import AppConfig

        class NotesConfig(AppConfig):
            name = "notes"
            default_auto_field = "django.db.models.BigAutoField"

            def ready(self):
                import {APP}

                from .models import Note

                {APP}.register(Note, fields=["title", "body"], url="get_absolute_url")
    """)
    )
    (pkg / "templates").mkdir()
    (pkg / "templates" / "home.html").write_text(
        f"{{% load {APP} %}}<!doctype html><html lang='en'><body><main><h1>The tea room</h1>"
        "<h2 id='hours'>Opening hours</h2><p>The tea room is open from nine to six, "
        "every day except Monday.</p></main>{% search_widget %}</body></html>"
    )
    (pkg / "urls.py").write_text(
        textwrap.dedent(f"""
        from django.contrib import admin
        from django.contrib.sitemaps.views import sitemap
        from django.contrib.sitemaps import Sitemap
        from django.urls import include, path, reverse
        from django.views.generic import TemplateView

        class Pages(Sitemap):
            def items(self):
                return ["home"]

            def location(self, name):
                return reverse(name)

        urlpatterns = [
            path("admin/", admin.site.urls),
            path("", TemplateView.as_view(template_name="home.html"), name="home"),
            path("sitemap.xml", sitemap, {{"sitemaps": {{"pages": Pages}}}}),
            path("assistant/", include("{APP}.urls")),
        ]
    """)
    )
    # install.md step 6, as written: the Celery app, the package's import of it, the settings.
    (pkg / "celery.py").write_text(install_md_block(f"# {PROJECT}/celery.py"))
    (pkg / "__init__.py").write_text(install_md_block(f"# {PROJECT}/__init__.py"))
    settings = install_md_block("# settings").replace("redis://127.0.0.1:6379/0", REDIS_URL)
    assert REDIS_URL in settings, settings
    queue = f"host-{uuid.uuid4().hex[:8]}"  # this test's own queue on the shared Redis
    with open(pkg / "settings.py", "a") as f:
        f.write(settings)
        f.write(
            textwrap.dedent(f"""
            CELERY_TASK_DEFAULT_QUEUE = {queue!r}
            INSTALLED_APPS += ["django.contrib.sitemaps", "rest_framework", {APP!r}, "notes"]
            TEMPLATES[0]["DIRS"] = [BASE_DIR / {PROJECT!r} / "templates"]
            {APP.upper()} = {{
                "INDEX_DIR": BASE_DIR / "var" / "site-assistant",
                "REBUILD_DEBOUNCE_SECONDS": 1,
                "HEALTH_TOKEN": {TOKEN!r},
            }}
        """)
        )
    run([python, "manage.py", "makemigrations", "notes", "-v0"], site, env)
    run([python, "manage.py", "migrate", "-v0"], site, env)
    first_build(site, python, env, site / "var" / "site-assistant")
    return site, python, env


class Worker:
    """`celery -A mysite worker --concurrency=1`, as install.md starts it (``wait_for``
    "ready." says it has)."""

    def __init__(self, project):
        site, python, env = project
        self.log_path = site / f"worker-{uuid.uuid4().hex[:6]}.log"
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [python, "-m", "celery", "-A", PROJECT, "worker", "--concurrency=1"]
                + ["--loglevel=INFO", f"--hostname={self.log_path.stem}@%h"],
                cwd=site,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.queue = run(
            [python, "-c", f"from {PROJECT}.celery import app; print(app.conf.task_default_queue)"],
            site,
            env,
        ).stdout.strip()

    def log(self):
        return self.log_path.read_text()

    def wait_for(self, text, seconds=90):
        deadline = time.monotonic() + seconds
        while text not in self.log():
            assert self.process.poll() is None and time.monotonic() < deadline, self.log()[-3000:]
            time.sleep(0.1)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def worker(project, request):
    import redis

    worker = Worker(project)
    request.getfixturevalue("server")  # the web server starts while the worker does
    worker.wait_for("ready.")
    yield worker
    worker.stop()
    # The tasks left queued for the stopped worker (this test's own queue).
    redis.Redis.from_url(REDIS_URL).delete(worker.queue)


@pytest.fixture(scope="module")
def server(project):
    site, python, env = project
    server = Server(python, site, env)
    yield server
    server.stop()


def answer_url(server, question):
    status, _, body = server.get(
        f"/assistant/api/search/?{urllib.parse.urlencode({'q': question})}"
    )
    assert status == 200, body
    return (json.loads(body)["answer"] or {}).get("url")


def health(server):
    status, _, body = server.get("/assistant/health/", {"Authorization": f"Bearer {TOKEN}"})
    return status, json.loads(body)


def test_a_saved_row_is_rebuilt_by_the_worker_and_answered(project, worker, server):
    # install.md's worker_process_init hook: the index and encoder load at the start.
    worker.wait_for("search warmed up: {'ready': True")
    status, _, home = server.get("/")
    assert status == 200 and 'data-search-url="/assistant/api/search/"' in home
    assert answer_url(server, "Do you sell gift vouchers?") != "/notes/1/"

    saved = shell(
        project,
        f"""
        from notes.models import Note
        from {APP}.models import IndexBuild
        Note.objects.create(title="Gift vouchers", body="Gift vouchers are sold at the counter.")
        print("BUILD", IndexBuild.objects.latest("pk").status)
        """,
    )
    # The saving process only queued the build (it ran nothing itself).
    assert "BUILD queued" in saved.stdout, saved.stdout + saved.stderr
    deadline = time.monotonic() + 120
    while answer_url(server, "Do you sell gift vouchers?") != "/notes/1/":
        assert time.monotonic() < deadline, worker.log()[-3000:]
        time.sleep(0.25)
    log = worker.log()
    assert re.search(rf"Task {APP}\.tasks\.rebuild_index\[[0-9a-f-]+\] succeeded", log), log
    latest = f"from {APP}.models import IndexBuild as B; b = B.objects.latest('pk')"
    built = shell(project, f"{latest}; print('TASK', b.status, bool(b.task_id))")
    assert "TASK succeeded True" in built.stdout, built.stdout


def test_the_admins_rebuild_button_is_run_by_the_worker(project, worker, server):
    """Signed in to Django's admin, "Rebuild index now" queues a build the worker runs."""
    shell(
        project,
        "from django.contrib.auth.models import User; User.objects.create_superuser('o', '', 'pw')",
    )
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())

    def post(path, html, **fields):
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(server.url + path, data, {"Referer": server.url + path})
        return browser.open(request, timeout=60).read().decode()

    login = browser.open(server.url + "/admin/login/", timeout=60).read().decode()
    post("/admin/login/", login, username="o", password="pw", next="/admin/")
    builds = browser.open(server.url + f"/admin/{APP}/indexbuild/", timeout=60).read().decode()
    assert f'action="/admin/{APP}/indexbuild/rebuild/"' in builds
    landed = post(f"/admin/{APP}/indexbuild/rebuild/", builds)
    # A worker can finish this small site's build before the admin writes its message.
    number = re.search(r"Index rebuild #(\d+) (queued|is running|finished)", landed)
    assert number, landed
    worker.wait_for(f"{{'build': {number.group(1)}, 'status': 'succeeded'", seconds=120)


def test_with_the_worker_stopped_health_says_rebuilds_wait(project, worker, server):
    """The broker answers, the worker does not: /health/ is "degraded" at once with nothing
    queued (the worker's heartbeat, written through this project's own Celery app, says
    it shut down), and a saved row's rebuild, once it has waited past its start by a
    minute, is said to wait."""
    status, body = health(server)
    assert status == 200 and body["status"] == "ok", body
    assert body["worker"]["ok"] and body["worker"]["workers"] == 1, body
    worker.stop()
    status, body = health(server)
    assert status == 200 and body["status"] == "degraded", body
    assert body["broker"]["ok"] and body["worker"]["ok"] is False, body
    assert body["worker"]["silent"].startswith("No worker is running: the last one ("), body
    assert "shut down" in body["worker"]["silent"], body
    # The command to start it names this project's Celery app, not a placeholder.
    assert f"(start one: celery -A {PROJECT} worker)" in body["worker"]["silent"], body
    shell(
        project,
        f"""
        from datetime import timedelta
        from django.utils import timezone
        from notes.models import Note
        from {APP}.models import IndexBuild
        Note.objects.create(title="Parking", body="Bicycles park behind the tea room.")
        IndexBuild.objects.filter(status="queued").update(created=timezone.now() - timedelta(minutes=5))
        """,
    )
    status, body = health(server)
    assert status == 200 and body["status"] == "degraded", body
    assert body["broker"]["ok"] and body["worker"]["ok"] is False, body
    assert body["worker"]["waiting"].startswith("No worker is running"), body
