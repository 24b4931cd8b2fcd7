"""Who exports the served model to ONNX, and when: a build (even with nothing new to
embed, before its chunks fan out), never a visitor's request. The real model; a test
that removes the export has it made again through ``embed.export_onnx`` (its lock, its
folder), with the session's export linked into place where torch's export and check
would run (``export_by_linking``): that work (15-70 s on a loaded machine, three times
here) is checked once a session by test_onnx_export.py, on the export every build of
the session serves (made in this session, or by an earlier test run from the same
weights, code and libraries: tests/conftest.py, ``_read_export_cache``)."""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from django.urls import reverse

from site_assistant import embed, health
from site_assistant.build import PREPARE_MODEL, run_build
from site_assistant.models import EmbeddingCache, IndexBuild

pytestmark = pytest.mark.django_db


def build():
    return run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))


def export_by_linking(monkeypatch, release=None):
    """``onnx_export``'s export (in this process or a child) writes the session's export
    of the same model (hard links, or copies across file systems) into its folder, as
    the real one does: under a temporary name, renamed into place. With ``release`` (a
    threading.Event) it first waits for it, as a real export takes its tens of seconds
    (at most a minute: an export the test never releases still ends)."""
    from site_assistant import onnx_export

    found = embed.find_onnx()
    assert found is not None  # the session's export (own_index_dir links it)
    shared = found[0].resolve()

    def link(source, target):
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    def export(model_ref, out_dir, model_id):
        if release is not None:
            release.wait(timeout=60)
        meta = onnx_export.read_export(shared)
        assert meta["model_id"] == model_id, (meta["model_id"], model_id)
        out_dir = Path(out_dir)
        tmp = out_dir.parent / f".tmp-{out_dir.name}-{os.getpid()}"
        shutil.copytree(shared, tmp, copy_function=link)
        os.rename(tmp, out_dir)
        return meta

    monkeypatch.setattr(onnx_export, "export", export)
    monkeypatch.setattr(onnx_export, "export_in_child", export)


def _without_export(own_index_dir, monkeypatch, release=None):
    """This INDEX_DIR loses its ``onnx`` folder (restored from a backup without it) and
    the process has no encoder loaded (a new one). Returns the stages the running
    build's row showed (what the owner's page reads) each time the model was exported
    (``export_by_linking``, with ``release``)."""
    export_by_linking(monkeypatch, release)
    (own_index_dir / "onnx").unlink()
    embed.forget_models_except()
    during = []
    export = embed.export_onnx

    def watched_export(*args, **kwargs):
        running = IndexBuild.objects.filter(status="running").first()
        during.append(running.stage if running else None)
        return export(*args, **kwargs)

    monkeypatch.setattr(embed, "export_onnx", watched_export)
    return during


@pytest.fixture
def no_export(own_index_dir, monkeypatch):
    yield _without_export(own_index_dir, monkeypatch)
    embed.forget_models_except()  # later tests load the session's export again


def test_a_build_with_nothing_new_to_embed_exports_the_model_under_its_own_stage(
    testsite, own_index_dir, monkeypatch
):
    """A build that embeds nothing never loads the model: its export was left to the
    calibration, under "calibrate", with no word of the half minute it took."""
    build()  # every text in the embedding cache
    during = _without_export(own_index_dir, monkeypatch)
    seen = []
    try:
        done = run_build(
            IndexBuild.objects.create(), lambda percent, stage: seen.append((percent, stage))
        )
    finally:
        embed.forget_models_except()
    assert done.status == "succeeded" and done.embedded == 0, done.error
    assert during == [PREPARE_MODEL], during
    assert (45, PREPARE_MODEL) in seen, seen
    assert embed.find_onnx() is not None


def test_a_chunked_build_exports_the_model_once_before_the_chunks_fan_out(
    testsite, settings, no_export
):
    """Each chunk exported the model by itself, under "embed" (a worker each, at once,
    into the same folder); now the build does, once, before it hands them out."""
    from site_assistant.tasks import rebuild_index

    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "BUILD_CHUNK_SIZE": 3,
        "BUILD_CHUNK_MIN_TEXTS": 4,
    }
    EmbeddingCache.objects.all().delete()  # every text to embed: chunks
    result = rebuild_index.apply(kwargs={"trigger": "command"}).get()
    done = IndexBuild.objects.get(pk=result["build"])
    assert result["chunks"] > 2 and done.status == "succeeded", done.error
    assert no_export == [PREPARE_MODEL], no_export
    assert embed.find_onnx() is not None


def test_a_question_never_waits_for_the_model_export(
    testsite, own_index_dir, monkeypatch, client, settings
):
    """A web process whose model has no export exported it inside a visitor's request:
    50 s under runserver, and under gunicorn a 500 at its 30 s timeout, the worker
    killed and the next one doing the same. Now the question gets a 503 at once, the
    export runs in the background, /health/ says so, and the next question is answered."""
    # The app's own search page (the test site has no base template of Bambicim's).
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "PAGE_BASE_TEMPLATE": "site_assistant/base.html",
    }
    build()
    monkeypatch.setattr(embed, "_background", {})
    exported = threading.Event()  # the export takes its time: until the checks below
    during = _without_export(own_index_dir, monkeypatch, release=exported)
    health.forget_probes()
    url = "/assistant/api/search/?q=When+are+you+open"
    try:
        started = time.monotonic()
        first = client.get(url)
        took = time.monotonic() - started
        assert first.status_code == 503, first.content[:300]
        assert "getting ready" in first.json()["detail"] and first["Retry-After"] == "60"
        assert took < 10, f"the request waited {took:.1f} s"
        # The search page said "I’m still reading the site" (the index is read already).
        page = client.get(reverse("site_assistant:page"), {"q": "When are you open?"})
        assert page.status_code == 503
        assert "The search is getting ready" in page.content.decode()
        assert "still reading" not in page.content.decode()
        assert embed.exporting()
        assert client.get("/assistant/health/").status_code == 503
        assert health.check_model()["exporting"] is True
        exported.set()
        for thread in list(embed._background.values()):
            thread.join(timeout=600)
        assert during == [None] and embed.find_onnx() is not None
        again = client.get(url)
        assert again.status_code == 200, again.content[:300]
        assert again.json()["results"]
    finally:
        exported.set()
        embed.forget_models_except()


def test_a_process_waiting_for_anothers_export_serves_that_one(own_index_dir, monkeypatch):
    """Two processes exporting the same model at once (two chunks' workers, two web
    processes) wrote the same folder twice; the second now waits and takes the first's."""
    from site_assistant import onnx_export

    embed.ensure_export()
    shared = embed.find_onnx()
    assert shared is not None  # the session's export (own_index_dir links it)
    shared = shared[0].resolve()
    (own_index_dir / "onnx").unlink()
    exported = []
    monkeypatch.setattr(onnx_export, "export_in_child", lambda *args: exported.append(args) or {})
    out = embed._writable_onnx_dir(embed.active_model_ref())
    got = {}
    with embed._export_lock(out):  # another process is exporting
        waiting = threading.Thread(target=lambda: got.update(embed.export_onnx()))
        waiting.start()
        time.sleep(1)
        shutil.copytree(shared, out)  # ... and its export lands
    waiting.join(timeout=30)
    assert exported == [] and got["model_id"] == embed.model_id()


def _interrupted_export(model):
    """A real export of ``model`` killed (SIGKILL) once it has begun writing: what it left."""
    import os
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "site_assistant.onnx_export", str(model), str(model / "onnx"), "x"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    left = model / f".tmp-onnx-{proc.pid}"
    try:
        deadline = time.monotonic() + 240
        while not (left / "model.onnx").exists() and proc.poll() is None:
            assert time.monotonic() < deadline, "the export never began writing"
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert left.is_dir()
    return left


def _aged(folder, seconds):
    import os

    then = time.time() - seconds
    for path in [folder, *folder.iterdir()]:
        os.utime(path, (then, then))


def test_folders_left_by_an_interrupted_export_are_swept_by_the_next_build(served_copy, caplog):
    """An export killed while writing left its ``.tmp-onnx-<pid>`` folder (tens of MB) beside
    the model's export, and nothing ever removed it. The next build removes such folders
    once over an hour old, in one log line; not a younger one, nor one whose export lock a
    process holds (an export under way)."""
    import fcntl

    stale = _interrupted_export(served_copy)
    _aged(stale, embed.STALE_EXPORT_SECONDS + 60)
    young = served_copy / ".tmp-onnx-999999"
    shutil.copytree(stale, young)
    _aged(young, embed.STALE_EXPORT_SECONDS - 600)
    shared = embed.index_dir() / embed.ONNX_DIR  # where packaged models' exports are
    held = shared / ".tmp-held-model-999998"
    shutil.copytree(stale, held)
    _aged(held, embed.STALE_EXPORT_SECONDS + 60)
    caplog.clear()
    with open(shared / ".held-model.export-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as another process's export holds it
        done = build()
    assert done.status == "succeeded", done.error
    assert not stale.exists()
    assert young.is_dir() and held.is_dir()
    said = [r.getMessage() for r in caplog.records if "interrupted ONNX exports" in r.getMessage()]
    assert said == [
        f"removed 1 folder(s) left by interrupted ONNX exports over "
        f"{embed.STALE_EXPORT_SECONDS} s ago: {stale}"
    ]
    _aged(young, embed.STALE_EXPORT_SECONDS + 60)
    assert embed.sweep_stale_exports() == [young, held]  # the lock released: both go
    (shared / ".held-model.export-lock").unlink()
